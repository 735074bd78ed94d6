"""insert_many's batch is decoded in one call, stored documents share their field
names by shape, and ``opcounters.insert`` counts without a lock — none of which may
change an answer.

Each test asserts documented behaviour: an ordered ``insert_many`` stops at its
first failing document and reports it by its index (manual: ``insertMany``,
"Error Handling"), an unordered one goes on; documents keep their field order
(manual: "Document Field Order", ``_id`` first); BSON ``undefined`` is told from ``null`` by
``$type``; ``serverStatus().opcounters.insert`` counts each inserted document
(manual: serverStatus, "opcounters.insert").
"""

from __future__ import annotations

import struct

import pytest
from bson.raw_bson import RawBSONDocument
from pymongo.errors import BulkWriteError

from mim.engine.storage.encoding import decode_shadow, decode_shadows


def _element(kind: int, name: str, payload: bytes = b"") -> bytes:
    return bytes([kind]) + name.encode() + b"\x00" + payload


def _document(*elements: bytes) -> bytes:
    body = b"".join(elements) + b"\x00"
    return struct.pack("<i", len(body) + 4) + body


def _int_id(value: int) -> bytes:
    return _element(0x10, "_id", struct.pack("<i", value))


def test_a_batch_with_undefined_elements_keeps_them_apart_from_null(coll):
    undefined = RawBSONDocument(_document(_int_id(1), _element(0x06, "a")))
    null = RawBSONDocument(_document(_int_id(2), _element(0x0A, "a")))
    coll.insert_many([undefined, null, {"_id": 3, "a": 1}])
    assert [d["_id"] for d in coll.find({"a": {"$type": "undefined"}})] == [1]
    assert [d["_id"] for d in coll.find({"a": {"$type": "null"}})] == [2]


def test_a_batch_decodes_as_its_documents_one_by_one():
    raws = [_document(_int_id(1), _element(0x06, "a")),
            _document(_int_id(2), _element(0x03, "s", _document(_element(0x06, "u")))),
            _document(_int_id(3), _element(0x02, "x", struct.pack("<i", 2) + b"y\x00"))]
    batch = decode_shadows(raws)
    assert batch == [decode_shadow(raw) for raw in raws]
    assert [type(doc) for doc in batch] == [type(decode_shadow(raw)) for raw in raws]


def test_a_batch_with_a_document_whose_length_lies_is_not_decoded_as_one():
    good = _document(_int_id(1))
    lying = struct.pack("<i", len(good) - 1) + good[4:]
    assert decode_shadows([good, lying]) is None
    assert decode_shadows([good, b"\x05\x00\x00"]) is None


def test_an_ordered_batch_stops_at_its_refused_document_by_index(coll):
    with pytest.raises(BulkWriteError) as raised:
        coll.insert_many([{"_id": 1}, {"_id": [2]}, {"_id": 3}])
    assert raised.value.details["nInserted"] == 1
    assert [(error["index"], error["code"], error["errmsg"])
            for error in raised.value.details["writeErrors"]] == [
        (1, 2, "can't use an array for _id")]
    assert [d["_id"] for d in coll.find()] == [1]


def test_an_unordered_batch_goes_on_past_a_duplicate(coll):
    with pytest.raises(BulkWriteError) as raised:
        coll.insert_many([{"_id": 1}, {"_id": 1}, {"_id": 2}], ordered=False)
    assert raised.value.details["nInserted"] == 2
    assert [error["code"] for error in raised.value.details["writeErrors"]] == [11000]
    assert [d["_id"] for d in coll.find()] == [1, 2]


def test_documents_with_one_key_set_in_other_orders_keep_their_own_order(coll):
    coll.insert_many([{"_id": 1, "a": 1, "b": 2}, {"_id": 2, "b": 2, "a": 1},
                      {"a": 1, "_id": 3, "b": 2}])
    coll.insert_one({"b": 2, "_id": 4, "a": 1})
    # (the manual: "the _id field is always the first field in the document")
    assert [list(doc) for doc in coll.find().sort("_id", 1)] == [
        ["_id", "a", "b"], ["_id", "b", "a"], ["_id", "a", "b"], ["_id", "b", "a"]]
    assert coll.count_documents({"a": 1, "b": 2}) == 4


def test_stored_documents_of_one_shape_share_their_field_names(coll):
    coll.insert_many([{"_id": i, "field_name_" + "x" * 20: i} for i in range(3)])
    coll.insert_one({"_id": 3, "field_name_" + "x" * 20: 3})
    stored = list(coll.database.client._engine.get_collection(
        coll.database.name, coll.name).documents.values())
    names = [next(name for name in s.doc if name != "_id") for s in stored]
    assert all(name is names[0] for name in names)
    assert [d["field_name_" + "x" * 20] for d in coll.find()] == [0, 1, 2, 3]


def test_opcounters_insert_counts_every_document(db, coll):
    before = db.command("serverStatus")["opcounters"]["insert"]
    coll.insert_one({"_id": 1})
    coll.insert_many([{"_id": i} for i in range(2, 6)])
    coll.insert_many([{"_id": 6}])
    assert db.command("serverStatus")["opcounters"]["insert"] == before + 6


def test_a_batch_document_without_an_id_gets_one_first_and_a_bad_id_stops_it(coll):
    # (manual, insertMany: "If the document does not specify an _id field, then mongod
    # adds the _id field and assign a unique ObjectId()"; an _id may not hold
    # $-prefixed fields: 52)
    without_id = RawBSONDocument(_document(_element(0x10, "a", struct.pack("<i", 7))))
    bad_id = RawBSONDocument(_document(
        _element(0x03, "_id", _document(_element(0x10, "$x", struct.pack("<i", 1))))))
    with pytest.raises(BulkWriteError) as raised:
        coll.insert_many([{"_id": 1}, without_id, bad_id, {"_id": 4}])
    assert raised.value.details["nInserted"] == 2
    assert [(error["index"], error["code"]) for error in
            raised.value.details["writeErrors"]] == [(2, 52)]
    stored = list(coll.find({}, {"_id": 1, "a": 1}))
    assert stored[0] == {"_id": 1}
    assert list(stored[1]) == ["_id", "a"] and stored[1]["a"] == 7
    assert type(stored[1]["_id"]).__name__ == "ObjectId"


def test_bytes_0x06_in_lengths_and_values_are_no_undefined_element(coll):
    # a string of 0x106 bytes (its length's first byte 0x06, then 0x01) and a double
    # whose bytes hold 0x06 then non-zero bytes look like the start of an undefined
    # element to the byte scan; walking the elements tells them apart
    docs = [{"_id": 1, "s": "x" * 0x105, "d": struct.unpack("<d", b"\x06ab\x00\x00\x00\x00@")[0]},
            {"_id": 2, "u": None}]
    coll.insert_many(docs)
    coll.insert_one({"_id": 3, "s": "y" * 0x105})
    assert coll.count_documents({"$or": [{"s": {"$type": "undefined"}},
                                         {"d": {"$type": "undefined"}},
                                         {"u": {"$type": "undefined"}}]}) == 0
    assert [d["_id"] for d in coll.find({"u": {"$type": "null"}})] == [2]
    assert coll.find_one({"_id": 1}) == docs[0]
