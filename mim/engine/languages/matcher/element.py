"""Element operators: ``$exists`` and ``$type``."""

from __future__ import annotations

from typing import Any

from ...values.errors import bad_value, failed_to_parse, type_mismatch
from ...values.order import MISSING, TYPE_ALIASES, TYPE_CODES, is_integral_number, is_number, type_name
from .context import MatchContext
from .nodes import LeafNode, MatchNode, NotNode
from .registry import field_operator

_NUMBER_TYPES = frozenset({"double", "int", "long", "decimal"})


def truthy(value: Any) -> bool:
    """A BSON element's truth value as the server takes an operator flag."""
    if value is None or value is MISSING or value is False:
        return False
    if is_number(value):
        return value != 0 if not hasattr(value, "to_decimal") else value.to_decimal() != 0
    return True


@field_operator("$exists")
def compile_exists(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    exists = LeafNode(path, "$exists", True, lambda v: v is not MISSING, expand=False)
    return exists if truthy(arg) else NotNode(exists, "$exists")


def type_names(arg: Any) -> frozenset[str]:
    """The ``$type`` argument (alias, code, "number", or a list of them) as aliases."""
    items = arg if isinstance(arg, list) else [arg]
    names: set[str] = set()
    for item in items:
        if isinstance(item, str):
            if item == "number":
                names |= _NUMBER_TYPES
            elif item in TYPE_CODES:
                names.add(item)
            elif item == "missing":
                raise bad_value("'missing' is not a legal type name. To query for "
                                "non-existence of a field, use {$exists:false}.")
            else:
                raise bad_value(f"Unknown type name alias: {item}")
        elif is_number(item):
            if not is_integral_number(item):
                raise bad_value(f"Invalid numerical type code: {item}")
            code = int(item if not hasattr(item, "to_decimal") else item.to_decimal())
            if code == 0:
                raise bad_value(f"Invalid numerical type code: {code}. Instead use "
                                f"{{$exists:false}}.")
            if code not in TYPE_ALIASES:
                raise bad_value(f"Invalid numerical type code: {code}")
            names.add(TYPE_ALIASES[code])
        else:
            raise type_mismatch("type must be represented as a number or a string")
    return frozenset(names)


@field_operator("$type")
def compile_type(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    if isinstance(arg, list) and not arg:
        raise failed_to_parse(f"{path} must match at least one type")
    names = type_names(arg)

    def has_type(v: Any) -> bool:
        return v is not MISSING and type_name(v) in names

    return LeafNode(path, "$type", arg, has_type)
