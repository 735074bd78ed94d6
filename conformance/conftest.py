"""pytest options and the end-of-run summary for ``conformance/``.

Options:
  --conformance-long            run the property tests with 100x more examples
                                (also: MIM_CONFORMANCE_LONG=1)
  --conformance-client MOD:FN   the client factory compared with the real server in the
                                differential tests (default: mim); also MIM_CONFORMANCE_CLIENT
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from conformance.unified.summary import (FAILED, FIXED_GAP, GAP, NOT_APPLICABLE, PASSED,
                                         Tally)

_FOLDER_PROPERTY = "conformance_folder"
_STATE: dict[str, Tally] = {}   # this run's spec-test outcomes by folder


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "mim conformance (spec tests, properties)")
    group.addoption("--conformance-long", action="store_true", default=False,
                    help="run property tests with 100x more examples (or MIM_CONFORMANCE_LONG=1)")
    group.addoption("--conformance-client", default=None, metavar="MODULE:FACTORY",
                    help="client factory compared with MONGODB_URI in the differential "
                         "tests (default: mim)")


def long_run(config: pytest.Config) -> bool:
    return bool(config.getoption("--conformance-long", default=False)) or \
        os.environ.get("MIM_CONFORMANCE_LONG", "") not in ("", "0")


def pytest_configure(config: pytest.Config) -> None:
    _STATE["tally"] = Tally()
    from conformance import settings
    settings.configure(long=long_run(config),
                       client=config.getoption("--conformance-client", default=None))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "originalname", None) == "test_spec" and callspec is not None:
            case = callspec.params.get("case")
            if case is not None:
                item.user_properties.append((_FOLDER_PROPERTY, case.folder))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    folder = dict(report.user_properties).get(_FOLDER_PROPERTY)
    if folder is None:
        return
    outcome = None
    if report.when == "setup" and report.skipped:
        outcome = NOT_APPLICABLE
    elif report.when == "call":
        xfail = hasattr(report, "wasxfail")
        if report.passed:
            outcome = FIXED_GAP if xfail else PASSED
        elif report.skipped and xfail:
            outcome = GAP
        elif report.failed:
            outcome = FIXED_GAP if "XPASS" in str(report.longrepr) else FAILED
    if outcome is not None:
        _STATE["tally"].add(folder, outcome)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    tally = _STATE.get("tally")
    if not tally:
        return
    from conformance.unified import mim_deployment
    deployment = mim_deployment()
    terminalreporter.section("mim conformance")
    for line in tally.lines(f"MongoDB unified spec tests against mim (claims "
                            f"{deployment.version_text}, {deployment.topology})"):
        terminalreporter.write_line(line)
