"""Array operators: ``$push`` (``$each $slice $sort $position``), ``$addToSet``
(``$each``), ``$pop``, ``$pull`` and ``$pullAll``."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from bson.decimal128 import Decimal128

from ..values.errors import ServerError
from ..languages.matcher import MatchContext, compile_filter
from ..languages.matcher.registry import FIELD_OPERATORS
from ..values.paths import get_path
from ..values.render import render, render_document
from ..values.order import compare, is_number, sort_key, type_name
from .fields import copy_value
from .registry import update_operator
from .tree import NOOP, ApplyContext, Location, Modifier, id_string
from bson.regex import Regex
import re

__all__ = ["PushModifier", "AddToSetModifier", "PopModifier", "PullModifier",
           "parse_integer_element"]


def parse_integer_element(name: str, value: Any) -> int:
    """``MatchExpressionParser::parseIntegerElementToLong`` (expression_parser.cpp):
    NaN, then the 64-bit range, then integrality for doubles; a Decimal128 must
    convert exactly (``toLongExact``), else it cannot be represented."""
    if not is_number(value):
        raise ServerError(9, f"Expected a number in: {name}: {render(value)}")
    if isinstance(value, float):
        if value != value:
            raise ServerError(9, f"Expected an integer, but found NaN in: {name}: "
                                 f"{render(value)}")
        if value >= 2.0 ** 63 or value < -(2.0 ** 63):
            raise ServerError(9, f"Cannot represent as a 64-bit integer: {name}: "
                                 f"{render(value)}")
        if value != int(value):
            raise ServerError(9, f"Expected an integer: {name}: {render(value)}")
        number = int(value)
    elif isinstance(value, Decimal128):
        d = value.to_decimal()
        if not d.is_finite() or d != d.to_integral_value() or \
                not -(2 ** 63) <= int(d) < 2 ** 63:
            raise ServerError(9, f"Cannot represent as a 64-bit integer: {name}: "
                                 f"{render(value)}")
        number = int(d)
    else:
        number = int(value)
    return number


# ---------------------------------------------------------------------------
# $push
# ---------------------------------------------------------------------------

_PUSH_CLAUSES = ("$each", "$slice", "$sort", "$position")


class PushModifier(Modifier):
    name = "$push"

    def __init__(self, values: list, slice_: int | None, sort: Any, position: int | None
                 ) -> None:
        self.values = values
        self.slice = slice_
        self.sort = sort
        self.position = position

    def _push(self, array: list) -> list:
        array = list(array)
        values = [copy_value(v) for v in self.values]
        position = self.position
        size = len(array)
        if position is None or position > size:
            at = size
        elif position >= 0:
            at = position
        elif -position < size:
            at = size + position
        else:
            at = 0
        array[at:at] = values
        if self.sort is not None:
            array.sort(key=functools.cmp_to_key(self.sort))
        if self.slice is not None:
            limit = abs(self.slice)
            if len(array) > limit:
                array = array[:limit] if self.slice >= 0 else array[len(array) - limit:]
        return array

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        if not isinstance(value, list):
            raise ServerError(2, f"The field '{'.'.join(path)}' must be an array but is of type "
                                 f"{type_name(value)} in document {{{id_string(ctx.doc)}}}")
        return self._push(value)

    def new_value(self, ctx: ApplyContext) -> Any:
        return self._push([])


def _key_of(collation: Any) -> Any:
    """How values key: :func:`sort_key`, or the operation's collation's key."""
    return sort_key if collation is None else collation.sort_key


def _sort_comparator(spec: Any, key_of: Any = sort_key) -> Any:
    if isinstance(spec, Mapping):
        if not spec:
            raise ServerError(2, "The $sort pattern is empty when it should be a set of fields.")
        fields = []
        for field, direction in spec.items():
            order = float(direction.to_decimal()) if isinstance(direction, Decimal128) else (
                float(direction) if is_number(direction) else 0)
            if order not in (1, -1):
                raise ServerError(2, "The $sort element value must be either 1 or -1")
            if field == "":
                raise ServerError(2, "The $sort field cannot be empty")
            parts = field.split(".")
            if any(p == "" for p in parts):
                raise ServerError(2, f"The $sort field is a dotted field but has an empty "
                                     f"part: {field}")
            fields.append((tuple(parts), int(order)))

        def by_fields(a: Any, b: Any) -> int:
            for parts, order in fields:
                va = get_path(a, parts) if isinstance(a, Mapping) else None
                vb = get_path(b, parts) if isinstance(b, Mapping) else None
                ka, kb = key_of(va), key_of(vb)
                if ka != kb:
                    return order if ka > kb else -order
            return 0

        return by_fields
    if is_number(spec) and not isinstance(spec, bool):
        order = float(spec.to_decimal()) if isinstance(spec, Decimal128) else float(spec)
        if order not in (1, -1):
            raise ServerError(2, "The $sort element value must be either 1 or -1")
        sign = int(order)
        if key_of is not sort_key:
            def by_element(a: Any, b: Any) -> int:
                ka, kb = key_of(a), key_of(b)
                return sign * ((ka > kb) - (ka < kb))
            return by_element
        return lambda a, b: sign * compare(a, b)
    raise ServerError(2, "The $sort is invalid: use 1/-1 to sort the whole element, or "
                         "{field:1/-1} to sort embedded fields")


@update_operator("$push")
def parse_push(arg: Any, path: str, collation: Any = None) -> Modifier:
    if not (isinstance(arg, Mapping) and "$each" in arg):
        return PushModifier([arg], None, None, None)
    for clause in arg:
        if clause not in _PUSH_CLAUSES:
            raise ServerError(2, f"Unrecognized clause in $push: {clause}")
    each = arg["$each"]
    if not isinstance(each, list):
        raise ServerError(2, f"The argument to $each in $push must be an array but it was of "
                             f"type: {type_name(each)}")
    slice_ = position = None
    sort = None
    if "$slice" in arg:
        try:
            slice_ = parse_integer_element("$slice", arg["$slice"])
        except ServerError:
            raise ServerError(2, f"The value for $slice must be an integer value but was given "
                                 f"type: {type_name(arg['$slice'])}") from None
    if "$sort" in arg:
        sort = _sort_comparator(arg["$sort"], _key_of(collation))
    if "$position" in arg:
        try:
            position = parse_integer_element("$position", arg["$position"])
        except ServerError:
            raise ServerError(2, f"The value for $position must be an integer value, not of "
                                 f"type: {type_name(arg['$position'])}") from None
    return PushModifier(list(each), slice_, sort, position)


# ---------------------------------------------------------------------------
# $addToSet
# ---------------------------------------------------------------------------

class AddToSetModifier(Modifier):
    name = "$addToSet"

    def __init__(self, values: list, key_of: Any = sort_key) -> None:
        self.key_of = key_of
        unique: list = []
        keys: set = set()
        for value in values:
            key = key_of(value)
            if key not in keys:
                keys.add(key)
                unique.append(value)
        self.values = unique

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        if not isinstance(value, list):
            raise ServerError(2, f"Cannot apply $addToSet to non-array field. Field named "
                                 f"'{loc.key}' has non-array type {type_name(value)}")
        key_of = self.key_of
        present = {key_of(v) for v in value}
        added = [copy_value(v) for v in self.values if key_of(v) not in present]
        if not added:
            return NOOP
        return value + added

    def new_value(self, ctx: ApplyContext) -> Any:
        return [copy_value(v) for v in self.values]


@update_operator("$addToSet")
def parse_add_to_set(arg: Any, path: str, collation: Any = None) -> Modifier:
    if isinstance(arg, Mapping) and arg and next(iter(arg)) == "$each":
        each = arg["$each"]
        if not isinstance(each, list):
            raise ServerError(14, f"The argument to $each in $addToSet must be an array but it "
                                  f"was of type {type_name(each)}")
        if len(arg) > 1:
            raise ServerError(2, f"Found unexpected fields after $each in $addToSet: "
                                 f"{render_document(arg)}")
        return AddToSetModifier(list(each), _key_of(collation))
    return AddToSetModifier([arg], _key_of(collation))


# ---------------------------------------------------------------------------
# $pop
# ---------------------------------------------------------------------------

class PopModifier(Modifier):
    name = "$pop"
    allow_creation = False

    def __init__(self, from_front: bool) -> None:
        self.from_front = from_front

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        if not isinstance(value, list):
            raise ServerError(14, f"Path '{'.'.join(path)}' contains an element of non-array "
                                  f"type '{type_name(value)}'")
        if not value:
            return NOOP
        return value[1:] if self.from_front else value[:-1]


@update_operator("$pop")
def parse_pop(arg: Any, path: str) -> Modifier:
    number = parse_integer_element(path, arg)
    if number not in (1, -1):
        raise ServerError(9, f"$pop expects 1 or -1, found: {number}")
    return PopModifier(number == -1)


# ---------------------------------------------------------------------------
# $pull / $pullAll
# ---------------------------------------------------------------------------

class PullModifier(Modifier):
    """Removes every element the condition matches ($pull) or that equals one
    of the values ($pullAll)."""

    allow_creation = False

    def __init__(self, name: str, matches: Any) -> None:
        self.name = name
        self.matches = matches

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        if not isinstance(value, list):
            raise ServerError(2, "Cannot apply $pull to a non-array value")
        kept = [element for element in value if not self.matches(element)]
        if len(kept) == len(value):
            return NOOP
        return kept


_WRAPPED_FIELD = "x"


def pull_condition(arg: Any, collation: Any = None) -> Any:
    """A predicate on one array element, as ``$pull`` interprets its argument:
    a query on sub-documents, an operator condition / regex on the element, or
    equality with a value (strings compared by ``collation``, if any)."""
    ctx = MatchContext(collation=collation, javascript=False)
    if isinstance(arg, Mapping):
        first = next(iter(arg), None)
        if first is None or first not in FIELD_OPERATORS and first not in ("$regex",
                                                                           "$options"):
            node = compile_filter(arg, ctx)
            return lambda element: isinstance(element, Mapping) and node.matches(element)
        node = compile_filter({_WRAPPED_FIELD: arg}, ctx)
        return lambda element: node.matches({_WRAPPED_FIELD: element})
    if isinstance(arg, (Regex, re.Pattern)):
        node = compile_filter({_WRAPPED_FIELD: arg})
        return lambda element: node.matches({_WRAPPED_FIELD: element})
    key_of = _key_of(collation)
    key = key_of(arg)
    return lambda element: key_of(element) == key


@update_operator("$pull")
def parse_pull(arg: Any, path: str, collation: Any = None) -> Modifier:
    return PullModifier("$pull", pull_condition(arg, collation))


@update_operator("$pullAll")
def parse_pull_all(arg: Any, path: str, collation: Any = None) -> Modifier:
    if not isinstance(arg, list):
        raise ServerError(2, f"$pullAll requires an array argument but was given a "
                             f"{type_name(arg)}")
    key_of = _key_of(collation)
    keys = {key_of(v) for v in arg}
    return PullModifier("$pullAll", lambda element: key_of(element) in keys)
