"""MongoDB's unified-format specification tests, one pytest test per spec test.

Applicable tests must pass; those listed in ``known_gaps.toml`` run as
``xfail(strict=True)`` (so a fixed gap is noticed); not-applicable ones are skipped
with the reason.  The per-folder summary is printed at the end of the run
(``conftest.py``).  Data: ``$MIM_CONFORMANCE_DATA`` or ``../shared/conformance-data``.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.unified import (DATA_ENV, GAPS_FILE, SpecCase, data_dir, mim_deployment,
                                 prepare_cases, run_case)
from conformance.clients import mim_factory
from conformance.unified.gaps import load_gaps


def _params() -> list[Any]:
    if not data_dir().is_dir():
        return [pytest.param(None, id="no-data", marks=pytest.mark.skip(
            reason=f"no spec data at {data_dir()}; set {DATA_ENV} to its directory"))]
    params = []
    for case in prepare_cases(deployment=mim_deployment()):
        marks: list[Any] = []
        if case.not_applicable:
            marks.append(pytest.mark.skip(reason=f"not applicable: {case.not_applicable}"))
        elif case.gap is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=f"known gap: {case.gap}"))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


PARAMS = _params()


@pytest.mark.parametrize("case", PARAMS)
def test_spec(case: SpecCase) -> None:
    run_case(case, mim_factory())


def test_known_gaps_name_applicable_tests() -> None:
    """Every id in known_gaps.toml names an applicable spec test (the list only shrinks:
    a stale entry must be removed, not kept)."""
    if not data_dir().is_dir():
        pytest.skip(f"no spec data at {data_dir()}")
    cases = {p.values[0].id: p.values[0] for p in PARAMS}
    stale = []
    for test_id in load_gaps():
        case = cases.get(test_id)
        if case is None:
            stale.append(f"{test_id}: no such spec test")
        elif case.not_applicable:
            stale.append(f"{test_id}: not applicable ({case.not_applicable})")
    assert not stale, f"stale entries in {GAPS_FILE.name}:\n" + "\n".join(stale)
