"""Indexed ``$eq``/``$in``/range queries whose bounds are the filter exactly
(no document is re-checked) and those whose are not (arrays, null, regexes,
collations, other predicates): every answer is what the manual's query
semantics give, whichever plan produced it."""

from __future__ import annotations

import datetime
import math
import random

import pytest
from sortedcontainers import SortedList
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.regex import Regex

from mim.engine.index.keys import HIGH
from mim.engine.planner.choosing import plan_find
from mim.engine.planner.plans import point_entries, points_id_keys
from mim.engine.languages.matcher import compile_filter

AGES = {
    1: 3, 2: 4.5, 3: Int64(5), 4: Decimal128("5.5"), 5: 6, 6: math.nan, 7: "4", 8: None,
    9: -math.inf, 10: math.inf, 11: datetime.datetime(2020, 1, 1), 12: True, 13: 0.0, 14: -0.0,
}


@pytest.fixture
def ages(coll):
    coll.insert_many([{"_id": i, "age": age} for i, age in AGES.items()] + [{"_id": 15}])
    coll.create_index("age")
    return coll


def ids(cursor):
    return sorted(doc["_id"] for doc in cursor)


def exact(server, coll, filter):
    """Whether the planner reads the filter's matches straight from the index."""
    data = server.get_collection(coll.database.name, coll.name)
    planned = plan_find(data, compile_filter(filter))
    return planned is not None and planned.exact


@pytest.mark.parametrize("filter, expected", [
    # numbers compare across types within their bracket; NaN matches no range
    ({"age": {"$gte": 4, "$lt": 6}}, [2, 3, 4]),
    ({"age": {"$gt": 3, "$lte": 6}}, [2, 3, 4, 5]),
    ({"age": {"$lt": 4}}, [1, 9, 13, 14]),
    ({"age": {"$gt": 5}}, [4, 5, 10]),
    ({"age": {"$gte": -math.inf}}, [1, 2, 3, 4, 5, 9, 10, 13, 14]),
    # equality: 0 equals -0.0; 5 equals NumberLong(5); a string is not a number
    ({"age": 0}, [13, 14]),
    ({"age": 5}, [3]),
    ({"age": "4"}, [7]),
    ({"age": True}, [12]),
    ({"age": {"$in": [3, 3.0, Int64(3), 6, "4", 99]}}, [1, 5, 7]),
    ({"age": {"$in": []}}, []),
    ({"age": {"$gt": "3"}}, [7]),
    ({"age": {"$lte": datetime.datetime(2021, 1, 1)}}, [11]),
])
def test_exact_bounds_answer_as_the_manual_says(server, ages, filter, expected):
    assert exact(server, ages, filter)
    assert ids(ages.find(filter)) == expected
    assert ids(ages.find(filter, hint=[("$natural", 1)])) == expected
    assert ids(ages.aggregate([{"$match": filter}])) == expected


@pytest.mark.parametrize("filter, expected", [
    ({"age": None}, [8, 15]),                      # null also matches a missing field
    ({"age": {"$in": [None, 3]}}, [1, 8, 15]),
    ({"age": {"$in": [Regex("^4"), 6]}}, [5, 7]),  # a regex matches strings only
    ({"age": math.nan}, [6]),
    ({"age": {"$gte": math.nan}}, [6]),
    ({"age": Decimal128("5.5")}, [4]),
    ({"age": {"$gte": 4, "$lt": 6}, "_id": {"$ne": 3}}, [2, 4]),
    ({"age": {"$in": [[3], 6]}}, [5]),
])
def test_other_predicates_are_still_checked(server, ages, filter, expected):
    assert not exact(server, ages, filter)
    assert ids(ages.find(filter)) == expected
    assert ids(ages.find(filter, hint=[("$natural", 1)])) == expected


def test_a_multikey_field_is_always_checked(server, ages):
    ages.insert_many([{"_id": 20, "age": [1, 10]}, {"_id": 21, "age": [4.5, 4.5]},
                      {"_id": 22, "age": []}, {"_id": 23, "age": [[3]]}])
    # an array matches a range when some element satisfies each bound, not
    # necessarily the same one (the manual's "Query an Array for an Element")
    assert not exact(server, ages, {"age": {"$gte": 4, "$lt": 6}})
    assert ids(ages.find({"age": {"$gte": 4, "$lt": 6}})) == [2, 3, 4, 20, 21]
    assert ids(ages.find({"age": {"$in": [3, 4.5]}})) == [1, 2, 21]
    assert ids(ages.find({"age": {"$in": [[3], 1]}})) == [20, 23]  # [3] is not 3
    assert ids(ages.find({"age": [1, 10]})) == [20]
    assert ids(ages.aggregate([{"$match": {"age": {"$gt": 9}}}])) == [10, 20]


def test_duplicate_in_values_return_each_document_once(coll):
    coll.insert_many([{"_id": i, "uid": f"u{i % 5}"} for i in range(20)])
    coll.create_index("uid")
    found = [d["_id"] for d in coll.find({"uid": {"$in": ["u1", "u3", "u1", "u3", "nope"]}})]
    assert sorted(found) == [1, 3, 6, 8, 11, 13, 16, 18]
    assert len(found) == len(set(found))


def test_a_collated_index_is_checked_by_the_collation(coll):
    coll.insert_many([{"_id": 1, "s": "a"}, {"_id": 2, "s": "A"}, {"_id": 3, "s": "b"}])
    coll.create_index("s", collation={"locale": "en", "strength": 2})
    collated = {"locale": "en", "strength": 2}
    assert ids(coll.find({"s": {"$in": ["A"]}}, collation=collated)) == [1, 2]
    assert ids(coll.find({"s": {"$in": ["A"]}})) == [2]
    assert ids(coll.find({"s": {"$gte": "a", "$lt": "b"}}, collation=collated)) == [1, 2]


def test_sort_and_limit_over_exact_bounds(ages):
    ages.insert_many([{"_id": 100 + i, "age": 4, "score": i % 7} for i in range(30)])
    out = list(ages.find({"age": {"$gte": 4, "$lt": 5}}).sort([("score", -1), ("_id", 1)])
               .limit(5))
    assert [d["_id"] for d in out] == [106, 113, 120, 127, 105]


def test_explain_counts_what_the_scan_examined(ages):
    stats = ages.find({"age": {"$gte": 4, "$lt": 6}}).explain()["executionStats"]
    assert (stats["nReturned"], stats["totalKeysExamined"], stats["totalDocsExamined"]) \
        == (3, 3, 3)


def test_in_points_spanning_many_index_blocks(coll):
    # thousands of entries: a point's entries run over several of the index's blocks
    coll.insert_many([{"_id": i, "k": f"v{i % 7}", "n": i % 1500} for i in range(6000)])
    coll.create_index("k")
    coll.create_index("n")
    wanted = ["v1", "v3", "v6", "v9", "a"]
    assert ids(coll.find({"k": {"$in": wanted}})) == [i for i in range(6000) if i % 7 in (1, 3, 6)]
    values = [0, 1, 2, 700, 701, 1499, 1500, 3.0, Int64(5)]
    assert ids(coll.find({"n": {"$in": values}})) == \
        [i for i in range(6000) if i % 1500 in (0, 1, 2, 3, 5, 700, 701, 1499)]


def test_two_field_sort_orders_mixed_types(coll):
    # BSON order: null/missing < numbers (NaN first) < strings < objects < arrays < bools;
    # a descending sort reads an array's largest element, an ascending one its smallest
    coll.insert_many([
        {"_id": 1, "a": 5, "b": "x"}, {"_id": 2, "a": 5, "b": "a"},
        {"_id": 3, "a": math.nan, "b": "z"}, {"_id": 4, "a": "s", "b": 1},
        {"_id": 5, "b": "m"}, {"_id": 6, "a": None, "b": "c"},
        {"_id": 7, "a": [1, 7], "b": "q"}, {"_id": 8, "a": {"k": 1}, "b": "y"},
        {"_id": 9, "a": True, "b": 2}, {"_id": 10, "a": 5.0, "b": None},
        {"_id": 11, "a": Int64(5), "b": [3, "0"]}])
    order = [9, 8, 4, 7, 10, 11, 2, 1, 3, 6, 5]
    assert [d["_id"] for d in coll.find().sort([("a", -1), ("b", 1)])] == order
    assert [d["_id"] for d in coll.find().sort([("a", -1), ("b", 1)]).limit(4)] == order[:4]
    assert [d["_id"] for d in coll.aggregate([{"$sort": {"a": -1, "b": 1}}])] == order


@pytest.mark.parametrize("seed", range(40))
def test_points_walk_finds_what_each_point_scan_finds(seed):
    # the one-walk $in scan against the scan of each point alone, over indexes of
    # one to several blocks, points present, absent, before and after every key
    rng = random.Random(seed)
    n = rng.choice([0, 1, 5, 50, 3000, 7000])
    distinct = rng.randrange(1, 60)
    entries = SortedList(((2, rng.randrange(distinct)), (2, i)) for i in range(n))
    keys = sorted({(2, rng.randrange(-2, distinct + 5)) for _ in range(rng.randrange(40))})
    expected = [entry[1] for key in keys for entry in point_entries(entries, (key,), (key, HIGH))]
    assert points_id_keys(entries, keys) == expected
