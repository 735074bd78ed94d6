"""Evaluate expressions directly through compile_expression."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from mim.engine.values.errors import ServerError
from mim.engine.languages.expressions import ExpressionContext, compile_expression

UTC = datetime.timezone.utc


def ev(spec: Any, doc: dict | None = None, **let: Any) -> Any:
    """Compile ``spec`` with ``let`` variables in scope and evaluate it against ``doc``."""
    doc = {} if doc is None else doc
    fn = compile_expression(spec, ExpressionContext(let))
    return fn({"ROOT": doc, "CURRENT": doc, **let})


def err(spec: Any, doc: dict | None = None, **let: Any) -> ServerError:
    """The ServerError compiling or evaluating ``spec`` raises."""
    with pytest.raises(ServerError) as info:
        ev(spec, doc, **let)
    return info.value


def compile_err(spec: Any) -> ServerError:
    """The ServerError compiling ``spec`` raises (before any document is read)."""
    with pytest.raises(ServerError) as info:
        compile_expression(spec)
    return info.value


def date(*args: int) -> datetime.datetime:
    if len(args) == 7:
        *head, ms = args
        return datetime.datetime(*head, ms * 1000, tzinfo=UTC)
    return datetime.datetime(*args, tzinfo=UTC)


def same(value: Any, expected: Any) -> bool:
    """Equal in value and in BSON type (1 != 1.0 != Int64(1) here)."""
    if type(value) is not type(expected):
        return False
    if isinstance(value, list):
        return len(value) == len(expected) and all(same(a, b) for a, b in zip(value, expected))
    if isinstance(value, dict):
        return list(value) == list(expected) and all(same(value[k], expected[k]) for k in value)
    if isinstance(value, float) and value != value:
        return expected != expected
    return value == expected
