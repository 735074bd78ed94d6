"""The ordered ``_id_`` index and sorts mixing directions.

MongoDB answers ranges, ``$in`` and sorts on ``_id`` with an IXSCAN of the
``_id_`` index (a limit then reads only the first keys), and serves a sort
``{a: 1, b: -1}`` from an index ``{a: 1, b: -1}`` (forward) or
``{a: -1, b: 1}`` (backward) — never from ``{a: 1, b: 1}``.
"""

from __future__ import annotations

import random

import pytest
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError


def winning(cursor):
    return cursor.explain()["queryPlanner"]["winningPlan"]


def stages(plan):
    out = []
    while plan is not None:
        out.append(plan["stage"])
        plan = plan.get("inputStage")
    return out


def ixscan(plan):
    while plan is not None:
        if plan["stage"] == "IXSCAN":
            return plan
        plan = plan.get("inputStage")
    return None


@pytest.fixture
def numbers(coll):
    ids = list(range(100))
    random.Random(5).shuffle(ids)
    coll.insert_many([{"_id": i, "a": i % 7, "b": i % 11, "c": i} for i in ids])
    return coll


# -- _id_ ------------------------------------------------------------------------------


def test_id_range_is_an_ixscan_of_id_index(numbers):
    cursor = numbers.find({"_id": {"$gt": 95}})
    assert [d["_id"] for d in cursor] == [96, 97, 98, 99]  # index order
    scan = ixscan(winning(numbers.find({"_id": {"$gt": 95}})))
    assert scan["indexName"] == "_id_" and scan["keyPattern"] == {"_id": 1}
    assert scan["isUnique"] is True and scan["direction"] == "forward"
    assert scan["indexBounds"] == {"_id": ["(95, inf.0]"]}


def test_id_range_both_sides(numbers):
    assert [d["_id"] for d in numbers.find({"_id": {"$gte": 10, "$lt": 13}})] == [10, 11, 12]
    stats = numbers.find({"_id": {"$gte": 10, "$lt": 13}}).explain()["executionStats"]
    assert stats["totalDocsExamined"] == 3


def test_sort_on_id_uses_the_index_with_limit_as_top_k(numbers):
    cursor = numbers.find().sort("_id", DESCENDING).limit(3)
    assert [d["_id"] for d in cursor] == [99, 98, 97]
    explained = numbers.find().sort("_id", DESCENDING).limit(3).explain()
    plan = explained["queryPlanner"]["winningPlan"]
    assert stages(plan) == ["LIMIT", "FETCH", "IXSCAN"]
    assert "SORT" not in stages(plan)
    scan = ixscan(plan)
    assert scan["direction"] == "backward"
    assert scan["indexBounds"] == {"_id": ["[MaxKey, MinKey]"]}
    assert explained["executionStats"]["totalKeysExamined"] == 3


def test_sort_on_id_ascending_without_filter(numbers):
    assert [d["_id"] for d in numbers.find().sort("_id", ASCENDING)] == list(range(100))
    assert "SORT" not in stages(winning(numbers.find().sort("_id", ASCENDING)))


def test_in_on_id_is_an_ixscan_in_index_order(numbers):
    cursor = numbers.find({"_id": {"$in": [50, 3, 20]}})
    assert [d["_id"] for d in cursor] == [3, 20, 50]
    scan = ixscan(winning(numbers.find({"_id": {"$in": [50, 3, 20]}})))
    assert scan["indexName"] == "_id_"
    assert scan["indexBounds"] == {"_id": ["[3, 3]", "[20, 20]", "[50, 50]"]}


def test_in_on_id_sorted_descending(numbers):
    cursor = numbers.find({"_id": {"$in": [50, 3, 20]}}).sort("_id", -1)
    assert [d["_id"] for d in cursor] == [50, 20, 3]
    plan = winning(numbers.find({"_id": {"$in": [50, 3, 20]}}).sort("_id", -1))
    assert "SORT" not in stages(plan)
    assert ixscan(plan)["indexBounds"] == {"_id": ["[50, 50]", "[20, 20]", "[3, 3]"]}


def test_id_equality_is_still_idhack(numbers):
    assert winning(numbers.find({"_id": 5}))["stage"] == "IDHACK"


def test_ordered_id_index_follows_writes(numbers):
    assert [d["_id"] for d in numbers.find({"_id": {"$gte": 98}})] == [98, 99]  # built
    numbers.insert_one({"_id": 150})
    numbers.delete_one({"_id": 99})
    numbers.update_one({"_id": 98}, {"$set": {"x": 1}})
    numbers.replace_one({"_id": 150}, {"y": 2})
    assert [d["_id"] for d in numbers.find({"_id": {"$gte": 98}})] == [98, 150]
    numbers.insert_many([{"_id": 120}, {"_id": "s"}])
    assert [d["_id"] for d in numbers.find({"_id": {"$gte": 98}})] == [98, 120, 150]
    assert [d["_id"] for d in numbers.find().sort("_id", -1).limit(2)] == ["s", 150]
    numbers.delete_many({})
    assert list(numbers.find({"_id": {"$gte": 0}})) == []
    numbers.insert_one({"_id": 1})
    assert [d["_id"] for d in numbers.find({"_id": {"$gte": 0}})] == [1]


def test_id_range_matches_scan_across_types(coll):
    values = [1, 2.5, "a", "b", None, True, {"x": 1}, -3]
    coll.insert_many([{"_id": v} for v in values])
    for flt in ({"_id": {"$gt": 1}}, {"_id": {"$lte": "a"}}, {"_id": {"$gte": None}},
                {"_id": {"$lt": {"y": 0}}}, {"_id": {"$in": [True, -3, "zz"]}}):
        got = [d["_id"] for d in coll.find(flt).sort("_id", 1)]
        scan = [d["_id"] for d in coll.find(flt, hint=[("$natural", 1)])]
        key = coll.find(flt, hint=[("$natural", 1)]).sort("_id", 1)
        assert got == [d["_id"] for d in key]
        assert sorted(map(repr, got)) == sorted(map(repr, scan))


def test_hint_id_index(numbers):
    plan = winning(numbers.find({"a": 1}).hint("_id_"))
    assert ixscan(plan)["indexName"] == "_id_"
    assert ixscan(plan)["indexBounds"] == {"_id": ["[MinKey, MaxKey]"]}
    assert [d["_id"] for d in numbers.find({"a": 1}).hint("_id_")] == \
        [i for i in range(100) if i % 7 == 1]


def test_sort_on_id_with_selective_secondary_filter(numbers):
    numbers.create_index("c")
    plan = winning(numbers.find({"c": 42}).sort("_id", 1))
    assert ixscan(plan)["indexName"] == "c_1"
    assert [d["_id"] for d in numbers.find({"c": {"$lt": 3}}).sort("_id", -1)] == [2, 1, 0]


# -- mixed directions --------------------------------------------------------------------


def expected(coll, filter, sort):
    return [d["_id"] for d in coll.find(filter, hint=[("$natural", 1)]).sort(sort)]


def check(coll, filter, sort, limit=0):
    """Same documents as a scan, in an order the sort allows (ties aside)."""
    got = list(coll.find(filter).sort(sort).limit(limit))
    want = list(coll.find(filter, hint=[("$natural", 1)]).sort(sort).limit(limit))
    keys = [tuple(d[f] for f, _ in sort) for d in got]
    assert keys == [tuple(d[f] for f, _ in sort) for d in want], (filter, sort)
    if not limit:
        assert sorted(d["_id"] for d in got) == sorted(d["_id"] for d in want)


@pytest.mark.parametrize("index", [[("a", 1), ("b", -1)], [("a", -1), ("b", 1)]])
@pytest.mark.parametrize("sort", [[("a", 1), ("b", -1)], [("a", -1), ("b", 1)]])
def test_mixed_sort_uses_matching_or_reversed_index(numbers, index, sort):
    numbers.create_index(index)
    plan = winning(numbers.find().sort(sort).limit(5))
    assert "SORT" not in stages(plan)
    scan = ixscan(plan)
    assert scan["keyPattern"] == dict(index)
    forward = [d for _, d in sort] == [d for _, d in index]
    assert scan["direction"] == ("forward" if forward else "backward")
    check(numbers, {}, sort, 5)
    check(numbers, {}, sort)


def test_mixed_index_bounds_rendering(numbers):
    numbers.create_index([("a", 1), ("b", -1)])
    scan = ixscan(winning(numbers.find().sort([("a", 1), ("b", -1)])))
    assert scan["indexBounds"] == {"a": ["[MinKey, MaxKey]"], "b": ["[MaxKey, MinKey]"]}
    scan = ixscan(winning(numbers.find().sort([("a", -1), ("b", 1)])))
    assert scan["indexBounds"] == {"a": ["[MaxKey, MinKey]"], "b": ["[MinKey, MaxKey]"]}
    scan = ixscan(winning(numbers.find({"a": 3, "b": {"$gt": 2, "$lte": 8}})))
    assert scan["direction"] == "forward"
    assert scan["indexBounds"] == {"a": ["[3, 3]"], "b": ["[8, 2)"]}


def test_same_direction_sort_is_not_served_by_a_mixed_index(numbers):
    numbers.create_index([("a", 1), ("b", -1)])
    plan = winning(numbers.find().sort([("a", 1), ("b", 1)]))
    assert plan["stage"] == "SORT"
    check(numbers, {}, [("a", 1), ("b", 1)])


def test_mixed_index_with_bounds_and_three_fields(numbers):
    numbers.create_index([("a", 1), ("b", -1), ("c", 1)])
    queries = [
        ({"a": {"$in": [1, 3]}}, [("a", 1), ("b", -1), ("c", 1)]),
        ({"a": 2, "b": {"$gte": 3, "$lt": 9}}, [("b", -1), ("c", 1)]),
        ({"a": 2, "b": {"$gte": 3, "$lt": 9}}, [("b", 1), ("c", -1)]),
        ({"a": 4, "b": 4}, [("c", -1)]),
        ({"a": {"$gt": 4}, "b": {"$lt": 3}}, [("a", -1), ("b", 1)]),
        ({"b": {"$in": [1, 2]}, "a": {"$in": [5, 6]}, "c": {"$gt": 20}}, [("a", 1)]),
    ]
    for flt, sort in queries:
        check(numbers, flt, sort)
        check(numbers, flt, sort, 3)
        assert "SORT" not in stages(winning(numbers.find(flt).sort(sort))), (flt, sort)
        assert sorted(d["_id"] for d in numbers.find(flt)) == \
            sorted(d["_id"] for d in numbers.find(flt).hint("a_1_b_-1_c_1"))


def test_mixed_unique_index_enforces_and_reports(coll):
    coll.create_index([("a", 1), ("b", -1)], unique=True)
    coll.insert_one({"a": 1, "b": 2})
    coll.insert_one({"a": 1, "b": 3})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"a": 1, "b": 2})
    assert info.value.details["keyValue"] == {"a": 1, "b": 2}
    assert "dup key: { a: 1, b: 2 }" in info.value.details["errmsg"]
    assert coll.count_documents({}) == 2


def test_mixed_multikey_index_results_equal_scan(coll):
    coll.insert_many([{"_id": i, "a": i % 3, "b": [i % 4, (i * 7) % 5]} for i in range(40)])
    coll.create_index([("a", 1), ("b", -1)])
    for flt in ({"a": 1, "b": {"$gt": 2}}, {"b": 3}, {"a": {"$gte": 1}, "b": {"$lt": 2}}):
        got = sorted(d["_id"] for d in coll.find(flt))
        assert got == sorted(d["_id"] for d in coll.find(flt, hint=[("$natural", 1)]))
    sort = [("a", -1)]
    check(coll, {"b": 1}, sort)
