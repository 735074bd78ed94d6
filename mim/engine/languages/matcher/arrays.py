"""Array operators: ``$all``, ``$elemMatch``, ``$size``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bson.regex import Regex

from ...values.errors import bad_value
from .comparison import equality_predicate
from .compiler import compile_document, compile_operators, is_operator_document
from .context import MatchContext
from .nodes import AndNode, ConstantNode, LeafNode, MatchNode
from .regex import regex_predicate
from .registry import TOP_LEVEL_OPERATORS, field_operator


@field_operator("$size")
def compile_size(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    # expression_parser.cpp: int32, int64 (if it fits 32 bits) and whole doubles only;
    # Decimal128 is not accepted.
    if isinstance(arg, bool) or not isinstance(arg, (int, float)):
        raise bad_value("$size needs a number")
    if isinstance(arg, float) and (arg != arg or (abs(arg) != float("inf")
                                                   and arg != int(arg))):
        raise bad_value("$size must be a whole number")
    if not -(2**31) <= arg < 2**31:  # an infinite double included
        raise bad_value("$size must be representable as a 32-bit integer")
    size = int(arg)
    if size < 0:
        raise bad_value("$size may not be negative")
    return LeafNode(path, "$size", arg, lambda v: type(v) is list and len(v) == size,
                    expand=False)


def _is_value_form(spec: Mapping[str, Any]) -> bool:
    """``$elemMatch`` on values (``{$gt: 1}``) rather than on sub-documents."""
    return is_operator_document(spec) and next(iter(spec)) not in TOP_LEVEL_OPERATORS


@field_operator("$elemMatch")
def compile_elem_match(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    if not isinstance(arg, Mapping):
        raise bad_value("$elemMatch needs an Object")
    inner_ctx = MatchContext(variables=ctx.variables, collation=ctx.collation,
                             in_elem_match=True, top_level=False)
    if _is_value_form(arg):
        element_node = compile_operators("", arg, inner_ctx)
        element_matches = element_node.matches
    else:
        sub = compile_document(arg, inner_ctx)
        sub_matches = sub.matches
        element_node = sub

        def element_matches(element: Any) -> bool:
            return isinstance(element, Mapping) and sub_matches(element)

    def matches(v: Any) -> bool:
        if type(v) is not list:
            return False
        for element in v:
            if element_matches(element):
                return True
        return False

    node = LeafNode(path, "$elemMatch", arg, matches, expand=False)
    return node


@field_operator("$all")
def compile_all(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    if not isinstance(arg, list):
        raise bad_value("$all needs an array")
    if not arg:
        return ConstantNode(False)
    first = arg[0]
    if isinstance(first, Mapping) and first and next(iter(first)) == "$elemMatch":
        nodes: list[MatchNode] = []
        for item in arg:
            if not (isinstance(item, Mapping) and item and next(iter(item)) == "$elemMatch"):
                raise bad_value("$all/$elemMatch has to be consistent")
            nodes.append(compile_elem_match(path, item["$elemMatch"], ctx))
        return AndNode(nodes)
    nodes = []
    for item in arg:
        if isinstance(item, (Regex, re.Pattern)):
            nodes.append(LeafNode(path, "$regex", item, regex_predicate(item, None)))
        elif is_operator_document(item):
            raise bad_value("no $ expressions in $all")
        else:
            nodes.append(LeafNode(path, "$eq", item, equality_predicate(item, ctx.collation)))
    return AndNode(nodes)
