"""An ``$in`` of point values alone on an indexed field is planned without the
general bounds arithmetic (``IndexScan.at_points``): its plan must be the one
the general planner builds — same index, same bounds in ``explain``, same
documents in the same order, same exactness — and every ``$in`` it does not
take (null, arrays, regexes, collations, several candidate indexes, ``_id``,
too many points) is planned as before.  Answers are those of the manual's
``$in``: a document matches when its value, or an element of its array, equals
one of the values (numbers across types, null also matching a missing field)."""

from __future__ import annotations

import datetime
import math
import random

import bson
import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex

from mim.engine.languages.matcher import compile_filter
from mim.engine.planner.bounds import point_keys
from mim.engine.planner.choosing import choose_plan, plan_find
from mim.engine.planner.plans import IndexScan

OID = ObjectId("65a000000000000000000001")
VALUES = [0, 1, 2, 2.0, Int64(2), Decimal128("2"), 2.5, -0.0, math.nan, math.inf, "2", "a",
          "b", "", True, False, None, datetime.datetime(2020, 1, 1), OID, {"k": 1}, [1, 2],
          [], [[1]], {"k": [1]}]


def _documents(rng: random.Random, arrays: bool = True) -> list[dict]:
    values = VALUES if arrays else [v for v in VALUES if not isinstance(v, list)]
    docs = []
    for i in range(120):
        doc: dict = {"_id": i}
        if rng.random() > 0.1:  # else missing
            doc["v"] = rng.choice(values)
        doc["w"] = rng.randrange(4)
        docs.append(doc)
    return docs


def _in_lists(rng: random.Random) -> list[list]:
    plain = [v for v in VALUES if v is not None and not isinstance(v, list)]
    lists = [[rng.choice(plain) for _ in range(rng.randrange(1, 8))] for _ in range(12)]
    lists += [[1, 1, 1.0, Int64(1)], ["a", "a", "b"], [math.nan, 2], [], [None, 1],
              [Regex("^a"), 2], [[1, 2], 0], [{"k": 1}, "b"], [True, 1]]
    return lists


def _general_plan(data, node):
    """The general planner's plan (a sort it cannot provide keeps its fast lanes out)."""
    return choose_plan(data, node, [("w", 1)], 0)


INDEXES = [
    [("v", 1)], [("v", -1)], [("v", 1), ("w", 1)], [("v", -1), ("w", 1)],
    [("v", "hashed")],
]


@pytest.mark.parametrize("keys", INDEXES, ids=str)
@pytest.mark.parametrize("seed", range(4))
def test_points_plan_is_the_general_plan(server, coll, keys, seed):
    rng = random.Random(seed)
    coll.insert_many(_documents(rng, arrays=keys[0][1] != "hashed"))  # (hashed: no arrays)
    coll.create_index(keys)
    data = server.get_collection(coll.database.name, coll.name)
    for values in _in_lists(rng):
        flt = {"v": {"$in": values}}
        node = compile_filter(flt)
        fast = choose_plan(data, node, [], 0)
        general = _general_plan(data, node)
        assert type(fast) is type(general)
        # (the points plan is taken, bounds unbuilt, for every $in of points on an unhashed index)
        assert (isinstance(fast, IndexScan) and fast._field_intervals is None) == \
            bool(keys[0][1] != "hashed" and point_keys(values))
        if isinstance(fast, IndexScan):
            assert fast.index is general.index
            assert fast.direction == general.direction
            assert fast.ranges == general.ranges
            assert fast.bounds_document() == general.bounds_document()
            assert fast.cost == general.cost
        planned = plan_find(data, node)
        natural = [d["_id"] for d in coll.find(flt, hint=[("$natural", 1)])]
        found = list(coll.find(flt))
        assert sorted(d["_id"] for d in found) == natural, values
        if planned is not None and planned.exact:
            assert all(node.matches(doc) for doc in found)
        if not isinstance(general, IndexScan):
            assert [d["_id"] for d in found] == natural, values
            continue
        # the same documents in the index's order as the hinted (general) plan gives them
        assert [d["_id"] for d in found] == [d["_id"] for d in coll.find(flt, hint=keys)]
        explained = coll.find(flt).explain()["queryPlanner"]["winningPlan"]
        hinted_plan = coll.find(flt, hint=keys).explain()["queryPlanner"]["winningPlan"]
        assert bson.encode(explained) == bson.encode(hinted_plan)  # (NaN != NaN in a dict)


def test_answers_as_the_manual_says(coll):
    coll.insert_many([
        {"_id": 1, "v": 1}, {"_id": 2, "v": 1.0}, {"_id": 3, "v": Int64(1)},
        {"_id": 4, "v": "1"}, {"_id": 5, "v": [1, 5]}, {"_id": 6, "v": None}, {"_id": 7},
        {"_id": 8, "v": [[1]]}, {"_id": 9, "v": math.nan}, {"_id": 10, "v": True},
        {"_id": 11, "v": Decimal128("1.0")}, {"_id": 12, "v": "abc"}])
    coll.create_index("v")

    def ids(flt):
        return sorted(d["_id"] for d in coll.find(flt))

    assert ids({"v": {"$in": [1]}}) == [1, 2, 3, 5, 11]            # numbers across types
    assert ids({"v": {"$in": [1, 1, 1.0]}}) == [1, 2, 3, 5, 11]    # duplicates: once each
    assert ids({"v": {"$in": ["1", 5]}}) == [4, 5]
    assert ids({"v": {"$in": [None]}}) == [6, 7]                   # null: missing too
    assert ids({"v": {"$in": [[1], math.nan]}}) == [8, 9]          # an array value; NaN
    assert ids({"v": {"$in": [True, Regex("^a")]}}) == [10, 12]    # a regex: strings
    assert ids({"v": {"$in": []}}) == []


def test_other_candidates_keep_the_general_planner(server, coll):
    coll.insert_many([{"_id": i, "v": i % 5, "w": i % 3} for i in range(30)])
    coll.create_index("v")
    coll.create_index([("v", 1), ("w", 1)])  # two candidates: costed, as before
    data = server.get_collection(coll.database.name, coll.name)
    node = compile_filter({"v": {"$in": [1, 3]}})
    assert choose_plan(data, node, [], 0).index.name == _general_plan(data, node).index.name
    assert sorted(d["_id"] for d in coll.find({"v": {"$in": [1, 3]}})) == \
        [i for i in range(30) if i % 5 in (1, 3)]


def test_hidden_sparse_partial_and_collated_indexes(coll):
    coll.insert_many([{"_id": i, "v": i % 4} for i in range(12)] + [{"_id": 99}])
    for options in ({"hidden": True}, {"sparse": True},
                    {"partialFilterExpression": {"v": {"$gt": 1}}},
                    {"collation": {"locale": "en"}}):
        coll.drop_indexes()
        coll.create_index("v", **options)
        assert sorted(d["_id"] for d in coll.find({"v": {"$in": [1, 2]}})) == \
            [1, 2, 5, 6, 9, 10], options


def test_more_points_than_the_planner_expands(coll):
    coll.insert_many([{"_id": i, "v": i} for i in range(50)])
    coll.create_index("v")
    values = list(range(2500))  # beyond the planner's point limit: a collection scan
    assert [d["_id"] for d in coll.find({"v": {"$in": values}})] == list(range(50))
    plan = coll.find({"v": {"$in": values}}).explain()["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "COLLSCAN"
