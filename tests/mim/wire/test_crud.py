"""CRUD through real pymongo over the wire."""

from __future__ import annotations

import datetime

import pytest
from bson import Decimal128, ObjectId
from bson.binary import Binary
from pymongo import ASCENDING, DESCENDING, DeleteOne, InsertOne, ReplaceOne, ReturnDocument, \
    UpdateMany, UpdateOne


def test_insert_and_find(coll):
    result = coll.insert_one({"name": "pen", "qty": 3})
    assert isinstance(result.inserted_id, ObjectId)
    assert coll.find_one({"name": "pen"})["qty"] == 3
    ids = coll.insert_many([{"_id": i, "qty": i * 10} for i in range(5)]).inserted_ids
    assert ids == [0, 1, 2, 3, 4]
    assert [d["_id"] for d in coll.find({"qty": {"$gte": 20}}, sort=[("qty", DESCENDING)])] \
        == [4, 3, 2]


def test_find_options(coll):
    coll.insert_many([{"_id": i, "a": i % 3, "b": {"c": i}} for i in range(10)])
    docs = list(coll.find({"a": 1}, {"b.c": 1, "_id": 0}).sort("b.c", ASCENDING))
    assert docs == [{"b": {"c": 1}}, {"b": {"c": 4}}, {"b": {"c": 7}}]
    assert [d["_id"] for d in coll.find().sort("_id", -1).skip(2).limit(3)] == [7, 6, 5]
    assert coll.find_one(sort=[("_id", -1)])["_id"] == 9
    assert coll.find_one({"nope": 1}) is None


def test_values_round_trip(coll):
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)
    doc = {"_id": 1, "when": when, "d": Decimal128("1.10"), "bin": Binary(b"\x00\x01"),
           "nested": {"list": [1, "two", None, 3.5]}, "big": 2 ** 40}
    coll.insert_one(doc)
    assert coll.find_one() == {**doc, "bin": b"\x00\x01"}  # subtype 0 decodes as bytes


def test_updates(coll):
    coll.insert_many([{"_id": i, "n": i} for i in range(4)])
    r = coll.update_one({"_id": 1}, {"$inc": {"n": 10}})
    assert (r.matched_count, r.modified_count) == (1, 1)
    r = coll.update_many({"n": {"$lt": 3}}, {"$set": {"small": True}})
    assert (r.matched_count, r.modified_count) == (2, 2)
    r = coll.update_one({"_id": 99}, {"$set": {"n": 99}}, upsert=True)
    assert r.upserted_id == 99 and r.matched_count == 0
    r = coll.replace_one({"_id": 2}, {"replaced": True})
    assert r.modified_count == 1
    assert coll.find_one({"_id": 2}) == {"_id": 2, "replaced": True}
    assert coll.find_one({"_id": 1}) == {"_id": 1, "n": 11}
    assert coll.count_documents({"small": True}) == 1  # _id 2 was replaced


def test_deletes(coll):
    coll.insert_many([{"_id": i, "even": i % 2 == 0} for i in range(6)])
    assert coll.delete_one({"even": True}).deleted_count == 1
    assert coll.delete_many({"even": False}).deleted_count == 3
    assert sorted(d["_id"] for d in coll.find()) == [2, 4]


def test_find_and_modify(coll):
    coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}])
    before = coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}})
    assert before == {"_id": 1, "n": 1}
    after = coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}},
                                     return_document=ReturnDocument.AFTER)
    assert after == {"_id": 1, "n": 3}
    assert coll.find_one_and_delete({"_id": 2}) == {"_id": 2, "n": 2}
    assert coll.find_one_and_replace({"_id": 3}, {"x": 1}, upsert=True,
                                      return_document=ReturnDocument.AFTER) == {"_id": 3, "x": 1}
    assert coll.find_one_and_update({"_id": 404}, {"$set": {"a": 1}}) is None


def test_counts_and_distinct(coll):
    coll.insert_many([{"_id": i, "tag": ["a", "b"][i % 2], "v": [i, i + 1]} for i in range(5)])
    assert coll.estimated_document_count() == 5
    assert coll.count_documents({"tag": "a"}) == 3
    assert coll.count_documents({}, skip=1, limit=2) == 2
    assert coll.distinct("tag") == ["a", "b"]
    assert coll.distinct("v", {"tag": "b"}) == [1, 2, 3, 4]


def test_bulk_write(coll):
    result = coll.bulk_write([
        InsertOne({"_id": 1, "n": 0}),
        InsertOne({"_id": 2, "n": 0}),
        UpdateOne({"_id": 1}, {"$inc": {"n": 5}}),
        UpdateMany({}, {"$set": {"seen": True}}),
        ReplaceOne({"_id": 3}, {"n": 3}, upsert=True),
        DeleteOne({"_id": 2}),
    ])
    assert result.inserted_count == 2
    assert result.matched_count == 3 and result.modified_count == 3
    assert result.upserted_ids == {4: 3}
    assert result.deleted_count == 1
    assert list(coll.find(sort=[("_id", 1)])) == [{"_id": 1, "n": 5, "seen": True},
                                                   {"_id": 3, "n": 3}]


def test_catalog(client, db):
    db.create_collection("one")
    db.two.insert_one({})
    assert sorted(db.list_collection_names()) == ["one", "two"]
    info = next(db.list_collections(filter={"name": "one"}))
    assert info["type"] == "collection" and info["name"] == "one"
    assert db.name in client.list_database_names()
    db.two.rename("three")
    assert sorted(db.list_collection_names()) == ["one", "three"]
    assert db.command("collStats", "three")["count"] == 1
    assert db.command("dbStats")["collections"] == 2
    db.drop_collection("one")
    assert db.list_collection_names() == ["three"]
    client.drop_database(db.name)
    assert db.name not in client.list_database_names()


def test_create_existing_collection_fails(db):
    from pymongo.errors import CollectionInvalid
    db.create_collection("c")
    with pytest.raises(CollectionInvalid):
        db.create_collection("c")


def test_aggregate(coll):
    coll.insert_many([{"_id": i, "g": i % 3, "v": i} for i in range(9)])
    pipeline = [{"$match": {"v": {"$gte": 1}}}, {"$group": {"_id": "$g", "total": {"$sum": "$v"}}},
                {"$sort": {"_id": 1}}]
    assert list(coll.aggregate(pipeline)) == [{"_id": 0, "total": 9}, {"_id": 1, "total": 12},
                                              {"_id": 2, "total": 15}]


def test_aggregate_out(db):
    db.src.insert_many([{"_id": i} for i in range(3)])
    list(db.src.aggregate([{"$match": {"_id": {"$gt": 0}}}, {"$out": "dst"}]))
    assert sorted(d["_id"] for d in db.dst.find()) == [1, 2]
