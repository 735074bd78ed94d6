"""Bitwise query operators: ``$bitsAllSet $bitsAnySet $bitsAllClear $bitsAnyClear``.

The argument is a non-negative integer bitmask, a list of bit positions, or
BinData; numbers are tested as 64-bit two's complement, BinData as a
little-endian bit string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bson.binary import Binary
from bson.decimal128 import Decimal128

from ...values.errors import bad_value, failed_to_parse
from ...values.render import render
from ...values.order import is_integral_number, is_number
from .context import MatchContext
from .nodes import LeafNode, MatchNode
from .registry import field_operator

_MASK64 = (1 << 64) - 1


def _element(name: str, value: Any) -> str:
    """A BSON element as the server prints it in errors (``name: value``)."""
    return f"{name}: {render(value)}"


def _positions_from_mask(name: str, arg: Any) -> list[int]:
    # BSONElement::parseIntegerElementToNonNegativeLong (FailedToParse)
    where = _element(name, arg)
    if isinstance(arg, Decimal128):
        value = arg.to_decimal()
        if not value.is_finite() or value != value.to_integral_value() \
                or not -(2**63) <= int(value) < 2**63:
            raise failed_to_parse(f"Cannot represent as a 64-bit integer: {where}")
        number = int(value)
    elif isinstance(arg, float):
        if arg != arg:
            raise failed_to_parse(f"Expected an integer, but found NaN in: {where}")
        if arg >= 2.0**63 or arg < -(2.0**63):
            raise failed_to_parse(f"Cannot represent as a 64-bit integer: {where}")
        if arg != int(arg):
            raise failed_to_parse(f"Expected an integer: {where}")
        number = int(arg)
    else:
        number = int(arg)
    if number < 0:
        raise failed_to_parse(f"Expected a positive number in: {where}")
    return [i for i in range(64) if number >> i & 1]


def bit_positions(name: str, arg: Any) -> list[int]:
    """The bit positions an operator argument names."""
    if is_number(arg):
        return _positions_from_mask(name, arg)
    if isinstance(arg, (bytes, Binary)):
        data = bytes(arg)
        return [i for i in range(len(data) * 8) if data[i // 8] >> (i % 8) & 1]
    if isinstance(arg, list):
        # parseBitPositionsArray: each element printed with its index as field name
        positions = []
        for index, item in enumerate(arg):
            where = _element(str(index), item)
            if not is_number(item):
                raise bad_value(f"bit positions must be an integer but got: {where}")
            if isinstance(item, float):
                if item != item:
                    raise bad_value(f"bit positions cannot take a NaN: {where}")
                if not -(2**31) <= item <= 2**31 - 1:
                    raise bad_value("bit positions cannot be represented as a 32-bit signed "
                                    f"integer: {where}")
                if item != int(item):
                    raise bad_value(f"bit positions must be an integer but got: {where}")
            elif not isinstance(item, Decimal128) and not -(2**31) <= item <= 2**31 - 1:
                raise bad_value("bit positions cannot be represented as a 32-bit signed "
                                f"integer: {where}")
            if not is_integral_number(item):
                raise bad_value(f"bit positions must be an integer but got: {where}")
            position = int(item if not isinstance(item, Decimal128) else item.to_decimal())
            if position < 0:
                raise bad_value(f"bit positions must be >= 0 but got: {where}")
            positions.append(position)
        return positions
    raise bad_value(f"{name} takes an Array, a number, or a BinData but received: "
                    f"{_element(name, arg)}")


def _candidate_bits(v: Any) -> Callable[[int], bool] | None:
    """A bit reader for a candidate value, or None when it cannot be tested."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, Decimal128)):
        if isinstance(v, float):
            if not is_integral_number(v) or not -(2**63) <= v < 2**63:
                return None
            number = int(v)
        elif isinstance(v, Decimal128):
            if not is_integral_number(v):
                return None
            number = int(v.to_decimal())
            if not -(2**63) <= number < 2**63:
                return None
        else:
            number = int(v)
        bits = number & _MASK64
        negative = number < 0
        return lambda i: bool(bits >> i & 1) if i < 64 else negative
    if isinstance(v, (bytes, Binary)):
        data = bytes(v)
        return lambda i: i < len(data) * 8 and bool(data[i // 8] >> (i % 8) & 1)
    return None


def _make(name: str, want_set: bool, want_all: bool) -> None:
    @field_operator(name)
    def compile_bits(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
        positions = bit_positions(name, arg)

        def matches(v: Any) -> bool:
            read = _candidate_bits(v)
            if read is None:
                return False
            if want_all:
                return all(read(i) == want_set for i in positions)
            return any(read(i) == want_set for i in positions)

        return LeafNode(path, name, arg, matches)

    compile_bits.__name__ = f"compile_{name[1:]}"


_make("$bitsAllSet", True, True)
_make("$bitsAnySet", True, False)
_make("$bitsAllClear", False, True)
_make("$bitsAnyClear", False, False)
