"""Values rendered the way the server prints them inside error messages
(``BSONObj::toString``): ``{ _id: ObjectId('…'), name: "x", n: 1.5 }``."""

from __future__ import annotations

import datetime
import math
import re
import uuid
from collections.abc import Mapping
from typing import Any

from bson.binary import Binary
from bson.code import Code
from bson.datetime_ms import DatetimeMS
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from .order import datetime_to_ms, regex_flags_to_string


def render_double(value: float) -> str:
    if math.isnan(value):
        return "nan.0"
    if math.isinf(value):
        return "inf.0" if value > 0 else "-inf.0"
    if value == int(value) and abs(value) < 1e16:
        return f"{int(value)}.0"
    return repr(value)


def render(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return render_double(value)
    if isinstance(value, (Int64, int)):
        return str(int(value))
    if isinstance(value, Decimal128):
        return f'NumberDecimal("{value}")'
    if isinstance(value, Code):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, ObjectId):
        return f"ObjectId('{value}')"
    if isinstance(value, (datetime.datetime, DatetimeMS)):
        return f"new Date({datetime_to_ms(value)})"
    if isinstance(value, Timestamp):
        return f"Timestamp({value.time}, {value.inc})"
    if isinstance(value, Binary):
        if value.subtype == 4 and len(value) == 16:  # BSONElement::toString special-cases UUIDs
            return f'UUID("{uuid.UUID(bytes=bytes(value))}")'
        return f"BinData({value.subtype}, {bytes(value).hex().upper()})"
    if isinstance(value, bytes):
        return f"BinData(0, {value.hex().upper()})"
    if isinstance(value, Regex):
        flags = value.flags if isinstance(value.flags, str) else regex_flags_to_string(value.flags)
        return f"/{value.pattern}/{flags}"
    if isinstance(value, re.Pattern):
        return f"/{value.pattern}/{regex_flags_to_string(value.flags)}"
    if isinstance(value, MinKey):
        return "MinKey"
    if isinstance(value, MaxKey):
        return "MaxKey"
    if isinstance(value, Mapping):
        return render_document(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[ " + ", ".join(render(v) for v in value) + " ]"
    return str(value)


def render_document(doc: Mapping) -> str:
    if not doc:
        return "{}"
    return "{ " + ", ".join(f"{k}: {render(v)}" for k, v in doc.items()) + " }"
