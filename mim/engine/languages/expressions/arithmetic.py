"""Arithmetic operators: $add $subtract $multiply $divide $mod $abs $ceil $floor
$exp $ln $log $log10 $pow $sqrt $round $trunc.

Result types follow MongoDB: the widest operand type wins (int < long <
double < decimal); int and long results that overflow widen to long, then to
double; any Decimal128 operand makes the whole computation decimal.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64

from ...values.errors import ServerError
from ...values.order import type_name
from .coercion import (DECIMAL_CONTEXT, INT64_MAX, INT64_MIN, KIND_DECIMAL, KIND_DOUBLE,
                       KIND_INT, KIND_LONG, coerce_to_date_ms, double_to_decimal, fits_long,
                       format_double, int_or_long, is_date, is_integral, make_decimal, ms_to_date,
                       nullish, numeric_kind, to_decimal, to_double, to_long, value_repr)
from .compiler import fixed_arity, parse_arguments, ranged_arity
from .registry import expression_operator


def _type_error(message: str) -> ServerError:
    return ServerError(14, message)


# ---------------------------------------------------------------------------
# $add
# ---------------------------------------------------------------------------

def add_values(values: list) -> Any:
    """The sum of already evaluated operands, exactly as $add computes it."""
    widest = KIND_INT
    long_total = 0
    double_total = 0.0
    dec_total = decimal.Decimal(0)
    date_seen = False
    for value in values:
        if nullish(value):
            return None
        kind = numeric_kind(value)
        if kind == 0:
            if not is_date(value):
                raise _type_error(f"$add only supports numeric or date types, not "
                                  f"{type_name(value)}")
            if date_seen:
                raise ServerError(16612, "only one date allowed in an $add expression")
            date_seen = True
            value = Int64(coerce_to_date_ms(value))
            kind = KIND_INT  # dates add as milliseconds without widening the type
        old = widest
        if kind > widest:
            widest = kind
            if widest == KIND_DOUBLE and old in (KIND_INT, KIND_LONG):
                double_total = float(long_total)
            elif widest == KIND_DECIMAL:
                if old == KIND_DOUBLE:
                    dec_total = double_to_decimal(double_total, 34)
                else:
                    dec_total = decimal.Decimal(long_total)
        if widest in (KIND_INT, KIND_LONG):
            new_total = long_total + int(value)
            if fits_long(new_total):
                long_total = new_total
            else:
                widest = KIND_DOUBLE
                double_total = float(long_total) + to_double(value)
        elif widest == KIND_DOUBLE:
            double_total += to_double(value)
        else:
            dec_total = DECIMAL_CONTEXT.add(dec_total, to_decimal(value))
    if date_seen:
        if widest in (KIND_INT, KIND_LONG):
            return ms_to_date(long_total)
        if widest == KIND_DOUBLE:
            if not (-(2.0**63) <= double_total < 2.0**63):
                raise ServerError(15, "date overflow in $add")
            return ms_to_date(_llround(double_total))
        return ms_to_date(int(dec_total.to_integral_value(rounding=decimal.ROUND_HALF_EVEN)))
    if widest == KIND_INT:
        return int_or_long(long_total)
    if widest == KIND_LONG:
        return Int64(long_total)
    if widest == KIND_DOUBLE:
        return double_total
    return make_decimal(dec_total)


def _llround(x: float) -> int:
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


@expression_operator("$add")
def compile_add(arg: Any, ctx: Any, name: str):
    return _compile_fold(arg, ctx, lambda value: bool(numeric_kind(value)) or is_date(value),
                         "$add only supports numeric or date types, not ", add_values)


def _compile_fold(arg: Any, ctx: Any, accepts: Callable[[Any], Any], refusal: str,
                  combine: Callable[[list], Any]):
    """``$add`` and ``$multiply``: ``combine`` every argument's value; null if
    any is nullish, the server's type error (``refusal`` + the type) if one is
    not ``accepts``-ed."""
    args = parse_arguments(arg, ctx)

    def evaluate(variables: dict) -> Any:
        values = []
        for fn in args:
            value = fn(variables)
            if nullish(value):
                return None
            if not accepts(value):
                raise _type_error(f"{refusal}{type_name(value)}")
            values.append(value)
        return combine(values)

    return evaluate


# ---------------------------------------------------------------------------
# $subtract
# ---------------------------------------------------------------------------

def subtract_values(lhs: Any, rhs: Any) -> Any:
    lk, rk = numeric_kind(lhs), numeric_kind(rhs)
    if lk and rk:
        widest = max(lk, rk)
        if widest == KIND_DECIMAL:
            return make_decimal(DECIMAL_CONTEXT.subtract(to_decimal(lhs), to_decimal(rhs)))
        if widest == KIND_DOUBLE:
            return to_double(lhs) - to_double(rhs)
        result = int(lhs) - int(rhs)
        if widest == KIND_LONG:
            if not fits_long(result):
                return to_double(lhs) - to_double(rhs)
            return Int64(result)
        return int_or_long(result)
    if nullish(lhs) or nullish(rhs):
        return None
    if is_date(lhs):
        if is_date(rhs):
            return Int64(coerce_to_date_ms(lhs) - coerce_to_date_ms(rhs))
        if rk:
            return ms_to_date(coerce_to_date_ms(lhs) - to_long(rhs))
        raise _type_error(f"can't $subtract {type_name(rhs)} from Date")
    raise _type_error(f"can't $subtract {type_name(rhs)} from {type_name(lhs)}")


@expression_operator("$subtract")
def compile_subtract(arg: Any, ctx: Any, name: str):
    lhs, rhs = fixed_arity(name, arg, ctx, 2)
    return lambda variables: subtract_values(lhs(variables), rhs(variables))


# ---------------------------------------------------------------------------
# $multiply
# ---------------------------------------------------------------------------

def multiply_values(values: list) -> Any:
    product_kind = KIND_INT
    double_product = 1.0
    long_product = 1
    dec_product = decimal.Decimal(1)
    for value in values:
        kind = numeric_kind(value)
        old = product_kind
        product_kind = max(product_kind, kind)
        if product_kind == KIND_DECIMAL:
            if old != KIND_DECIMAL:
                dec_product = (double_to_decimal(double_product) if old == KIND_DOUBLE
                               else decimal.Decimal(long_product))
            dec_product = DECIMAL_CONTEXT.multiply(dec_product, to_decimal(value))
        else:
            as_double = to_double(value)
            double_product *= as_double
            if product_kind != KIND_DOUBLE:
                if not math.isfinite(as_double):
                    product_kind = KIND_DOUBLE
                else:
                    new_product = long_product * to_long(value)
                    if fits_long(new_product):
                        long_product = new_product
                    else:
                        product_kind = KIND_DOUBLE
    if product_kind == KIND_DOUBLE:
        return double_product
    if product_kind == KIND_LONG:
        return Int64(long_product)
    if product_kind == KIND_INT:
        return int_or_long(long_product)
    return make_decimal(dec_product)


@expression_operator("$multiply")
def compile_multiply(arg: Any, ctx: Any, name: str):
    return _compile_fold(arg, ctx, numeric_kind, "$multiply only supports numeric types, not ",
                         multiply_values)


# ---------------------------------------------------------------------------
# $divide and $mod
# ---------------------------------------------------------------------------

def divide_values(lhs: Any, rhs: Any) -> Any:
    lk, rk = numeric_kind(lhs), numeric_kind(rhs)
    if lk and rk:
        if lk == KIND_DECIMAL or rk == KIND_DECIMAL:
            denominator = to_decimal(rhs)
            if denominator.is_zero():
                raise ServerError(2, "can't $divide by zero")
            return make_decimal(DECIMAL_CONTEXT.divide(to_decimal(lhs), denominator))
        denominator = to_double(rhs)
        if denominator == 0.0:
            raise ServerError(2, "can't $divide by zero")
        return to_double(lhs) / denominator
    if nullish(lhs) or nullish(rhs):
        return None
    raise _type_error(f"$divide only supports numeric types, not {type_name(lhs)} and "
                      f"{type_name(rhs)}")


@expression_operator("$divide")
def compile_divide(arg: Any, ctx: Any, name: str):
    lhs, rhs = fixed_arity(name, arg, ctx, 2)
    return lambda variables: divide_values(lhs(variables), rhs(variables))


def _truncated_mod(a: int, b: int) -> int:
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def mod_values(lhs: Any, rhs: Any) -> Any:
    lk, rk = numeric_kind(lhs), numeric_kind(rhs)
    if lk and rk:
        if lk == KIND_DECIMAL or rk == KIND_DECIMAL:
            right = to_decimal(rhs)
            if right.is_zero():
                raise ServerError(5733415, "can't $mod by zero")
            return make_decimal(DECIMAL_CONTEXT.remainder(to_decimal(lhs), right))
        right_double = to_double(rhs)
        if right_double == 0:
            raise ServerError(16610, "can't $mod by zero")
        if lk == KIND_DOUBLE or (rk == KIND_DOUBLE and not is_integral_value(rhs)):
            return math.fmod(to_double(lhs), right_double)
        if lk == KIND_LONG or rk == KIND_LONG:
            return Int64(_truncated_mod(to_long(lhs), to_long(rhs)))
        return int(_truncated_mod(int(lhs), int(to_long(rhs))))
    if nullish(lhs) or nullish(rhs):
        return None
    raise ServerError(16611, f"$mod only supports numeric types, not {type_name(lhs)} and "
                             f"{type_name(rhs)}")


def is_integral_value(value: Any) -> bool:
    return is_integral(value)


@expression_operator("$mod")
def compile_mod(arg: Any, ctx: Any, name: str):
    lhs, rhs = fixed_arity(name, arg, ctx, 2)
    return lambda variables: mod_values(lhs(variables), rhs(variables))


# ---------------------------------------------------------------------------
# single numeric argument operators
# ---------------------------------------------------------------------------

def single_numeric(name: str, arg: Any, ctx: Any, apply):
    """Compile an operator of exactly one numeric argument (null in, null out)."""
    (operand,) = fixed_arity(name, arg, ctx, 1)

    def evaluate(variables: dict) -> Any:
        value = operand(variables)
        if nullish(value):
            return None
        kind = numeric_kind(value)
        if not kind:
            raise ServerError(28765, f"{name} only supports numeric types, not "
                                     f"{type_name(value)}")
        return apply(value, kind)

    return evaluate


def _abs(value: Any, kind: int) -> Any:
    if kind == KIND_DOUBLE:
        return abs(value)
    if kind == KIND_DECIMAL:
        return make_decimal(abs(value.to_decimal()))
    n = int(value)
    if n == INT64_MIN:
        raise ServerError(28680, "can't take $abs of long long min")
    return Int64(abs(n)) if type(value) is Int64 else int_or_long(abs(n))


def _ceil(value: Any, kind: int) -> Any:
    if kind == KIND_DOUBLE:
        return float(math.ceil(value)) if math.isfinite(value) else value
    if kind == KIND_DECIMAL:
        return _quantize_integral(value, decimal.ROUND_CEILING)
    return value


def _floor(value: Any, kind: int) -> Any:
    if kind == KIND_DOUBLE:
        return float(math.floor(value)) if math.isfinite(value) else value
    if kind == KIND_DECIMAL:
        return _quantize_integral(value, decimal.ROUND_FLOOR)
    return value


def _quantize_integral(value: Decimal128, rounding: str) -> Decimal128:
    d = value.to_decimal()
    if not d.is_finite():
        return value
    if d.as_tuple().exponent >= 0:
        return value
    return make_decimal(d.quantize(decimal.Decimal(1), rounding=rounding,
                                   context=DECIMAL_CONTEXT))


def _exp(value: Any, kind: int) -> Any:
    if kind == KIND_DECIMAL:
        return make_decimal(DECIMAL_CONTEXT.exp(value.to_decimal()))
    try:
        return math.exp(to_double(value))
    except OverflowError:
        return math.inf


def _ln(value: Any, kind: int) -> Any:
    if kind == KIND_DECIMAL:
        d = value.to_decimal()
        if d > 0 or d.is_nan():
            return make_decimal(DECIMAL_CONTEXT.ln(d))
    x = to_double(value)
    if not (x > 0 or x != x):
        raise ServerError(28766, f"$ln's argument must be a positive number, but is "
                                 f"{format_double(x)}")
    return math.log(x) if x == x else x


def _log10(value: Any, kind: int) -> Any:
    if kind == KIND_DECIMAL:
        d = value.to_decimal()
        if d > 0 or d.is_nan():
            return make_decimal(DECIMAL_CONTEXT.log10(d))
    x = to_double(value)
    if not (x > 0 or x != x):
        raise ServerError(28761, f"$log10's argument must be a positive number, but is "
                                 f"{format_double(x)}")
    return math.log10(x) if x == x else x


def _sqrt(value: Any, kind: int) -> Any:
    if kind == KIND_DECIMAL:
        d = value.to_decimal()
        if d < 0:
            raise ServerError(28714, "$sqrt's argument must be greater than or equal to 0")
        return make_decimal(DECIMAL_CONTEXT.sqrt(d))
    x = to_double(value)
    if x < 0:
        raise ServerError(28714, "$sqrt's argument must be greater than or equal to 0")
    return math.sqrt(x) if x == x else x


for _name, _fn in (("$abs", _abs), ("$ceil", _ceil), ("$floor", _floor), ("$exp", _exp),
                   ("$ln", _ln), ("$log10", _log10), ("$sqrt", _sqrt)):
    def _make(apply):
        def compile_single(arg: Any, ctx: Any, name: str):
            return single_numeric(name, arg, ctx, apply)
        compile_single.__name__ = f"compile_{apply.__name__.strip('_')}"
        return compile_single
    expression_operator(_name)(_make(_fn))


# ---------------------------------------------------------------------------
# $log and $pow
# ---------------------------------------------------------------------------

@expression_operator("$log")
def compile_log(arg: Any, ctx: Any, name: str):
    number, base = fixed_arity(name, arg, ctx, 2)

    def evaluate(variables: dict) -> Any:
        x, b = number(variables), base(variables)
        if nullish(x) or nullish(b):
            return None
        xk, bk = numeric_kind(x), numeric_kind(b)
        if not xk:
            raise ServerError(28756, f"$log's argument must be numeric, not {type_name(x)}")
        if not bk:
            raise ServerError(28757, f"$log's base must be numeric, not {type_name(b)}")
        if xk == KIND_DECIMAL or bk == KIND_DECIMAL:
            xd, bd = to_decimal(x), to_decimal(b)
            if xd > 0 and bd != 1 and bd > 0:
                return make_decimal(DECIMAL_CONTEXT.divide(DECIMAL_CONTEXT.ln(xd),
                                                           DECIMAL_CONTEXT.ln(bd)))
        xf, bf = to_double(x), to_double(b)
        if not (xf > 0 or xf != xf):
            raise ServerError(28758, f"$log's argument must be a positive number, but is "
                                     f"{format_double(xf)}")
        if not ((bf > 0 and bf != 1) or bf != bf):
            raise ServerError(28759, "$log's base must be a positive number not equal to 1, "
                                     f"but is {format_double(bf)}")
        if xf != xf or bf != bf:
            return math.nan
        return math.log(xf) / math.log(bf)

    return evaluate


def pow_values(base: Any, exponent: Any) -> Any:
    bk, ek = numeric_kind(base), numeric_kind(exponent)
    if bk == KIND_DECIMAL or ek == KIND_DECIMAL:
        bd, ed = to_decimal(base), to_decimal(exponent)
        if bd.is_zero() and ed < 0:
            raise ServerError(28764, "$pow cannot take a base of 0 and a negative exponent")
        return make_decimal(DECIMAL_CONTEXT.power(bd, ed))
    bf, ef = to_double(base), to_double(exponent)
    if bf == 0 and ef < 0:
        raise ServerError(28764, "$pow cannot take a base of 0 and a negative exponent")
    if bk == KIND_DOUBLE or ek == KIND_DOUBLE:
        return _double_pow(bf, ef)
    is_long = type(base) is Int64 or type(exponent) is Int64 or bk == KIND_LONG or ek == KIND_LONG

    def fmt(n: int) -> Any:
        return Int64(n) if is_long else int_or_long(n)

    b, e = int(base), int(exponent)
    if b == 0:
        return fmt(1 if e == 0 else 0)
    if b == 1:
        return fmt(1)
    if b == -1:
        return fmt(1 if e % 2 == 0 else -1)
    if e < 0 or e > 63:
        return _double_pow(float(b), float(e))
    result = b ** e
    if not fits_long(result):
        return _double_pow(float(b), float(e))
    return fmt(result)


def _double_pow(b: float, e: float) -> float:
    try:
        return math.pow(b, e)
    except OverflowError:
        return math.inf if b > 0 or e % 2 == 0 else -math.inf
    except ValueError:
        return math.nan


@expression_operator("$pow")
def compile_pow(arg: Any, ctx: Any, name: str):
    base, exponent = fixed_arity(name, arg, ctx, 2)

    def evaluate(variables: dict) -> Any:
        b, e = base(variables), exponent(variables)
        if nullish(b) or nullish(e):
            return None
        if not numeric_kind(b):
            raise ServerError(28762, f"$pow's base must be numeric, not {type_name(b)}")
        if not numeric_kind(e):
            raise ServerError(28763, f"$pow's exponent must be numeric, not {type_name(e)}")
        return pow_values(b, e)

    return evaluate


# ---------------------------------------------------------------------------
# $round and $trunc
# ---------------------------------------------------------------------------

def round_value(name: str, value: Any, precision: int, rounding: str) -> Any:
    kind = numeric_kind(value)
    quantum = decimal.Decimal((0, (1,), -precision))
    if kind == KIND_DECIMAL:
        d = value.to_decimal()
        if d.is_infinite() or d.is_nan():
            return value
        return make_decimal(d.quantize(quantum, rounding=rounding, context=DECIMAL_CONTEXT))
    if kind == KIND_DOUBLE:
        if not math.isfinite(value):
            return value
        d = double_to_decimal(value, 34)
        out = d.quantize(quantum, rounding=rounding, context=DECIMAL_CONTEXT)
        if out.is_nan():
            return value
        return float(out)
    if precision >= 0:
        return value
    n = int(value)
    out = decimal.Decimal(n).quantize(quantum, rounding=rounding, context=DECIMAL_CONTEXT)
    if out.is_nan() or not fits_long(int(out)):
        raise ServerError(51080, f"invalid conversion from Decimal128 result in {name} "
                                 f"resulting from arguments: [{n}, {precision}]")
    result = int(out)
    if kind == KIND_LONG or type(value) is Int64 or result > 2**31 - 1:
        return Int64(result)
    return int(result)


def _compile_round(arg: Any, ctx: Any, name: str, rounding: str):
    args = ranged_arity(name, arg, ctx, 1, 2)

    def evaluate(variables: dict) -> Any:
        value = args[0](variables)
        if nullish(value):
            return None
        if not numeric_kind(value):
            raise ServerError(51081, f"{name} only supports numeric types, not "
                                     f"{type_name(value)}")
        precision = 0
        if len(args) > 1:
            place = args[1](variables)
            if nullish(place):
                return None
            if not is_integral(place):
                raise ServerError(51082, f"precision argument to  {name} must be a integral "
                                         "value")
            precision = to_long(place)
            if not -20 <= precision <= 100:
                raise ServerError(51083, f"cannot apply {name} with precision value "
                                         f"{precision} value must be in [-20, 100]")
        return round_value(name, value, precision, rounding)

    return evaluate


@expression_operator("$round")
def compile_round(arg: Any, ctx: Any, name: str):
    return _compile_round(arg, ctx, name, decimal.ROUND_HALF_EVEN)


@expression_operator("$trunc")
def compile_trunc(arg: Any, ctx: Any, name: str):
    return _compile_round(arg, ctx, name, decimal.ROUND_DOWN)


__all__ = ["add_values", "subtract_values", "multiply_values", "divide_values", "mod_values",
           "pow_values", "round_value", "single_numeric", "value_repr", "INT64_MAX"]
