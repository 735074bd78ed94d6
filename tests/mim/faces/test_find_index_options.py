"""find's index options: ``min``/``max`` (and the ``$min``/``$max`` modifiers),
``returnKey``, ``showRecordId`` and a hint walking its index in the index's order.

Expected values follow the manual's cursor.min()/cursor.max()/cursor.returnKey()/
cursor.showRecordId() pages and the server's query_planner.cpp errors.
"""

from __future__ import annotations

import pytest
from bson.int64 import Int64
from pymongo.errors import InvalidOperation, OperationFailure


@pytest.fixture
def ten(coll):
    coll.insert_many([{"_id": i, "j": i, "k": i % 3} for i in range(10)])
    coll.create_index("j")
    return coll


def js(cursor) -> list:
    return [doc["j"] for doc in cursor]


def test_max_is_an_exclusive_upper_bound_on_the_hinted_index(ten):
    assert js(ten.find(max={"j": 3}, hint={"j": 1})) == [0, 1, 2]
    assert js(ten.find().max([("j", 3)]).hint([("j", 1)])) == [0, 1, 2]


def test_min_is_an_inclusive_lower_bound(ten):
    assert js(ten.find(min={"j": 7}, hint={"j": 1})) == [7, 8, 9]
    assert js(ten.find(min={"j": 4}, max={"j": 6}, hint="j_1")) == [4, 5]


def test_min_max_combine_with_the_filter(ten):
    assert js(ten.find({"k": 0}, min={"j": 1}, max={"j": 9}, hint={"j": 1})) == [3, 6]


def test_legacy_query_modifiers_become_min_and_max(ten):
    spec = {"$query": {}, "$max": {"j": 3}, "$hint": {"j": 1}}
    assert js(ten.find(spec)) == [0, 1, 2]
    spec = {"$query": {"k": 1}, "$min": {"j": 2}, "$hint": "j_1"}
    assert js(ten.find(spec)) == [4, 7]


def test_min_max_on_a_descending_index_follow_the_index_order(coll):
    coll.insert_many([{"_id": i, "j": i} for i in range(10)])
    coll.create_index([("j", -1)])
    assert js(coll.find(min={"j": 7}, max={"j": 3}, hint=[("j", -1)])) == [7, 6, 5, 4]


def test_min_max_without_hint_is_refused_by_the_driver(ten):
    with pytest.raises(InvalidOperation, match="Passing a 'hint' is required"):
        list(ten.find(max={"j": 3}))


def test_min_max_server_errors(ten, db):
    with pytest.raises(OperationFailure) as info:
        db.command("find", "things", max={"j": 3})
    assert info.value.code == 51173
    with pytest.raises(OperationFailure) as info:
        list(ten.find(max={"k": 3}, hint={"j": 1}))
    assert info.value.code == 51174
    with pytest.raises(OperationFailure) as info:
        list(ten.find(min={"j": 5}, max={"j": 3}, hint={"j": 1}))
    assert info.value.code == 51175
    with pytest.raises(OperationFailure) as info:
        list(ten.find(min={"j": 1}, max={"k": 3}, hint={"j": 1}))
    assert info.value.code == 51176
    assert "min and max must have the same field names" in str(info.value)
    with pytest.raises(OperationFailure) as info:
        list(ten.find(max={"j": 3}, hint={"$natural": 1}))
    assert "min and max are incompatible with $natural" in str(info.value)


def test_return_key_returns_only_the_index_keys(ten):
    assert list(ten.find({"j": {"$gt": 7}}, return_key=True)) == [{"j": 8}, {"j": 9}]
    assert list(ten.find({"j": 8}, {"k": 1}, return_key=True)) == [{"j": 8}]


def test_return_key_without_an_index_gives_empty_documents(coll):
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 2}])
    assert list(coll.find({"a": {"$gt": 0}}, return_key=True)) == [{}, {}]


def test_show_record_id_appends_the_record_id(coll):
    coll.insert_many([{"_id": "a"}, {"_id": "b"}, {"_id": "c"}])
    coll.delete_one({"_id": "b"})
    coll.insert_one({"_id": "d"})
    coll.update_one({"_id": "a"}, {"$set": {"x": 1}})
    docs = list(coll.find({}, {"_id": 1}, show_record_id=True))
    assert [d["_id"] for d in docs] == ["a", "c", "d"]
    # RecordIds count up from 1 in insertion order, survive updates, are never reused
    assert [d["$recordId"] for d in docs] == [1, 3, 4]
    assert all(type(d["$recordId"]) is Int64 for d in docs)
    assert list(docs[0]) == ["_id", "$recordId"]


def test_return_key_wins_over_show_record_id(coll):
    """The command-monitoring spec's "A successful find with showRecordId and
    returnKey": sorted on _id, the reply holds ``{_id: …}`` documents only."""
    coll.insert_many([{"_id": i, "x": i} for i in range(1, 4)])
    found = list(coll.find({}, sort=[("_id", 1)], show_record_id=True, return_key=True))
    assert found == [{"_id": 1}, {"_id": 2}, {"_id": 3}]


def test_min_max_return_key_show_record_id_refused_on_a_view(ten, db):
    db.create_collection("v", viewOn="things", pipeline=[])
    with pytest.raises(OperationFailure) as info:
        list(db.v.find(return_key=True))
    assert info.value.code == 168
    assert "Option returnKey not supported in aggregation." in str(info.value)


def test_hint_walks_a_descending_index_in_its_order(coll):
    coll.insert_many([{"_id": i, "j": i} for i in range(10)])
    coll.create_index([("j", -1)])
    assert js(coll.find().hint([("j", -1)])) == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    assert js(coll.find({"j": {"$gt": 5}}).hint([("j", -1)])) == [9, 8, 7, 6]
    plan = coll.find().hint([("j", -1)]).explain()["queryPlanner"]["winningPlan"]
    assert plan["inputStage"]["direction"] == "forward"
