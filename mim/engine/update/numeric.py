"""Arithmetic on BSON numbers with the server's result types (its ``SafeNum``).

* int32 op int32 stays int32, and becomes int64 when it overflows;
* anything with an int64 is int64, and overflowing int64 is an error;
* anything with a double is a double; anything with a Decimal128 is a
  Decimal128 (doubles converted with 15 significant digits, as the server does).
"""

from __future__ import annotations

import decimal
import operator
from typing import Any, Callable

from bson.decimal128 import Decimal128, create_decimal128_context
from bson.int64 import Int64

__all__ = ["INT32", "INT64", "DOUBLE", "DECIMAL", "kind", "add", "multiply", "bitwise",
           "identical", "debug_string", "Overflow"]

INT32, INT64, DOUBLE, DECIMAL = "int", "long", "double", "decimal"
_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1
_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1
_DECIMAL_CONTEXT = create_decimal128_context()


class Overflow(Exception):
    """The int64 result does not fit: the server's invalid ``SafeNum``."""


def kind(value: Any) -> str | None:
    """The numeric BSON type of ``value`` (None for non-numbers and bools)."""
    cls = type(value)
    if cls is int:
        return INT32 if _INT32_MIN <= value <= _INT32_MAX else INT64
    if cls is Int64:
        return INT64
    if cls is float:
        return DOUBLE
    if cls is Decimal128:
        return DECIMAL
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return INT64
    return None


def _to_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return decimal.Decimal(value)
        return decimal.Decimal(format(value, ".14e"))
    return decimal.Decimal(int(value))


def _result_kind(a: Any, b: Any) -> str:
    ka, kb = kind(a), kind(b)
    if DECIMAL in (ka, kb):
        return DECIMAL
    if DOUBLE in (ka, kb):
        return DOUBLE
    if INT64 in (ka, kb):
        return INT64
    return INT32


def _combine(a: Any, b: Any, op: Callable[[Any, Any], Any], dec_op: str) -> Any:
    result_kind = _result_kind(a, b)
    if result_kind == DECIMAL:
        with decimal.localcontext(_DECIMAL_CONTEXT) as ctx:
            result = getattr(ctx, dec_op)(_to_decimal(a), _to_decimal(b))
        return Decimal128(result)
    if result_kind == DOUBLE:
        return op(float(a), float(b))
    result = op(int(a), int(b))
    if result_kind == INT32 and _INT32_MIN <= result <= _INT32_MAX:
        return result
    if _INT64_MIN <= result <= _INT64_MAX:
        return Int64(result)
    raise Overflow


def add(a: Any, b: Any) -> Any:
    """``a + b`` as ``$inc`` computes it (raises :class:`Overflow`)."""
    return _combine(a, b, operator.add, "add")


def multiply(a: Any, b: Any) -> Any:
    """``a * b`` as ``$mul`` computes it (raises :class:`Overflow`)."""
    return _combine(a, b, operator.mul, "multiply")


def bitwise(a: Any, b: Any, op: str) -> Any:
    """``and``/``or``/``xor`` of two integers; int64 if either operand is."""
    fn = {"and": operator.and_, "or": operator.or_, "xor": operator.xor}[op]
    result = fn(int(a), int(b))
    if kind(a) == INT64 or kind(b) == INT64:
        return Int64(result)
    return result


def identical(a: Any, b: Any) -> bool:
    """Same BSON type and the same bytes (``$set`` of an identical value is a no-op)."""
    ka, kb = kind(a), kind(b)
    if ka is not None or kb is not None:
        if ka != kb:
            return False
        if ka == DOUBLE:
            return a == b and str(a) == str(b) or (a != a and b != b)
        if ka == DECIMAL:
            return a.bid == b.bid
        return int(a) == int(b)
    if type(a) is not type(b):
        if isinstance(a, dict) and isinstance(b, dict):
            pass
        else:
            return False
    if isinstance(a, dict):
        if list(a) != list(b):
            return False
        return all(identical(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # pragma: no cover - exotic values
        return False


def debug_string(value: Any) -> str:
    """``SafeNum::debugString``: ``(NumberInt)42``, ``(NumberLong)7`` …"""
    k = kind(value)
    if k == INT32:
        return f"(NumberInt){int(value)}"
    if k == INT64:
        return f"(NumberLong){int(value)}"
    if k == DOUBLE:
        return f"(NumberDouble){value}"
    return f"(NumberDecimal){value}"
