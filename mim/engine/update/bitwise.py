"""``$bit``: ``and`` / ``or`` / ``xor`` on int32 and int64 values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values.errors import ServerError
from ..values.render import render
from ..values.order import type_name
from . import numeric
from .registry import update_operator
from .tree import NOOP, ApplyContext, Location, Modifier, id_string

__all__ = ["BitModifier"]

_FORMAT = "{$bit: {field: {and/or/xor: #}}"


class BitModifier(Modifier):
    name = "$bit"

    def __init__(self, operations: list[tuple[str, Any]]) -> None:
        self.operations = operations

    def _apply_ops(self, value: Any) -> Any:
        for op, operand in self.operations:
            value = numeric.bitwise(value, operand, op)
        return value

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        if numeric.kind(value) not in (numeric.INT32, numeric.INT64):
            raise ServerError(2, f"Cannot apply $bit to a value of non-integral type."
                                 f"{id_string(ctx.doc)} has the field {loc.key} of "
                                 f"non-integer type {type_name(value)}")
        result = self._apply_ops(value)
        if numeric.identical(result, value):
            return NOOP
        return result

    def new_value(self, ctx: ApplyContext) -> Any:
        return self._apply_ops(0)


@update_operator("$bit")
def parse_bit(arg: Any, path: str) -> Modifier:
    if not isinstance(arg, Mapping):
        raise ServerError(2, f"The $bit modifier is not compatible with a {type_name(arg)}. "
                             f"You must pass in an embedded document: {_FORMAT}")
    operations = []
    for op, operand in arg.items():
        if op not in ("and", "or", "xor"):
            raise ServerError(2, f"The $bit modifier only supports 'and', 'or', and 'xor', not "
                                 f"'{op}' which is an unknown operator: {{{op}: "
                                 f"{render(operand)}}}")
        if numeric.kind(operand) not in (numeric.INT32, numeric.INT64):
            raise ServerError(2, f"The $bit modifier field must be an Integer(32/64 bit); a "
                                 f"'{type_name(operand)}' is not supported here: {{{op}: "
                                 f"{render(operand)}}}")
        operations.append((op, operand))
    if not operations:
        raise ServerError(2, f"You must pass in at least one bitwise operation. The format is: "
                             f"{_FORMAT}")
    return BitModifier(operations)
