"""Resume tokens in the server's format: ``{_data: "<hex KeyString>"}``.

A change event's ``_id`` is the hex of a KeyString (``key_string.cpp``, V1,
ascending ordering) of the fields ``ResumeToken::ResumeToken(const
ResumeTokenData&)`` appends, in this order: ``clusterTime``, ``version`` (2),
``tokenType`` (128 for an event, 0 for a high-water mark), ``txnOpIndex``,
``fromInvalidate``, the collection ``uuid`` (null when there is none) and the
``eventIdentifier`` (``{operationType, documentKey}`` for a document event,
``{operationType, operationDescription}`` otherwise; none for a high-water
mark).  Each value is one small encoder in :data:`VALUE_ENCODERS`.

mim finds the event of a token by its exact hex string in the change history
(:mod:`.history`); :func:`token_prefix` reads back the leading fields a resume
needs (cluster time, token type, fromInvalidate).  The KeyString ``_typeBits``
(which only disambiguate a double from an integer of the same value in a
document key) are not produced; non-integral doubles and decimals in a document
key are encoded as their IEEE bits, which orders them but is not the server's
byte sequence.
"""

from __future__ import annotations

import datetime
import struct
import uuid as uuid_module
from collections.abc import Callable, Mapping
from typing import Any

from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from ...values.errors import ServerError
from ...values.order import datetime_to_ms
from ...values.registry import Registry
from ...values.render import render_document

__all__ = ["TOKEN_VERSION", "EVENT_TOKEN", "HIGH_WATER_MARK_TOKEN", "event_token",
           "fragment_token", "fragment_of",
           "high_water_mark", "token_prefix", "TokenPrefix", "token_hex"]

#: the token version a 7.0 server writes (``ResumeTokenData::kDefaultTokenVersion``)
TOKEN_VERSION = 2
#: ``ResumeTokenData::TokenType``
EVENT_TOKEN = 128
HIGH_WATER_MARK_TOKEN = 0

# KeyString CType bytes (key_string.cpp)
_MIN_KEY, _UNDEFINED, _NULLISH, _NUMERIC, _STRING = 10, 15, 20, 30, 60
_OBJECT, _ARRAY, _BINDATA, _OID, _FALSE, _TRUE = 70, 80, 90, 100, 110, 111
_DATE, _TIMESTAMP, _REGEX, _MAX_KEY = 120, 130, 140, 240
_NUMERIC_ZERO = 41
_NUMERIC_POSITIVE_LARGE = 51
_NUMERIC_NEGATIVE_LARGE = 31
_END = 4

Encoder = Callable[[Any, bytearray], None]
VALUE_ENCODERS: Registry[Encoder] = Registry("KeyString encoder")
#: the "generic" CType an object element's type contributes before its name
_GENERIC_TYPES: dict[type, int] = {}


def _encoder(*types: type, generic: int) -> Callable[[Encoder], Encoder]:
    def register(fn: Encoder) -> Encoder:
        for cls in types:
            VALUE_ENCODERS.add(cls.__name__, fn)
            _GENERIC_TYPES[cls] = generic
        return fn
    return register


def _encode_value(value: Any, out: bytearray) -> None:
    fn = VALUE_ENCODERS.get(type(value).__name__)
    if fn is None:
        for cls in type(value).__mro__[1:]:
            fn = VALUE_ENCODERS.get(cls.__name__)
            if fn is not None:
                break
    if fn is None:  # pragma: no cover - every BSON type is registered
        raise TypeError(f"no KeyString encoding for {type(value).__name__}")
    fn(value, out)


def _generic_type(value: Any) -> int:
    for cls in type(value).__mro__:
        if cls in _GENERIC_TYPES:
            return _GENERIC_TYPES[cls]
    return _NULLISH


@_encoder(type(None), generic=_NULLISH)
def _encode_null(value: None, out: bytearray) -> None:
    out.append(_NULLISH)


@_encoder(bool, generic=_FALSE)
def _encode_bool(value: bool, out: bytearray) -> None:
    out.append(_TRUE if value else _FALSE)


@_encoder(int, generic=_NUMERIC)
def _encode_int(value: int, out: bytearray) -> None:
    """An integer: its magnitude shifted left once (the low bit says "has a
    fraction"), big-endian in as few bytes as it needs; the CType says how
    many, and a negative number's bytes are inverted."""
    if value == 0:
        out.append(_NUMERIC_ZERO)
        return
    shifted = abs(value) << 1
    size = (shifted.bit_length() + 7) // 8
    body = shifted.to_bytes(size, "big")
    if value > 0:
        out.append(_NUMERIC_ZERO + 1 + size)
        out += body
    else:
        out.append(_NUMERIC_ZERO - 1 - size)
        out += bytes(255 - b for b in body)


@_encoder(float, generic=_NUMERIC)
def _encode_double(value: float, out: bytearray) -> None:
    if value == value and abs(value) < 2 ** 63 and value == int(value):
        _encode_int(int(value), out)
        return
    bits = struct.pack(">d", value)
    if value >= 0 or value != value:
        out.append(_NUMERIC_POSITIVE_LARGE)
        out += bits
    else:
        out.append(_NUMERIC_NEGATIVE_LARGE)
        out += bytes(255 - b for b in bits)


@_encoder(Decimal128, generic=_NUMERIC)
def _encode_decimal(value: Decimal128, out: bytearray) -> None:
    decimal = value.to_decimal()
    if decimal.is_finite() and decimal == decimal.to_integral_value() and abs(decimal) < 2 ** 63:
        _encode_int(int(decimal), out)
    else:
        _encode_double(float(decimal), out)


def _append_cstring(text: str, out: bytearray) -> None:
    out += text.encode("utf-8").replace(b"\x00", b"\x00\xff")
    out.append(0)


@_encoder(str, generic=_STRING)
def _encode_string(value: str, out: bytearray) -> None:
    out.append(_STRING)
    _append_cstring(value, out)


@_encoder(dict, generic=_OBJECT)
def _encode_object(value: Mapping, out: bytearray) -> None:
    """(generic type, name, value) per element, as ``_appendBson`` orders them."""
    out.append(_OBJECT)
    for name, item in value.items():
        out.append(_generic_type(item))
        _append_cstring(name, out)
        _encode_value(item, out)
    out.append(0)


@_encoder(list, generic=_ARRAY)
def _encode_array(value: list, out: bytearray) -> None:
    out.append(_ARRAY)
    for item in value:
        _encode_value(item, out)
    out.append(0)


@_encoder(Binary, generic=_BINDATA)
def _encode_binary(value: Binary, out: bytearray) -> None:
    data = bytes(value)
    out.append(_BINDATA)
    if len(data) < 0xFF:
        out.append(len(data))
    else:
        out.append(0xFF)
        out += len(data).to_bytes(4, "big")
    out.append(value.subtype)
    out += data


@_encoder(bytes, generic=_BINDATA)
def _encode_bytes(value: bytes, out: bytearray) -> None:
    _encode_binary(Binary(value), out)


@_encoder(uuid_module.UUID, generic=_BINDATA)
def _encode_uuid(value: uuid_module.UUID, out: bytearray) -> None:
    _encode_binary(Binary(value.bytes, 4), out)


@_encoder(ObjectId, generic=_OID)
def _encode_object_id(value: ObjectId, out: bytearray) -> None:
    out.append(_OID)
    out += value.binary


@_encoder(datetime.datetime, generic=_DATE)
def _encode_date(value: datetime.datetime, out: bytearray) -> None:
    out.append(_DATE)
    out += ((datetime_to_ms(value) & 0xFFFFFFFFFFFFFFFF) ^ (1 << 63)).to_bytes(8, "big")


@_encoder(Timestamp, generic=_TIMESTAMP)
def _encode_timestamp(value: Timestamp, out: bytearray) -> None:
    out.append(_TIMESTAMP)
    out += ((value.time << 32) | value.inc).to_bytes(8, "big")


@_encoder(Regex, generic=_REGEX)
def _encode_regex(value: Regex, out: bytearray) -> None:
    out.append(_REGEX)
    _append_cstring(value.pattern, out)
    flags = value.flags if isinstance(value.flags, str) else ""
    _append_cstring(flags, out)


@_encoder(MinKey, generic=_MIN_KEY)
def _encode_min_key(value: MinKey, out: bytearray) -> None:
    out.append(_MIN_KEY)


@_encoder(MaxKey, generic=_MAX_KEY)
def _encode_max_key(value: MaxKey, out: bytearray) -> None:
    out.append(_MAX_KEY)


def token_hex(*values: Any) -> str:
    """The uppercase hex of the KeyString of ``values`` (a key of unnamed fields)."""
    out = bytearray()
    for value in values:
        _encode_value(value, out)
    out.append(_END)
    return out.hex().upper()


def event_token(cluster_time: Timestamp, txn_op_index: int, uuid: Any,
                event_identifier: dict, from_invalidate: bool = False) -> str:
    """The ``_data`` of an event's resume token."""
    return token_hex(cluster_time, TOKEN_VERSION, EVENT_TOKEN, txn_op_index, from_invalidate,
                     uuid, event_identifier)


def fragment_token(event_hex: str, fragment: int) -> str:
    """The ``_data`` of fragment ``fragment`` of a split event: the event's token
    with ``fragmentNum`` appended (``ResumeToken::ResumeToken``)."""
    out = bytearray()
    _encode_int(fragment, out)
    return event_hex[:-2] + out.hex().upper() + event_hex[-2:]


def fragment_of(token_hex: str, event_hex: str) -> int | None:
    """The ``fragmentNum`` of ``token_hex`` when it is a fragment token of the event
    whose token is ``event_hex`` (None otherwise)."""
    stem = event_hex[:-2]
    if len(token_hex) <= len(event_hex) or not token_hex.startswith(stem):
        return None
    reader = _Reader(bytes.fromhex(token_hex[len(stem):]))
    try:
        fragment = reader.integer(7182501, "Resume token 'fragmentNum' must be a "
                                            "non-negative integer.")
    except ServerError:
        return None
    if fragment < 0:
        raise ServerError(7182501, "Resume token 'fragmentNum' must be a non-negative integer.")
    if not reader.at_end() or reader.at != len(reader.raw) - 1:
        raise ServerError(40646, "invalid oversized resume token")
    return fragment


def high_water_mark(cluster_time: Timestamp) -> str:
    """The ``_data`` of a high-water-mark token (a ``postBatchResumeToken`` with
    no event behind it): a position in time only."""
    return token_hex(cluster_time, TOKEN_VERSION, HIGH_WATER_MARK_TOKEN, 0, False, None)


class TokenPrefix:
    """The leading fields of a resume token (``ResumeToken::getData``)."""

    __slots__ = ("cluster_time", "version", "token_type", "txn_op_index", "from_invalidate")

    def __init__(self, cluster_time: Timestamp, version: int, token_type: int,
                 txn_op_index: int, from_invalidate: bool) -> None:
        self.cluster_time = cluster_time
        self.version = version
        self.token_type = token_type
        self.txn_op_index = txn_op_index
        self.from_invalidate = from_invalidate

    @property
    def is_high_water_mark(self) -> bool:
        return self.token_type == HIGH_WATER_MARK_TOKEN


def token_prefix(token: Any) -> tuple[str, TokenPrefix]:
    """Validate a resume token document as the server parses it; its hex string
    and its leading fields."""
    if not isinstance(token, Mapping):
        raise ServerError(14, "BSON field '$changeStream.resumeAfter' is the wrong type, "
                              "expected type 'object'")
    data = token.get("_data")
    if not isinstance(data, str):
        raise ServerError(40647, f"Bad resume token: _data of missing or of wrong type. "
                                 f"Expected string, got {render_document(token)}")
    type_bits = token.get("_typeBits")
    if "_typeBits" in token and not (isinstance(type_bits, Binary) and type_bits.subtype == 0):
        raise ServerError(40648, f"Bad resume token: _typeBits of wrong type "
                                 f"{render_document(token)}")
    try:
        raw = bytes.fromhex(data)
    except ValueError:
        raise ServerError(9, "resume token string was not a valid hex string") from None
    reader = _Reader(raw)
    if reader.at_end():
        raise ServerError(40649, "invalid empty resume token")
    cluster_time = reader.timestamp()
    if reader.at_end():
        raise ServerError(50796, "Resume Token does not contain version")
    version = reader.integer(50854, "Invalid resume token: wrong type for version")
    if version not in (0, 1, 2):
        raise ServerError(50795, "Invalid Resume Token: only supports version 0, 1 and 2")
    token_type = EVENT_TOKEN
    if version >= 1:
        if reader.at_end():
            raise ServerError(51055, "Resume Token does not contain tokenType")
        token_type = reader.integer(51056, "Resume Token tokenType is not an int.")
        if token_type not in (EVENT_TOKEN, HIGH_WATER_MARK_TOKEN):
            raise ServerError(51057, f"Token type {token_type} not recognized")
    if reader.at_end():
        raise ServerError(50793, "Resume Token does not contain txnOpIndex")
    txn_op_index = reader.integer(50855, "Resume Token txnOpIndex is not an integer")
    if txn_op_index < 0:
        raise ServerError(50794, "Invalid Resume Token: txnOpIndex should be non-negative")
    from_invalidate = False
    if version >= 1:
        if reader.at_end():
            raise ServerError(50872, "Resume Token does not contain fromInvalidate")
        from_invalidate = reader.boolean()
    return data.upper(), TokenPrefix(cluster_time, version, token_type, txn_op_index,
                                     from_invalidate)


class _Reader:
    """Reads the KeyString values a token starts with."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.at = 0

    def at_end(self) -> bool:
        return self.at >= len(self.raw) or self.raw[self.at] == _END

    def _take(self, count: int) -> bytes:
        chunk = self.raw[self.at:self.at + count]
        if len(chunk) != count:
            raise ServerError(9, "Invalid resume token: the KeyString ends early")
        self.at += count
        return chunk

    def timestamp(self) -> Timestamp:
        if self._take(1)[0] != _TIMESTAMP:
            raise ServerError(9, "Invalid resume token: clusterTime is not a Timestamp")
        value = int.from_bytes(self._take(8), "big")
        return Timestamp(value >> 32, value & 0xFFFFFFFF)

    def integer(self, code: int, message: str) -> int:
        ctype = self._take(1)[0]
        if ctype == _NUMERIC_ZERO:
            return 0
        if _NUMERIC_ZERO + 2 <= ctype <= _NUMERIC_ZERO + 9:
            return int.from_bytes(self._take(ctype - _NUMERIC_ZERO - 1), "big") >> 1
        if _NUMERIC_ZERO - 9 <= ctype <= _NUMERIC_ZERO - 2:
            body = bytes(255 - b for b in self._take(_NUMERIC_ZERO - 1 - ctype))
            return -(int.from_bytes(body, "big") >> 1)
        raise ServerError(code, message)

    def boolean(self) -> bool:
        ctype = self._take(1)[0]
        if ctype not in (_FALSE, _TRUE):
            raise ServerError(50870, "Resume Token fromInvalidate is not a boolean.")
        return ctype == _TRUE
