"""BSON's deprecated ``undefined`` (type 6): pymongo decodes it as ``None``, but a stored
document keeps it, and ``$type`` tells it from ``null`` as the server does
(``{$type: "undefined"}`` / ``{$type: 6}`` match it, ``{$type: "null"}`` does not)."""

from __future__ import annotations

import struct

import pymongo
from bson.raw_bson import RawBSONDocument

import mim


def _element(kind: int, name: str, payload: bytes = b"") -> bytes:
    return bytes([kind]) + name.encode() + b"\x00" + payload


def _document(*elements: bytes) -> bytes:
    body = b"".join(elements) + b"\x00"
    return struct.pack("<i", len(body) + 4) + body


def raw_with_undefined(_id: int) -> RawBSONDocument:
    """{_id, a: undefined, b: null, s: {u: undefined}, n: 6}"""
    return RawBSONDocument(_document(
        _element(0x10, "_id", struct.pack("<i", _id)),
        _element(0x06, "a"),
        _element(0x0A, "b"),
        _element(0x03, "s", _document(_element(0x06, "u"))),
        _element(0x10, "n", struct.pack("<i", 6))))


def _ids(coll, query):
    return sorted(d["_id"] for d in coll.find(query))


def test_type_undefined_matches_only_undefined(coll):
    coll.insert_one(raw_with_undefined(1))
    coll.insert_one({"_id": 2, "a": None, "b": None, "s": {"u": None}})
    assert _ids(coll, {"a": {"$type": "undefined"}}) == [1]
    assert _ids(coll, {"a": {"$type": 6}}) == [1]
    assert _ids(coll, {"s.u": {"$type": "undefined"}}) == [1]
    assert _ids(coll, {"a": {"$type": "null"}}) == [2]
    assert _ids(coll, {"b": {"$type": "null"}}) == [1, 2]
    assert _ids(coll, {"a": {"$type": ["null", "undefined"]}}) == [1, 2]
    assert _ids(coll, {"n": {"$type": "undefined"}}) == []


def test_undefined_is_kept_in_storage(coll):
    coll.insert_one(raw_with_undefined(1))
    stored = coll.find_raw_batches({"_id": 1})
    raw = b"".join(bytes(batch) for batch in stored)
    assert b"\x06a\x00" in raw


def test_type_undefined_over_the_wire():
    # an insert's document sequence is stored as sent, so a driver's undefined survives
    with mim.serve(port=0) as server:
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        coll = client.testdb.coll
        coll.insert_one(raw_with_undefined(1))
        coll.insert_one({"_id": 2, "a": None})
        assert _ids(coll, {"a": {"$type": "undefined"}}) == [1]
        assert _ids(coll, {"a": {"$type": "null"}}) == [2]
        client.close()
