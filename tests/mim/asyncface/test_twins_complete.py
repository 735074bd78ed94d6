"""Every test module of the public face has its async twin here."""

from __future__ import annotations

import pathlib

HERE = pathlib.Path(__file__).parent
SUITE = HERE.parent
# the directories whose tests drive mim through its public (client) face
PUBLIC_FACE = ["core", "indexes", "pipeline", "manual", "sessions", "views"]
ALSO = ["update/test_collection_updates.py", "dropin/test_api_additions.py"]


def test_every_public_face_module_has_a_twin():
    sources = [p.relative_to(SUITE) for d in PUBLIC_FACE for p in (SUITE / d).glob("test_*.py")]
    sources += [pathlib.Path(p) for p in ALSO]
    missing = []
    for source in sources:
        twin = HERE / f"test_{source.parent}_{source.stem.removeprefix('test_')}.py"
        if not twin.exists() or f'"{source.parent}.{source.stem}"' not in twin.read_text():
            missing.append(str(source))
    assert missing == []
