"""``conformance/known_gaps.toml``: applicable spec tests that do not pass yet.

The file is a list of groups; each group names the reason, what it waits for, and
the test ids it covers::

    [[gap]]
    waits_for = "issue 6: aggregation pipeline"
    reason = "collection.aggregate raises NotImplemented (238): mim.engine.pipeline is missing"
    tests = ["crud/aggregate/Aggregate with multiple stages"]

Rules: the list only shrinks.  A listed test that passes is an error (pytest runs
known gaps as ``xfail(strict=True)``), and so is an id that no longer names an
applicable test.  Reasons starting with ``mim bug:`` are wrong answers in features
that exist, reported to their owners.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["KnownGap", "GAPS_FILE", "load_gaps", "remove_fixed"]

GAPS_FILE = Path(__file__).resolve().parent.parent / "known_gaps.toml"


@dataclass(frozen=True)
class KnownGap:
    """Why one applicable test does not pass yet."""

    reason: str
    waits_for: str

    def __str__(self) -> str:
        return f"{self.reason} [waits for: {self.waits_for}]"


def load_gaps(path: Path = GAPS_FILE) -> dict[str, KnownGap]:
    """Test id → gap.  Raises ``ValueError`` on a malformed file or a duplicate id."""
    if not path.exists():
        return {}
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    gaps: dict[str, KnownGap] = {}
    for group in document.get("gap", []):
        missing = {"reason", "waits_for", "tests"} - set(group)
        if missing:
            raise ValueError(f"{path.name}: a [[gap]] group lacks {sorted(missing)}")
        gap = KnownGap(group["reason"], group["waits_for"])
        for test_id in group["tests"]:
            if test_id in gaps:
                raise ValueError(f"{path.name}: {test_id!r} is listed twice")
            gaps[test_id] = gap
    return gaps


def remove_fixed(test_ids: set[str], path: Path = GAPS_FILE) -> int:
    """Delete *test_ids* from the file (and groups left empty), keeping everything else
    as written.  The only edit the tooling makes: the list shrinks.  Returns how many
    ids were removed."""
    text = path.read_text(encoding="utf-8")
    removed = 0
    kept_lines = []
    for line in text.splitlines(keepends=True):
        stripped = line.strip().rstrip(",")
        if stripped.startswith('"') and json.loads(stripped) in test_ids:
            removed += 1
            continue
        kept_lines.append(line)
    text = "".join(kept_lines)
    text = re.sub(r'\[\[gap\]\]\nwaits_for = [^\n]*\nreason = [^\n]*\ntests = \[\n\]\n\n?', "",
                  text)
    path.write_text(text, encoding="utf-8")
    load_gaps(path)  # still valid
    return removed
