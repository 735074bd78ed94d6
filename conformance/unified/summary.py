"""Counting spec-test outcomes per folder and printing the summary table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

__all__ = ["Tally", "PASSED", "GAP", "FAILED", "FIXED_GAP", "NOT_APPLICABLE"]

PASSED = "passed"
GAP = "known gap"                # listed in known_gaps and still failing (xfail)
FAILED = "failed"                # applicable, not listed, failing
FIXED_GAP = "fixed gap"          # listed in known_gaps but passing: remove it from the list
NOT_APPLICABLE = "not applicable"

_KINDS = (PASSED, GAP, FAILED, FIXED_GAP, NOT_APPLICABLE)


@dataclass
class Tally:
    """Outcome counts by folder."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(_KINDS, 0)))

    def add(self, folder: str, outcome: str) -> None:
        self.counts[folder][outcome] += 1

    def __bool__(self) -> bool:
        return bool(self.counts)

    def lines(self, title: str = "MongoDB unified spec tests") -> list[str]:
        header = (f"{'folder':<32}{'passed / applicable':>21}{'known gaps':>12}"
                  f"{'failing':>9}{'fixed gaps':>12}{'n/a':>6}")
        out = [title, header, "-" * len(header)]
        total = dict.fromkeys(_KINDS, 0)
        for folder in sorted(self.counts):
            row = self.counts[folder]
            for kind in _KINDS:
                total[kind] += row[kind]
            out.append(self._row(folder, row))
        out.append("-" * len(header))
        out.append(self._row("total", total))
        return out

    @staticmethod
    def _row(name: str, row: dict[str, int]) -> str:
        applicable = row[PASSED] + row[GAP] + row[FAILED] + row[FIXED_GAP]
        ratio = f"{row[PASSED]} / {applicable}"
        return (f"{name:<32}{ratio:>21}{row[GAP]:>12}{row[FAILED]:>9}{row[FIXED_GAP]:>12}"
                f"{row[NOT_APPLICABLE]:>6}")
