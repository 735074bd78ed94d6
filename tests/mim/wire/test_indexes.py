"""Index management and explain over the wire."""

from __future__ import annotations

import pytest
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError, OperationFailure


def test_create_list_drop(coll):
    assert coll.create_index([("a", ASCENDING), ("b", DESCENDING)]) == "a_1_b_-1"
    assert coll.create_indexes([IndexModel("c", unique=True), IndexModel("d", sparse=True)]) \
        == ["c_1", "d_1"]
    info = coll.index_information()
    assert sorted(info) == ["_id_", "a_1_b_-1", "c_1", "d_1"]
    assert info["a_1_b_-1"]["key"] == [("a", 1), ("b", -1)]
    assert info["c_1"]["unique"] is True
    coll.drop_index("c_1")
    coll.drop_index([("a", ASCENDING), ("b", DESCENDING)])
    assert sorted(coll.index_information()) == ["_id_", "d_1"]
    coll.drop_indexes()
    assert list(coll.index_information()) == ["_id_"]


def test_create_index_reply(db):
    reply = db.command({"createIndexes": "fresh", "indexes": [{"key": {"x": 1}, "name": "x_1"}]})
    assert reply["createdCollectionAutomatically"] is True
    assert (reply["numIndexesBefore"], reply["numIndexesAfter"]) == (1, 2)
    again = db.command({"createIndexes": "fresh", "indexes": [{"key": {"x": 1}, "name": "x_1"}]})
    assert again["note"] == "all indexes already exist"


def test_unique_index_enforced(coll):
    coll.create_index("email", unique=True)
    coll.insert_one({"email": "a@x"})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"email": "a@x"})
    assert info.value.code == 11000
    assert info.value.details["keyPattern"] == {"email": 1}
    assert info.value.details["keyValue"] == {"email": "a@x"}


def test_unique_index_on_duplicates_fails(coll):
    coll.insert_many([{"k": 1}, {"k": 1}])
    with pytest.raises(DuplicateKeyError):
        coll.create_index("k", unique=True)
    assert list(coll.index_information()) == ["_id_"]


def test_index_errors(db, coll):
    coll.create_index("a", name="my_a")
    with pytest.raises(OperationFailure) as info:
        coll.create_index("a", name="other")
    assert info.value.code == 85  # same index, another name
    with pytest.raises(OperationFailure) as info:
        coll.create_index("b", name="my_a")
    assert info.value.code == 86  # same name, another key
    with pytest.raises(OperationFailure) as info:
        coll.drop_index("nope")
    assert info.value.code == 27
    with pytest.raises(OperationFailure) as info:
        coll.drop_index("_id_")
    assert info.value.code == 72
    db.missing.drop_index("a_1")  # pymongo ignores NamespaceNotFound here
    with pytest.raises(OperationFailure) as info:
        db.command({"dropIndexes": "missing", "index": "a_1"})
    assert info.value.code == 26
    with pytest.raises(OperationFailure) as info:
        db.command({"createIndexes": "x", "indexes": [{"key": {"a": 1}}]})
    assert info.value.code == 9
    with pytest.raises(OperationFailure) as info:
        db.command({"createIndexes": "x", "indexes": [{"key": {"a": 1}, "name": "a", "bogus": 1}]})
    assert info.value.code == 197
    with pytest.raises(OperationFailure) as info:
        db.command({"listIndexes": "missing"})
    assert info.value.code == 26


def test_indexed_queries_answer_like_scans(coll):
    coll.insert_many([{"_id": i, "a": i % 7, "b": [i, i + 1]} for i in range(100)])
    unindexed = [list(coll.find(q, sort=[("_id", 1)])) for q in
                 ({"a": 3}, {"a": {"$gt": 4}}, {"b": 50}, {"a": {"$in": [1, 2]}, "b": {"$lt": 30}})]
    coll.create_index("a")
    coll.create_index("b")
    indexed = [list(coll.find(q, sort=[("_id", 1)])) for q in
               ({"a": 3}, {"a": {"$gt": 4}}, {"b": 50}, {"a": {"$in": [1, 2]}, "b": {"$lt": 30}})]
    assert indexed == unindexed


def test_explain(coll):
    coll.insert_many([{"_id": i, "a": i} for i in range(20)])
    plan = coll.find({"a": 5}).explain()
    assert plan["queryPlanner"]["namespace"] == coll.full_name
    assert plan["queryPlanner"]["winningPlan"]["stage"] == "COLLSCAN"
    assert plan["executionStats"]["nReturned"] == 1
    coll.create_index("a")
    plan = coll.find({"a": 5}).explain()
    stages = str(plan["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in stages
    with pytest.raises(OperationFailure) as info:
        coll.find({"a": 5}).hint("nope").explain()
    assert info.value.code == 2


def test_hint(coll):
    coll.insert_many([{"_id": i, "a": i} for i in range(5)])
    coll.create_index("a")
    assert [d["_id"] for d in coll.find({"a": {"$gte": 3}}).hint("a_1")] == [3, 4]
    with pytest.raises(OperationFailure) as info:
        list(coll.find().hint("nope"))
    assert info.value.code == 2


def test_explain_aggregate(db, coll):
    coll.insert_many([{"_id": i, "a": i} for i in range(10)])
    coll.create_index("a")
    plan = db.command("aggregate", coll.name, explain=True,
                      pipeline=[{"$match": {"a": 3}}, {"$project": {"a": 1}}])
    first = plan["stages"][0]["$cursor"]["queryPlanner"]
    assert first["namespace"] == coll.full_name
    assert "IXSCAN" in str(first["winningPlan"])
    assert plan["stages"][1] == {"$project": {"a": 1}}
