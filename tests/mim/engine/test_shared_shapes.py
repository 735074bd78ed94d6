"""Stored shadows share field names (issue 25's memory row;
:mod:`mim.engine.storage.shapes`): the sharing must leave every document
exactly as it was — its field order, its types, its values — and the documents
a read returns independent of the store."""

from __future__ import annotations

import datetime
import sys
import uuid

import bson
from bson.binary import Binary
from bson.code import Code
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mim.engine.storage.encoding import ENGINE_CODEC, decode_shadow
from mim.engine.storage.shapes import shared_keys

NAMES = st.sampled_from(["a", "b", "city", "tags", "x.y", "", "é", "$k"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2 ** 31), 2 ** 31 - 1),
    st.integers(-(2 ** 63), 2 ** 63 - 1).map(Int64), st.floats(allow_nan=False),
    st.sampled_from(["Paris", "Lima", "", "a", "a" * 40]), st.text(max_size=5),
    st.binary(max_size=4), st.binary(max_size=4).map(lambda b: Binary(b, 5)),
    st.just(Binary(uuid.UUID(int=7).bytes, 4)),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1),
                 max_value=datetime.datetime(2200, 1, 1)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000,
                            tzinfo=datetime.timezone.utc)),
    st.sampled_from([Decimal128("1.10"), Decimal128("-0"), Regex("^a", "i"),
                     DBRef("things", 1, "db", extra=2), ObjectId("6500000000000000000000aa"),
                     Timestamp(5, 1), MinKey(), MaxKey(), Code("x"), float("nan")]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(NAMES, inner, max_size=3)), max_leaves=8)
DOCUMENTS = st.dictionaries(NAMES, VALUES, max_size=6)


def _stored(doc: dict) -> tuple[bytes, dict]:
    raw = bson.encode(doc, codec_options=ENGINE_CODEC)
    return raw, shared_keys(decode_shadow(raw))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(DOCUMENTS, min_size=1, max_size=4))
def test_a_shared_shadow_encodes_to_the_very_bytes_it_was_decoded_from(variants):
    """Byte-identical re-encoding: same field order, same BSON types (int32 vs
    int64, binary subtypes, datetimes, Decimal128, regex, DBRef), same values, at
    every depth — for a shape's first document and for the next ones."""
    for round_ in range(3):
        for doc in variants:
            raw, shadow = _stored(doc)
            assert bson.encode(shadow, codec_options=ENGINE_CODEC) == raw, round_


def test_a_small_shadow_is_no_larger_than_its_decoded_dict():
    """The shape's template is built by insertion (``dict.fromkeys`` presizes a
    small dict for eight keys: 272 bytes instead of 184 for two fields)."""
    for i in range(3):
        raw, shadow = _stored({"_id": i, "a": {"b": i, "c": "x"}})
    decoded = decode_shadow(raw)
    assert sys.getsizeof(shadow) == sys.getsizeof(decoded)
    assert sys.getsizeof(shadow["a"]) == sys.getsizeof(decoded["a"])


def test_a_document_read_back_is_the_document_stored_and_its_own(coll):
    """Through the face: types and order kept, and what a read returns may be
    changed freely without touching the store."""
    docs = [{"_id": i, "city": ("Paris", "Lima")[i % 2], "big": Int64(i), "f": float(i),
             "raw": b"\x00\x01", "when": datetime.datetime(2024, 1, 2, 3, 4, 5, 6000),
             "d": Decimal128("2.50"), "tags": ["a", "bb", "bb"],
             "address": {"street": f"{i} Main", "zip": "75001"}}
            for i in range(130)]
    coll.insert_many([dict(d) for d in docs])
    found = list(coll.find().sort("_id", 1))
    assert [bson.encode(d) for d in found] == [bson.encode(d) for d in docs]
    assert type(found[5]["big"]) is Int64 and type(found[5]["raw"]) is bytes
    found[100]["address"]["zip"] = "changed"
    found[100]["tags"].append("new")
    found[100]["city"] += "!"
    again = coll.find_one({"_id": 100})
    assert bson.encode(again) == bson.encode(docs[100])


def test_an_updated_document_keeps_its_types_and_order(coll):
    coll.insert_many([{"_id": i, "city": "Oslo", "sub": {"k": "v", "n": Int64(1)},
                       "list": [{"a": "x"}]} for i in range(130)])
    coll.update_many({}, {"$set": {"city": "Lima", "sub.n": Int64(2)}})
    doc = coll.find_one({"_id": 7})
    assert list(doc) == ["_id", "city", "sub", "list"] and list(doc["sub"]) == ["k", "n"]
    assert type(doc["sub"]["n"]) is Int64 and doc["sub"]["n"] == 2
    assert doc["list"] == [{"a": "x"}] and doc["city"] == "Lima"


def test_alternating_shapes_keep_each_documents_own_order():
    """The shape met last is tried first: a document whose names are the same set in
    another order, or one more or one fewer, is never given the last one's order."""
    sequence = [{"a": 1, "b": 2}, {"b": 3, "a": 4}, {"b": 5, "a": 6}, {"a": 7, "b": 8},
                {"a": 9}, {"a": 10, "b": 11, "c": 12}, {"a": 13, "b": 14}, {}]
    for doc in sequence * 2:
        raw, shadow = _stored(doc)
        assert list(shadow.items()) == list(doc.items())
        assert bson.encode(shadow) == raw
    first, second = _stored({"a": 1, "b": 2})[1], _stored({"a": 3, "b": 4})[1]
    assert all(x is y for x, y in zip(first, second))  # one string per field name
