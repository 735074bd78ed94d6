"""``ming_suite/excluded.toml``: Ming tests that do not apply to odm + mim, with why.

Only four kinds of test may be excluded (the ``category`` of a group):

* ``real-mongod``  - needs a real mongod (a server feature mim refuses by design);
* ``encryption``   - client-side field-level encryption (``ming.encryption``, libmongocrypt);
* ``ming-internals`` - asserts Ming's private internals (exact ``assert_called_with``
  on a Mock session/collection, private helpers);
* ``not-mongodb``  - asserts behaviour that contradicts MongoDB 7.0.

An id is ``file.py`` (the whole module is not imported: it cannot be) or a test id
``file.py::Class::test`` relative to Ming's ``ming/tests``.  Listed tests run as
``xfail(strict=True)``, so one that starts passing fails the run and must come off
the list; an id that names no test fails too.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["CATEGORIES", "EXCLUDED_FILE", "Exclusion", "load_exclusions"]

EXCLUDED_FILE = Path(__file__).resolve().parent / "excluded.toml"

CATEGORIES = {
    "real-mongod": "needs a real mongod",
    "encryption": "client-side field-level encryption (libmongocrypt)",
    "ming-internals": "asserts Ming's private internals on Mock objects",
    "not-mongodb": "asserts behaviour that contradicts MongoDB",
}


@dataclass(frozen=True)
class Exclusion:
    """Why one Ming test (or module) is not counted as applicable."""

    category: str
    reason: str

    def __str__(self) -> str:
        return f"{CATEGORIES[self.category]}: {self.reason}"


def load_exclusions(path: Path = EXCLUDED_FILE) -> dict[str, Exclusion]:
    """Test id → exclusion.  ``ValueError`` on a malformed file, an unknown category
    or an id listed twice."""
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    found: dict[str, Exclusion] = {}
    for group in document.get("excluded", []):
        missing = {"category", "reason", "tests"} - set(group)
        if missing:
            raise ValueError(f"{path.name}: an [[excluded]] group lacks {sorted(missing)}")
        if group["category"] not in CATEGORIES:
            raise ValueError(f"{path.name}: unknown category {group['category']!r} "
                             f"(one of {sorted(CATEGORIES)})")
        exclusion = Exclusion(group["category"], group["reason"])
        for test_id in group["tests"]:
            if test_id in found:
                raise ValueError(f"{path.name}: {test_id!r} is listed twice")
            found[test_id] = exclusion
    return found
