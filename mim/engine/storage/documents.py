"""Documents on their way into storage: ``_id`` checks, encoding and size limits.

Every insert (``insert``, upserts, ``$out``, ``$merge``) prepares its document
here and every update encodes its result here, so the server's rules for what
may be stored are written once.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import bson
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex

from ..values.errors import ServerError, bad_value
from ..values.limits import (MAX_STORAGE_DEPTH, check_insert_depth, check_updated_depth,
                             min_bytes_for_depth)
from .encoding import ENCODING_CODEC, ENGINE_CODEC, MAX_BSON_SIZE, decode_shadow, decode_shadows

__all__ = ["check_id", "prepare_new_document", "prepare_sent_document", "encode_updated",
           "decode_shadows", "PLAIN_ID_TYPES", "MAY_BE_TOO_DEEP"]


#: the C encoder behind ``bson.encode`` (None without the C extension)
_dict_to_bson = getattr(bson, "_dict_to_bson", None)

#: ``_id`` types that can never be an array, a regex or a document (skip the checks)
PLAIN_ID_TYPES = frozenset({int, str, float, bool, ObjectId, Int64, datetime.datetime})


def check_id(value: Any) -> None:
    """Refuse an ``_id`` the server cannot store (array, regex, ``$``-prefixed fields)."""
    if type(value) in PLAIN_ID_TYPES:
        return
    if isinstance(value, list):
        raise bad_value("can't use an array for _id")
    if isinstance(value, Regex):
        raise bad_value("can't use a regex for _id")
    if isinstance(value, Mapping):
        dollar = _dollar_prefixed_field(value)
        if dollar is not None:
            raise ServerError(52, f"_id fields may not contain '$'-prefixed fields: {dollar} "
                                  f"is not valid for storage.")


def _dollar_prefixed_field(document: Mapping) -> str | None:
    """The first ``$``-prefixed field name inside a document (nested documents too)."""
    for key, value in document.items():
        if isinstance(key, str) and key.startswith("$"):
            return key
        if isinstance(value, Mapping):
            found = _dollar_prefixed_field(value)
            if found is not None:
                return found
    return None


def prepare_new_document(doc: dict) -> tuple[bytes, dict]:
    """Validate a document about to be stored and return (bytes, shadow).

    ``_id`` is added (an ObjectId, first) when missing, as the server does.
    """
    if "_id" not in doc:
        doc = {"_id": ObjectId(), **doc}
    check_id(doc["_id"])
    try:
        raw = bson.encode(doc, codec_options=ENGINE_CODEC)
    except RecursionError:  # too deep even to encode: far beyond the storage depth
        raise ServerError(15, f"cannot insert document because it exceeds "
                              f"{MAX_STORAGE_DEPTH} levels of nesting") from None
    if len(raw) > MAX_BSON_SIZE:
        raise ServerError(10334, f"object to insert too large. size in bytes: {len(raw)}, "
                                 f"max size: {MAX_BSON_SIZE}")
    shadow = decode_shadow(raw)
    check_insert_depth(raw, shadow)
    return raw, shadow


#: documents shorter than this cannot nest beyond the storage depth (no walk needed)
MAY_BE_TOO_DEEP = min_bytes_for_depth(MAX_STORAGE_DEPTH)


def prepare_sent_document(raw: bytes, shadow: dict | None = None) -> tuple[bytes, dict]:
    """(bytes, shadow) of a document an ``insert`` command carries as BSON (what
    every face sends), with :func:`prepare_new_document`'s checks: the ``_id`` (added
    when missing), the nesting depth and the size.  Each check costs one comparison
    when it cannot fail: this is every insert's path.  ``shadow``: the document
    already decoded (:func:`decode_shadows` of its batch).  A document whose
    ``_id`` is of :data:`PLAIN_ID_TYPES` and whose size is at most
    :data:`MAY_BE_TOO_DEEP` passes every check: a batch's caller tests that inline
    and calls this only for the others (which raise their errors in order)."""
    if shadow is None:
        shadow = decode_shadow(raw)
    if "_id" not in shadow:
        return prepare_new_document(shadow)
    if type(shadow["_id"]) not in PLAIN_ID_TYPES:
        check_id(shadow["_id"])
    size = len(raw)
    if size > MAY_BE_TOO_DEEP:
        check_insert_depth(raw, shadow)
        if size > MAX_BSON_SIZE:
            raise ServerError(10334, f"object to insert too large. size in bytes: {size}, "
                                     f"max size: {MAX_BSON_SIZE}")
    return raw, shadow


def encode_updated(doc: dict) -> bytes:
    """The bytes to store for an updated document (17419 beyond 16 MB)."""
    # bson.encode without its Python frame and codec-options type check
    raw = _dict_to_bson(doc, False, ENCODING_CODEC) if _dict_to_bson is not None \
        else bson.encode(doc, codec_options=ENCODING_CODEC)
    size = len(raw)
    if size > MAY_BE_TOO_DEEP:  # (smaller bytes cannot nest too deep: no call)
        if size > MAX_BSON_SIZE:
            raise ServerError(17419, f"Resulting document after update is larger than "
                                     f"{MAX_BSON_SIZE}")
        check_updated_depth(raw, doc)
    return raw
