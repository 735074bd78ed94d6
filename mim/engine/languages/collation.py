"""Collations: mim compares strings by code point only (the simple collation).

Every place that accepts a ``collation`` checks it here, so a non-simple one is
refused with one error wherever it appears, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values.errors import ServerError
from ..values.order import type_name

__all__ = ["check_collation"]


def check_collation(collation: Any) -> None:
    """mim compares strings by code point only: any other collation is refused
    rather than silently ignored (the collation issue will lift this)."""
    if collation is None:
        return
    if not isinstance(collation, Mapping):
        raise ServerError(14, f"BSON field 'collation' is the wrong type "
                              f"'{type_name(collation)}', expected type 'object'")
    if dict(collation) != {"locale": "simple"}:
        raise ServerError(238, "collation other than the simple collation is not supported "
                               "by mim yet")
