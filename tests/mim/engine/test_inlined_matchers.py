"""Inlined matchers: a top-level string equality or numeric comparison tests its
common values without a call per document, and two numeric bounds on one field
read the field once.  The answers stay MongoDB's (expected values from the manual's
"Query an Array with Compound Filter Conditions", comparison type brackets, NaN).
"""

from __future__ import annotations

from bson.decimal128 import Decimal128
from bson.int64 import Int64

from mim.engine.languages.matcher import compile_filter


def ids(coll, filter):
    return sorted(doc["_id"] for doc in coll.find(filter))


def test_a_range_on_an_array_may_be_met_by_different_elements(coll):
    # the manual: {dim_cm: {$gt: 15, $lt: 20}} matches when one element is > 15
    # and another < 20, or one element satisfies both
    coll.insert_many([{"_id": 1, "a": [1, 10]}, {"_id": 2, "a": [3]}, {"_id": 3, "a": 4},
                      {"_id": 4, "a": []}, {"_id": 5, "a": [[3]]}])
    assert ids(coll, {"a": {"$gt": 5, "$lt": 2}}) == [1]
    assert ids(coll, {"a": {"$gte": 3, "$lte": 4}}) == [1, 2, 3]


def test_a_numeric_range_keeps_type_brackets_and_nan_out(coll):
    coll.insert_many([{"_id": 1, "a": 2}, {"_id": 2, "a": 2.5}, {"_id": 3, "a": Int64(3)},
                      {"_id": 4, "a": Decimal128("3.5")}, {"_id": 5, "a": True},
                      {"_id": 6, "a": "3"}, {"_id": 7, "a": float("nan")}, {"_id": 8},
                      {"_id": 9, "a": None}, {"_id": 10, "a": 4}])
    assert ids(coll, {"a": {"$gte": 2, "$lt": 4}}) == [1, 2, 3, 4]
    assert ids(coll, {"a": {"$gt": 2, "$lte": 4}}) == [2, 3, 4, 10]
    assert ids(coll, {"a": {"$lt": 4, "$gt": 2.5}}) == [3, 4]


def test_top_level_string_and_number_equality(coll):
    coll.insert_many([{"_id": 1, "c": "Lima"}, {"_id": 2, "c": ["Oslo", "Lima"]},
                      {"_id": 3, "c": "lima"}, {"_id": 4, "c": {"x": "Lima"}},
                      {"_id": 5, "n": 1}, {"_id": 6, "n": 1.0}, {"_id": 7, "n": Int64(1)},
                      {"_id": 8, "n": Decimal128("1")}, {"_id": 9, "n": True},
                      {"_id": 10, "n": [0, 1]}])
    assert ids(coll, {"c": "Lima"}) == [1, 2]
    assert ids(coll, {"c": {"$ne": "Lima"}}) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert ids(coll, {"n": 1}) == [5, 6, 7, 8, 10]
    assert ids(coll, {"n": {"$gte": 1}}) == [5, 6, 7, 8, 10]


def test_two_numeric_bounds_on_one_field_read_it_once():
    node = compile_filter({"a": {"$gte": 1, "$lt": 5}})
    reads: list[str] = []

    class Counting(dict):
        def get(self, key, default=None):
            reads.append(key)
            return super().get(key, default)

    assert node.matches(Counting(a=3))
    assert reads == ["a"]
    assert not node.matches({"a": 5}) and node.matches({"a": [0, 6, 2]})
