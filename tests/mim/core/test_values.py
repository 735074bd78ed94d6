"""BSON values: the comparison/sort order, numeric equality, NaN and -0.0,
document equality, and the keys ``sort()`` uses.

Source: MongoDB manual, "Comparison/Sort Order" (reference/bson-type-comparison-order):
MinKey < Null < Numbers < Symbol, String < Object < Array < BinData < ObjectId <
Boolean < Date < Timestamp < Regular Expression < MaxKey; numbers compare by value;
arrays sort ascending by their smallest and descending by their largest element;
an empty array sorts before null/missing; a missing field sorts as null; objects
compare field by field (type, then name, then value); BinData by length, then
subtype, then bytes.
"""

import datetime

import pytest
from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from mim.engine.values.order import MISSING, compare, sort_key, values_equal

from .helpers import load, matching

# One value of each type, in the manual's order.
ORDERED = [
    MinKey(),
    None,
    1,
    "a",
    {"a": 1},
    [],  # an array value itself; see the array tests for how arrays sort as fields
    Binary(b"\x00", 0),
    ObjectId("000000000000000000000000"),
    False,
    datetime.datetime(2020, 1, 1),
    Timestamp(1, 1),
    Regex("a"),
    MaxKey(),
]


def test_type_order_of_compare():
    for i, low in enumerate(ORDERED):
        for high in ORDERED[i + 1:]:
            assert compare(low, high) == -1, (low, high)
            assert compare(high, low) == 1, (high, low)


def test_sort_follows_the_type_order(coll):
    # [] is left out: as a field value an empty array sorts before null (see below).
    values = [v for v in ORDERED if v != []] + [[5]]
    # insert in reverse so insertion order cannot explain the result
    docs = [{"_id": i, "v": v} for i, v in reversed(list(enumerate(values)))]
    coll.insert_many(docs)
    got = [d["_id"] for d in coll.find({}, sort=[("v", 1)])]
    # [5] sorts by its element 5, i.e. among the numbers, after 1
    expected = [0, 1, 2, len(values) - 1] + list(range(3, len(values) - 1))
    assert got == expected


@pytest.mark.parametrize("a, b", [
    (1, 1.0), (1, Int64(1)), (1, Decimal128("1")), (1.0, Decimal128("1.0")),
    (Int64(2**40), float(2**40)), (Decimal128("0.5"), 0.5), (-0.0, 0), (0.0, Decimal128("-0")),
])
def test_numbers_compare_by_value(a, b):
    assert values_equal(a, b)
    assert sort_key(a) == sort_key(b)
    assert hash(sort_key(a)) == hash(sort_key(b))


def test_numbers_order_across_types():
    assert compare(1, 1.5) == -1
    assert compare(Decimal128("1.5"), 2) == -1
    assert compare(Int64(3), 2.5) == 1
    assert compare(Decimal128("-Infinity"), -1e308) == -1
    assert compare(float("inf"), Decimal128("Infinity")) == 0


def test_nan_equals_nan_and_sorts_below_every_number():
    nan = float("nan")
    assert values_equal(nan, nan)
    assert values_equal(nan, Decimal128("NaN"))
    assert compare(nan, float("-inf")) == -1
    assert compare(nan, None) == 1  # still a number, above null


def test_numeric_equality_in_queries(coll):
    docs = [{"a": 1}, {"a": 1.0}, {"a": Int64(1)}, {"a": Decimal128("1.00")}, {"a": "1"},
            {"a": True}]
    assert matching(coll, docs, {"a": 1}) == [0, 1, 2, 3]
    assert matching(coll, docs, {"a": Decimal128("1")}) == [0, 1, 2, 3]


def test_negative_zero_equals_zero(coll):
    assert matching(coll, [{"a": -0.0}, {"a": 0}, {"a": 1}], {"a": 0}) == [0, 1]
    assert matching(coll, [{"a": -0.0}, {"a": 0}, {"a": 1}], {"a": -0.0}) == [0, 1]


def test_document_equality_is_field_order_sensitive(coll):
    assert not values_equal({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert values_equal({"a": 1, "b": 2}, {"a": 1.0, "b": Int64(2)})
    docs = [{"d": {"a": 1, "b": 2}}, {"d": {"b": 2, "a": 1}}, {"d": {"a": 1}}]
    assert matching(coll, docs, {"d": {"a": 1, "b": 2}}) == [0]


def test_objects_compare_field_type_then_name_then_value():
    # a number-typed field sorts before a string-typed one whatever the names
    assert compare({"z": 1}, {"a": "x"}) == -1
    # same type: by field name
    assert compare({"a": 5}, {"b": 1}) == -1
    # same name and type: by value
    assert compare({"a": 1}, {"a": 2}) == -1
    # a prefix sorts first
    assert compare({"a": 1}, {"a": 1, "b": 0}) == -1


def test_bindata_orders_by_length_then_subtype_then_bytes():
    assert compare(Binary(b"\xff", 0), Binary(b"\x00\x00", 0)) == -1
    assert compare(Binary(b"\x01", 5), Binary(b"\x00", 128)) == -1
    assert compare(Binary(b"\x01", 0), Binary(b"\x02", 0)) == -1


def test_strings_compare_by_binary_comparison():
    assert compare("B", "a") == -1
    assert compare("a", "ab") == -1


def test_dates_and_timestamps():
    assert compare(datetime.datetime(1969, 1, 1), datetime.datetime(1970, 1, 1)) == -1
    assert compare(Timestamp(1, 2), Timestamp(2, 1)) == -1
    assert compare(Timestamp(1, 1), Timestamp(1, 2)) == -1


def test_missing_keys_like_null():
    assert sort_key(MISSING) == sort_key(None)


# -- sort keys for array fields -------------------------------------------------

def _sorted_ids(coll, docs, direction):
    load(coll, docs)
    return [d["_id"] for d in coll.find({}, sort=[("a", direction)])]


def test_ascending_sort_uses_the_smallest_element(coll):
    docs = [{"a": [3, 10]}, {"a": [1, 20]}, {"a": 2}]
    assert _sorted_ids(coll, docs, 1) == [1, 2, 0]


def test_descending_sort_uses_the_largest_element(coll):
    docs = [{"a": [3, 10]}, {"a": [1, 20]}, {"a": 15}]
    assert _sorted_ids(coll, docs, -1) == [1, 2, 0]


def test_single_element_array_compares_as_its_element(coll):
    # manual: comparing [1] with 2 compares 1 and 2
    assert _sorted_ids(coll, [{"a": 2}, {"a": [1]}], 1) == [1, 0]


def test_empty_array_sorts_before_null_and_missing(coll):
    docs = [{"a": None}, {"a": []}, {"a": 0}]
    assert _sorted_ids(coll, docs, 1) == [1, 0, 2]
    assert _sorted_ids(coll, docs, -1) == [2, 0, 1]


def test_missing_field_sorts_with_null(coll):
    docs = [{"a": 1}, {}, {"a": MinKey()}]
    assert _sorted_ids(coll, docs, 1) == [2, 1, 0]
    assert _sorted_ids(coll, docs, -1) == [0, 1, 2]


def test_mixed_types_sort_by_type_order(coll):
    docs = [{"a": True}, {"a": "s"}, {"a": 5}, {"a": {"x": 1}}, {"a": None}]
    assert _sorted_ids(coll, docs, 1) == [4, 2, 1, 3, 0]
    assert _sorted_ids(coll, docs, -1) == [0, 3, 1, 2, 4]
