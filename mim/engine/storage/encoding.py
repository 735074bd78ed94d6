"""How documents are kept: BSON bytes plus the engine's decoded shadow."""

from __future__ import annotations

import struct
from bisect import bisect_right

import bson
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions, DatetimeConversion

from ..values.undefined import mark_undefined, may_hold_undefined, undefined_candidates

__all__ = ["ENGINE_CODEC", "ENCODING_CODEC", "MAX_BSON_SIZE", "StoredDocument", "decode_shadow", "decode_shadows"]

MAX_BSON_SIZE = 16 * 1024 * 1024

#: How the engine decodes stored bytes for its own reading: plain dicts,
#: aware UTC datetimes (out-of-range ones as DatetimeMS), binary untouched.
ENGINE_CODEC: CodecOptions = CodecOptions(
    document_class=dict,
    tz_aware=True,
    uuid_representation=UuidRepresentation.UNSPECIFIED,
    datetime_conversion=DatetimeConversion.DATETIME_AUTO,
)


class _MarkedDocumentClass(dict):
    """A document class that carries pymongo's ``_type_marker`` (0: not raw BSON).
    pymongo's C encoder converts its codec options on every call and asks the
    document class for that marker; a class without one (``dict``) answers with an
    AttributeError raised and cleared inside the encoder, ~2k instructions, the
    larger part of encoding a small document.  Encoding never reads the document
    class otherwise: the bytes are the same."""

    _type_marker = 0


#: :data:`ENGINE_CODEC` for encoding only (never for decoding: its document class is
#: not ``dict``): the same bytes, without the encoder's failed attribute lookup
ENCODING_CODEC: CodecOptions = ENGINE_CODEC.with_options(document_class=_MarkedDocumentClass)


#: bson.decode without its per-call codec-options type check (ENGINE_CODEC is one)
_bson_to_dict = getattr(bson, "_bson_to_dict", None)


def decode_shadow(raw: bytes) -> dict:
    doc = _bson_to_dict(raw, ENGINE_CODEC) if _bson_to_dict is not None else \
        bson.decode(raw, ENGINE_CODEC)
    # an int: ``b"\x06" in raw`` would first fail as one (an exception)
    if 0x06 in raw and may_hold_undefined(raw) is not None:
        # maybe a deprecated `undefined` element, which pymongo decodes as None
        return mark_undefined(raw, doc)
    return doc


#: one document's declared length (its first four bytes)
_LENGTH = struct.Struct("<i")


def decode_shadows(raws: list) -> list[dict] | None:
    """:func:`decode_shadow` of each of ``raws`` (an insert's batch), in one call of
    the decoder: pymongo's C decoder converts its codec options on every call, the
    larger part of decoding a small document.  None when the batch cannot be
    decoded as one (something not bytes, a document whose declared length is not
    its own, invalid BSON): the caller then decodes them one by one, with each
    document's own error."""
    unpack_length = _LENGTH.unpack_from
    #: where each document ends in the joined batch
    ends = []
    end = 0
    try:
        # one pass: each declared length checked
        for raw in raws:
            size = len(raw)
            if unpack_length(raw)[0] != size:
                return None
            end += size
            ends.append(end)
        joined = b"".join(raws)
        docs = bson.decode_all(joined, ENGINE_CODEC)
    except Exception:  # (TypeError, struct.error, InvalidBSON, RecursionError…)
        return None
    if len(docs) != len(raws):
        return None
    if 0x06 in joined:
        # as decode_shadow: an `undefined` element decodes as None, marked here.  The
        # pattern is looked for in one pass over the batch (its call per document
        # cost half as much again as its scan); every document whose own bytes match
        # it has a match that starts in them (one starting in the document before
        # ends at the latest on their first byte), and mark_undefined looks at the
        # document's own bytes again (a match running into the next document is a
        # vain look, no more)
        marked = -1
        for candidate in undefined_candidates(joined):
            index = bisect_right(ends, candidate.start())
            if index != marked:
                marked = index
                docs[index] = mark_undefined(raws[index], docs[index])
    return docs


class StoredDocument:
    """One document: its BSON bytes and the engine's decoded view of them."""

    __slots__ = ("raw", "doc", "record_id")

    def __init__(self, raw: bytes, doc: dict, record_id: int = 0) -> None:
        self.raw = raw
        self.doc = doc
        #: the storage engine's RecordId: 1, 2, … in insertion order per
        #: collection, kept across updates, never reused — what ``showRecordId``
        #: reports and what a tailable cursor remembers as its position
        self.record_id = record_id
