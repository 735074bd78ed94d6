"""Sorting on two top-level fields, either direction, across BSON types (the
comparison order of the manual's "Comparison/Sort Order": null < numbers <
strings; NaN below every other number; an array sorts by its smallest element
ascending, its largest descending)."""

import math

import pytest

import mim


@pytest.fixture
def coll():
    client = mim.MongoClient()
    collection = client.db.get_collection("two_field_sort")
    collection.drop()
    collection.insert_many([
        {"_id": 1, "a": 5, "b": "x"},
        {"_id": 2, "a": 5, "b": "a"},
        {"_id": 3, "a": math.nan, "b": 1},
        {"_id": 4, "a": "str", "b": 2},
        {"_id": 5, "b": 0},
        {"_id": 6, "a": [1, 9], "b": 0},
        {"_id": 7, "a": 7.5, "b": None},
        {"_id": 8, "a": 5.0, "b": 3},
    ])
    yield collection
    collection.drop()


def ids(cursor):
    return [doc["_id"] for doc in cursor]


def test_descending_then_ascending(coll):
    assert ids(coll.find().sort([("a", -1), ("b", 1)])) == [4, 6, 7, 8, 2, 1, 3, 5]


def test_descending_strings_then_ascending_arrays(coll):
    assert ids(coll.find().sort([("b", -1), ("a", 1)])) == [1, 2, 8, 4, 3, 5, 6, 7]


def test_with_limit_the_same_first_documents(coll):
    assert ids(coll.find().sort([("a", -1), ("b", 1)]).limit(3)) == [4, 6, 7]
    assert ids(coll.aggregate([{"$sort": {"b": -1, "a": 1}}, {"$limit": 4}])) == [1, 2, 8, 4]
