"""``pytest --ming``: Ming's own test suite, run against odm + mim.

Off by default (it downloads Ming's newest sdist); ``.ci/run`` turns it on.  With
``--ming`` this directory collects the modules of Ming's ``ming/tests`` package
(fetched by :mod:`ming_suite.sdist`), imported through :mod:`ming_suite.alias`
so that ``ming`` is odm, ``ming.mim`` is :mod:`mim.ming`, and so on.  Tests
in ``excluded.toml`` do not apply (see :mod:`ming_suite.exclusions`); tests in
``gaps.toml`` apply but fail today; every other test must pass.  The run ends
with the count for the README: passed / applicable, and how many were excluded.
"""
from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Optional

import pytest

from ming_suite import alias
from ming_suite.exclusions import EXCLUDED_FILE, GAPS_FILE, Listing, load_exclusions, load_gaps
from ming_suite.sdist import MingTests, fetch

HERE = Path(__file__).resolve().parent

_STATE: dict[str, Any] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ming", "Ming's own test suite against odm + mim")
    group.addoption("--ming", action="store_true", default=False,
                    help="download the newest Ming sdist and run its tests against odm + mim "
                         "(MING_SDIST=path.tar.gz uses a given sdist)")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Optional[pytest.Collector]:
    if file_path == EXCLUDED_FILE:
        return MingSuite.from_parent(parent, path=file_path)
    return None


class MingSuite(pytest.File):
    """The exclusion list stands for the suite: it collects Ming's test modules when
    ``--ming`` is given, and nothing otherwise."""

    def collect(self) -> Iterable[pytest.Collector]:
        if not self.config.getoption("--ming"):
            return []
        tests = fetch()
        alias.install(tests.package_root)
        exclusions = load_exclusions()
        listed = dict(exclusions)
        for test_id, gap in load_gaps().items():
            if test_id in listed:
                raise pytest.UsageError(f"{test_id!r} is both excluded and a known gap")
            listed[test_id] = gap
        _STATE.update(tests=tests, listed=listed, outcomes={}, excluded_modules=[],
                      node_prefix=tests.tests_dir.relative_to(self.config.rootpath).as_posix())
        modules = []
        for file in sorted(tests.tests_dir.rglob("test_*.py")):
            relative = file.relative_to(tests.tests_dir).as_posix()
            if relative in exclusions and exclusions[relative].skipped:
                _STATE["excluded_modules"].append(relative)
                continue
            modules.append(MingModule.from_parent(self, path=file))
        return modules


class MingModule(pytest.Module):
    """One of Ming's test modules, imported as ``ming.tests.…`` through the alias."""

    def _getobj(self) -> Any:
        tests: MingTests = _STATE["tests"]
        relative = self.path.relative_to(tests.package_root.parent).with_suffix("")
        return importlib.import_module(".".join(relative.parts))


def _ming_id(item: pytest.Item) -> Optional[str]:
    """``file.py::Class::test`` relative to Ming's tests, or None for other items."""
    module = item.getparent(MingModule)
    if module is None:
        return None
    tests: MingTests = _STATE["tests"]
    relative = module.path.relative_to(tests.tests_dir).as_posix()
    return relative + item.nodeid[len(module.nodeid):]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "tests" not in _STATE:
        return
    listed: dict[str, Listing] = _STATE["listed"]
    named = set(_STATE["excluded_modules"])
    for item in items:
        ming_id = _ming_id(item)
        if ming_id is None:
            continue
        listing = listed.get(ming_id)
        if listing is None:
            continue
        named.add(ming_id)
        if listing.skipped:
            item.add_marker(pytest.mark.skip(reason=f"excluded: {listing}"))
        else:
            item.add_marker(pytest.mark.xfail(strict=True, reason=str(listing)))
    unknown = sorted(set(listed) - named)
    if unknown and not config.getoption("keyword") and not config.getoption("markexpr"):
        raise pytest.UsageError(f"{EXCLUDED_FILE.name}/{GAPS_FILE.name} name tests Ming's suite "
                                f"does not have: {unknown}")


class _OutcomeRecorder:
    """Records each Ming test's outcome.  A plugin of its own: Ming's modules live
    outside this directory, so this conftest's own hooks never see their reports."""

    @staticmethod
    def pytest_runtest_logreport(report: pytest.TestReport) -> None:
        outcomes = _STATE.get("outcomes")
        if outcomes is None or not report.nodeid.startswith(_STATE["node_prefix"]):
            return
        if report.when == "call" or report.outcome != "passed":
            ming_id = report.nodeid[len(_STATE["node_prefix"]) + 1:]
            listing = _STATE["listed"].get(ming_id)
            if listing is None:
                outcome = report.outcome
            elif report.outcome == "failed":
                outcome = "listed but passing"  # XPASS(strict): the expected failure did not come
            else:
                outcome = "gap" if listing.kind == "gap" else "excluded"
            if outcomes.get(report.nodeid, "passed") == "passed":
                outcomes[report.nodeid] = outcome


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--ming"):
        config.pluginmanager.register(_OutcomeRecorder(), "ming-suite-outcomes")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if "tests" not in _STATE:
        return
    tests: MingTests = _STATE["tests"]
    counts = Counter(_STATE["outcomes"].values())
    applicable = counts["passed"] + counts["failed"] + counts["skipped"] + counts["gap"]
    terminalreporter.section("Ming's own test suite")
    terminalreporter.write_line(
        f"Ming {tests.version}: {counts['passed']} passed / {applicable} applicable "
        f"({counts['gap']} known gaps in ming_suite/{GAPS_FILE.name}, {counts['failed']} "
        f"failing, {counts['skipped']} skipped); {counts['excluded']} excluded tests and "
        f"{len(_STATE['excluded_modules'])} excluded module(s) (ming_suite/{EXCLUDED_FILE.name})")
    if counts["listed but passing"]:
        terminalreporter.write_line(
            f"{counts['listed but passing']} listed test(s) now pass: take them off their list")


def pytest_unconfigure(config: pytest.Config) -> None:
    alias.uninstall()
