"""The update language end to end, through mim's pymongo-compatible Collection API."""

import pytest
from bson.int64 import Int64
from pymongo import InsertOne, ReturnDocument, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError, WriteError

import mim


@pytest.fixture
def coll():
    client = mim.MongoClient()
    collection = client.db.get_collection("updates")
    collection.drop()
    yield collection
    collection.drop()


def test_update_one_counts_and_noop(coll):
    coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 1}])
    result = coll.update_one({"_id": 1}, {"$set": {"n": 1}})
    assert (result.matched_count, result.modified_count) == (1, 0)
    result = coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
    assert (result.matched_count, result.modified_count) == (1, 1)
    assert coll.find_one({"_id": 1}) == {"_id": 1, "n": 2}


def test_update_many_inc_and_int32_overflow(coll):
    coll.insert_many([{"_id": i, "n": 2 ** 31 - 1} for i in range(3)])
    result = coll.update_many({}, {"$inc": {"n": 1}})
    assert result.modified_count == 3
    assert all(isinstance(d["n"], Int64) and d["n"] == 2 ** 31 for d in coll.find())


def test_positional_through_the_query(coll):
    coll.insert_one({"_id": 1, "grades": [85, 80, 80]})
    coll.update_one({"_id": 1, "grades": 80}, {"$set": {"grades.$": 82}})
    assert coll.find_one({"_id": 1})["grades"] == [85, 82, 80]


def test_array_filters_option(coll):
    coll.insert_many([{"_id": 1, "grades": [95, 92, 90]}, {"_id": 2, "grades": [98, 100, 102]}])
    result = coll.update_many({}, {"$set": {"grades.$[element]": 100}},
                              array_filters=[{"element": {"$gte": 100}}])
    assert (result.matched_count, result.modified_count) == (2, 1)
    assert coll.find_one({"_id": 2})["grades"] == [98, 100, 100]


def test_upsert_builds_from_filter(coll):
    result = coll.update_one({"name": "Andy", "a.b": 1}, {"$inc": {"score": 1},
                                                          "$setOnInsert": {"new": True}},
                             upsert=True)
    assert result.upserted_id is not None and result.matched_count == 0
    doc = coll.find_one({"_id": result.upserted_id})
    assert {k: v for k, v in doc.items() if k != "_id"} == \
        {"a": {"b": 1}, "name": "Andy", "new": True, "score": 1}
    assert next(iter(doc)) == "_id"
    # second time it matches: $setOnInsert does nothing
    result = coll.update_one({"name": "Andy"}, {"$inc": {"score": 1}, "$setOnInsert": {"x": 1}},
                             upsert=True)
    assert result.upserted_id is None and result.modified_count == 1
    assert "x" not in coll.find_one({"name": "Andy"})


def test_upsert_with_id_in_filter(coll):
    result = coll.update_one({"_id": 7}, {"$set": {"a": 1}}, upsert=True)
    assert result.upserted_id == 7
    assert coll.find_one({"_id": 7}) == {"_id": 7, "a": 1}


def test_rejected_update_leaves_document_untouched(coll):
    coll.insert_one({"_id": 1, "a": 1, "s": "x"})
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$set": {"a": 2}, "$inc": {"s": 1}})
    assert info.value.code == 14
    assert coll.find_one({"_id": 1}) == {"_id": 1, "a": 1, "s": "x"}


def test_errors_surface_with_server_codes(coll):
    coll.insert_one({"_id": 1, "a": [1]})
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$set": {"_id": 2}})
    assert info.value.code == 66
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$set": {"a": 1}, "$push": {"a": 2}})
    assert info.value.code == 40
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$set": {"a.$": 5}})
    assert info.value.code == 2


def test_find_one_and_update(coll):
    coll.insert_one({"_id": 1, "n": 1, "tags": ["a"]})
    before = coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}, "$push": {"tags": "b"}})
    assert before == {"_id": 1, "n": 1, "tags": ["a"]}
    after = coll.find_one_and_update({"_id": 1}, {"$pull": {"tags": "a"}},
                                     return_document=ReturnDocument.AFTER)
    assert after == {"_id": 1, "n": 2, "tags": ["b"]}


def test_pipeline_update_through_the_api(coll):
    coll.insert_one({"_id": 1, "a": 2, "b": 3})
    coll.update_one({"_id": 1}, [{"$set": {"sum": {"$add": ["$a", "$b"]}}}, {"$unset": "b"}])
    assert coll.find_one({"_id": 1}) == {"_id": 1, "a": 2, "sum": 5}


def test_bulk_write_updates(coll):
    coll.insert_many([{"_id": 1, "n": 0}, {"_id": 2, "n": 0}])
    result = coll.bulk_write([UpdateOne({"_id": 1}, {"$inc": {"n": 1}}),
                              UpdateMany({}, {"$set": {"m": 1}}),
                              UpdateOne({"_id": 3}, {"$set": {"n": 5}}, upsert=True)])
    assert (result.matched_count, result.modified_count, result.upserted_count) == (3, 3, 1)
    assert result.upserted_ids == {2: 3}


def test_bulk_write_reports_update_errors(coll):
    coll.insert_one({"_id": 1, "s": "x"})
    with pytest.raises(BulkWriteError) as info:
        coll.bulk_write([InsertOne({"_id": 2}), UpdateOne({"_id": 1}, {"$inc": {"s": 1}}),
                         UpdateOne({"_id": 2}, {"$set": {"a": 1}})])
    details = info.value.details
    assert details["nInserted"] == 1
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(1, 14)]
    assert coll.find_one({"_id": 2}) == {"_id": 2}


def test_set_stores_each_scalar_with_its_bson_type(coll):
    """After a top-level $set the stored document is read by its BSON types:
    an int past int32 is a long, a small one an int, a float a double
    ($type queries read the stored value, as the server's do)."""
    coll.insert_one({"_id": 1, "n": 0, "s": "a", "keep": {"x": [1, 2]}})
    coll.update_one({"_id": 1}, {"$set": {"n": 2 ** 40, "s": "b", "f": 1.5, "t": True,
                                          "z": None}})
    assert coll.count_documents({"n": {"$type": "long"}}) == 1
    coll.update_one({"_id": 1}, {"$set": {"n": 7}, "$unset": {"t": ""}})
    assert coll.count_documents({"n": {"$type": "int"}}) == 1
    assert coll.count_documents({"f": {"$type": "double"}, "z": {"$type": "null"}}) == 1
    assert coll.find_one({"_id": 1}) == {"_id": 1, "n": 7, "s": "b", "keep": {"x": [1, 2]},
                                         "f": 1.5, "z": None}


def test_a_returned_document_after_set_does_not_alias_storage(coll):
    coll.insert_one({"_id": 1, "name": "a", "tags": ["x"]})
    coll.update_one({"_id": 1}, {"$set": {"name": "b"}})
    found = coll.find_one({"_id": 1})
    found["name"] = "changed"
    found["tags"].append("y")
    assert coll.find_one({"_id": 1}) == {"_id": 1, "name": "b", "tags": ["x"]}
    assert coll.count_documents({"name": "b", "tags": ["x"]}) == 1
