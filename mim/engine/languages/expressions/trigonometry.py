"""Trigonometric operators: $sin $cos $tan $asin $acos $atan $atan2 $sinh $cosh $tanh
$asinh $acosh $atanh $degreesToRadians $radiansToDegrees.

Doubles use Python's ``math``; Decimal128 inputs are computed in double
precision and returned as Decimal128 (MongoDB computes them in decimal).
"""

from __future__ import annotations

import decimal
import math
from typing import Any

from ...values.errors import ServerError
from ...values.order import type_name
from .arithmetic import single_numeric
from .coercion import (DECIMAL_CONTEXT, KIND_DECIMAL, KIND_DOUBLE, format_double, make_decimal,
                       nullish, numeric_kind, to_decimal, to_double)
from .compiler import fixed_arity
from .registry import expression_operator

_PI = decimal.Decimal("3.141592653589793238462643383279503")

# name -> (function, lower bound, upper bound, inclusive?)  (None: unbounded)
_BOUNDED = {
    "$acos": (math.acos, -1.0, 1.0, True),
    "$asin": (math.asin, -1.0, 1.0, True),
    "$atanh": (math.atanh, -1.0, 1.0, True),
    "$acosh": (math.acosh, 1.0, math.inf, True),
    "$cos": (math.cos, -math.inf, math.inf, False),
    "$sin": (math.sin, -math.inf, math.inf, False),
    "$tan": (math.tan, -math.inf, math.inf, False),
}
_UNBOUNDED = {
    "$atan": math.atan,
    "$asinh": math.asinh,
    "$cosh": math.cosh,
    "$sinh": math.sinh,
    "$tanh": math.tanh,
}


def _bound_text(x: float) -> str:
    return format_double(x)


def _decimal_result(value: float) -> Any:
    return make_decimal(decimal.Decimal(repr(value)) if math.isfinite(value)
                        else decimal.Decimal(str(value).replace("inf", "Infinity")))


def _make_bounded(name: str):
    fn, low, high, inclusive = _BOUNDED[name]

    def apply(value: Any, kind: int) -> Any:
        x = to_double(value)
        if x != x:
            return value
        ok = (low <= x <= high) if inclusive else (low < x < high)
        if name == "$atanh" and ok and abs(x) == 1.0:
            result = math.copysign(math.inf, x)
        elif not ok:
            text = str(value) if kind == KIND_DECIMAL else format_double(x)
            left, right = ("[", "]") if inclusive else ("(", ")")
            raise ServerError(50989, f"cannot apply {name} to {text}, value must in "
                                     f"{left}{_bound_text(low)},{_bound_text(high)}{right}")
        else:
            result = fn(x)
        return _decimal_result(result) if kind == KIND_DECIMAL else result

    return apply


def _make_unbounded(name: str):
    fn = _UNBOUNDED[name]

    def apply(value: Any, kind: int) -> Any:
        x = to_double(value)
        try:
            result = fn(x)
        except OverflowError:
            result = math.copysign(math.inf, x) if name != "$cosh" else math.inf
        return _decimal_result(result) if kind == KIND_DECIMAL else result

    return apply


def _register(name: str, apply) -> None:
    def compile_trig(arg: Any, ctx: Any, op: str):
        return single_numeric(op, arg, ctx, apply)
    compile_trig.__name__ = "compile_" + name[1:]
    expression_operator(name)(compile_trig)


for _name in _BOUNDED:
    _register(_name, _make_bounded(_name))
for _name in _UNBOUNDED:
    _register(_name, _make_unbounded(_name))


def _degrees_to_radians(value: Any, kind: int) -> Any:
    if kind == KIND_DECIMAL:
        return make_decimal(DECIMAL_CONTEXT.divide(DECIMAL_CONTEXT.multiply(
            value.to_decimal(), _PI), decimal.Decimal(180)))
    return to_double(value) * (math.pi / 180.0)


def _radians_to_degrees(value: Any, kind: int) -> Any:
    if kind == KIND_DECIMAL:
        return make_decimal(DECIMAL_CONTEXT.divide(DECIMAL_CONTEXT.multiply(
            value.to_decimal(), decimal.Decimal(180)), _PI))
    return to_double(value) * (180.0 / math.pi)


_register("$degreesToRadians", _degrees_to_radians)
_register("$radiansToDegrees", _radians_to_degrees)


@expression_operator("$atan2")
def compile_atan2(arg: Any, ctx: Any, name: str):
    y_fn, x_fn = fixed_arity(name, arg, ctx, 2)

    def evaluate(variables: dict) -> Any:
        y = y_fn(variables)
        if nullish(y):
            return None
        if not numeric_kind(y):
            raise ServerError(51044, f"$atan2 only supports numeric types, not {type_name(y)}")
        x = x_fn(variables)
        if nullish(x):
            return None
        if not numeric_kind(x):
            raise ServerError(51045, f"$atan2 only supports numeric types, not {type_name(x)}")
        result = math.atan2(to_double(y), to_double(x))
        if numeric_kind(y) == KIND_DECIMAL or numeric_kind(x) == KIND_DECIMAL:
            return _decimal_result(result)
        return result

    return evaluate


__all__ = ["to_decimal", "KIND_DOUBLE"]
