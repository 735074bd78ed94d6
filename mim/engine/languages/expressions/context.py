"""Compile-time context of an expression: which variables are in scope."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["ExpressionContext", "BUILTIN_VARIABLES"]

#: System variables every expression may read.
BUILTIN_VARIABLES = frozenset({
    "ROOT", "CURRENT", "REMOVE", "NOW", "CLUSTER_TIME", "USER_ROLES", "SEARCH_META",
    "JS_SCOPE", "IS_MR",
})


class ExpressionContext:
    """What an expression may refer to, known before any document is read.

    ``variables`` are the user variable names in scope (from an ``aggregate``
    ``let``, a ``$lookup`` ``let``, ``$let``, ``$map`` …); reading any other
    ``$$name`` fails at compile time with code 17276.  ``collation`` is kept
    for string comparison once collations exist (``None``: binary comparison).
    ``validator``: the expression is part of a collection validator (``$function``
    may not be).
    """

    __slots__ = ("variables", "collation", "allow_meta", "validator")

    def __init__(self, variables: Iterable[str] = (), *, collation: Any = None,
                 allow_meta: bool = True, validator: bool = False) -> None:
        self.variables = frozenset(variables)
        self.collation = collation
        self.allow_meta = allow_meta
        self.validator = validator

    def with_variables(self, names: Iterable[str]) -> "ExpressionContext":
        """A nested scope that also defines ``names``."""
        child = ExpressionContext.__new__(ExpressionContext)
        child.variables = self.variables | frozenset(names)
        child.collation = self.collation
        child.allow_meta = self.allow_meta
        child.validator = self.validator
        return child

    def is_defined(self, name: str) -> bool:
        return name in self.variables or name in BUILTIN_VARIABLES

    def __repr__(self) -> str:
        return f"ExpressionContext(variables={sorted(self.variables)!r})"
