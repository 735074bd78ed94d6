"""Unique, sparse, partial and multikey constraints, enforced before anything is written."""

from __future__ import annotations

import datetime

import pytest
from bson import ObjectId
from pymongo import InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure, WriteError


def _docs(coll):
    return sorted((d for d in coll.find({}, {"_id": 0})), key=repr)


def test_unique_insert_message_and_details(coll):
    coll.create_index("a", unique=True)
    coll.insert_one({"_id": 1, "a": 1})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"_id": 2, "a": 1})
    error = info.value
    assert error.code == 11000
    assert error.details["errmsg"] == \
        "E11000 duplicate key error collection: test.c index: a_1 dup key: { a: 1 }"
    assert error.details["keyPattern"] == {"a": 1}
    assert error.details["keyValue"] == {"a": 1}
    assert coll.count_documents({}) == 1


def test_unique_uses_mongodb_equality(coll):
    coll.create_index("a", unique=True)
    coll.insert_one({"a": 1})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"a": 1.0})
    assert info.value.details["keyValue"] == {"a": 1.0}
    assert "dup key: { a: 1.0 }" in info.value.details["errmsg"]


def test_unique_compound_message(coll):
    coll.create_index([("a", 1), ("b", -1)], unique=True)
    coll.insert_one({"a": 1, "b": "x"})
    coll.insert_one({"a": 1, "b": "y"})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"a": 1, "b": "x"})
    assert info.value.details["errmsg"].endswith('index: a_1_b_-1 dup key: { a: 1, b: "x" }')
    assert info.value.details["keyPattern"] == {"a": 1, "b": -1}
    assert info.value.details["keyValue"] == {"a": 1, "b": "x"}


def test_unique_dotted_path(coll):
    coll.create_index("u.email", unique=True)
    coll.insert_one({"u": {"email": "x@y"}})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"u": {"email": "x@y"}})
    assert info.value.details["errmsg"].endswith('dup key: { u.email: "x@y" }')
    assert info.value.details["keyValue"] == {"u.email": "x@y"}


def test_missing_field_counts_as_null_for_non_sparse_unique(coll):
    coll.create_index("a", unique=True)
    coll.insert_one({"b": 1})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"b": 2})
    assert info.value.details["errmsg"].endswith("dup key: { a: null }")
    assert info.value.details["keyValue"] == {"a": None}
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"a": None})


def test_sparse_unique_allows_many_missing(coll):
    coll.create_index("a", unique=True, sparse=True)
    coll.insert_many([{"b": 1}, {"b": 2}, {"a": 1}])
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"a": 1})
    # null is a value: a sparse index holds it
    coll.insert_one({"a": None})
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"a": None})


def test_partial_unique_only_constrains_matching_documents(coll):
    coll.create_index("email", unique=True,
                      partialFilterExpression={"active": {"$eq": True}})
    coll.insert_many([{"email": "a", "active": False}, {"email": "a", "active": False},
                      {"email": "a", "active": True}])
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"email": "a", "active": True})
    assert coll.count_documents({}) == 3


def test_multikey_unique(coll):
    coll.create_index("tags", unique=True)
    coll.insert_one({"tags": ["a", "b", "b"]})  # repeats inside one document are fine
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"tags": ["c", "b"]})
    assert info.value.details["keyValue"] == {"tags": "b"}


def test_update_violating_unique_writes_nothing(coll):
    coll.create_index("a", unique=True)
    coll.insert_many([{"_id": 1, "a": 1, "n": 0}, {"_id": 2, "a": 2, "n": 0}])
    with pytest.raises(DuplicateKeyError) as info:
        coll.update_one({"_id": 2}, {"$set": {"a": 1, "n": 5}})
    assert info.value.code == 11000
    assert coll.find_one({"_id": 2}) == {"_id": 2, "a": 2, "n": 0}
    # an update keeping its own key is fine
    coll.update_one({"_id": 1}, {"$set": {"n": 1}})
    assert coll.find_one({"a": 1})["n"] == 1


def test_update_many_stops_at_first_violation(coll):
    coll.create_index("a", unique=True)
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 2}, {"_id": 3, "a": 3}])
    with pytest.raises(WriteError):
        coll.update_many({}, {"$set": {"a": 9}})
    assert sorted(d["a"] for d in coll.find()) == [2, 3, 9]


def test_replace_violating_unique(coll):
    coll.create_index("a", unique=True)
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 2}])
    with pytest.raises(DuplicateKeyError):
        coll.replace_one({"_id": 2}, {"a": 1})
    assert coll.find_one({"_id": 2}) == {"_id": 2, "a": 2}


def test_upsert_violating_unique(coll):
    coll.create_index("a", unique=True)
    coll.insert_one({"a": 1, "k": 1})
    with pytest.raises(DuplicateKeyError):
        coll.update_one({"k": 2}, {"$set": {"a": 1}}, upsert=True)
    assert coll.count_documents({}) == 1


def test_find_one_and_update_violating_unique(coll):
    coll.create_index("a", unique=True)
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 2}])
    with pytest.raises(DuplicateKeyError):
        coll.find_one_and_update({"_id": 2}, {"$set": {"a": 1}})
    assert coll.find_one({"_id": 2})["a"] == 2


def test_insert_many_ordered_and_unordered(coll):
    coll.create_index("a", unique=True)
    with pytest.raises(BulkWriteError) as info:
        coll.insert_many([{"a": 1}, {"a": 1}, {"a": 2}])
    assert info.value.details["nInserted"] == 1
    assert info.value.details["writeErrors"][0]["code"] == 11000
    assert info.value.details["writeErrors"][0]["index"] == 1
    assert info.value.details["writeErrors"][0]["keyValue"] == {"a": 1}
    with pytest.raises(BulkWriteError) as info:
        coll.insert_many([{"a": 1}, {"a": 3}], ordered=False)
    assert info.value.details["nInserted"] == 1
    assert sorted(d["a"] for d in coll.find()) == [1, 3]


def test_bulk_write_unique(coll):
    coll.create_index("a", unique=True)
    with pytest.raises(BulkWriteError) as info:
        coll.bulk_write([InsertOne({"_id": 1, "a": 1}), InsertOne({"_id": 2, "a": 2}),
                         UpdateOne({"_id": 2}, {"$set": {"a": 1}}),
                         ReplaceOne({"_id": 1}, {"a": 5})])
    assert info.value.details["writeErrors"][0]["index"] == 2
    assert info.value.details["nInserted"] == 2
    assert sorted(d["a"] for d in coll.find()) == [1, 2]


def test_id_duplicate_reported_before_secondary(coll):
    coll.create_index("a", unique=True)
    coll.insert_one({"_id": 1, "a": 1})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"_id": 1, "a": 1})
    assert info.value.details["keyPattern"] == {"_id": 1}


def test_unique_index_over_duplicates_fails_with_11000(coll):
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 1}])
    with pytest.raises(DuplicateKeyError) as info:
        coll.create_index("a", unique=True)
    message = info.value.details["errmsg"]
    assert message.startswith("Index build failed: ")
    assert ": Collection test.c ( " in message
    assert message.endswith(" :: caused by :: E11000 duplicate key error collection: test.c "
                            "index: a_1 dup key: { a: 1 }")
    assert info.value.details["keyPattern"] == {"a": 1}
    assert info.value.details["keyValue"] == {"a": 1}
    assert list(coll.index_information()) == ["_id_"]
    coll.insert_one({"a": 1})  # nothing is enforced


def test_unique_index_over_missing_fields_fails(coll):
    coll.insert_many([{"b": 1}, {"b": 2}])
    with pytest.raises(DuplicateKeyError):
        coll.create_index("a", unique=True)
    coll.create_index("a", unique=True, sparse=True)


def test_parallel_arrays_refused_on_write(coll):
    coll.create_index([("a", 1), ("b", 1)])
    coll.insert_one({"a": [1, 2], "b": 1})
    coll.insert_one({"a": 1, "b": [1, 2]})
    with pytest.raises(WriteError) as info:
        coll.insert_one({"_id": "p", "a": [1, 2], "b": [1, 2]})
    assert info.value.code == 171
    assert info.value.details["errmsg"] == "cannot index parallel arrays [b] [a]"
    assert coll.find_one({"_id": "p"}) is None
    doc_id = coll.find_one({"b": 1, "a": 1})["_id"]
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": doc_id}, {"$set": {"b": [3, 4]}})
    assert info.value.code == 171


def test_parallel_arrays_refused_on_create(coll):
    coll.insert_one({"a": [1, 2], "b": [3, 4]})
    with pytest.raises(OperationFailure) as info:
        coll.create_index([("a", 1), ("b", 1)])
    assert info.value.code == 171
    assert info.value.details["codeName"] == "CannotIndexParallelArrays"
    assert info.value.details["errmsg"].endswith(
        ":: caused by :: cannot index parallel arrays [b] [a]")
    assert list(coll.index_information()) == ["_id_"]


def test_hashed_index_refuses_arrays(coll):
    coll.create_index([("h", "hashed")])
    coll.insert_one({"h": 1})
    with pytest.raises(WriteError) as info:
        coll.insert_one({"h": [1, 2]})
    assert info.value.code == 16766


def test_delete_frees_unique_keys(coll):
    coll.create_index("a", unique=True)
    coll.insert_one({"a": 1})
    coll.delete_one({"a": 1})
    coll.insert_one({"a": 1})
    coll.update_one({"a": 1}, {"$set": {"a": 2}})
    coll.insert_one({"a": 1})
    assert sorted(d["a"] for d in coll.find()) == [1, 2]


def test_drop_index_removes_constraint(coll):
    coll.create_index("a", unique=True)
    coll.insert_one({"a": 1})
    coll.drop_index("a_1")
    coll.insert_one({"a": 1})
    assert coll.count_documents({"a": 1}) == 2


def test_duplicate_key_renders_bson_values(coll):
    coll.create_index("a", unique=True)
    oid = ObjectId("5f1d7f1d7f1d7f1d7f1d7f1d")
    when = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    coll.insert_many([{"a": oid}, {"a": when}, {"a": {"x": 1}}])
    for value, rendered in [(oid, "ObjectId('5f1d7f1d7f1d7f1d7f1d7f1d')"),
                            (when, "new Date(1577836800000)"),
                            ({"x": 1}, "{ x: 1 }")]:
        with pytest.raises(DuplicateKeyError) as info:
            coll.insert_one({"a": value})
        assert info.value.details["errmsg"].endswith(f"dup key: {{ a: {rendered} }}")
