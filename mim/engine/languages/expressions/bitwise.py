"""Bitwise operators: $bitAnd $bitOr $bitXor $bitNot (int and long operands only)."""

from __future__ import annotations

from typing import Any

from bson.int64 import Int64

from ...values.errors import ServerError
from ...values.order import type_name
from .coercion import KIND_INT, KIND_LONG, nullish, numeric_kind
from .compiler import fixed_arity, parse_arguments
from .registry import expression_operator

_IDENTITY = {"$bitAnd": -1, "$bitOr": 0, "$bitXor": 0}


def _to_signed64(n: int) -> int:
    n &= (1 << 64) - 1
    return n - (1 << 64) if n >= 1 << 63 else n


@expression_operator("$bitAnd", "$bitOr", "$bitXor")
def compile_bitwise(arg: Any, ctx: Any, name: str):
    args = parse_arguments(arg, ctx)
    identity = _IDENTITY[name]

    def evaluate(variables: dict) -> Any:
        result = identity
        is_long = False
        for fn in args:
            value = fn(variables)
            if nullish(value):
                return None
            kind = numeric_kind(value)
            if kind not in (KIND_INT, KIND_LONG):
                raise ServerError(14, f"{name} only supports int and long operands.")
            if kind == KIND_LONG:
                is_long = True
            n = int(value)
            if name == "$bitAnd":
                result &= n
            elif name == "$bitOr":
                result |= n
            else:
                result ^= n
        result = _to_signed64(result)
        return Int64(result) if is_long else int(result)

    return evaluate


@expression_operator("$bitNot")
def compile_bit_not(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)

    def evaluate(variables: dict) -> Any:
        value = operand(variables)
        if nullish(value):
            return None
        kind = numeric_kind(value)
        if kind == KIND_INT:
            return ~int(value)
        if kind == KIND_LONG:
            return Int64(~int(value))
        raise ServerError(28765, f"$bitNot only supports int and long, not: {type_name(value)}")

    return evaluate
