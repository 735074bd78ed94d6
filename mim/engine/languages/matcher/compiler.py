"""Compile a query filter into a tree of match nodes.

Everything about the filter is validated here, before any document is read:
an unknown operator, a malformed argument or an unsupported feature raises
the server's error at compile time, exactly once.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex

from ...values.errors import ServerError, bad_value
from ...values.limits import MAX_QUERY_TREE_DEPTH, check_bson_depth, is_flat
from ...values.render import render_document
from .context import MatchContext
from .comparison import compile_eq, top_level_equality
from .nodes import AndNode, ConstantNode, MatchNode
from .registry import (DOCUMENT_OPERATORS, FIELD_OPERATORS, TOP_LEVEL_OPERATORS,
                       UNSUPPORTED_OPERATORS, unsupported)

__all__ = ["compile_filter", "compile_equalities", "check_query_tree_depth", "compile_document", "compile_field", "compile_operators",
           "is_operator_document"]

_DBREF_KEYS = ("$ref", "$id", "$db")


def compile_filter(spec: Mapping[str, Any] | None, ctx: MatchContext | None = None) -> MatchNode:
    """Compile a whole filter document (``None`` or ``{}`` matches everything)."""
    if not spec:
        return ConstantNode(True)
    if isinstance(spec, Mapping) and not is_flat(spec):
        check_bson_depth(spec)
        check_query_tree_depth(spec)
    return compile_document(spec, ctx or MatchContext())


#: the values :func:`compile_field` compiles to one ``$eq`` leaf whatever the
#: context (no operator document, regex, array or embedded document)
_EQUALITY_TYPES = frozenset({str, int, float, bool, type(None), ObjectId, Int64,
                             datetime.datetime})
#: the context of :func:`compile_equalities`' leaves: ``$eq`` reads only its
#: ``collation`` (None there), so one context serves every call
_PLAIN_CONTEXT = MatchContext()


def compile_equalities(spec: dict) -> MatchNode | None:
    """What :func:`compile_filter` makes of a filter of ``{path: scalar}``
    equalities alone (``{_id: v}``, ``{uid: v}``: the point lookups), without
    its general walk (no depth to check, no operator to look up, no context to
    build), compared without a collation; None for any other filter (the
    caller compiles it the general way)."""
    if len(spec) == 1:  # one field (the point lookups): no list of leaves
        for key, value in spec.items():
            if type(value) not in _EQUALITY_TYPES or type(key) is not str or not key \
                    or key[0] == "$":
                return None
            return AndNode.of_one(top_level_equality(key, value) if "." not in key
                                  else compile_eq(key, value, _PLAIN_CONTEXT))
    if not spec:
        return None
    nodes: list[MatchNode] = []
    for key, value in spec.items():
        if type(value) not in _EQUALITY_TYPES or type(key) is not str or key[:1] == "$":
            return None
        if key and "." not in key:
            nodes.append(top_level_equality(key, value))
        else:
            nodes.append(compile_eq(key, value, _PLAIN_CONTEXT))
    return AndNode.of_one(nodes[0]) if len(nodes) == 1 else AndNode(nodes)


_TREE_OPERATORS = ("$and", "$or", "$nor")
_NESTING_OPERATORS = ("$not", "$elemMatch")


def check_query_tree_depth(spec: Mapping[str, Any]) -> None:
    """``MatchExpressionParser``'s guard: an operator tree (``$and``/``$or``/
    ``$nor`` clauses, ``$not`` and ``$elemMatch`` operands) nested more than
    100 levels is refused (2 BadValue) before anything is compiled.  Iterative,
    so the check itself never recurses."""
    stack: list[tuple[Mapping, int]] = [(spec, 0)]
    while stack:
        document, level = stack.pop()
        if level > MAX_QUERY_TREE_DEPTH:
            raise bad_value(f"exceeded maximum query tree depth of {MAX_QUERY_TREE_DEPTH} at "
                            f"{render_document(document)}")
        for key, value in document.items():
            if key in _TREE_OPERATORS and type(value) is list:
                stack.extend((clause, level + 1) for clause in value
                             if isinstance(clause, dict))
            elif key in _NESTING_OPERATORS and isinstance(value, dict):
                stack.append((value, level + 1))
            elif isinstance(value, dict) and not key.startswith("$"):
                stack.append((value, level))


def compile_document(spec: Mapping[str, Any], ctx: MatchContext) -> MatchNode:
    nodes: list[MatchNode] = []
    for key, value in spec.items():
        if key.startswith("$"):
            compiler = TOP_LEVEL_OPERATORS.get(key)
            if compiler is None:
                if key in UNSUPPORTED_OPERATORS:
                    raise unsupported(key)
                raise bad_value(f"unknown top level operator: {key}. If you have a field name "
                                f"that starts with a '$' symbol, consider using $getField "
                                f"or $setField.")
            nodes.append(compiler(key, value, ctx))
        else:
            nodes.append(compile_field(key, value, ctx))
    if not nodes:
        return ConstantNode(True)
    return AndNode(nodes)


def is_operator_document(value: Any) -> bool:
    """A sub-document whose first key is a ``$`` operator (not a DBRef)."""
    if not isinstance(value, Mapping) or not value:
        return False
    first = next(iter(value))
    return isinstance(first, str) and first.startswith("$") and first not in _DBREF_KEYS


def compile_field(path: str, value: Any, ctx: MatchContext) -> MatchNode:
    """``{path: value}``: an operator document, a regex, or equality."""
    if is_operator_document(value):
        return compile_operators(path, value, ctx)
    if isinstance(value, (Regex, re.Pattern)):
        return FIELD_OPERATORS["$regex"](path, value, ctx)
    return FIELD_OPERATORS["$eq"](path, value, ctx)


def compile_operators(path: str, ops: Mapping[str, Any], ctx: MatchContext) -> MatchNode:
    """``{path: {$op1: a, $op2: b}}`` — a conjunction of the operators."""
    nodes: list[MatchNode] = []
    first, first_arg = next(iter(ops.items()))
    if first in DOCUMENT_OPERATORS and isinstance(first_arg, (Mapping, list)):
        return DOCUMENT_OPERATORS[first](path, ops, ctx)
    if "$options" in ops and "$regex" not in ops:
        raise bad_value("$options needs a $regex")
    for op, arg in ops.items():
        if op == "$options":
            continue
        if op == "$regex":
            options_first = "$options" in ops and list(ops).index("$options") < list(ops).index(
                "$regex")
            nodes.append(FIELD_OPERATORS["$regex"](path, arg, ctx, ops.get("$options"),
                                                   options_first))
            continue
        if op in DOCUMENT_OPERATORS:
            # the server's GEO_NEAR keyword anywhere but first
            raise bad_value(f"near must be first in: {render_document(ops)}")
        compiler = FIELD_OPERATORS.get(op)
        if compiler is None:
            if op in UNSUPPORTED_OPERATORS:
                raise unsupported(op)
            raise bad_value(f"unknown operator: {op}")
        nodes.append(compiler(path, arg, ctx))
    return AndNode(nodes) if len(nodes) != 1 else nodes[0]

