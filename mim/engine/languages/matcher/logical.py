"""Logical operators (``$and $or $nor`` at the top level, ``$not`` on a field),
``$expr`` and ``$comment``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bson.regex import Regex

from ...values.errors import bad_value
from .compiler import compile_document, compile_operators
from .context import MatchContext
from .nodes import AndNode, ConstantNode, ExprNode, MatchNode, NorNode, NotNode, OrNode
from .registry import field_operator, top_level_operator
from ..expressions import ExpressionContext, compile_expression
import datetime
from .element import truthy
from .regex import compile_regex_operator


def _clauses(name: str, arg: Any, ctx: MatchContext) -> list[MatchNode]:
    if not isinstance(arg, list):
        raise bad_value(f"{name} must be an array")
    if not arg:
        raise bad_value("$and/$or/$nor must be a nonempty array")
    nodes = []
    for clause in arg:
        if not isinstance(clause, Mapping):
            raise bad_value("$or/$and/$nor entries need to be full objects")
        nodes.append(compile_document(clause, ctx))
    return nodes


@top_level_operator("$and")
def compile_and(name: str, arg: Any, ctx: MatchContext) -> MatchNode:
    return AndNode(_clauses(name, arg, ctx))


@top_level_operator("$or")
def compile_or(name: str, arg: Any, ctx: MatchContext) -> MatchNode:
    nodes = _clauses(name, arg, ctx)
    return nodes[0] if len(nodes) == 1 else OrNode(nodes)


@top_level_operator("$nor")
def compile_nor(name: str, arg: Any, ctx: MatchContext) -> MatchNode:
    return NorNode(_clauses(name, arg, ctx))


@top_level_operator("$comment")
def compile_comment(name: str, arg: Any, ctx: MatchContext) -> MatchNode:
    return ConstantNode(True)


@top_level_operator("$expr")
def compile_expr(name: str, arg: Any, ctx: MatchContext) -> MatchNode:
    if not ctx.top_level:
        raise bad_value("$expr can only be applied to the top-level document")
    evaluate = compile_expression(arg, ExpressionContext(ctx.variables, collation=ctx.collation,
                                                         validator=ctx.validator))
    variables = dict(ctx.variables)

    def matches(doc: Mapping) -> bool:
        scope = dict(variables)
        scope["ROOT"] = doc
        scope["CURRENT"] = doc
        if "NOW" not in scope:
            scope["NOW"] = _now()
        return expression_truthy(evaluate(scope))

    return ExprNode(matches, arg)


def _now() -> Any:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def expression_truthy(value: Any) -> bool:
    """Aggregation truthiness: false, null, missing and zero are false."""
    return truthy(value)


@field_operator("$not")
def compile_not(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    if isinstance(arg, (Regex, re.Pattern)):
        return NotNode(compile_regex_operator(path, arg, ctx))
    if not isinstance(arg, Mapping):
        raise bad_value("$not needs a regex or a document")
    if not arg:
        raise bad_value("$not cannot be empty")
    first = next(iter(arg))
    if not first.startswith("$"):
        raise bad_value(f"unknown operator: {first}")
    inner = compile_operators(path, arg, ctx)
    return NotNode(inner)
