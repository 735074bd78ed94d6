"""Value coercions the expression operators share.

MongoDB's expression evaluator converts values in a few fixed ways (truthiness,
"coerce to string", "coerce to date", numeric widening); each lives here once.
Comparison and equality come from :mod:`mim.engine.values.order`, with one
aggregation-specific rule added: a missing value sorts below null and is not
equal to it.
"""

from __future__ import annotations

import datetime
import decimal
import math
from collections.abc import Callable, Mapping
from typing import Any

from bson.binary import Binary
from bson.datetime_ms import DatetimeMS
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from ...values.errors import ServerError
from ...values.order import MISSING, sort_key, type_name, values_equal
from .dateformat import format_iso

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

#: IEEE 754-2008 decimal128 arithmetic, never trapping (NaN/Infinity are values).
DECIMAL_CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emin=-6143,
                                  Emax=6144, capitals=1, clamp=1, flags=[], traps=[])

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_MISSING_KEY = (2,)  # between MinKey (1) and null (3), as MongoDB's EOO


def nullish(value: Any) -> bool:
    """null or missing."""
    return value is None or value is MISSING


def to_bool(value: Any) -> bool:
    """MongoDB truthiness: false, null, missing, 0 (any numeric type) are false."""
    if value is None or value is MISSING or value is False:
        return False
    if value is True:
        return True
    cls = type(value)
    if cls is int or cls is Int64 or cls is float:
        return value != 0
    if cls is Decimal128:
        return not value.to_decimal().is_zero()
    return True


# ---------------------------------------------------------------------------
# comparison with aggregation's rule for missing values
# ---------------------------------------------------------------------------

def compare_key(value: Any) -> tuple:
    return _MISSING_KEY if value is MISSING else sort_key(value)


def expr_compare(a: Any, b: Any) -> int:
    """-1, 0 or 1; missing sorts below null, everything else as values.compare."""
    if a is MISSING or b is MISSING:
        ka, kb = compare_key(a), compare_key(b)
    else:
        if type(a) is str and type(b) is str:
            return (a > b) - (a < b)
        ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def compare_key_of(collation: Any) -> Callable[[Any], tuple]:
    """:func:`compare_key`, or its equivalent keying strings by ``collation``."""
    if collation is None:
        return compare_key
    collated_key = collation.sort_key
    return lambda value: _MISSING_KEY if value is MISSING else collated_key(value)


def comparer(collation: Any) -> Callable[[Any, Any], int]:
    """:func:`expr_compare`, or its equivalent comparing strings by ``collation``."""
    if collation is None:
        return expr_compare
    collated_key = collation.sort_key

    def collated_compare(a: Any, b: Any) -> int:
        ka = _MISSING_KEY if a is MISSING else collated_key(a)
        kb = _MISSING_KEY if b is MISSING else collated_key(b)
        return (ka > kb) - (ka < kb)

    return collated_compare


def equality(collation: Any) -> Callable[[Any, Any], bool]:
    """:func:`expr_equal`, or its equivalent comparing strings by ``collation``."""
    if collation is None:
        return expr_equal
    compare = comparer(collation)
    return lambda a, b: compare(a, b) == 0 and (a is MISSING) == (b is MISSING)


def expr_equal(a: Any, b: Any) -> bool:
    """Equality as aggregation sees it: missing equals only missing."""
    if a is MISSING or b is MISSING:
        return a is b
    return values_equal(a, b)


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------

KIND_INT, KIND_LONG, KIND_DOUBLE, KIND_DECIMAL = 1, 2, 3, 4


def numeric_kind(value: Any) -> int:
    """1 int, 2 long, 3 double, 4 decimal; 0 for anything that is not a number."""
    cls = type(value)
    if cls is int:
        return KIND_INT if INT32_MIN <= value <= INT32_MAX else KIND_LONG
    if cls is float:
        return KIND_DOUBLE
    if cls is Int64:
        return KIND_LONG
    if cls is Decimal128:
        return KIND_DECIMAL
    if cls is bool:
        return 0
    if isinstance(value, int):
        return KIND_INT if INT32_MIN <= value <= INT32_MAX else KIND_LONG
    return 0


def is_numeric(value: Any) -> bool:
    return numeric_kind(value) != 0


def int_or_long(n: int) -> Any:
    """An int32 when ``n`` fits, else an Int64 (MongoDB's createIntOrLong)."""
    if INT32_MIN <= n <= INT32_MAX:
        return int(n)
    return Int64(n)


def fits_long(n: int) -> bool:
    return INT64_MIN <= n <= INT64_MAX


def to_double(value: Any) -> float:
    """A number as a double (MongoDB's coerceToDouble)."""
    if type(value) is Decimal128:
        return float(value.to_decimal())
    return float(value)


def to_long(value: Any) -> int:
    """A number as a 64-bit integer (truncating doubles; MongoDB's coerceToLong)."""
    cls = type(value)
    if cls is float:
        if value != value:
            return 0
        if value >= 2.0**63:
            return INT64_MAX
        if value < -(2.0**63):
            return INT64_MIN
        return int(value)
    if cls is Decimal128:
        d = value.to_decimal()
        if d.is_nan():
            return 0
        if d.is_infinite():
            return INT64_MAX if d > 0 else INT64_MIN
        n = int(d.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
        return max(INT64_MIN, min(INT64_MAX, n))
    return int(value)


def double_to_decimal(value: float, digits: int = 15) -> decimal.Decimal:
    """A double as MongoDB's Decimal128(double): rounded to ``digits`` significant digits,
    keeping the trailing zeros (2.5 -> 2.50000000000000)."""
    if value != value:
        return decimal.Decimal("NaN")
    if math.isinf(value):
        return decimal.Decimal("Infinity") if value > 0 else decimal.Decimal("-Infinity")
    if value == 0:
        return decimal.Decimal("-0") if math.copysign(1.0, value) < 0 else decimal.Decimal(0)
    return decimal.Decimal(format(value, f".{digits - 1}e"))


def to_decimal(value: Any) -> decimal.Decimal:
    """A number as a decimal (doubles at 15 significant digits, as MongoDB)."""
    cls = type(value)
    if cls is Decimal128:
        return value.to_decimal()
    if cls is float:
        return double_to_decimal(value)
    return decimal.Decimal(int(value))


def make_decimal(d: decimal.Decimal) -> Decimal128:
    """A decimal result as a Decimal128 (rounded to 34 digits)."""
    d = DECIMAL_CONTEXT.plus(d) if d.is_finite() else d
    try:
        return Decimal128(d)
    except Exception:  # pragma: no cover - out of range after rounding
        return Decimal128(DECIMAL_CONTEXT.create_decimal(d))


def is_integral(value: Any) -> bool:
    """A number with an exact int32 value (MongoDB's Value::integral)."""
    kind = numeric_kind(value)
    if kind == KIND_INT:
        return True
    if kind == KIND_LONG:
        return INT32_MIN <= int(value) <= INT32_MAX
    if kind == KIND_DOUBLE:
        return math.isfinite(value) and value == int(value) and INT32_MIN <= value <= INT32_MAX
    if kind == KIND_DECIMAL:
        d = value.to_decimal()
        return d.is_finite() and d == d.to_integral_value() and INT32_MIN <= d <= INT32_MAX
    return False


def index_bound(value: Any, name: str, what: str) -> int:
    """The starting or ending index argument of ``$indexOfArray`` / ``$indexOfCP`` /
    ``$indexOfBytes`` (``what`` names which), which must be a nonnegative int32;
    the errors are the server's (40096, 40097)."""
    if not is_integral(value):
        raise ServerError(40096, f"{name}requires an integral {what}, found a value of type: "
                                 f"{type_name(value)}, with value: {value_repr(value)}")
    n = int(to_long(value))
    if n < 0:
        raise ServerError(40097, f"{name} requires a nonnegative {what}, found: "
                                 f"{value_repr(value)}")
    return n


def is_integral64(value: Any) -> bool:
    """A number with an exact int64 value (MongoDB's Value::integral64Bit)."""
    kind = numeric_kind(value)
    if kind in (KIND_INT, KIND_LONG):
        return True
    if kind == KIND_DOUBLE:
        return math.isfinite(value) and value == int(value) and -(2.0**63) <= value < 2.0**63
    if kind == KIND_DECIMAL:
        d = value.to_decimal()
        return d.is_finite() and d == d.to_integral_value() and INT64_MIN <= d <= INT64_MAX
    return False


def format_double(value: float) -> str:
    """A double as MongoDB's string builder prints it (C ``%g``)."""
    if value != value:
        return "nan"
    return "%g" % value


# ---------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------

def date_to_ms(value: Any) -> int:
    if isinstance(value, DatetimeMS):
        return int(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def ms_to_date(ms: int) -> Any:
    """A BSON date: a UTC ``datetime`` when Python can hold it, else ``DatetimeMS``."""
    ms = int(ms)
    if -62135596800000 <= ms <= 253402300799999:
        return _EPOCH + datetime.timedelta(milliseconds=ms)
    return DatetimeMS(ms)


def is_date(value: Any) -> bool:
    return isinstance(value, (datetime.datetime, DatetimeMS))


def coercible_to_date(value: Any) -> bool:
    return isinstance(value, (datetime.datetime, DatetimeMS, Timestamp, ObjectId))


def coerce_to_date_ms(value: Any) -> int:
    """Milliseconds since the epoch of a date, timestamp or ObjectId (code 16006 otherwise)."""
    if isinstance(value, (datetime.datetime, DatetimeMS)):
        return date_to_ms(value)
    if isinstance(value, Timestamp):
        return value.time * 1000
    if isinstance(value, ObjectId):
        return int.from_bytes(value.binary[:4], "big") * 1000
    raise ServerError(16006, f"can't convert from BSON type {type_name(value)} to Date")


# ---------------------------------------------------------------------------
# strings
# ---------------------------------------------------------------------------

def coerce_to_string(value: Any) -> str:
    """MongoDB's Value::coerceToString (null and missing become "")."""
    if type(value) is str:
        return value
    if value is None or value is MISSING:
        return ""
    kind = numeric_kind(value)
    if kind == KIND_DOUBLE:
        return format_double(value)
    if kind in (KIND_INT, KIND_LONG):
        return str(int(value))
    if kind == KIND_DECIMAL:
        return str(value)
    if isinstance(value, (datetime.datetime, DatetimeMS)):
        return format_iso(coerce_to_date_ms(value))
    if isinstance(value, Timestamp):
        return f"Timestamp({value.time}, {value.inc})"
    raise ServerError(16007, f"can't convert from BSON type {type_name(value)} to String")


def value_repr(value: Any) -> str:
    """A value as MongoDB writes it into error messages (Value::toString)."""
    if value is MISSING:
        return "MISSING"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        return '"' + value + '"'
    kind = numeric_kind(value)
    if kind == KIND_DOUBLE:
        return format_double(value)
    if kind in (KIND_INT, KIND_LONG):
        return str(int(value))
    if kind == KIND_DECIMAL:
        return str(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{k}: {value_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_repr(v) for v in value) + "]"
    if isinstance(value, ObjectId):
        return f"ObjectId('{value}')"
    if isinstance(value, (datetime.datetime, DatetimeMS)):
        return format_iso(coerce_to_date_ms(value))
    if isinstance(value, Timestamp):
        return f"Timestamp({value.time}, {value.inc})"
    if isinstance(value, Regex):
        return f"/{value.pattern}/{value.flags if isinstance(value.flags, str) else ''}"
    if isinstance(value, (bytes, Binary)):
        return f"BinData({getattr(value, 'subtype', 0)}, {bytes(value).hex().upper()})"
    return str(value)


def element_repr(name: str, value: Any) -> str:
    """A BSON element as ``str::stream() << BSONElement`` writes it: ``name: value``.

    BSONElement::toString differs from Value::toString: doubles go through
    StringBuilder::appendDoubleNice (``%.16g`` plus ``.0`` when integral) and
    sub-documents/arrays are spaced (``{ a: 1 }``, ``[ 1, 2 ]``).
    """
    return f"{name}: {element_value_repr(value)}"


def element_value_repr(value: Any) -> str:
    if numeric_kind(value) == KIND_DOUBLE:
        text = "%.16g" % value
        if "." not in text and "E" not in text and "N" not in text:
            text += ".0"
        return text
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(element_repr(k, v) for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[ " + ", ".join(element_value_repr(v) for v in value) + " ]"
    return value_repr(value)


__all__ = [name for name in dir() if not name.startswith("_")]
