"""Field operators: ``$set $setOnInsert $unset $inc $mul $min $max $rename
$currentDate``."""

from __future__ import annotations

import copy
import datetime
import itertools
import time
from collections.abc import Mapping
from typing import Any

from bson.timestamp import Timestamp

from ..values.errors import ServerError
from ..values.render import render
from ..values.order import MISSING, compare, type_name
from . import numeric
from .registry import update_operator
from .tree import (NOOP, ApplyContext, Location, Modifier, check_immutable_existing,
                   create_path, id_string, is_array_filter_identifier, render_element)

__all__ = ["SetModifier", "UnsetModifier", "ArithmeticModifier", "CompareModifier",
           "RenameModifier", "CurrentDateModifier", "copy_value"]


def copy_value(value: Any) -> Any:
    """A private copy of an argument value, so no two documents share it."""
    if isinstance(value, (dict, list)):
        return copy.deepcopy(value)
    return value


class SetModifier(Modifier):
    name = "$set"

    def __init__(self, value: Any, insert_only: bool = False) -> None:
        self.value = value
        self.insert_only = insert_only
        if insert_only:
            self.name = "$setOnInsert"

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        if numeric.identical(value, self.value):
            return NOOP
        return copy_value(self.value)

    def new_value(self, ctx: ApplyContext) -> Any:
        return copy_value(self.value)


@update_operator("$set")
def parse_set(arg: Any, path: str) -> Modifier:
    return SetModifier(arg)


@update_operator("$setOnInsert")
def parse_set_on_insert(arg: Any, path: str) -> Modifier:
    return SetModifier(arg, insert_only=True)


class UnsetModifier(Modifier):
    """Removes a field; an array element becomes null (positions never shift)."""

    name = "$unset"
    allow_creation = False
    allow_non_viable_path = True

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        if loc.in_array():
            if value is None:
                return NOOP
            check_immutable_existing(path)
            return None
        return MISSING


@update_operator("$unset")
def parse_unset(arg: Any, path: str) -> Modifier:
    return UnsetModifier()


class ArithmeticModifier(Modifier):
    """``$inc`` / ``$mul`` with the server's numeric result types."""

    def __init__(self, name: str, operand: Any) -> None:
        self.name = name
        self.operand = operand
        self.combine = numeric.add if name == "$inc" else numeric.multiply

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        if numeric.kind(value) is None:
            raise ServerError(14, f"Cannot apply {self.name} to a value of non-numeric type. "
                                  f"{{{id_string(ctx.doc)}}} has the field '{loc.key}' of "
                                  f"non-numeric type {type_name(value)}")
        try:
            result = self.combine(self.operand, value)
        except numeric.Overflow:
            raise ServerError(2, f"Failed to apply {self.name} operations to current value "
                                 f"({numeric.debug_string(value)}) for document "
                                 f"{{{id_string(ctx.doc)}}}") from None
        if numeric.identical(result, value):
            return NOOP
        return result

    def new_value(self, ctx: ApplyContext) -> Any:
        if self.name == "$inc":
            return self.operand
        return numeric.multiply(self.operand, 0)


def _parse_arithmetic(name: str, verb: str, arg: Any, path: str) -> Modifier:
    if numeric.kind(arg) is None:
        raise ServerError(14, f"Cannot {verb} with non-numeric argument: "
                              f"{{{path}: {render(arg)}}}")
    return ArithmeticModifier(name, arg)


@update_operator("$inc")
def parse_inc(arg: Any, path: str) -> Modifier:
    return _parse_arithmetic("$inc", "increment", arg, path)


@update_operator("$mul")
def parse_mul(arg: Any, path: str) -> Modifier:
    return _parse_arithmetic("$mul", "multiply", arg, path)


class CompareModifier(Modifier):
    """``$min`` / ``$max``: replace when the argument sorts before / after the
    current value in BSON order."""

    def __init__(self, name: str, value: Any, collation: Any = None) -> None:
        self.name = name
        self.value = value
        self.sign = -1 if name == "$min" else 1
        self.collated_key = None if collation is None else collation.sort_key

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        collated_key = self.collated_key
        if collated_key is None:
            order = compare(self.value, value)
        else:
            mine, theirs = collated_key(self.value), collated_key(value)
            order = (mine > theirs) - (mine < theirs)
        if order == self.sign:
            return copy_value(self.value)
        return NOOP

    def new_value(self, ctx: ApplyContext) -> Any:
        return copy_value(self.value)


@update_operator("$min")
def parse_min(arg: Any, path: str, collation: Any = None) -> Modifier:
    return CompareModifier("$min", arg, collation)


@update_operator("$max")
def parse_max(arg: Any, path: str, collation: Any = None) -> Modifier:
    return CompareModifier("$max", arg, collation)


_timestamp_counter = itertools.count(1)


def current_timestamp() -> Timestamp:
    return Timestamp(int(time.time()), next(_timestamp_counter) % (2 ** 32))


def current_date() -> datetime.datetime:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class CurrentDateModifier(Modifier):
    name = "$currentDate"

    def __init__(self, as_date: bool) -> None:
        self.as_date = as_date

    def _now(self) -> Any:
        return current_date() if self.as_date else current_timestamp()

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        return self._now()

    def new_value(self, ctx: ApplyContext) -> Any:
        return self._now()


@update_operator("$currentDate")
def parse_current_date(arg: Any, path: str) -> Modifier:
    if isinstance(arg, bool):
        return CurrentDateModifier(True)
    if isinstance(arg, Mapping):
        as_date = None
        for key, value in arg.items():
            if key != "$type":
                raise ServerError(2, f"Unrecognized $currentDate option: {key}")
            if value == "date" and isinstance(value, str):
                as_date = True
            elif value == "timestamp" and isinstance(value, str):
                as_date = False
        if as_date is None:
            raise ServerError(2, "The '$type' string field is required to be 'date' or "
                                 "'timestamp': {$currentDate: {field : {$type: 'date'}}}")
        return CurrentDateModifier(as_date)
    raise ServerError(2, f"{type_name(arg)} is not valid type for $currentDate. Please use a "
                         f"boolean ('true') or a $type expression ({{$type: "
                         f"'timestamp/date'}}).")


class ConflictPlaceholder(Modifier):
    """Reserves the source path of a ``$rename`` so other operators conflict with it."""

    name = "$rename"

    def apply(self, ctx: ApplyContext, loc: Location, taken: list[str],
              to_create: list[str]) -> None:
        return None


class RenameModifier(Modifier):
    """Sits at the destination path: moves the source value there, then
    removes the source (a ``$set`` followed by an ``$unset``)."""

    name = "$rename"

    def __init__(self, source: str, target: str) -> None:
        self.source = source.split(".")
        self.source_path = source
        self.target = target

    def _find_source(self, doc: dict) -> tuple[Location | None, list[Any]]:
        """The source element (or None) and the values along the way."""
        loc = Location(None, None, doc)
        chain: list[Location] = []
        parts = self.source
        for i, part in enumerate(parts):
            value = loc.value
            if isinstance(value, dict) or (isinstance(value, list) and part.isdigit()):
                child = loc.child(part)
                if child is None:
                    return None, chain
                chain.append(loc)
                loc = child
                continue
            if i == 0:
                return None, chain
            raise ServerError(28, f"cannot use the part ({parts[i - 1]} of {self.source_path}) "
                                  f"to traverse the element ({{{render_element(loc)}}})")
        chain.append(loc)
        return loc, chain

    def apply(self, ctx: ApplyContext, loc: Location, taken: list[str],
              to_create: list[str]) -> None:
        doc = ctx.doc
        source, chain = self._find_source(doc)
        if source is None:
            return
        for ancestor in chain[1:-1]:
            if isinstance(ancestor.value, list):
                raise ServerError(2, f"The source field cannot be an array element, "
                                     f"'{self.source_path}' in doc with {id_string(doc)} has "
                                     f"an array field called '{ancestor.key}'")
        self._check_destination(doc, taken, to_create)
        value = source.value
        if to_create:
            create_path(loc, to_create, value)
            if taken and taken[0] == "_id":
                raise ServerError(66, f"Updating the path '{'.'.join(taken)}' to "
                                      f"{render_element(loc)} would modify the immutable "
                                      f"field '_id'")
        else:
            check_immutable_existing(taken)
            loc.set(value)
        check_immutable_existing(self.source)
        source.remove()

    def _check_destination(self, doc: dict, taken: list[str], to_create: list[str]) -> None:
        parts = taken if to_create else taken[:-1]
        current: Any = doc
        for part in parts:
            child = Location(current, part if isinstance(current, dict) else int(part), doc)
            value = child.value
            if isinstance(value, list):
                raise ServerError(2, f"The destination field cannot be an array element, "
                                     f"'{self.target}' in doc with {id_string(doc)} has an "
                                     f"array field called '{part}'")
            current = value


def render_field(path: str, value: Any) -> str:
    return f"{path}: {render(value)}"


def parse_rename_source(arg: Any, path: str) -> Modifier:
    return ConflictPlaceholder()


def parse_rename_target(source: str, target: str) -> Modifier:
    element = render_field(source, target)
    src_parts, dst_parts = source.split("."), target.split(".")
    if "\0" in target:
        raise ServerError(2, "The 'to' field for $rename cannot contain an embedded null byte")
    if src_parts == dst_parts:
        raise ServerError(2, f"The source and target field for $rename must differ: {element}")
    shorter = min(len(src_parts), len(dst_parts))
    if src_parts[:shorter] == dst_parts[:shorter]:
        raise ServerError(2, f"The source and target field for $rename must not be on the same "
                             f"path: {element}")
    if any(p == "$" or is_array_filter_identifier(p) for p in src_parts):
        raise ServerError(2, f"The source field for $rename may not be dynamic: {source}")
    if any(p == "$" or is_array_filter_identifier(p) for p in dst_parts):
        raise ServerError(2, f"The destination field for $rename may not be dynamic: {target}")
    return RenameModifier(source, target)


@update_operator("$rename")
def parse_rename(arg: Any, path: str) -> Modifier:
    """``{$rename: {source: "target"}}`` (the compiler places it at the target path)."""
    if not isinstance(arg, str):
        raise ServerError(2, f"The 'to' field for $rename must be a string: "
                             f"{render_field(path, arg)}")
    return parse_rename_target(path, arg)
