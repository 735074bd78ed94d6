"""sort(): keys, directions, compound sorts, paths through arrays, errors.

Sources: manual cursor.sort() and "Comparison/Sort Order"; pymongo's
Cursor.sort / helpers_shared._index_list / _index_document; the server's sort
pattern parser (codes 15974 "Illegal key in $sort specification: <elem>", 15975,
17312).
"""

import pytest
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import OperationFailure

from .helpers import load

DOCS = [{"a": 2, "b": 1}, {"a": 1, "b": 2}, {"a": 2, "b": 3}, {"a": 3, "b": 0}]


def ids(cursor):
    return [d["_id"] for d in cursor]


@pytest.fixture
def docs(coll):
    load(coll, DOCS)
    return coll


def test_sort_spellings(docs):
    assert ids(docs.find().sort([("a", 1), ("b", 1)])) == [1, 0, 2, 3]
    assert ids(docs.find().sort("b")) == [3, 0, 1, 2]
    assert ids(docs.find().sort("b", DESCENDING)) == [2, 1, 0, 3]
    assert ids(docs.find().sort([("a", ASCENDING), ("b", DESCENDING)])) == [1, 2, 0, 3]
    assert ids(docs.find().sort(["a", ("b", -1)])) == [1, 2, 0, 3]
    assert ids(docs.find().sort({"a": -1, "b": 1})) == [3, 0, 2, 1]
    assert ids(docs.find(sort=[("b", 1)])) == [3, 0, 1, 2]
    assert ids(docs.find({}, sort={"b": -1})) == [2, 1, 0, 3]


def test_natural_sort_scans_in_insertion_order_or_its_reverse(coll):
    # cursor.sort({$natural: ±1}): the collection scan's direction, not a field
    load(coll, [{"_id": 5}, {"_id": 1}, {"_id": 3}])
    assert ids(coll.find().sort("$natural", 1)) == [5, 1, 3]
    assert ids(coll.find().sort("$natural", -1)) == [3, 1, 5]
    assert ids(coll.find({"_id": {"$gt": 1}}).sort("$natural", -1).limit(1)) == [3]


def test_compound_sort_field_order_matters(docs):
    assert ids(docs.find().sort([("b", 1), ("a", 1)])) == [3, 0, 1, 2]
    assert ids(docs.find().sort([("a", -1), ("b", -1)])) == [3, 2, 0, 1]


def test_sort_by_id_and_numeric_types(coll):
    from bson.decimal128 import Decimal128
    from bson.int64 import Int64
    load(coll, [{"v": 2.5}, {"v": Int64(1)}, {"v": Decimal128("3")}, {"v": -1}])
    assert ids(coll.find().sort("v", 1)) == [3, 1, 0, 2]
    assert ids(coll.find().sort("_id", -1)) == [3, 2, 1, 0]


def test_sort_on_embedded_and_array_paths(coll):
    load(coll, [{"a": [{"b": 5}, {"b": 1}]}, {"a": {"b": 3}}, {"a": [{"b": 4}]}, {"a": [{"c": 0}]}])
    # ascending: the smallest b reached through the array; a missing b sorts as null
    assert ids(coll.find().sort("a.b", 1)) == [3, 0, 1, 2]
    # descending: the largest
    assert ids(coll.find().sort("a.b", -1)) == [0, 2, 1, 3]


def test_sort_strings_binary(coll):
    load(coll, [{"s": "b"}, {"s": "B"}, {"s": "a"}, {"s": "ab"}])
    assert ids(coll.find().sort("s", 1)) == [1, 2, 3, 0]


def test_sort_with_skip_and_limit_applies_sort_first(docs):
    assert ids(docs.find().sort("b", 1).skip(1).limit(2)) == [0, 1]


@pytest.mark.parametrize("direction", [2, 0, -2])
def test_invalid_numeric_direction(docs, direction):
    with pytest.raises(OperationFailure) as info:
        list(docs.find().sort("a", direction))
    assert info.value.code == 15975
    assert info.value.details["errmsg"] == \
        "$sort key ordering must be 1 (for ascending) or -1 (for descending)"


def test_string_direction(docs):
    with pytest.raises(OperationFailure) as info:
        list(docs.find().sort("a", "up"))
    assert info.value.code == 15974
    assert info.value.details["errmsg"] == 'Illegal key in $sort specification: a: "up"'


def test_object_direction_other_than_meta(docs):
    with pytest.raises(OperationFailure) as info:
        list(docs.find().sort([("a", {"$foo": 1})]))
    assert info.value.code == 17312


def test_client_side_sort_argument_errors(docs):
    # pymongo: helpers_shared._index_list / _validate_index_key_pair
    with pytest.raises(TypeError):
        docs.find().sort(5)
    with pytest.raises(TypeError):
        docs.find().sort(["a"], 1)
    with pytest.raises(TypeError):
        docs.find().sort([(1, 1)])
    with pytest.raises(TypeError):
        docs.find().sort([("a", None)])
    with pytest.raises(TypeError):  # pymongo accepts only str, int or mapping directions
        docs.find().sort("a", 1.5)
