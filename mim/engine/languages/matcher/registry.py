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
from ...values.registry import Registry

#: field-level operator -> ``compile(path, arg, ctx) -> MatchNode``
FIELD_OPERATORS: Registry[Callable[..., Any]] = Registry("query operator")
#: top-level operator -> ``compile(name, arg, ctx) -> MatchNode``
TOP_LEVEL_OPERATORS: Registry[Callable[..., Any]] = Registry("top-level query operator")

#: operator -> why it is not available (shown in errors and the README)
#: field-level operator that takes the field's whole operator document
#: (``{$near: …, $maxDistance: …}``) -> ``compile(path, ops, ctx) -> MatchNode``
DOCUMENT_OPERATORS: Registry[Callable[..., Any]] = Registry("query operator")

UNSUPPORTED_OPERATORS: dict[str, str] = {}



def field_operator(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a field-level operator compiler: ``compile(path, arg, ctx) -> MatchNode``."""
    return FIELD_OPERATORS.register(*names)


def document_operator(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an operator compiled with its field's whole operator document:
    ``compile(path, ops, ctx) -> MatchNode`` (it must come first in that document)."""
    return DOCUMENT_OPERATORS.register(*names)


def top_level_operator(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a top-level operator compiler: ``compile(name, arg, ctx) -> MatchNode``."""
    return TOP_LEVEL_OPERATORS.register(*names)


def unsupported(name: str) -> ServerError:
    """The error for an operator MongoDB has and mim does not (code 238 NotImplemented)."""
    reason = UNSUPPORTED_OPERATORS.get(name, "it is not implemented yet")
    return ServerError(238, f"{name} is not supported by mim: {reason}")
