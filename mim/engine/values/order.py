"""BSON values as MongoDB compares them.

This module is the single owner of MongoDB's value semantics: the canonical
type order, numeric comparison across int / Int64 / double / Decimal128
(NaN and -0.0 included), field-order-sensitive document equality, and the
sort keys used by ``sort()``, ``$sort`` and indexes.

The central function is :func:`sort_key`.  It maps any BSON value to a plain
Python tuple whose natural ordering *is* MongoDB's ordering, and whose
equality and hash *are* MongoDB's equality.  Everything else (matching,
``$in`` sets, ``$group`` keys, ``_id`` uniqueness, index entries) is built on
that one function, so there is exactly one definition of "equal" and "less".
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from bson.binary import Binary
from bson.code import Code
from bson.datetime_ms import DatetimeMS
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

__all__ = [
    "MISSING",
    "Missing",
    "canonical_rank",
    "compare",
    "values_equal",
    "sort_key",
    "collated_sort_key",
    "array_sort_key",
    "type_name",
    "is_number",
    "is_integral_number",
    "to_decimal",
    "datetime_to_ms",
    "TYPE_ALIASES",
    "TYPE_CODES",
]


class Missing:
    """The absence of a field.  Distinct from ``None`` (BSON null)."""

    _instance: "Missing | None" = None

    def __new__(cls) -> "Missing":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING = Missing()

# Canonical type ranks (MongoDB's "canonical type" order).  Numbers share one
# rank, as do string and symbol; that is what makes them compare by value.
RANK_MINKEY = 1
RANK_UNDEFINED = 2  # undefined sorts with null; kept for completeness
RANK_NULL = 3
RANK_NUMBER = 4
RANK_STRING = 5
RANK_OBJECT = 6
RANK_ARRAY = 7
RANK_BINARY = 8
RANK_OBJECTID = 9
RANK_BOOL = 10
RANK_DATE = 11
RANK_TIMESTAMP = 12
RANK_REGEX = 13
RANK_DBPOINTER = 14
RANK_CODE = 15
RANK_CODE_WITH_SCOPE = 16
RANK_MAXKEY = 17

_EPOCH_AWARE = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_EPOCH_NAIVE = datetime.datetime(1970, 1, 1)


def datetime_to_ms(value: datetime.datetime | DatetimeMS) -> int:
    """Milliseconds since the Unix epoch; naive datetimes are taken as UTC
    (as pymongo encodes them)."""
    if isinstance(value, DatetimeMS):
        return int(value)
    if value.tzinfo is None:
        delta = value - _EPOCH_NAIVE
    else:
        delta = value - _EPOCH_AWARE
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def is_number(value: Any) -> bool:
    """True for BSON numbers: int32, int64, double and decimal128 (not bool)."""
    return (isinstance(value, (int, float, Decimal128))) and not isinstance(value, bool)


def to_decimal(value: Any) -> decimal.Decimal:
    """Any BSON number as an exact :class:`decimal.Decimal`."""
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, float):
        return decimal.Decimal(value)
    return decimal.Decimal(int(value))


def is_integral_number(value: Any) -> bool:
    """A number with no fractional part (``5``, ``5.0``, ``Decimal128('5')``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value) and value == int(value)
    if isinstance(value, Decimal128):
        d = value.to_decimal()
        return d.is_finite() and d == d.to_integral_value()
    return False


def canonical_rank(value: Any) -> int:
    """The canonical type rank of a BSON value (``MISSING`` ranks as null)."""
    cls = type(value)
    rank = _RANK_BY_CLASS.get(cls)
    if rank is not None:
        return rank
    return _rank_slow(value)


def _rank_slow(value: Any) -> int:
    if value is None or value is MISSING:
        return RANK_NULL
    if isinstance(value, bool):
        return RANK_BOOL
    if isinstance(value, (int, float, Decimal128)):
        return RANK_NUMBER
    if isinstance(value, str):
        return RANK_STRING
    if isinstance(value, DBRef):
        return RANK_OBJECT
    if isinstance(value, Mapping):
        return RANK_OBJECT
    if isinstance(value, (list, tuple)):
        return RANK_ARRAY
    if isinstance(value, (bytes, Binary)):
        return RANK_BINARY
    if isinstance(value, ObjectId):
        return RANK_OBJECTID
    if isinstance(value, (datetime.datetime, DatetimeMS)):
        return RANK_DATE
    if isinstance(value, Timestamp):
        return RANK_TIMESTAMP
    if isinstance(value, (Regex, re.Pattern)):
        return RANK_REGEX
    if isinstance(value, Code):
        return RANK_CODE_WITH_SCOPE if value.scope else RANK_CODE
    if isinstance(value, MinKey):
        return RANK_MINKEY
    if isinstance(value, MaxKey):
        return RANK_MAXKEY
    if isinstance(value, uuid_type):
        return RANK_BINARY
    raise TypeError(f"not a BSON value: {value!r}")


import uuid as _uuid  # noqa: E402  (kept near its single use)

uuid_type = _uuid.UUID

_RANK_BY_CLASS: dict[type, int] = {
    type(None): RANK_NULL,
    Missing: RANK_NULL,
    bool: RANK_BOOL,
    int: RANK_NUMBER,
    Int64: RANK_NUMBER,
    float: RANK_NUMBER,
    Decimal128: RANK_NUMBER,
    str: RANK_STRING,
    dict: RANK_OBJECT,
    list: RANK_ARRAY,
    tuple: RANK_ARRAY,
    bytes: RANK_BINARY,
    Binary: RANK_BINARY,
    ObjectId: RANK_OBJECTID,
    datetime.datetime: RANK_DATE,
    DatetimeMS: RANK_DATE,
    Timestamp: RANK_TIMESTAMP,
    Regex: RANK_REGEX,
    re.Pattern: RANK_REGEX,
    MinKey: RANK_MINKEY,
    MaxKey: RANK_MAXKEY,
}

# ---------------------------------------------------------------------------
# sort keys
# ---------------------------------------------------------------------------

_NAN_KEY = (RANK_NUMBER, 0)


def _number_key(value: Any) -> tuple:
    if isinstance(value, float):
        if value != value:
            return _NAN_KEY
        if value == 0.0:
            return (RANK_NUMBER, 1, 0)
        return (RANK_NUMBER, 1, value)
    if isinstance(value, Decimal128):
        d = value.to_decimal()
        if d.is_nan():
            return _NAN_KEY
        if d.is_infinite():
            return (RANK_NUMBER, 1, math.inf if d > 0 else -math.inf)
        if d == 0:
            return (RANK_NUMBER, 1, 0)
        if d == d.to_integral_value():
            return (RANK_NUMBER, 1, int(d))
        return (RANK_NUMBER, 1, d)
    return (RANK_NUMBER, 1, int(value))


def _regex_parts(value: Regex | re.Pattern) -> tuple[str, str]:
    if isinstance(value, Regex):
        flags = value.flags
        if isinstance(flags, int):
            flags = regex_flags_to_string(flags)
        return value.pattern, "".join(sorted(flags))
    return value.pattern, regex_flags_to_string(value.flags)


def regex_flags_to_string(flags: int) -> str:
    """Python ``re`` flag bits as MongoDB's sorted option letters."""
    out = ""
    if flags & re.IGNORECASE:
        out += "i"
    if flags & re.LOCALE:
        out += "l"
    if flags & re.MULTILINE:
        out += "m"
    if flags & re.DOTALL:
        out += "s"
    if flags & re.UNICODE and False:  # 'u' is implied in Python 3 str patterns
        out += "u"
    if flags & re.VERBOSE:
        out += "x"
    return out


def _binary_key(value: Any) -> tuple:
    if isinstance(value, Binary):
        return (RANK_BINARY, len(value), value.subtype, bytes(value))
    if isinstance(value, uuid_type):
        raw = value.bytes
        return (RANK_BINARY, len(raw), 4, raw)
    return (RANK_BINARY, len(value), 0, bytes(value))


def sort_key(value: Any) -> tuple:
    """A totally ordered, hashable key for a BSON value.

    ``sort_key(a) < sort_key(b)`` iff MongoDB orders ``a`` before ``b``, and
    ``sort_key(a) == sort_key(b)`` iff MongoDB considers them equal (so
    ``1 == 1.0 == Int64(1) == Decimal128('1')``, ``-0.0 == 0``, ``NaN ==
    NaN``, and ``{'a': 1, 'b': 2} != {'b': 2, 'a': 1}``).  ``MISSING`` keys
    like null.
    """
    cls = type(value)
    if cls is str:
        return (RANK_STRING, value)
    if cls is int or cls is Int64 or cls is float or cls is Decimal128:
        return _number_key(value)
    if value is None or value is MISSING:
        return (RANK_NULL,)
    if cls is bool:
        return (RANK_BOOL, value)
    if cls is ObjectId:
        return (RANK_OBJECTID, value.binary)
    if cls is datetime.datetime or cls is DatetimeMS:
        return (RANK_DATE, datetime_to_ms(value))
    if cls is dict or isinstance(value, Mapping):
        return (RANK_OBJECT, tuple(
            (canonical_rank(v), k, sort_key(v)) for k, v in value.items()
        ))
    if cls is list or cls is tuple:
        return (RANK_ARRAY, tuple(sort_key(v) for v in value))
    rank = canonical_rank(value)
    if rank == RANK_NUMBER:
        return _number_key(value)
    if rank == RANK_BINARY:
        return _binary_key(value)
    if rank == RANK_TIMESTAMP:
        return (RANK_TIMESTAMP, value.time, value.inc)
    if rank == RANK_REGEX:
        return (RANK_REGEX,) + _regex_parts(value)
    if rank == RANK_OBJECT:  # DBRef
        return (RANK_OBJECT, tuple(
            (canonical_rank(v), k, sort_key(v)) for k, v in value.as_doc().items()
        ))
    if rank in (RANK_CODE, RANK_CODE_WITH_SCOPE):
        scope = sort_key(dict(value.scope)) if value.scope else ()
        return (rank, str(value), scope)
    if rank == RANK_STRING:
        return (RANK_STRING, str(value))
    if rank == RANK_BOOL:
        return (RANK_BOOL, bool(value))
    return (rank,)


def collated_sort_key(value: Any, string_key: Callable[[str], Any]) -> tuple:
    """:func:`sort_key` under a collation: strings (also inside documents and
    arrays, never field names) key by ``string_key``, every other value as
    :func:`sort_key` keys it."""
    cls = type(value)
    if cls is str:
        return (RANK_STRING, string_key(value))
    if cls is list or cls is tuple:
        return (RANK_ARRAY, tuple(collated_sort_key(v, string_key) for v in value))
    if cls is dict or isinstance(value, (Mapping, DBRef)):
        items = value.as_doc().items() if isinstance(value, DBRef) else value.items()
        return (RANK_OBJECT, tuple(
            (canonical_rank(v), k, collated_sort_key(v, string_key)) for k, v in items
        ))
    return sort_key(value)


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 as MongoDB orders ``a`` and ``b``."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def values_equal(a: Any, b: Any) -> bool:
    """MongoDB equality (numbers by value, documents field-order-sensitive)."""
    if type(a) is str and type(b) is str:
        return a == b
    return sort_key(a) == sort_key(b)


def array_sort_key(value: Any, descending: bool,
                   key_of: Callable[[Any], tuple] = sort_key) -> tuple:
    """The key ``sort()`` uses for one field value (``key_of``: a collation's key).

    Arrays sort by their smallest element ascending and by their largest
    descending; an empty array sorts before null (MongoDB treats it as
    ``undefined`` for sorting).
    """
    if isinstance(value, list):
        if not value:
            return (RANK_UNDEFINED,)
        keys = [key_of(v) for v in value]
        return max(keys) if descending else min(keys)
    return key_of(value)


# ---------------------------------------------------------------------------
# $type names and numbers
# ---------------------------------------------------------------------------

TYPE_CODES: dict[str, int] = {
    "double": 1,
    "string": 2,
    "object": 3,
    "array": 4,
    "binData": 5,
    "undefined": 6,
    "objectId": 7,
    "bool": 8,
    "date": 9,
    "null": 10,
    "regex": 11,
    "dbPointer": 12,
    "javascript": 13,
    "symbol": 14,
    "javascriptWithScope": 15,
    "int": 16,
    "timestamp": 17,
    "long": 18,
    "decimal": 19,
    "minKey": -1,
    "maxKey": 127,
}
TYPE_ALIASES: dict[int, str] = {code: name for name, code in TYPE_CODES.items()}


def type_name(value: Any) -> str:
    """The ``$type`` alias of a value (``"missing"`` for an absent field)."""
    if value is MISSING:
        return "missing"
    cls = type(value)
    if cls is bool:
        return "bool"
    if cls is int:
        return "int" if -(2**31) <= value < 2**31 else "long"
    if cls is Int64:
        return "long"
    if cls is float:
        return "double"
    if cls is Decimal128:
        return "decimal"
    if cls is str:
        return "string"
    if value is None:
        return "null"
    if isinstance(value, DBRef):
        return "object"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, (bytes, Binary, uuid_type)):
        return "binData"
    if isinstance(value, ObjectId):
        return "objectId"
    if isinstance(value, (datetime.datetime, DatetimeMS)):
        return "date"
    if isinstance(value, Timestamp):
        return "timestamp"
    if isinstance(value, (Regex, re.Pattern)):
        return "regex"
    if isinstance(value, Code):
        return "javascriptWithScope" if value.scope else "javascript"
    if isinstance(value, MinKey):
        return "minKey"
    if isinstance(value, MaxKey):
        return "maxKey"
    if isinstance(value, int):
        return "long" if not -(2**31) <= value < 2**31 else "int"
    raise TypeError(f"not a BSON value: {value!r}")
