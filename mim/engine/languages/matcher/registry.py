"""Operator tables for the query language.

``FIELD_OPERATORS`` maps a field-level operator (``$gt``, ``$size`` …) to its
compiler; ``TOP_LEVEL_OPERATORS`` maps ``$and``, ``$or``, ``$expr`` … to
theirs.  ``UNSUPPORTED_OPERATORS`` names operators MongoDB documents that
mim does not implement yet: using one raises an error naming it.  The README's
coverage table is generated from these tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...values.errors import ServerError

FIELD_OPERATORS: dict[str, Callable[..., Any]] = {}
TOP_LEVEL_OPERATORS: dict[str, Callable[..., Any]] = {}

#: operator -> why it is not available (shown in errors and the README)
UNSUPPORTED_OPERATORS: dict[str, str] = {
    "$text": "text search needs text indexes, planned with the text-search issue",
    "$where": "it runs JavaScript, which mim never evaluates",
    "$jsonSchema": "schema validation is planned with the $jsonSchema issue",
    "$near": "geospatial queries are planned with the geo issue",
    "$nearSphere": "geospatial queries are planned with the geo issue",
    "$geoWithin": "geospatial queries are planned with the geo issue",
    "$geoIntersects": "geospatial queries are planned with the geo issue",
    "$within": "geospatial queries are planned with the geo issue",
}

#: Geometry specifiers that only appear inside geospatial operators.
GEO_SPECIFIERS = ("$box", "$center", "$centerSphere", "$geometry", "$maxDistance",
                  "$minDistance", "$polygon")


def field_operator(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a field-level operator compiler: ``compile(path, arg, ctx) -> MatchNode``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            FIELD_OPERATORS[name] = fn
        return fn

    return register


def top_level_operator(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a top-level operator compiler: ``compile(name, arg, ctx) -> MatchNode``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            TOP_LEVEL_OPERATORS[name] = fn
        return fn

    return register


def unsupported(name: str) -> ServerError:
    """The error for an operator MongoDB has and mim does not (code 238 NotImplemented)."""
    reason = UNSUPPORTED_OPERATORS.get(name, "it is not implemented yet")
    return ServerError(238, f"{name} is not supported by mim: {reason}")
