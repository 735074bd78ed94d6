"""One engine, two faces: ``mim.MongoClient`` in-process and real pymongo over the
wire give the same answers and raise the same exception classes and codes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pymongo
import pytest
from bson import Decimal128
from pymongo import DeleteMany, InsertOne, ReturnDocument, UpdateOne
from pymongo.results import (BulkWriteResult, DeleteResult, InsertManyResult, InsertOneResult,
                             UpdateResult)

import mim

SEED = [{"_id": i, "name": f"item{i}", "qty": i * 3 % 7, "tags": ["a", "b", "c"][: i % 4],
         "price": Decimal128(f"{i}.5"), "when": datetime.datetime(2024, 1, 1 + i),
         "nested": {"x": i, "y": [i, i * 2]}} for i in range(12)]


def _seed(db) -> None:
    db.items.insert_many(SEED)
    db.items.create_index("qty")


OPERATIONS: dict[str, Callable[[Any], Any]] = {
    # reads
    "find all": lambda db: list(db.items.find()),
    "find filter sort": lambda db: list(db.items.find({"qty": {"$gte": 3}}).sort(
        [("qty", -1), ("_id", 1)])),
    "find projection": lambda db: list(db.items.find({}, {"nested.y": 1, "_id": 0}).limit(3)),
    "find skip limit": lambda db: list(db.items.find().sort("_id", 1).skip(4).limit(3)),
    "find batches": lambda db: list(db.items.find().batch_size(5)),
    "find array": lambda db: list(db.items.find({"tags": "b"}, {"_id": 1})),
    "find elemMatch": lambda db: list(db.items.find({"nested.y": {"$elemMatch": {"$gt": 15}}},
                                                    {"_id": 1})),
    "find regex": lambda db: list(db.items.find({"name": {"$regex": "^item1"}}, {"_id": 1})),
    "find_one missing": lambda db: db.items.find_one({"_id": 999}),
    "count_documents": lambda db: db.items.count_documents({"qty": {"$lt": 4}}),
    "estimated count": lambda db: db.items.estimated_document_count(),
    "distinct": lambda db: db.items.distinct("tags"),
    "aggregate group": lambda db: list(db.items.aggregate([
        {"$group": {"_id": "$qty", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}])),
    "aggregate project": lambda db: list(db.items.aggregate([
        {"$match": {"_id": {"$lt": 3}}}, {"$project": {"double": {"$multiply": ["$qty", 2]}}}])),
    "list indexes": lambda db: sorted(db.items.index_information()),
    "list collections": lambda db: sorted(db.list_collection_names()),
    # writes
    "insert_one": lambda db: db.items.insert_one({"_id": 100, "v": 1}),
    "insert_many": lambda db: db.items.insert_many([{"_id": 101}, {"_id": 102}]),
    "update_one": lambda db: db.items.update_one({"_id": 1}, {"$inc": {"qty": 5}}),
    "update_many": lambda db: db.items.update_many({"qty": {"$gt": 2}}, {"$set": {"big": True}}),
    "update upsert": lambda db: db.items.update_one({"_id": 200}, {"$set": {"v": 2}}, upsert=True),
    "update push": lambda db: (db.items.update_one({"_id": 2}, {"$push": {"tags": "z"}}),
                               db.items.find_one({"_id": 2})),
    "replace_one": lambda db: db.items.replace_one({"_id": 3}, {"fresh": True}),
    "delete_one": lambda db: db.items.delete_one({"qty": 0}),
    "delete_many": lambda db: db.items.delete_many({"qty": {"$gte": 5}}),
    "find_one_and_update": lambda db: db.items.find_one_and_update(
        {"_id": 4}, {"$set": {"n": 1}}, return_document=ReturnDocument.AFTER),
    "find_one_and_delete": lambda db: db.items.find_one_and_delete({"_id": 5}),
    "bulk_write": lambda db: db.items.bulk_write([InsertOne({"_id": 300}),
                                                  UpdateOne({"_id": 300}, {"$set": {"a": 1}}),
                                                  DeleteMany({"_id": {"$lt": 2}})]),
    "drop then list": lambda db: (db.items.drop(), db.list_collection_names()),
    # errors
    "duplicate _id": lambda db: db.items.insert_one({"_id": 1}),
    "duplicate via unique index": lambda db: (db.items.create_index("name", unique=True),
                                              db.items.insert_one({"name": "item1"})),
    "insert_many duplicate": lambda db: db.items.insert_many([{"_id": 500}, {"_id": 1}]),
    "unordered duplicates": lambda db: db.items.insert_many([{"_id": 1}, {"_id": 600}, {"_id": 2}],
                                                            ordered=False),
    "bulk write error": lambda db: db.items.bulk_write([UpdateOne({"_id": 1},
                                                                  {"$inc": {"name": 1}})]),
    "inc a string": lambda db: db.items.update_one({"_id": 1}, {"$inc": {"name": 1}}),
    "change _id": lambda db: db.items.update_one({"_id": 1}, {"$set": {"_id": 77}}),
    "conflicting update": lambda db: db.items.update_one({"_id": 1},
                                                        {"$set": {"a": 1}, "$unset": {"a": 1}}),
    "unknown update operator": lambda db: db.items.update_one({"_id": 1}, {"$frob": {"a": 1}}),
    "unknown query operator": lambda db: list(db.items.find({"qty": {"$frob": 1}})),
    "bad $size": lambda db: list(db.items.find({"tags": {"$size": "x"}})),
    "bad hint": lambda db: list(db.items.find().hint("nope")),
    "unknown stage": lambda db: list(db.items.aggregate([{"$frob": {}}])),
    "unknown command": lambda db: db.command("frobnicate"),
    "create existing": lambda db: db.command("create", "items"),
    "rename missing": lambda db: db.ghost.rename("spirit"),
    "validate missing": lambda db: db.validate_collection("ghost"),
    "drop missing index": lambda db: db.items.drop_index("nope"),
    "dollar field in replacement": lambda db: db.items.replace_one({"_id": 1}, {"$a": 1}),
}


def _normalise(value: Any) -> Any:
    """Results as comparable data (pymongo result objects by their public fields)."""
    if isinstance(value, InsertOneResult):
        return ("InsertOneResult", value.inserted_id, value.acknowledged)
    if isinstance(value, InsertManyResult):
        return ("InsertManyResult", value.inserted_ids)
    if isinstance(value, UpdateResult):
        return ("UpdateResult", value.matched_count, value.modified_count, value.upserted_id)
    if isinstance(value, DeleteResult):
        return ("DeleteResult", value.deleted_count)
    if isinstance(value, BulkWriteResult):
        return ("BulkWriteResult", value.inserted_count, value.matched_count,
                value.modified_count, value.deleted_count, value.upserted_ids)
    if isinstance(value, tuple):
        return tuple(_normalise(v) for v in value)
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def _outcome(db, operation: Callable[[Any], Any]) -> tuple[str, Any]:
    try:
        return "ok", _normalise(operation(db))
    except pymongo.errors.BulkWriteError as exc:
        details = exc.details
        return "BulkWriteError", (details["nInserted"], details["nMatched"],
                                  [(e["index"], e["code"]) for e in details["writeErrors"]])
    except (pymongo.errors.PyMongoError, ValueError, TypeError) as exc:
        return type(exc).__name__, getattr(exc, "code", None)


@pytest.fixture(scope="module")
def wire_client(server):
    client = pymongo.MongoClient(server.uri)
    yield client
    client.close()


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_faces_agree(name, server, wire_client):
    operation = OPERATIONS[name]
    in_process = mim.MongoClient(server=mim.Server())
    server.engine.reset()
    _seed(in_process.faces)
    _seed(wire_client.faces)
    local = _outcome(in_process.faces, operation)
    remote = _outcome(wire_client.faces, operation)
    assert remote == local
    # and the data left behind is the same
    assert list(wire_client.faces.items.find()) == list(in_process.faces.items.find())
