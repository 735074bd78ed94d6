"""Run-wide settings of the conformance suite (set by ``conftest.py`` from pytest options
and environment variables; readable by any test module)."""

from __future__ import annotations

import os

__all__ = ["configure", "LONG_FACTOR", "is_long", "client_spec", "examples"]

LONG_FACTOR = 100
_STATE: dict[str, object] = {"long": os.environ.get("MIM_CONFORMANCE_LONG", "") not in ("", "0"),
                             "client": os.environ.get("MIM_CONFORMANCE_CLIENT") or None}


def configure(long: bool, client: str | None) -> None:
    _STATE["long"] = long
    if client:
        _STATE["client"] = client


def is_long() -> bool:
    """True when the long property run was requested (``--conformance-long``)."""
    return bool(_STATE["long"])


def client_spec() -> str | None:
    """The ``module:factory`` under test in the differential tests, ``None`` for mim."""
    return _STATE["client"]  # type: ignore[return-value]


def examples(default: int) -> int:
    """Hypothesis example count: *default*, or 100x that for the long run."""
    return default * LONG_FACTOR if is_long() else default
