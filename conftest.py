"""Options for the whole test run.

``--fuzz-long`` runs the stress and fuzz suite (tests/mim/reliability) with its
long profile (minutes instead of seconds) and prints its figures at the end.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fuzz-long", action="store_true", default=False,
                     help="run the stress and fuzz tests with their long profile")


#: sizes of the stress and fuzz suite, by profile
FUZZ_PROFILES = {
    "short": {"threads": 4, "ops_per_thread": 300, "fuzz_cases": 40, "garbage_messages": 60,
              "restore_cycles": 1, "writer_seconds": 0.5, "kill_runs": 3},
    "long": {"threads": 8, "ops_per_thread": 2500, "fuzz_cases": 600, "garbage_messages": 1000,
             "restore_cycles": 4, "writer_seconds": 2.0, "kill_runs": 30},
}
_FIGURES = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def fuzz_profile(request: pytest.FixtureRequest) -> dict:
    """The sizes the stress and fuzz tests run with (``--fuzz-long``: the long ones)."""
    return FUZZ_PROFILES["long" if request.config.getoption("--fuzz-long") else "short"]


@pytest.fixture(scope="session")
def fuzz_figures(request: pytest.FixtureRequest) -> dict:
    """Counters the stress and fuzz tests add to; printed at the end of the run."""
    return request.config.stash.setdefault(_FIGURES, {})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures = terminalreporter.config.stash.get(_FIGURES, None)
    if figures:
        profile = "long" if terminalreporter.config.getoption("--fuzz-long") else "short"
        terminalreporter.section(f"stress and fuzz figures ({profile} profile)")
        for name in sorted(figures):
            terminalreporter.write_line(f"{name}: {figures[name]}")
