"""Errors travel as a server sends them, so pymongo raises its usual exceptions."""

from __future__ import annotations

import pytest
from pymongo import InsertOne, UpdateOne
from pymongo.errors import (BulkWriteError, DuplicateKeyError, OperationFailure, WriteError)


def test_duplicate_key_on_insert_one(coll):
    coll.insert_one({"_id": 1})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"_id": 1})
    assert info.value.code == 11000
    assert "E11000 duplicate key error collection: wiretest.things index: _id_ dup key: " \
           "{ _id: 1 }" in str(info.value)


def test_bulk_write_error_ordered(coll):
    with pytest.raises(BulkWriteError) as info:
        coll.insert_many([{"_id": 1}, {"_id": 1}, {"_id": 2}])
    details = info.value.details
    assert details["nInserted"] == 1
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(1, 11000)]
    assert coll.count_documents({}) == 1


def test_bulk_write_error_unordered(coll):
    with pytest.raises(BulkWriteError) as info:
        coll.insert_many([{"_id": 1}, {"_id": 1}, {"_id": 2}, {"_id": 2}], ordered=False)
    details = info.value.details
    assert details["nInserted"] == 2
    assert [e["index"] for e in details["writeErrors"]] == [1, 3]


def test_bulk_write_mixed(coll):
    with pytest.raises(BulkWriteError) as info:
        coll.bulk_write([InsertOne({"_id": 1, "n": "x"}),
                         UpdateOne({"_id": 1}, {"$inc": {"n": 1}})])
    error = info.value.details["writeErrors"][0]
    assert error["index"] == 1 and error["code"] == 14


def test_write_error_on_update(coll):
    coll.insert_one({"_id": 1, "n": "text"})
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
    assert info.value.code == 14
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$set": {"_id": 2}})
    assert info.value.code == 66


def test_bad_update_operator(coll):
    coll.insert_one({"_id": 1})
    with pytest.raises(WriteError) as info:
        coll.update_one({}, {"$bogus": {"a": 1}})
    assert info.value.code == 9


def test_bad_query_operator(coll):
    coll.insert_one({"_id": 1})
    with pytest.raises(OperationFailure) as info:
        list(coll.find({"a": {"$bogus": 1}}))
    assert info.value.code == 2
    assert info.value.details["errmsg"] == "unknown operator: $bogus"


def test_namespace_errors(client, db):
    with pytest.raises(OperationFailure) as info:
        db.nothing.rename("other")
    assert info.value.code == 26
    db.a.insert_one({})
    db.b.insert_one({})
    with pytest.raises(OperationFailure) as info:
        db.a.rename("b")
    assert info.value.code == 48
    with pytest.raises(OperationFailure) as info:
        db.command("listDatabases")
    assert info.value.code == 13


def test_find_and_modify_errors(coll):
    coll.insert_one({"_id": 1, "n": "x"})
    with pytest.raises(OperationFailure) as info:
        coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}})
    assert info.value.code == 14


def test_error_reply_shape(db):
    with pytest.raises(OperationFailure) as info:
        db.command("nosuchthing")
    details = info.value.details
    assert set(details) >= {"ok", "errmsg", "code", "codeName"}
    assert details["ok"] == 0
