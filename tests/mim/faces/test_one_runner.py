"""Every collection method through both faces of one engine: ``mim.MongoClient`` in
process and real pymongo over ``mim serve``.  Both send the same command documents
through the same dispatcher, so results, the data left behind and errors (class,
code and message) must be identical — for valid calls and for refused ones."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pymongo
import pytest
from bson import Decimal128, SON
from pymongo import (DeleteMany, DeleteOne, IndexModel, InsertOne, ReplaceOne, ReturnDocument,
                     UpdateMany, UpdateOne)
from pymongo.collation import Collation
from pymongo.results import (BulkWriteResult, DeleteResult, InsertManyResult, InsertOneResult,
                             UpdateResult)

import mim

SEED = [{"_id": i, "name": f"item{i}", "qty": i * 3 % 7, "tags": ["a", "b", "c"][: i % 4],
         "price": Decimal128(f"{i}.5"), "when": datetime.datetime(2024, 1, 1 + i),
         "nested": {"x": i, "y": [i, i * 2]}} for i in range(12)]

Operation = Callable[[Any], Any]


def _seed(db: Any) -> None:
    db.items.insert_many([dict(d) for d in SEED])
    db.items.create_index("qty")
    db.create_collection("capped", capped=True, size=4096)


OPERATIONS: dict[str, Operation] = {
    # -- inserts
    "insert_one": lambda db: db.items.insert_one({"_id": 100, "v": 1}),
    "insert_one bypass": lambda db: db.items.insert_one({"_id": 101}, bypass_document_validation=True),
    "insert_one comment": lambda db: db.items.insert_one({"_id": 102}, comment="hi"),
    "insert_one duplicate": lambda db: db.items.insert_one({"_id": 1}),
    "insert_one $ field": lambda db: db.items.insert_one({"_id": 9, "$bad": 1}),
    "insert_many": lambda db: db.items.insert_many([{"_id": 103}, {"_id": 104}]),
    "insert_many unordered dup": lambda db: db.items.insert_many(
        [{"_id": 1}, {"_id": 105}, {"_id": 2}], ordered=False),
    "insert_many ordered dup": lambda db: db.items.insert_many([{"_id": 106}, {"_id": 1},
                                                                {"_id": 107}]),
    # -- updates
    "update_one": lambda db: db.items.update_one({"_id": 1}, {"$inc": {"qty": 5}}),
    "update_one upsert": lambda db: db.items.update_one({"_id": 200}, {"$set": {"v": 2}},
                                                        upsert=True),
    "update_one array_filters": lambda db: db.items.update_one(
        {"_id": 3}, {"$set": {"tags.$[t]": "z"}}, array_filters=[{"t": "a"}]),
    "update_one hint": lambda db: db.items.update_one({"qty": 3}, {"$set": {"h": 1}},
                                                      hint=[("qty", 1)]),
    "update_one bad hint": lambda db: db.items.update_one({"qty": 3}, {"$set": {"h": 1}},
                                                          hint="nope"),
    "update_one let": lambda db: db.items.update_one(
        {"$expr": {"$eq": ["$_id", "$$target"]}}, {"$set": {"l": 1}}, let={"target": 4}),
    "update_one pipeline": lambda db: db.items.update_one(
        {"_id": 5}, [{"$set": {"double": {"$multiply": ["$qty", 2]}}}]),
    "update_one inc string": lambda db: db.items.update_one({"_id": 1}, {"$inc": {"name": 1}}),
    "update_one change _id": lambda db: db.items.update_one({"_id": 1}, {"$set": {"_id": 77}}),
    "update_one conflict": lambda db: db.items.update_one(
        {"_id": 1}, {"$set": {"a": 1}, "$unset": {"a": 1}}),
    "update_one unknown operator": lambda db: db.items.update_one({"_id": 1},
                                                                  {"$frob": {"a": 1}}),
    "update_one sort (8.0 only)": lambda db: db.items.update_one({}, {"$set": {"s": 1}},
                                                                 sort={"_id": 1}),
    "update_one simple collation": lambda db: db.items.update_one(
        {"_id": 1}, {"$set": {"c": 1}}, collation=Collation("simple")),
    "update_many": lambda db: db.items.update_many({"qty": {"$gt": 2}}, {"$set": {"big": True}}),
    "replace_one": lambda db: db.items.replace_one({"_id": 3}, {"fresh": True}),
    "replace_one upsert": lambda db: db.items.replace_one({"_id": 300}, {"r": 1}, upsert=True),
    "replace_one $ key": lambda db: db.items.replace_one({"_id": 1}, {"$a": 1}),
    # -- deletes
    "delete_one": lambda db: db.items.delete_one({"qty": 0}),
    "delete_many": lambda db: db.items.delete_many({"qty": {"$gte": 5}}),
    "delete_many hint": lambda db: db.items.delete_many({"qty": 2}, hint="qty_1"),
    "delete_one bad hint": lambda db: db.items.delete_one({"qty": 2}, hint="nope"),
    "delete_one capped": lambda db: db.capped.delete_one({}),
    # -- bulk
    "bulk_write": lambda db: db.items.bulk_write([
        InsertOne({"_id": 400}), UpdateOne({"_id": 400}, {"$set": {"a": 1}}),
        UpdateMany({"qty": 1}, {"$set": {"m": 1}}), ReplaceOne({"_id": 2}, {"x": 2}),
        DeleteOne({"_id": 3}), DeleteMany({"_id": {"$lt": 2}})]),
    "bulk_write unordered errors": lambda db: db.items.bulk_write([
        InsertOne({"_id": 1}), UpdateOne({"_id": 2}, {"$inc": {"name": 1}}),
        InsertOne({"_id": 401})], ordered=False),
    "bulk_write ordered error": lambda db: db.items.bulk_write([
        InsertOne({"_id": 402}), UpdateOne({"_id": 2}, {"$inc": {"name": 1}}),
        InsertOne({"_id": 403})]),
    "bulk_write upserts": lambda db: db.items.bulk_write([
        UpdateOne({"_id": 500}, {"$set": {"u": 1}}, upsert=True),
        ReplaceOne({"_id": 501}, {"u": 2}, upsert=True)]),
    # -- reads
    "find": lambda db: list(db.items.find()),
    "find filter sort": lambda db: list(db.items.find({"qty": {"$gte": 3}}).sort(
        [("qty", -1), ("_id", 1)])),
    "find projection": lambda db: list(db.items.find({}, {"nested.y": 1, "_id": 0}).limit(3)),
    "find skip limit": lambda db: list(db.items.find().sort("_id", 1).skip(4).limit(3)),
    "find negative limit": lambda db: list(db.items.find().sort("_id", -1).limit(-2)),
    "find batch_size": lambda db: list(db.items.find().batch_size(5)),
    "find hint": lambda db: list(db.items.find({"qty": 3}).hint("qty_1")),
    "find bad hint": lambda db: list(db.items.find().hint("nope")),
    "find max_time_ms": lambda db: list(db.items.find({"_id": 1}).max_time_ms(10000)),
    "find comment": lambda db: list(db.items.find({"_id": 1}).comment("c")),
    "find let": lambda db: list(db.items.find({"$expr": {"$eq": ["$_id", "$$v"]}}, let={"v": 2})),
    "find min max": lambda db: list(db.items.find().min([("qty", 2)]).max([("qty", 4)])
                                    .hint("qty_1")),
    "find return_key": lambda db: list(db.items.find({"qty": 3}, return_key=True).hint("qty_1")),
    "find unknown operator": lambda db: list(db.items.find({"qty": {"$frob": 1}})),
    "find bad $size": lambda db: list(db.items.find({"tags": {"$size": "x"}})),
    "find $query modifiers": lambda db: list(db.items.find(
        {"$query": {"qty": 3}, "$orderby": {"_id": -1}})),
    "find max_scan (removed)": lambda db: list(db.items.find().max_scan(3)),
    "find simple collation": lambda db: list(db.items.find({"_id": 1}).collation(
        Collation("simple"))),
    "find tailable on non-capped": lambda db: list(db.items.find(
        cursor_type=pymongo.CursorType.TAILABLE)),
    "find tailable": lambda db: list(db.capped.find(cursor_type=pymongo.CursorType.TAILABLE)),
    "find explain": lambda db: db.items.find({"qty": 3}).sort("_id", 1).limit(2).explain(),
    "find explain bad filter": lambda db: db.items.find({"qty": {"$frob": 3}}).explain(),
    "find_one": lambda db: db.items.find_one({"_id": 2}),
    "find_one by value": lambda db: db.items.find_one(3),
    "find_one missing": lambda db: db.items.find_one({"_id": 999}),
    "find_one sort skip": lambda db: db.items.find_one({}, sort=[("qty", -1), ("_id", 1)], skip=2),
    "cursor distinct": lambda db: sorted(db.items.find({"qty": {"$lt": 3}}).distinct("qty")),
    "count_documents": lambda db: db.items.count_documents({"qty": {"$lt": 4}}),
    "count_documents skip limit": lambda db: db.items.count_documents({}, skip=2, limit=5),
    "count_documents hint": lambda db: db.items.count_documents({"qty": 3}, hint="qty_1"),
    "count_documents negative skip": lambda db: db.items.count_documents({}, skip=-1),
    "count_documents zero limit": lambda db: db.items.count_documents({}, limit=0),
    "count_documents missing": lambda db: db.ghost.count_documents({}),
    "estimated_document_count": lambda db: db.items.estimated_document_count(),
    "estimated_document_count maxTimeMS": lambda db: db.items.estimated_document_count(
        maxTimeMS=1000),
    "distinct": lambda db: db.items.distinct("tags"),
    "distinct filter": lambda db: db.items.distinct("qty", {"_id": {"$gt": 5}}),
    "distinct bad filter": lambda db: db.items.distinct("qty", {"_id": {"$frob": 5}}),
    # -- aggregate
    "aggregate": lambda db: list(db.items.aggregate([
        {"$group": {"_id": "$qty", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}])),
    "aggregate batchSize": lambda db: list(db.items.aggregate([{"$sort": {"_id": 1}}],
                                                              batchSize=3)),
    "aggregate let": lambda db: list(db.items.aggregate(
        [{"$match": {"$expr": {"$eq": ["$_id", "$$v"]}}}], let={"v": 1})),
    "aggregate unknown stage": lambda db: list(db.items.aggregate([{"$frob": {}}])),
    "aggregate $out": lambda db: (list(db.items.aggregate([{"$match": {"qty": 3}},
                                                           {"$out": "outcoll"}])),
                                  list(db.outcoll.find())),
    "aggregate unknown option": lambda db: list(db.items.aggregate([], frob=1)),
    "database aggregate": lambda db: list(db.aggregate([{"$documents": [{"a": 1}]}])),
    # -- find and modify
    "find_one_and_update": lambda db: db.items.find_one_and_update(
        {"_id": 4}, {"$set": {"n": 1}}, return_document=ReturnDocument.AFTER),
    "find_one_and_update upsert": lambda db: db.items.find_one_and_update(
        {"_id": 600}, {"$set": {"n": 1}}, upsert=True, return_document=ReturnDocument.AFTER),
    "find_one_and_update projection sort": lambda db: db.items.find_one_and_update(
        {}, {"$set": {"p": 1}}, projection={"name": 1}, sort=[("qty", -1), ("_id", 1)]),
    "find_one_and_update bad": lambda db: db.items.find_one_and_update(
        {"_id": 4}, {"$inc": {"name": 1}}),
    "find_one_and_update unknown field": lambda db: db.items.find_one_and_update(
        {"_id": 4}, {"$set": {"n": 1}}, frob=1),
    "find_one_and_replace": lambda db: db.items.find_one_and_replace({"_id": 5}, {"r": 1}),
    "find_one_and_delete": lambda db: db.items.find_one_and_delete({"_id": 6}),
    "find_one_and_delete missing": lambda db: db.items.find_one_and_delete({"_id": 999}),
    # -- indexes
    "create_index": lambda db: (db.items.create_index([("name", 1), ("qty", -1)]),
                                sorted(db.items.index_information().items())),
    "create_index unique violated": lambda db: db.items.create_index("qty", unique=True,
                                                                     name="q"),
    "create_index bad option": lambda db: db.items.create_index("name", frob=1),
    "create_indexes": lambda db: db.items.create_indexes([IndexModel("name"),
                                                          IndexModel([("when", -1)])]),
    "create_index conflicting name": lambda db: db.items.create_index("name", name="qty_1"),
    "drop_index": lambda db: (db.items.drop_index("qty_1"), db.items.index_information()),
    "drop_index missing": lambda db: db.items.drop_index("nope"),
    "drop_index _id": lambda db: db.items.drop_index("_id_"),
    "drop_indexes": lambda db: (db.items.drop_indexes(), db.items.index_information()),
    "list_indexes": lambda db: list(db.items.list_indexes()),
    "list_indexes missing": lambda db: list(db.ghost.list_indexes()),
    "index_information": lambda db: db.items.index_information(),
    # -- collection management
    "options": lambda db: (db.items.options(), db.capped.options()),
    "options missing": lambda db: db.ghost.options(),
    "rename": lambda db: (db.items.rename("renamed"), sorted(db.list_collection_names())),
    "rename dropTarget": lambda db: db.items.rename("capped", dropTarget=True),
    "rename onto existing": lambda db: db.items.rename("capped"),
    "rename missing": lambda db: db.ghost.rename("spirit"),
    "drop": lambda db: (db.items.drop(), sorted(db.list_collection_names())),
    "drop missing": lambda db: db.ghost.drop(),
    "list_collection_names": lambda db: sorted(db.list_collection_names()),
    "list_collections filter": lambda db: [c["name"] for c in db.list_collections(
        filter={"name": "capped"})],
    "create_collection": lambda db: (db.create_collection("fresh").name,
                                     sorted(db.list_collection_names())),
    "create_collection existing": lambda db: db.create_collection("items"),
    "watch": lambda db: _first_change(db),
    "command ping": lambda db: db.command("ping"),
    "command check=False": lambda db: db.command("frobnicate", check=False),
    "command allowable": lambda db: db.command("drop", "ghost", allowable_errors=[26]),
    "list_database_names": lambda db: sorted(db.client.list_database_names()),
    "drop_database": lambda db: (db.client.drop_database("runner"),
                                 sorted(db.list_collection_names())),
    "validate_collection": lambda db: db.validate_collection("items")["valid"],
    "command unknown": lambda db: db.command("frobnicate"),
    "command count": lambda db: db.command("count", "items", query={"qty": 3}),
}


def _normalise(value: Any) -> Any:
    """Results as comparable data (pymongo result objects by their public fields)."""
    if isinstance(value, InsertOneResult):
        return ("InsertOneResult", value.inserted_id, value.acknowledged)
    if isinstance(value, InsertManyResult):
        return ("InsertManyResult", value.inserted_ids)
    if isinstance(value, UpdateResult):
        return ("UpdateResult", _normalise(dict(value.raw_result)))
    if isinstance(value, DeleteResult):
        return ("DeleteResult", _normalise(dict(value.raw_result)))
    if isinstance(value, BulkWriteResult):
        return ("BulkWriteResult", value.bulk_api_result)
    if isinstance(value, tuple):
        return tuple(_normalise(v) for v in value)
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):  # timings and a replica set's gossip differ from run to run
        # (and explain's serverInfo names each server's own port: 27017 in process)
        return {k: _normalise(v) for k, v in value.items()
                if k not in ("$clusterTime", "operationTime", "port") and "Millis" not in k}
    return value


def _first_change(db: Any) -> tuple:
    """Open a change stream, write, and read the write's event (what both faces see)."""
    with db.items.watch(max_await_time_ms=50) as stream:
        db.items.insert_one({"_id": "watched"})
        change = stream.next()
    return change["operationType"], change["ns"], change["documentKey"], \
        sorted(change["fullDocument"])


def _outcome(db: Any, operation: Operation) -> tuple[str, Any]:
    try:
        return "ok", _normalise(operation(db))
    except pymongo.errors.BulkWriteError as exc:
        return "BulkWriteError", _normalise(exc.details)
    except (pymongo.errors.PyMongoError, ValueError, TypeError) as exc:
        details = getattr(exc, "details", None) or {}
        # index builds and collections are named by fresh UUIDs in some messages
        message = _UUID.sub("<uuid>", details.get("errmsg", str(exc)))
        return type(exc).__name__, (getattr(exc, "code", None), message,
                                    details.get("codeName"))


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def wire_server():
    # the faces are compared on a standalone: in process, replies carry no $clusterTime
    with mim.serve(port=0, engine=mim.Server(standalone=True)) as running:
        yield running


@pytest.fixture(scope="module")
def wire_client(wire_server):
    client = pymongo.MongoClient(wire_server.uri, serverSelectionTimeoutMS=5000)
    yield client
    client.close()


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_both_faces_answer_alike(name: str, wire_server: Any, wire_client: Any) -> None:
    operation = OPERATIONS[name]
    in_process = mim.MongoClient(server=mim.Server(standalone=True))
    wire_server.engine.reset()
    _seed(in_process.runner)
    _seed(wire_client.runner)
    local = _outcome(in_process.runner, operation)
    remote = _outcome(wire_client.runner, operation)
    assert local == remote
    # and the data left behind is the same
    for collection in ("items", "capped", "outcoll"):
        assert list(in_process.runner[collection].find()) == \
            list(wire_client.runner[collection].find())
    in_process.close()


def test_every_public_collection_method_is_exercised() -> None:
    """A new Collection method must join the table above."""
    exercised = " ".join(OPERATIONS)
    public = {name for name in dir(mim.Collection) if not name.startswith("_")
              and callable(getattr(mim.Collection, name))}
    not_commands = {"with_options", "get_collection", "next", "find_raw_batches",
                    "aggregate_raw_batches", "create_search_index", "create_search_indexes",
                    "drop_search_index", "update_search_index", "list_search_indexes"}
    missing = sorted(name for name in public - not_commands if name not in exercised)
    assert missing == []
