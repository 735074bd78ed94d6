"""$eq $ne $gt $gte $lt $lte $in $nin.

Sources: manual pages for each operator (reference/operator/query/*), the
"Comparison/Sort Order" page (type bracketing) and ComparisonMatchExpression /
InMatchExpression in src/mongo/db/matcher/expression_leaf.cpp.
"""

import datetime
import re

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex

from .helpers import matching, query_error

# the manual's inventory examples
INVENTORY = [
    {"item": {"name": "ab", "code": "123"}, "qty": 15, "tags": ["A", "B", "C"]},
    {"item": {"name": "cd", "code": "123"}, "qty": 20, "tags": ["B"]},
    {"item": {"name": "ij", "code": "456"}, "qty": 25, "tags": ["A", "B"]},
    {"item": {"name": "xy", "code": "456"}, "qty": 30, "tags": ["B", "A"]},
    {"item": {"name": "mn", "code": "000"}, "qty": 20, "tags": [["A", "B"], "C"]},
]


def test_eq_manual_examples(coll):
    assert matching(coll, INVENTORY, {"qty": {"$eq": 20}}) == [1, 4]
    assert matching(coll, INVENTORY, {"item.name": {"$eq": "ab"}}) == [0]
    assert matching(coll, INVENTORY, {"tags": {"$eq": "B"}}) == [0, 1, 2, 3]
    assert matching(coll, INVENTORY, {"tags": {"$eq": ["A", "B"]}}) == [2, 4]


def test_eq_embedded_document_is_exact(coll):
    assert matching(coll, INVENTORY, {"item": {"name": "ab", "code": "123"}}) == [0]
    assert matching(coll, INVENTORY, {"item": {"code": "123", "name": "ab"}}) == []
    assert matching(coll, INVENTORY, {"item": {"name": "ab"}}) == []


def test_eq_with_regex_value_matches_strings_by_pattern(coll):
    # manual ($eq): {$eq: /pattern/} matches the regex *value*, implicit form matches strings
    docs = [{"company": "MongoDB"}, {"company": "MongoDB2"}, {"company": Regex("^MongoDB")}]
    assert matching(coll, docs, {"company": {"$eq": Regex("^MongoDB")}}) == [2]
    assert matching(coll, docs, {"company": Regex("^MongoDB")}) == [0, 1, 2]


@pytest.mark.parametrize("op, expected", [
    ("$gt", [2, 3]), ("$gte", [1, 2, 3, 4]), ("$lt", [0]), ("$lte", [0, 1, 4]),
])
def test_range_operators(coll, op, expected):
    docs = [{"qty": 15}, {"qty": 20}, {"qty": 25}, {"qty": 30.5}, {"qty": Decimal128("20.0")}]
    assert matching(coll, docs, {"qty": {op: 20}}) == expected


def test_type_bracketing(coll):
    # "{a: {$gt: 5}} never matches a string": comparisons stay inside a type bracket
    docs = [{"a": "abc"}, {"a": 6}, {"a": True}, {"a": None}, {"a": datetime.datetime(2020, 1, 1)},
            {"a": [7, "z"]}, {"a": {"b": 10}}]
    assert matching(coll, docs, {"a": {"$gt": 5}}) == [1, 5]
    assert matching(coll, docs, {"a": {"$lt": "b"}}) == [0]
    assert matching(coll, docs, {"a": {"$gte": datetime.datetime(2000, 1, 1)}}) == [4]
    assert matching(coll, docs, {"a": {"$gt": False}}) == [2]
    assert matching(coll, docs, {"a": {"$gt": {"b": 5}}}) == [6]


def test_objectid_and_date_ranges(coll):
    a, b = ObjectId("000000000000000000000001"), ObjectId("000000000000000000000002")
    assert matching(coll, [{"o": a}, {"o": b}], {"o": {"$gt": a}}) == [1]


def test_null_comparisons(coll):
    # expression_leaf.cpp: null and missing are "equal" for EQ/LTE/GTE, never for LT/GT
    docs = [{"a": None}, {}, {"a": 0}]
    assert matching(coll, docs, {"a": {"$gte": None}}) == [0, 1]
    assert matching(coll, docs, {"a": {"$lte": None}}) == [0, 1]
    assert matching(coll, docs, {"a": {"$lt": None}}) == []
    assert matching(coll, docs, {"a": {"$gt": None}}) == []


def test_minkey_maxkey_compare_across_types(coll):
    # expression_leaf.cpp: against MinKey/MaxKey, values of other canonical types
    # satisfy $gt/$gte MinKey and $lt/$lte MaxKey.  (Missing fields are left out: the
    # classic and SBE engines are not documented to agree there.)
    docs = [{"a": MinKey()}, {"a": None}, {"a": 1}, {"a": "x"}, {"a": MaxKey()}]
    assert matching(coll, docs, {"a": {"$gt": MinKey()}}) == [1, 2, 3, 4]
    assert matching(coll, docs, {"a": {"$gte": MinKey()}}) == [0, 1, 2, 3, 4]
    assert matching(coll, docs, {"a": {"$lt": MaxKey()}}) == [0, 1, 2, 3]
    assert matching(coll, docs, {"a": {"$lt": MinKey()}}) == []
    assert matching(coll, docs, {"a": {"$gt": MaxKey()}}) == []
    assert matching(coll, docs, {"a": MinKey()}) == [0]


def test_nan_comparisons(coll):
    # expression_leaf.cpp: NaN == NaN; otherwise NaN never satisfies $lt/$gt; $lte/$gte
    # hold only when both sides are NaN
    nan = float("nan")
    docs = [{"a": nan}, {"a": Decimal128("NaN")}, {"a": 1}, {"a": float("-inf")}]
    assert matching(coll, docs, {"a": nan}) == [0, 1]
    assert matching(coll, docs, {"a": {"$gt": nan}}) == []
    assert matching(coll, docs, {"a": {"$lt": nan}}) == []
    assert matching(coll, docs, {"a": {"$gte": nan}}) == [0, 1]
    assert matching(coll, docs, {"a": {"$lte": Decimal128("NaN")}}) == [0, 1]
    assert matching(coll, docs, {"a": {"$lt": 5}}) == [2, 3]
    assert matching(coll, docs, {"a": {"$gt": float("-inf")}}) == [2]


def test_array_comparison_against_an_array_operand(coll):
    # comparison operators compare a whole array lexicographically with an array operand
    docs = [{"a": [1, 2]}, {"a": [1, 3]}, {"a": [2]}, {"a": 5}]
    assert matching(coll, docs, {"a": {"$gt": [1, 2]}}) == [1, 2]
    assert matching(coll, docs, {"a": {"$lte": [1, 2]}}) == [0]


def test_ne(coll):
    # manual ($ne): matches documents where the field is not equal *or does not exist*
    docs = [{"qty": 20}, {"qty": 15}, {}, {"qty": None}, {"qty": [20, 1]}, {"qty": [1]}]
    assert matching(coll, docs, {"qty": {"$ne": 20}}) == [1, 2, 3, 5]
    assert matching(coll, docs, {"qty": {"$ne": None}}) == [0, 1, 4, 5]


def test_ne_on_embedded_field(coll):
    assert matching(coll, INVENTORY, {"item.code": {"$ne": "123"}}) == [2, 3, 4]


def test_in(coll):
    assert matching(coll, INVENTORY, {"qty": {"$in": [20, 30.0]}}) == [1, 3, 4]
    assert matching(coll, INVENTORY, {"tags": {"$in": ["C", "Z"]}}) == [0, 4]
    assert matching(coll, INVENTORY, {"tags": {"$in": [["A", "B"]]}}) == [2, 4]
    assert matching(coll, INVENTORY, {"qty": {"$in": []}}) == []


def test_in_with_regexes(coll):
    # manual ($in): {$in: [/^be/, /^st/]}
    docs = [{"tags": ["school", "book"]}, {"tags": ["bed"]}, {"tags": "stock"}, {"tags": 1}]
    assert matching(coll, docs, {"tags": {"$in": [re.compile("^be"), Regex("^st")]}}) == [1, 2]


def test_in_with_null_matches_missing(coll):
    # expression_leaf.cpp: an $in holding null matches missing and null
    docs = [{"a": None}, {}, {"a": 1}, {"a": [None, 2]}]
    assert matching(coll, docs, {"a": {"$in": [None]}}) == [0, 1, 3]
    assert matching(coll, docs, {"a": {"$in": [None, 1]}}) == [0, 1, 2, 3]


def test_in_numbers_by_value(coll):
    docs = [{"a": Int64(5)}, {"a": 5.0}, {"a": Decimal128("5")}, {"a": "5"}]
    assert matching(coll, docs, {"a": {"$in": [5]}}) == [0, 1, 2]


def test_in_accepts_dbref_documents(coll):
    # expression_parser.cpp: DBRef-shaped documents are allowed in $in
    ref = {"$ref": "c", "$id": 1}
    assert matching(coll, [{"r": ref}, {"r": 1}], {"r": {"$in": [ref]}}) == [0]


def test_nin(coll):
    # manual ($nin): not in the list, or the field does not exist
    docs = [{"qty": 5}, {"qty": 15}, {}, {"qty": [5, 1]}, {"qty": [1]}]
    assert matching(coll, docs, {"qty": {"$nin": [5, 15]}}) == [2, 4]
    assert matching(coll, docs, {"qty": {"$nin": []}}) == [0, 1, 2, 3, 4]


def test_nin_with_regex(coll):
    docs = [{"a": "abc"}, {"a": "xyz"}, {"a": 1}]
    assert matching(coll, docs, {"a": {"$nin": [re.compile("^a")]}}) == [1, 2]


@pytest.mark.parametrize("op", ["$gt", "$gte", "$lt", "$lte"])
def test_regex_operand_rejected_for_range_operators(coll, op):
    # expression_parser.cpp parseComparison
    query_error(coll, {"a": {op: re.compile("x")}}, 2,
                "Can't have RegEx as arg to predicate over field 'a'.")


def test_ne_regex_rejected(coll):
    query_error(coll, {"a": {"$ne": Regex("x")}}, 2, "Can't have regex as arg to $ne.")


def test_in_and_nin_need_arrays(coll):
    query_error(coll, {"a": {"$in": 1}}, 2, "$in needs an array")
    query_error(coll, {"a": {"$nin": {"x": 1}}}, 2, "$nin needs an array")


def test_no_operators_inside_in(coll):
    query_error(coll, {"a": {"$in": [{"$gt": 1}]}}, 2, "cannot nest $ under $in")
    query_error(coll, {"a": {"$nin": [1, {"$exists": True}]}}, 2, "cannot nest $ under $in")
