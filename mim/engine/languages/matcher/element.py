"""Element operators: ``$exists`` and ``$type``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from bson.dbref import DBRef

from ...values.paths import is_array_index
from ...values.undefined import is_undefined_field
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

    node = LeafNode(path, "$type", arg, has_type)
    if "undefined" in names or "null" in names:
        # null and the deprecated undefined both decode as None: ask the container
        parts = tuple(path.split("."))
        node.matches = lambda doc: any(name in names for name in _leaf_type_names(doc, parts))
    return node


def _leaf_type_names(doc: Any, parts: tuple[str, ...]) -> Iterator[str]:
    """The type of every value ``$type`` considers at ``parts`` (a leaf array and its
    elements), telling ``undefined`` from ``null``."""
    for container, key in _leaf_slots(doc, parts, 0):
        value = container.get(key, MISSING) if isinstance(container, Mapping) else container[key]
        if value is MISSING:
            continue
        yield "undefined" if is_undefined_field(container, key) else type_name(value)
        if type(value) is list:
            for element in value:
                yield type_name(element)


def _leaf_slots(value: Any, parts: tuple[str, ...], i: int) -> Iterator[tuple[Any, Any]]:
    """``(container, key)`` for every place the path ends, as :func:`walk` fans out."""
    current = value
    while True:
        if isinstance(current, DBRef):
            current = current.as_doc()
        part = parts[i]
        if isinstance(current, list):
            if is_array_index(part) and int(part) < len(current):
                if i == len(parts) - 1:
                    yield current, int(part)
                else:
                    yield from _leaf_slots(current[int(part)], parts, i + 1)
            for element in current:
                if isinstance(element, (Mapping, DBRef)):
                    yield from _leaf_slots(element, parts, i)
            return
        if not isinstance(current, Mapping):
            return
        if i == len(parts) - 1:
            yield current, part
            return
        current = current.get(part, MISSING)
        if current is MISSING:
            return
        i += 1
