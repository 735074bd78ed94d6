"""The planner: which index a query uses, explain output, hints — and that
indexed results are exactly the scan's."""

from __future__ import annotations

import pytest
from bson.son import SON
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import OperationFailure


@pytest.fixture
def people(coll):
    coll.insert_many([
        {"_id": i, "age": i % 50, "name": f"n{i:03d}", "city": ["paris", "rome", "oslo"][i % 3],
         "tags": [i % 5, (i + 1) % 5], **({"opt": i} if i % 4 == 0 else {})}
        for i in range(200)])
    return coll


def winning(cursor):
    return cursor.explain()["queryPlanner"]["winningPlan"]


def find_stage(plan, name):
    while plan is not None:
        if plan["stage"] == name:
            return plan
        if "inputStages" in plan:
            return plan
        plan = plan.get("inputStage")
    return None


def scan_ids(coll, filter, **kwargs):
    return [d["_id"] for d in coll.find(filter, hint=[("$natural", 1)], **kwargs)]


QUERIES = [
    {"age": 7},
    {"age": {"$in": [1, 2, 49]}},
    {"age": {"$gt": 45}},
    {"age": {"$gte": 10, "$lt": 12}},
    {"age": {"$lte": 3}, "city": "rome"},
    {"city": "oslo", "age": {"$gt": 40}},
    {"name": {"$regex": "^n01"}},
    {"tags": 3},
    {"tags": {"$in": [0, 4]}, "age": {"$lt": 5}},
    {"opt": None},
    {"opt": {"$exists": False}},
    {"opt": {"$exists": True}},
    {"$or": [{"age": 3}, {"city": "paris", "age": {"$gt": 47}}]},
    {"$or": [{"age": 3}, {"name": "n100"}]},
    {"age": {"$gt": "a"}},
    {"age": {"$ne": 3}},
    {"age": 3, "tags": {"$size": 2}},
]


@pytest.mark.parametrize("query", QUERIES)
def test_indexed_results_equal_scan(people, query):
    expected = sorted(scan_ids(people, query))
    people.create_index("age")
    people.create_index([("city", 1), ("age", -1)])
    people.create_index("tags")
    people.create_index("name")
    people.create_index("opt", sparse=True)
    assert sorted(d["_id"] for d in people.find(query)) == expected
    assert people.count_documents(query) == len(expected)


def test_equality_uses_ixscan(people):
    people.create_index("age")
    plan = winning(people.find({"age": 7}))
    assert plan["stage"] == "FETCH"
    ixscan = plan["inputStage"]
    assert ixscan["stage"] == "IXSCAN"
    assert ixscan["indexName"] == "age_1"
    assert ixscan["keyPattern"] == {"age": 1}
    assert ixscan["indexBounds"] == {"age": ["[7, 7]"]}
    assert ixscan["direction"] == "forward"
    assert ixscan["isMultiKey"] is False


def test_without_index_it_is_a_collscan(people):
    plan = winning(people.find({"age": 7}))
    # the server prints the parsed filter back ({age: 7} is {age: {$eq: 7}})
    assert plan == {"stage": "COLLSCAN", "filter": {"age": {"$eq": 7}}, "direction": "forward"}


def test_execution_stats(people):
    people.create_index("age")
    explain = people.find({"age": 7}).explain()
    stats = explain["executionStats"]
    assert stats["nReturned"] == 4
    assert stats["totalKeysExamined"] == 4
    assert stats["totalDocsExamined"] == 4
    assert stats["executionStages"]["stage"] == "FETCH"
    assert stats["executionStages"]["inputStage"]["keysExamined"] == 4
    scan = people.find({"age": 7}, hint=[("$natural", 1)]).explain()["executionStats"]
    assert scan["totalDocsExamined"] == 200 and scan["totalKeysExamined"] == 0


def test_range_bounds(people):
    people.create_index("age")
    plan = winning(people.find({"age": {"$gt": 5, "$lte": 9}}))
    assert plan["inputStage"]["indexBounds"] == {"age": ["(5, 9]"]}
    plan = winning(people.find({"age": {"$gt": 45}}))
    assert plan["inputStage"]["indexBounds"] == {"age": ["(45, inf.0]"]}
    plan = winning(people.find({"name": {"$lt": "n005"}}).hint("age_1"))
    assert plan["inputStage"]["indexBounds"] == {"age": ["[MinKey, MaxKey]"]}


def test_in_bounds(people):
    people.create_index("age")
    plan = winning(people.find({"age": {"$in": [9, 3, 3]}}))
    assert plan["inputStage"]["indexBounds"] == {"age": ["[3, 3]", "[9, 9]"]}


def test_compound_prefix(people):
    people.create_index([("city", ASCENDING), ("age", ASCENDING)])
    plan = winning(people.find({"city": "rome", "age": {"$gte": 40}}))
    assert plan["inputStage"]["indexBounds"] == {"city": ['["rome", "rome"]'],
                                                  "age": ["[40, inf.0]"]}
    explain = people.find({"city": "rome", "age": {"$gte": 40}}).explain()
    assert explain["executionStats"]["totalKeysExamined"] == \
        explain["executionStats"]["nReturned"]
    plan = winning(people.find({"city": "rome"}))
    assert plan["inputStage"]["indexName"] == "city_1_age_1"
    # a non-prefix field alone cannot use the index
    assert winning(people.find({"age": 3}))["stage"] == "COLLSCAN"


def test_cheapest_index_wins(people):
    people.create_index("city")
    people.create_index("name")
    plan = winning(people.find({"city": "rome", "name": "n004"}))
    assert plan["inputStage"]["indexName"] == "name_1"
    # FETCH re-checks only what the name_1 bounds leave open, in the parsed form
    assert plan["filter"] == {"city": {"$eq": "rome"}}


def test_or_uses_an_index_per_branch(people):
    people.create_index("age")
    people.create_index("name")
    plan = winning(people.find({"$or": [{"age": 3}, {"name": "n100"}]}))
    assert plan["stage"] == "SUBPLAN"
    fetch = plan["inputStage"]
    assert fetch["stage"] == "FETCH"
    assert fetch["inputStage"]["stage"] == "OR"
    assert [s["indexName"] for s in fetch["inputStage"]["inputStages"]] == ["age_1", "name_1"]


def test_or_with_an_unindexed_branch_scans(people):
    people.create_index("age")
    plan = winning(people.find({"$or": [{"age": 3}, {"city": "rome"}]}))
    assert plan["stage"] == "COLLSCAN"


def test_index_provides_sort_with_limit(people):
    people.create_index("age")
    cursor = people.find({"age": {"$gte": 10}}).sort("age", DESCENDING).limit(5)
    assert [d["age"] for d in cursor] == [49] * 4 + [48]
    explain = people.find({"age": {"$gte": 10}}).sort("age", DESCENDING).limit(5).explain()
    plan = explain["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "LIMIT" and plan["limitAmount"] == 5
    ixscan = plan["inputStage"]["inputStage"]
    assert ixscan["direction"] == "backward"
    assert ixscan["indexBounds"] == {"age": ["[inf.0, 10]"]}
    assert explain["executionStats"]["totalKeysExamined"] == 5  # a top-k, not a full sort


def test_blocking_sort_stage(people):
    people.create_index("name")
    plan = winning(people.find({"name": {"$gt": "n1"}}).sort("age", 1).skip(2).limit(3))
    assert plan["stage"] == "SKIP" and plan["skipAmount"] == 2
    assert plan["inputStage"]["stage"] == "SORT"
    assert plan["inputStage"]["sortPattern"] == {"age": 1}
    assert plan["inputStage"]["limitAmount"] == 5


def test_sort_on_equality_prefix(people):
    expected = [d["age"] for d in people.find({"city": "oslo"}).sort("age", -1).limit(4)]
    people.create_index([("city", 1), ("age", 1)])
    docs = list(people.find({"city": "oslo"}).sort("age", -1).limit(4))
    assert [d["age"] for d in docs] == expected == [49, 48, 47, 47]
    plan = winning(people.find({"city": "oslo"}).sort("age", -1).limit(4))
    assert find_stage(plan, "SORT") is None
    assert find_stage(plan, "IXSCAN")["direction"] == "backward"


def test_full_index_scan_for_sort(people):
    people.create_index("name")
    docs = list(people.find().sort("name", 1).limit(3))
    assert [d["name"] for d in docs] == ["n000", "n001", "n002"]
    plan = winning(people.find().sort("name", 1).limit(3))
    assert find_stage(plan, "IXSCAN")["indexBounds"] == {"name": ["[MinKey, MaxKey]"]}


def test_multikey_sort_keeps_array_semantics(coll):
    coll.insert_many([{"_id": 1, "a": [5, 1]}, {"_id": 2, "a": 3}, {"_id": 3, "a": []},
                      {"_id": 4}, {"_id": 5, "a": [4, 9]}])
    expected_asc = [d["_id"] for d in coll.find().sort("a", 1)]
    expected_desc = [d["_id"] for d in coll.find().sort("a", -1)]
    coll.create_index("a")
    assert [d["_id"] for d in coll.find().sort("a", 1)] == expected_asc
    assert [d["_id"] for d in coll.find().sort("a", -1)] == expected_desc
    # bounded on a multikey field: the index cannot give the array's sort key
    expected = [d["_id"] for d in coll.find({"a": {"$gt": 2}}, hint=[("$natural", 1)])
                .sort("a", 1)]
    assert [d["_id"] for d in coll.find({"a": {"$gt": 2}}).sort("a", 1)] == expected


def test_multikey_explain(coll):
    coll.insert_one({"a": [1, 2]})
    coll.create_index("a")
    ixscan = winning(coll.find({"a": 2}))["inputStage"]
    assert ixscan["isMultiKey"] is True
    assert ixscan["multiKeyPaths"] == {"a": ["a"]}


def test_multikey_ranges_are_not_intersected(coll):
    coll.create_index("a")
    coll.insert_one({"_id": 1, "a": [1, 10]})
    assert [d["_id"] for d in coll.find({"a": {"$gt": 5, "$lt": 3}})] == [1]
    assert [d["_id"] for d in coll.find({"$and": [{"a": 1}, {"a": 10}]})] == [1]


def test_null_and_missing(coll):
    coll.insert_many([{"_id": 1, "a": None}, {"_id": 2}, {"_id": 3, "a": 1},
                      {"_id": 4, "a": [None, 2]}, {"_id": 5, "a": []}])
    expected_null = scan_ids(coll, {"a": None})
    expected_missing = scan_ids(coll, {"a": {"$exists": False}})
    coll.create_index("a")
    assert sorted(d["_id"] for d in coll.find({"a": None})) == sorted(expected_null)
    assert sorted(d["_id"] for d in coll.find({"a": {"$exists": False}})) == \
        sorted(expected_missing)
    assert winning(coll.find({"a": None}))["inputStage"]["indexBounds"] == \
        {"a": ["[null, null]"]}


def test_sparse_index_not_used_for_null(coll):
    coll.insert_many([{"_id": 1, "a": None}, {"_id": 2}, {"_id": 3, "a": 1}])
    coll.create_index("a", sparse=True)
    assert sorted(d["_id"] for d in coll.find({"a": None})) == [1, 2]
    assert winning(coll.find({"a": None}))["stage"] == "COLLSCAN"
    assert winning(coll.find({"a": 1}))["inputStage"]["isSparse"] is True
    # a hinted sparse index returns only what it holds, as on the server
    assert [d["_id"] for d in coll.find({"a": None}).hint("a_1")] == [1]


def test_partial_index_used_only_when_implied(coll):
    coll.insert_many([{"_id": i, "a": i, "b": i % 2} for i in range(10)])
    coll.create_index("a", partialFilterExpression={"b": 1})
    assert winning(coll.find({"a": 3}))["stage"] == "COLLSCAN"
    plan = winning(coll.find({"a": 3, "b": 1}))
    assert plan["inputStage"]["indexName"] == "a_1"
    assert plan["inputStage"]["isPartial"] is True
    assert [d["_id"] for d in coll.find({"a": {"$gte": 3}, "b": 1})] == [3, 5, 7, 9]

    coll.create_index("b", name="b_pos", partialFilterExpression={"a": {"$gt": 4}})
    assert winning(coll.find({"b": 0, "a": {"$gt": 6}}))["inputStage"]["indexName"] == "b_pos"
    assert winning(coll.find({"b": 0, "a": {"$gt": 2}}))["stage"] == "COLLSCAN"


def test_hidden_index_is_not_used(people):
    people.create_index("age", hidden=True)
    assert winning(people.find({"age": 3}))["stage"] == "COLLSCAN"
    with pytest.raises(OperationFailure) as info:
        list(people.find({"age": 3}).hint("age_1"))
    assert info.value.code == 2


def test_hint_by_name_and_spec(people):
    people.create_index("age")
    people.create_index("name")
    plan = winning(people.find({"age": 3, "name": {"$gt": "n"}}).hint("name_1"))
    assert plan["inputStage"]["indexName"] == "name_1"
    plan = winning(people.find({"age": 3}).hint([("name", 1)]))
    assert plan["inputStage"]["indexName"] == "name_1"
    assert sorted(d["_id"] for d in people.find({"age": 3}).hint([("name", 1)])) == \
        [3, 53, 103, 153]
    assert winning(people.find({"age": 3}).hint([("$natural", 1)]))["stage"] == "COLLSCAN"
    assert winning(people.find({"age": 3}).hint([("$natural", -1)]))["direction"] == "backward"


def test_bad_hint_is_code_2(people):
    with pytest.raises(OperationFailure) as info:
        list(people.find({"age": 3}).hint("nope"))
    assert info.value.code == 2
    assert info.value.details["errmsg"] == (
        "error processing query: ns=test.c planner returned error :: caused by :: hint provided "
        "does not correspond to an existing index")
    with pytest.raises(OperationFailure) as info:
        people.count_documents({}, hint=[("zz", 1)])
    assert info.value.code == 2
    with pytest.raises(OperationFailure):
        people.update_one({"age": 3}, {"$set": {"x": 1}}, hint="nope")
    with pytest.raises(OperationFailure):
        people.delete_one({"age": 3}, hint="nope")


def test_hint_on_writes(people):
    people.create_index("age")
    assert people.update_many({"age": 3}, {"$set": {"x": 1}}, hint="age_1").modified_count == 4
    assert people.delete_many({"age": 3}, hint=[("age", 1)]).deleted_count == 4


def test_id_queries(people):
    plan = winning(people.find({"_id": 5}))
    assert plan["stage"] == "IDHACK"
    people.create_index("age")
    plan = winning(people.find({"_id": {"$in": [5, 7]}, "age": {"$gte": 0}}))
    assert plan["inputStage"]["indexName"] == "_id_"


def test_projection_stages(people):
    people.create_index("age")
    plan = winning(people.find({"age": 3}, {"name": 1}))
    assert plan["stage"] == "PROJECTION_SIMPLE"
    plan = winning(people.find({"age": 3}, {"tags": {"$slice": 1}}))
    assert plan["stage"] == "PROJECTION_DEFAULT"


def test_explain_on_missing_collection(db):
    plan = db.nothing.find({"a": 1}).explain()["queryPlanner"]["winningPlan"]
    assert plan == {"stage": "EOF"}


def test_explain_command(db, people):
    people.create_index("age")
    reply = db.command(SON([("explain", SON([("find", "c"), ("filter", {"age": 5}),
                                             ("limit", 2)])),
                            ("verbosity", "executionStats")]))
    plan = reply["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "LIMIT"
    assert plan["inputStage"]["inputStage"]["stage"] == "IXSCAN"
    assert reply["executionStats"]["nReturned"] == 2
    assert reply["executionStats"]["totalKeysExamined"] == 2


def test_index_maintained_through_writes(coll):
    coll.create_index("a")
    coll.insert_many([{"_id": i, "a": i} for i in range(10)])
    coll.update_many({"a": {"$lt": 5}}, {"$inc": {"a": 100}})
    coll.delete_many({"a": {"$gte": 8, "$lt": 100}})
    coll.replace_one({"_id": 5}, {"a": "five"})
    assert sorted(d["_id"] for d in coll.find({"a": {"$gte": 100}})) == [0, 1, 2, 3, 4]
    assert [d["_id"] for d in coll.find({"a": "five"})] == [5]
    assert sorted(d["_id"] for d in coll.find({"a": {"$lt": 100}})) == [6, 7]
    index = coll.database.client.server.get_collection("test", "c").indexes.secondary["a_1"] \
        if hasattr(coll.database.client, "server") else None
    if index is not None:
        assert len(index.entries) == 8


def test_hashed_index_equality(coll):
    coll.create_index([("h", "hashed")])
    coll.insert_many([{"_id": i, "h": i % 7} for i in range(50)])
    assert sorted(d["_id"] for d in coll.find({"h": 3})) == [3, 10, 17, 24, 31, 38, 45]
    plan = winning(coll.find({"h": {"$in": [3, 4]}}))
    assert plan["inputStage"]["indexName"] == "h_hashed"
    assert winning(coll.find({"h": {"$gt": 3}}))["stage"] == "COLLSCAN"
