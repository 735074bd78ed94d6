"""Finding and loading the specification tests.

The data is never part of this repository: it is read from the directory named by
``$MIM_CONFORMANCE_DATA``, by default ``../shared/conformance-data`` relative to the
repository root.  Each test gets a stable id ``folder/file-stem/description``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bson import json_util
from bson.json_util import JSONOptions, JSONMode

__all__ = ["DATA_ENV", "data_dir", "SpecFile", "SpecCase", "load_cases", "folders"]

DATA_ENV = "MIM_CONFORMANCE_DATA"
REPO_ROOT = Path(__file__).resolve().parents[2]

_JSON_OPTIONS = JSONOptions(json_mode=JSONMode.RELAXED)


def data_dir() -> Path:
    """The directory holding the specification tests (it may not exist)."""
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return (REPO_ROOT / ".." / "shared" / "conformance-data").resolve()


@dataclass
class SpecFile:
    """One JSON file of the unified test format."""

    folder: str
    path: Path
    document: dict[str, Any]

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass
class SpecCase:
    """One test of a spec file: what to run and how it is classified."""

    id: str
    file: SpecFile
    test: dict[str, Any]
    not_applicable: str | None = None     # the reason, when the test is not applicable
    gap: Any = None                       # the KnownGap entry, when listed in known_gaps
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> str:
        return self.file.folder

    @property
    def description(self) -> str:
        return self.test["description"]


def folders(root: Path | None = None) -> list[str]:
    """The test folders present in the data directory, sorted."""
    root = root or data_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.json")))


def _load(path: Path) -> dict[str, Any]:
    return json_util.loads(path.read_text(encoding="utf-8"), json_options=_JSON_OPTIONS)


def load_cases(selected: list[str] | None = None, root: Path | None = None) -> list[SpecCase]:
    """Every test of every file in the selected folders (all folders by default),
    in a stable order, each with a unique id."""
    root = root or data_dir()
    cases: list[SpecCase] = []
    for folder in folders(root):
        if selected and folder not in selected:
            continue
        for path in sorted((root / folder).glob("*.json")):
            spec = SpecFile(folder, path, _load(path))
            seen: dict[str, int] = {}
            for test in spec.document.get("tests", []):
                base = f"{folder}/{path.stem}/{test['description']}"
                seen[base] = seen.get(base, 0) + 1
                case_id = base if seen[base] == 1 else f"{base} #{seen[base]}"
                cases.append(SpecCase(case_id, spec, test))
    return cases
