"""The seam between the pymongo-shaped API and the engine.

Values cross it as BSON, exactly as a driver sends them over the wire: user
input is encoded with the collection's codec options and decoded with the
engine's, and results are decoded with the caller's codec options.  Engine
errors become the exception classes pymongo raises for the same server reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import Any, NoReturn

import bson
from bson.codec_options import CodecOptions
from bson.errors import InvalidBSON
from bson.objectid import ObjectId
from pymongo.errors import (CursorNotFound, DuplicateKeyError, ExecutionTimeout, OperationFailure,
                            WriteError)
from pymongo.helpers_shared import _check_command_response, _raise_write_concern_error

from .engine.commands.diagnostics import MAX_WIRE_VERSION
from .engine.values.errors import ServerError
from .engine.storage.encoding import ENCODING_CODEC
from .engine.storage.store import ENGINE_CODEC

#: the C codec's entry points behind ``bson.encode``/``bson.decode`` (None without the C extension)
_bson_to_dict = getattr(bson, "_bson_to_dict", None)
_dict_to_bson = getattr(bson, "_dict_to_bson", None)
#: ``bson.decode_all``'s C entry point (None without the C extension)
_decode_all = getattr(getattr(bson, "_cbson", None), "_decode_all", None)
#: ``plain_encode(document, False, codec_options)``: the C encoder itself, for exact
#: ``CodecOptions`` (None without the C extension); a RecursionError it raises is
#: :func:`encode`'s to turn into the server's depth error
plain_encode = _dict_to_bson
#: ``plain_decode(raw, codec_options)``: the C decoder itself, for exact
#: ``CodecOptions`` (None without the C extension; :func:`decode` checks both)
plain_decode = _bson_to_dict

#: the document class of :data:`~mim.engine.storage.encoding.ENCODING_CODEC`: a
#: ``dict`` that carries pymongo's ``_type_marker``, which the C encoder then finds
#: without raising (and clearing) an AttributeError
_MARKED_DICT = ENCODING_CODEC.document_class
#: (codec options, their :func:`encoding_options`) last asked for: most collections
#: share their client's codec options object
_last_encoding: tuple = (None, None)


def encoding_options(codec_options: CodecOptions) -> CodecOptions:
    """``codec_options`` for :data:`plain_encode` alone: when their document class is
    ``dict``, the same options with :data:`_MARKED_DICT` instead, which encode every
    document to the very same bytes (the encoder reads the document class for its
    ``_type_marker`` and for nothing else) without the failed lookup of that marker
    on ``dict`` (~2k instructions per call); any other options as they are.  Never
    for decoding."""
    global _last_encoding
    last, encoding = _last_encoding
    if codec_options is last:
        return encoding
    encoding = codec_options.with_options(document_class=_MARKED_DICT) \
        if type(codec_options) is CodecOptions and codec_options.document_class is dict \
        else codec_options
    _last_encoding = (codec_options, encoding)
    return encoding


__all__ = ["to_engine", "engine_value", "encode", "plain_encode", "plain_decode", "decode", "decode_batch", "encoding_options",
           "command_error", "raise_server_error",
           "raise_write_errors", "too_deep_to_decode"]


def to_engine(codec_options: CodecOptions, **values: Any) -> dict[str, Any]:
    """Round-trip command arguments through BSON (nested, so no key is reordered)."""
    present = {k: v for k, v in values.items() if v is not None}
    if not present:
        return {}
    copied = _plain_copy(present, 0)
    if copied is not _NOT_PLAIN:
        return copied
    raw = encode(present, codec_options)
    try:
        return bson.decode(raw, ENGINE_CODEC)
    except (RecursionError, InvalidBSON) as exc:
        if not too_deep_to_decode(exc):
            raise
        raise_server_error(_TOO_DEEP)


def engine_value(value: Any, codec_options: CodecOptions) -> Any:
    """One argument (not None) in the engine's values: :func:`to_engine` for a
    single value, without building a keyword dict."""
    copied = _plain_copy(value, 1)
    if copied is not _NOT_PLAIN:
        return copied
    return to_engine(codec_options, v=value)["v"]


def too_deep_to_decode(exc: Exception) -> bool:
    """True for the decoder's way of saying a document nests beyond its
    recursion (a RecursionError, or InvalidBSON wrapping one)."""
    return isinstance(exc, RecursionError) or "maximum recursion depth" in str(exc)


#: what a server answers for a document nested beyond any BSON depth limit
_TOO_DEEP = ServerError(15, "BSONObj exceeds maximum nested object depth")


def encode(value: Any, codec_options: CodecOptions) -> bytes:
    """``bson.encode``, except that a value too deep for the encoder's recursion
    is the server's depth error (15 Overflow), never a RecursionError."""
    try:
        if _dict_to_bson is not None and type(codec_options) is CodecOptions:
            return _dict_to_bson(value, False, codec_options)  # bson.encode minus its check
        return bson.encode(value, codec_options=codec_options)
    except RecursionError:
        raise_server_error(_TOO_DEEP)


_NOT_PLAIN = object()
_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1


def _plain_copy(value: Any, depth: int) -> Any:
    """A fresh copy of ``value`` equal, type for type, to what the BSON round trip
    (any codec options, then ``ENGINE_CODEC``) gives — or ``_NOT_PLAIN`` when that
    is not provably so and the real round trip must run.

    Only exact ``dict``/``list`` containers and scalars whose encoding no codec
    option can change (custom type encoders may not touch built-in types) qualify:
    ints in int32 range (larger ones decode as ``Int64``), ASCII strings, floats,
    bools, ``None`` and ``ObjectId``.  A document with a ``$ref`` key (it may
    decode as a ``DBRef``) and anything unencodable take the real path, so every
    error is still raised by the codec itself.
    """
    cls = type(value)
    if cls is int:
        return value if _INT32_MIN <= value <= _INT32_MAX else _NOT_PLAIN
    if cls is str:
        return value if value.isascii() else _NOT_PLAIN
    if cls is float or cls is bool or value is None or cls is ObjectId:
        return value
    if depth > 32:
        return _NOT_PLAIN
    if cls is dict:
        if "$ref" in value:
            return _NOT_PLAIN
        out = {}
        for key, item in value.items():
            if type(key) is not str or not key.isascii() or "\x00" in key:
                return _NOT_PLAIN
            kind = type(item)
            # an ASCII string or an int32 (a filter's usual values) is decided here,
            # without a call
            if kind is str:
                if not item.isascii():
                    return _NOT_PLAIN
            elif kind is int:
                if not _INT32_MIN <= item <= _INT32_MAX:
                    return _NOT_PLAIN
            else:
                item = _plain_copy(item, depth + 1)
                if item is _NOT_PLAIN:
                    return _NOT_PLAIN
            out[key] = item
        return out
    if cls is list:
        items = []
        append = items.append
        for item in value:
            kind = type(item)
            # (an ``$in`` list of ASCII strings or int32s: decided here, as a
            # dict's values are, without a call per item)
            if kind is str:
                if not item.isascii():
                    return _NOT_PLAIN
            elif kind is int:
                if not _INT32_MIN <= item <= _INT32_MAX:
                    return _NOT_PLAIN
            else:
                item = _plain_copy(item, depth + 1)
                if item is _NOT_PLAIN:
                    return _NOT_PLAIN
            append(item)
        return items
    return _NOT_PLAIN




def decode(raw: bytes, codec_options: CodecOptions) -> Any:
    if _bson_to_dict is not None and type(codec_options) is CodecOptions:
        return _bson_to_dict(raw, codec_options)  # bson.decode minus its type check
    return bson.decode(raw, codec_options)


def decode_batch(documents: list, codec_options: CodecOptions) -> list:
    """Each of a reply batch's documents (``RawBSONDocument``) decoded: with the C
    codec, the batch's bytes in one call (``bson.decode_all`` reads the codec
    options once, where a call per document reads them each time), as pymongo
    decodes a reply's documents."""
    if len(documents) > 1 and _decode_all is not None and type(codec_options) is CodecOptions:
        return _decode_all(b"".join(map(_raw_of, documents)), codec_options)
    return [decode(document.raw, codec_options) for document in documents]


#: a RawBSONDocument's bytes
_raw_of = attrgetter("raw")


def command_error(exc: ServerError) -> OperationFailure:
    """The pymongo exception a command reply with this error raises."""
    details = exc.details
    if "writeConcernError" in details:
        # a failed command that also missed its write concern: pymongo's helpers
        # (rename, drop, createIndexes... parse_write_concern_error) raise the latter
        try:
            _raise_write_concern_error(details["writeConcernError"])
        except OperationFailure as concern_error:
            return concern_error
    if exc.code in (11000, 11001, 12582):
        return DuplicateKeyError(exc.errmsg, exc.code, details)
    if exc.code == 50:
        return ExecutionTimeout(exc.errmsg, exc.code, details)
    if exc.code == 43:
        return CursorNotFound(exc.errmsg, exc.code, details)
    return OperationFailure(exc.errmsg, exc.code, details)


def raise_server_error(exc: ServerError) -> NoReturn:
    raise command_error(exc) from None


def raise_write_errors(reply: Mapping[str, Any]) -> None:
    """As pymongo does for a single-statement write: raise the last write error,
    else the write concern error."""
    errors = reply.get("writeErrors")
    if not errors:
        if "writeConcernError" in reply:
            error = reply["writeConcernError"]
            if reply.get("errorLabels"):  # as pymongo: the reply's labels go with it
                error = dict(error, errorLabels=reply["errorLabels"])
            _raise_write_concern_error(error)
        return
    error = dict(errors[-1])
    if error.get("code") == 11000:
        raise DuplicateKeyError(error.get("errmsg"), 11000, error)
    raise WriteError(error.get("errmsg"), error.get("code"), error)


def raise_reply_error(error: ServerError) -> NoReturn:
    """Raise an error reply as pymongo's own ``_check_command_response`` reads it
    (``NotPrimaryError`` for a not-primary or shutdown code…)."""
    _check_command_response(error.details, MAX_WIRE_VERSION)
    raise command_error(error)


__all__ += ["ENGINE_CODEC", "command_error", "raise_reply_error"]
