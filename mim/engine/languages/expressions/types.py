"""Type operators: $convert $toBool $toDate $toDecimal $toDouble $toInt $toLong
$toObjectId $toString $type $isNumber.

$convert follows MongoDB's conversion table; a conversion it does not define,
or a value that cannot be converted, fails with code 241 (ConversionFailure),
which ``onError`` catches.  ``onNull`` applies when the input is null or
missing.
"""

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Mapping
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId

from ...values.errors import ServerError
from ...values.order import MISSING, TYPE_ALIASES, TYPE_CODES, type_name
from .coercion import (DECIMAL_CONTEXT, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, KIND_DECIMAL,
                       KIND_DOUBLE, KIND_INT, KIND_LONG, coerce_to_date_ms, format_double,
                       is_integral, is_numeric, make_decimal, ms_to_date, nullish, numeric_kind,
                       to_bool, to_decimal, to_double)
from .compiler import compile_operand, constant, fixed_arity, is_constant, parse_arguments
from .dateformat import format_iso, parse_date
from .registry import expression_operator

_DOUBLE_RE = re.compile(r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$",
                        re.IGNORECASE)
_INT_RE = re.compile(r"^[+-]?\d+$")
_DECIMAL_RE = re.compile(r"^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$",
                         re.IGNORECASE)

_SUFFIX = " in $convert with no onError value"


def _failure(message: str) -> ServerError:
    return ServerError(241, message)


def _overflow(text: str) -> ServerError:
    return _failure(f"Conversion would overflow target type{_SUFFIX}: {text}")


def target_type(value: Any) -> str:
    """The type alias a $convert 'to' value names (code 9 / 2 when invalid)."""
    if isinstance(value, str):
        if value == "missing":
            return "missing"
        if value not in TYPE_CODES:
            raise ServerError(2, f"Unknown type name: {value}")
        return value
    if is_numeric(value):
        if not is_integral(value):
            raise ServerError(9, "In $convert, numeric 'to' argument is not an integer")
        code = int(to_double(value))
        if code not in TYPE_ALIASES:
            raise ServerError(9, "In $convert, numeric value for 'to' does not correspond to a "
                                 f"BSON type: {code}")
        return TYPE_ALIASES[code]
    raise ServerError(9, f"$convert's 'to' argument must be a string or number, but is "
                         f"{type_name(value)}")


def _double_to_int(value: float, target: str) -> Any:
    if value != value:
        raise _failure(f"Attempt to convert NaN value to integer type{_SUFFIX}")
    if math.isinf(value):
        raise _failure(f"Attempt to convert infinity value to integer type{_SUFFIX}")
    if target == "int":
        if not INT32_MIN <= value <= INT32_MAX:
            raise _overflow(format_double(value))
        return int(value)
    if not -(2.0**63) <= value < 2.0**63:
        raise _overflow(format_double(value))
    return Int64(int(value))


def _decimal_to_int(value: Decimal128, target: str) -> Any:
    d = value.to_decimal()
    if d.is_nan():
        raise _failure(f"Attempt to convert NaN value to integer type{_SUFFIX}")
    if d.is_infinite():
        raise _failure(f"Attempt to convert infinity value to integer type{_SUFFIX}")
    n = int(d.to_integral_value(rounding=decimal.ROUND_DOWN))
    low, high = (INT32_MIN, INT32_MAX) if target == "int" else (INT64_MIN, INT64_MAX)
    if not low <= n <= high:
        raise _overflow(str(value))
    return n if target == "int" else Int64(n)


def _parse_number(text: str, target: str) -> Any:
    if text.startswith("0x"):
        raise _failure(f"Illegal hexadecimal input{_SUFFIX}: {text}")
    prefix = f"Failed to parse number '{text}'{_SUFFIX}: "
    if target in ("int", "long"):
        if not _INT_RE.match(text):
            raise _failure(prefix + ("No digits" if not text.strip("+-") else
                                     "Did not consume whole string."))
        n = int(text)
        low, high = (INT32_MIN, INT32_MAX) if target == "int" else (INT64_MIN, INT64_MAX)
        if not low <= n <= high:
            raise _failure(prefix + "Out of range")
        return n if target == "int" else Int64(n)
    if target == "double":
        if not _DOUBLE_RE.match(text):
            raise _failure(prefix + "Did not consume whole string.")
        value = float(text)
        if math.isinf(value) and "inf" not in text.lower():
            raise _failure(prefix + "Out of range")
        return value
    if not _DECIMAL_RE.match(text):
        raise _failure(prefix + "Failed to parse string to decimal")
    return make_decimal(DECIMAL_CONTEXT.create_decimal(text))


def _to_double(value: Any, kind: int) -> float:
    if kind == KIND_DECIMAL:
        d = value.to_decimal()
        if d.is_finite() and abs(d) > decimal.Decimal("1.7976931348623157E+308"):
            raise _overflow(str(value))
        return float(d)
    return to_double(value)


def convert(value: Any, target: str) -> Any:
    """Convert a non-null value to the type alias ``target`` (code 241 on failure)."""
    source = type_name(value)
    kind = numeric_kind(value)
    if target == "bool":
        return to_bool(value) if kind or isinstance(value, bool) or source == "date" else True
    if source == target:
        return value
    if target == "double":
        if kind:
            return _to_double(value, kind)
        if source == "bool":
            return 1.0 if value else 0.0
        if source == "string":
            return _parse_number(value, "double")
        if source == "date":
            return float(coerce_to_date_ms(value))
    elif target in ("int", "long"):
        if kind == KIND_DOUBLE:
            return _double_to_int(value, target)
        if kind == KIND_DECIMAL:
            return _decimal_to_int(value, target)
        if kind in (KIND_INT, KIND_LONG):
            n = int(value)
            if target == "int":
                if not INT32_MIN <= n <= INT32_MAX:
                    raise _failure(f"Conversion would overflow target type{_SUFFIX}: ")
                return n
            return Int64(n)
        if source == "bool":
            return (1 if value else 0) if target == "int" else Int64(1 if value else 0)
        if source == "string":
            return _parse_number(value, target)
        if source == "date" and target == "long":
            return Int64(coerce_to_date_ms(value))
    elif target == "decimal":
        if kind:
            return make_decimal(to_decimal(value))
        if source == "bool":
            return Decimal128("1" if value else "0")
        if source == "string":
            return _parse_number(value, "decimal")
        if source == "date":
            return Decimal128(str(coerce_to_date_ms(value)))
    elif target == "string":
        if kind == KIND_DOUBLE:
            if math.isinf(value):
                return "-Infinity" if value < 0 else "Infinity"
            if value != value:
                return "NaN"
            if value == 0 and math.copysign(1.0, value) < 0:
                return "-0"
            return format_double(value)
        if kind in (KIND_INT, KIND_LONG):
            return str(int(value))
        if kind == KIND_DECIMAL:
            return str(value)
        if source == "bool":
            return "true" if value else "false"
        if source == "objectId":
            return str(value)
        if source == "date":
            return format_iso(coerce_to_date_ms(value))
    elif target == "date":
        if kind == KIND_DOUBLE:
            return ms_to_date(int(_double_to_int(value, "long")))
        if kind == KIND_DECIMAL:
            return ms_to_date(int(_decimal_to_int(value, "long")))
        if kind == KIND_LONG:
            return ms_to_date(int(value))
        if source == "string":
            return ms_to_date(parse_date(value))
        if source in ("objectId", "timestamp"):
            return ms_to_date(coerce_to_date_ms(value))
    elif target == "objectId":
        if source == "string":
            if len(value) != 24:
                raise _failure(f"Failed to parse objectId '{value}'{_SUFFIX}: Invalid string "
                               f"length for parsing to OID, expected 24 but found {len(value)}")
            try:
                return ObjectId(value)
            except Exception:
                raise _failure(f"Failed to parse objectId '{value}'{_SUFFIX}: Invalid character "
                               "found in hex string") from None
    raise _failure(f"Unsupported conversion from {source} to {target}{_SUFFIX}")


def _convert_evaluator(input_fn, to_fn, on_error, on_null):
    fixed_target = None
    if is_constant(to_fn) and not nullish(to_fn.constant_value):  # type: ignore[attr-defined]
        fixed_target = target_type(to_fn.constant_value)  # type: ignore[attr-defined]

    def evaluate(variables: dict) -> Any:
        if fixed_target is not None:
            target = fixed_target
        else:
            to_value = to_fn(variables)
            target = None if nullish(to_value) else target_type(to_value)
        value = input_fn(variables)
        if nullish(value):
            return on_null(variables) if on_null is not None else None
        if target is None:
            return None
        if target == "missing":
            if on_error is not None:
                return on_error(variables)
            raise _failure(f"Unsupported conversion from {type_name(value)} to missing"
                           f"{_SUFFIX}")
        try:
            return convert(value, target)
        except ServerError as exc:
            if exc.code == 241 and on_error is not None:
                return on_error(variables)
            raise

    return evaluate


@expression_operator("$convert")
def compile_convert(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(9, f"$convert expects an object of named arguments but found: "
                             f"{type_name(arg)}")
    fns: dict[str, Any] = {}
    for key, value in arg.items():
        if key not in ("input", "to", "onError", "onNull"):
            raise ServerError(9, f"$convert found an unknown argument: {key}")
        fns[key] = compile_operand(value, ctx)
    if "input" not in fns:
        raise ServerError(9, "Missing 'input' parameter to $convert")
    if "to" not in fns:
        raise ServerError(9, "Missing 'to' parameter to $convert")
    return _convert_evaluator(fns["input"], fns["to"], fns.get("onError"), fns.get("onNull"))


_SHORTCUTS = {"$toBool": "bool", "$toDate": "date", "$toDecimal": "decimal",
              "$toDouble": "double", "$toInt": "int", "$toLong": "long",
              "$toObjectId": "objectId", "$toString": "string"}


@expression_operator(*_SHORTCUTS)
def compile_to_type(arg: Any, ctx: Any, name: str):
    args = parse_arguments(arg, ctx)
    if len(args) != 1:
        raise ServerError(50723, f"{name} requires a single argument, got {len(args)}")
    return _convert_evaluator(args[0], constant(_SHORTCUTS[name]), None, None)


@expression_operator("$type")
def compile_type(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)
    return lambda variables: type_name(operand(variables))


@expression_operator("$isNumber")
def compile_is_number(arg: Any, ctx: Any, name: str):
    (operand,) = fixed_arity(name, arg, ctx, 1)
    return lambda variables: is_numeric(operand(variables))


__all__ = ["convert", "target_type", "MISSING"]
