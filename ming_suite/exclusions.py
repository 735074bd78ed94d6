"""The two lists beside Ming's suite: what is excluded, and what does not pass yet.

``ming_suite/excluded.toml`` - Ming tests that do not apply to odm + mim.  Only
four kinds may be excluded (the ``category`` of a group):

* ``real-mongod``    - needs a real mongod (skipped: it would try to connect);
* ``encryption``     - client-side field-level encryption (``ming.encryption``,
  libmongocrypt; skipped);
* ``ming-internals`` - asserts Ming's private internals (exact
  ``assert_called_with`` on a Mock session/collection, private helpers);
* ``not-mongodb``    - asserts behaviour that contradicts MongoDB 7.0.

``ming_suite/gaps.toml`` - applicable tests that fail today, with the cause
and what each waits for.  They count as applicable and not passing.

An id is ``file.py`` (the whole module, not imported) or ``file.py::Class::test``,
relative to Ming's ``ming/tests``.  Listed tests of the last two categories and
every gap run as ``xfail(strict=True)``: one that starts passing fails the run
and must come off its list; an id that names no test fails the run too.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["CATEGORIES", "SKIPPED_CATEGORIES", "EXCLUDED_FILE", "GAPS_FILE", "Listing",
           "load_exclusions", "load_gaps"]

HERE = Path(__file__).resolve().parent
EXCLUDED_FILE = HERE / "excluded.toml"
GAPS_FILE = HERE / "gaps.toml"

CATEGORIES = {
    "real-mongod": "needs a real mongod",
    "encryption": "client-side field-level encryption (libmongocrypt)",
    "ming-internals": "asserts Ming's private internals",
    "not-mongodb": "asserts behaviour that contradicts MongoDB",
}
#: categories whose tests cannot run here at all: skipped rather than run as xfail
SKIPPED_CATEGORIES = frozenset({"real-mongod", "encryption"})


@dataclass(frozen=True)
class Listing:
    """Why one Ming test (or module) is on a list."""

    kind: str     # an exclusion category, or "gap"
    reason: str

    @property
    def skipped(self) -> bool:
        return self.kind in SKIPPED_CATEGORIES

    def __str__(self) -> str:
        label = CATEGORIES.get(self.kind, "known gap")
        return f"{label}: {self.reason}"


def _load(path: Path, table: str, kind_key: str | None) -> dict[str, Listing]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    found: dict[str, Listing] = {}
    for group in document.get(table, []):
        needed = {"reason", "tests"} | ({kind_key} if kind_key else {"waits_for"})
        missing = needed - set(group)
        if missing:
            raise ValueError(f"{path.name}: a [[{table}]] group lacks {sorted(missing)}")
        if kind_key:
            kind = group[kind_key]
            if kind not in CATEGORIES:
                raise ValueError(f"{path.name}: unknown category {kind!r} "
                                 f"(one of {sorted(CATEGORIES)})")
            listing = Listing(kind, group["reason"])
        else:
            listing = Listing("gap", f"{group['reason']} [waits for: {group['waits_for']}]")
        for test_id in group["tests"]:
            if test_id in found:
                raise ValueError(f"{path.name}: {test_id!r} is listed twice")
            found[test_id] = listing
    return found


def load_exclusions(path: Path = EXCLUDED_FILE) -> dict[str, Listing]:
    """Test id → exclusion.  ``ValueError`` on a malformed file, an unknown category
    or an id listed twice."""
    return _load(path, "excluded", "category")


def load_gaps(path: Path = GAPS_FILE) -> dict[str, Listing]:
    """Test id → known gap (``reason`` and ``waits_for`` required)."""
    return _load(path, "gap", None)
