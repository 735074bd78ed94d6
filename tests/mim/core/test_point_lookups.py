"""Point lookups — one equality on one field (``{_id: v}``, ``{uid: v}``) — read
straight from the index the planner would choose, and ``{$set: {field: value}}``
compiled from its shape: the same answers as the general plan whatever the
catalog does between two identical statements (an index created, dropped,
hidden, collated or partial; the collection dropped and made again)."""

from __future__ import annotations

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from pymongo import ASCENDING
from pymongo.errors import WriteError


def _load(coll):
    coll.insert_many([{"_id": i, "uid": f"u{i}", "city": "Lima" if i % 2 else "Oslo",
                       "tags": ["a", "a", "b"] if i < 3 else ["c"]} for i in range(1200)])


def _winning_stage(coll, flt):
    """The first stage under FETCH (or the stage itself) of the winning plan."""
    plan = coll.find(flt).explain()["queryPlanner"]["winningPlan"]
    while "inputStage" in plan:
        plan = plan["inputStage"]
    return plan["stage"]


def test_an_index_created_then_dropped_between_identical_finds(coll):
    _load(coll)
    assert coll.find_one({"uid": "u7"})["_id"] == 7
    coll.create_index("uid")
    assert _winning_stage(coll, {"uid": "u7"}) == "IXSCAN"
    assert coll.find_one({"uid": "u7"})["_id"] == 7
    assert coll.find_one({"uid": "nobody"}) is None
    coll.drop_index("uid_1")
    assert _winning_stage(coll, {"uid": "u7"}) == "COLLSCAN"
    assert coll.find_one({"uid": "u7"})["_id"] == 7
    coll.create_index("uid")
    assert coll.find_one({"uid": "u8"})["_id"] == 8


def test_update_one_between_index_changes(coll):
    _load(coll)
    coll.create_index("uid")
    assert coll.update_one({"uid": "u5"}, {"$set": {"name": "x"}}).modified_count == 1
    coll.drop_index("uid_1")
    assert coll.update_one({"uid": "u5"}, {"$set": {"name": "y"}}).modified_count == 1
    coll.create_index("uid")
    assert coll.update_one({"uid": "u5"}, {"$set": {"name": "y"}}).modified_count == 0
    assert coll.find_one({"uid": "u5"})["name"] == "y"
    assert coll.count_documents({"name": {"$exists": True}}) == 1


def test_the_collection_dropped_between_identical_finds(coll):
    _load(coll)
    coll.create_index("uid")
    assert coll.find_one({"uid": "u3"})["_id"] == 3
    assert coll.find_one({"_id": 3})["uid"] == "u3"
    coll.drop()
    assert coll.find_one({"uid": "u3"}) is None
    assert coll.find_one({"_id": 3}) is None
    assert coll.update_one({"uid": "u3"}, {"$set": {"a": 1}}).matched_count == 0
    coll.insert_one({"_id": 3, "uid": "u3", "v": 2})
    assert coll.find_one({"uid": "u3"}) == {"_id": 3, "uid": "u3", "v": 2}
    assert coll.find_one({"_id": 3}) == {"_id": 3, "uid": "u3", "v": 2}


def test_a_collated_index_does_not_answer_a_query_without_collation(coll):
    coll.insert_many([{"_id": 1, "uid": "abc"}, {"_id": 2, "uid": "ABC"}])
    coll.create_index("uid", collation={"locale": "en", "strength": 2})
    # binary comparison: only the exact string
    assert [d["_id"] for d in coll.find({"uid": "ABC"})] == [2]
    assert coll.find_one({"uid": "aBc"}) is None
    # the query's own collation: both
    assert sorted(d["_id"] for d in coll.find({"uid": "aBc"},
                                               collation={"locale": "en", "strength": 2})) \
        == [1, 2]
    coll.drop_index("uid_1")
    coll.create_index("uid")
    assert coll.find_one({"uid": "aBc"}) is None
    assert coll.find_one({"uid": "abc"})["_id"] == 1


def test_hidden_and_partial_indexes(coll):
    _load(coll)
    coll.create_index("uid", hidden=True)
    assert coll.find_one({"uid": "u9"})["_id"] == 9
    coll.database.command("collMod", coll.name, index={"name": "uid_1", "hidden": False})
    assert coll.find_one({"uid": "u9"})["_id"] == 9
    coll.drop_index("uid_1")
    coll.create_index("uid", partialFilterExpression={"_id": {"$gte": 600}})
    # the partial index lacks u9: the document is still found
    assert coll.find_one({"uid": "u9"})["_id"] == 9
    assert coll.find_one({"uid": "u900"})["_id"] == 900


def test_a_multikey_point_returns_each_document_once(coll):
    _load(coll)
    coll.create_index("tags")
    assert [d["_id"] for d in coll.find({"tags": "a"})] == [0, 1, 2]
    assert coll.count_documents({"tags": "a"}) == 3
    assert coll.update_one({"tags": "a"}, {"$set": {"seen": True}}).modified_count == 1


def test_a_point_with_many_documents_reads_them_all(coll):
    _load(coll)
    coll.create_index("city")
    assert len(list(coll.find({"city": "Lima"}))) == 600
    assert len(list(coll.find({"city": "Lima"}).limit(5))) == 5
    assert len(list(coll.find({"city": "Lima"}).skip(598))) == 2


def test_equality_matches_across_numeric_types_and_array_elements(coll):
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 1.0}, {"_id": 3, "a": Int64(1)},
                      {"_id": 4, "a": Decimal128("1")}, {"_id": 5, "a": [3, 1]},
                      {"_id": 6, "a": "1"}, {"_id": 7, "a": True}, {"_id": 8},
                      {"_id": 9, "a": None}, {"_id": 10, "a": ["x", "y"]},
                      {"_id": 11, "a": [[1]]}])
    for indexed in (False, True):
        if indexed:
            coll.create_index("a")
        assert [d["_id"] for d in coll.find({"a": 1}).sort("_id", ASCENDING)] == [1, 2, 3, 4, 5]
        assert [d["_id"] for d in coll.find({"a": Int64(1)}).sort("_id", ASCENDING)] \
            == [1, 2, 3, 4, 5]
        assert [d["_id"] for d in coll.find({"a": "x"})] == [10]
        assert [d["_id"] for d in coll.find({"a": "1"})] == [6]
        assert [d["_id"] for d in coll.find({"a": True})] == [7]
        assert [d["_id"] for d in coll.find({"a": None}).sort("_id", ASCENDING)] == [8, 9]
        assert [d["_id"] for d in coll.find({"a": float("nan")})] == []


def test_set_of_the_same_shape_applies_each_statements_values(coll):
    coll.insert_many([{"_id": 1}, {"_id": 2}])
    for value in ("x", 2, 2.5, None, True):
        coll.update_one({"_id": 1}, {"$set": {"v": value}})
        assert coll.find_one({"_id": 1}) == {"_id": 1, "v": value}
    coll.update_one({"_id": 2}, {"$set": {"v": Int64(7)}})  # not its own decoding: general
    assert type(coll.find_one({"_id": 2})["v"]) is Int64
    coll.update_one({"_id": 2}, {"$set": {"v": 2 ** 40}})
    assert coll.find_one({"_id": 2})["v"] == 2 ** 40


def test_set_appends_new_fields_in_field_name_order_every_time(coll):
    # MongoDB 5.0+: update operators process fields with string names in
    # lexicographic order, numeric names in numeric order
    coll.insert_many([{"_id": 1}, {"_id": 2}])
    for _id in (1, 2):  # the second statement reuses the first one's shape
        coll.update_one({"_id": _id}, {"$set": {"b": 1, "a": 2, "10": 3, "9": 4}})
        assert list(coll.find_one({"_id": _id})) == ["_id", "9", "10", "a", "b"]


def test_set_shape_upserts_and_errors(coll):
    result = coll.update_one({"uid": "new"}, {"$set": {"name": "n"}}, upsert=True)
    assert coll.find_one({"_id": result.upserted_id}) == {"_id": result.upserted_id,
                                                          "uid": "new", "name": "n"}
    coll.insert_one({"_id": 5, "name": "a"})
    coll.update_one({"_id": 5}, {"$set": {"name": "b"}})
    with pytest.raises(WriteError) as failure:
        coll.update_one({"_id": 5}, {"$set": {"_id": 6}})
    assert failure.value.code == 66
    # MongoDB 5.0+: an empty operand is a no-op, not an error
    assert coll.update_one({"_id": 5}, {"$set": {}}).modified_count == 0
    assert coll.find_one({"_id": 5}) == {"_id": 5, "name": "b"}


def test_a_point_on_a_compound_index_comes_in_the_index_order(coll):
    # the IXSCAN of an equality on the first field walks the rest in the index's order
    coll.insert_many([{"_id": i, "uid": "u" + str(i % 3), "x": (i * 7) % 10} for i in range(30)])
    for key in ([("uid", -1), ("x", 1)], [("uid", 1), ("x", -1)], [("uid", -1), ("x", -1)]):
        coll.drop_indexes()
        coll.create_index(key)
        found = [d["x"] for d in coll.find({"uid": "u1"})]
        assert found == sorted(found, reverse=key[1][1] == -1)
        assert len(found) == 10
        assert coll.find_one({"uid": "u1"})["x"] == found[0]
