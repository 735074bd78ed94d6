"""A runner for MongoDB's unified-format specification tests, against mim.

>>> from conformance.unified import prepare_cases, execute
>>> cases = prepare_cases(["crud"])            # classified: applicable / gap / n/a
>>> outcome, message = execute(cases[0])        # doctest: +SKIP

``python -m conformance.unified [folder ...]`` runs them and prints the summary;
under pytest, ``conformance/test_unified.py`` makes one test per spec test.
"""

from __future__ import annotations

import traceback
from typing import Callable

from ..clients import ClientFactory, mim_factory
from .applicability import Deployment, classify, describe_deployment
from .data import DATA_ENV, SpecCase, data_dir, load_cases
from .gaps import GAPS_FILE, KnownGap, load_gaps
from .runner import SpecFailure, run_case
from .summary import FAILED, FIXED_GAP, GAP, NOT_APPLICABLE, PASSED, Tally

__all__ = ["prepare_cases", "execute", "mim_deployment", "SpecCase", "Deployment", "KnownGap",
           "Tally", "run_case", "SpecFailure", "data_dir", "DATA_ENV", "GAPS_FILE",
           "PASSED", "GAP", "FAILED", "FIXED_GAP", "NOT_APPLICABLE"]


def mim_deployment() -> Deployment:
    """What a fresh mim client claims to be."""
    client = mim_factory()()
    try:
        return describe_deployment(client)
    finally:
        client.close()


def prepare_cases(folders: list[str] | None = None,
                  deployment: Deployment | None = None) -> list[SpecCase]:
    """Load the spec tests and mark each as not applicable (with the reason) or as a
    known gap (from ``known_gaps.toml``)."""
    deployment = deployment or mim_deployment()
    gaps = load_gaps()
    cases = load_cases(folders)
    for case in cases:
        case.not_applicable = classify(case, deployment)
        case.gap = gaps.get(case.id)
    return cases


def execute(case: SpecCase, new_factory: Callable[[], ClientFactory] = mim_factory,
            ) -> tuple[str, str | None]:
    """Run *case*; return its outcome kind and, unless it passed, a message."""
    if case.not_applicable:
        return NOT_APPLICABLE, case.not_applicable
    try:
        run_case(case, new_factory())
    except SpecFailure as exc:
        message = str(exc)
    except Exception as exc:  # noqa: BLE001 - any crash is a failure of the case
        message = f"{type(exc).__name__}: {exc}\n" + "".join(
            traceback.format_exception(exc)[-3:])
    else:
        return (FIXED_GAP if case.gap else PASSED), None
    return (GAP if case.gap else FAILED), message
