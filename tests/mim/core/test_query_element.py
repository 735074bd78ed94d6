"""$exists and $type.

Sources: manual pages reference/operator/query/{exists,type}; parseType in
expression_parser.cpp and MatcherTypeSet::parse in matcher_type_set.cpp.
"""

import datetime

import pytest
from bson.binary import Binary
from bson.code import Code
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from .helpers import matching, query_error


def test_exists_true_includes_null(coll):
    # manual ($exists): true matches documents that contain the field, including null
    docs = [{"a": 5, "b": 5, "c": None}, {"a": 3, "b": None, "c": 8}, {"a": None, "b": 3, "c": 9},
            {"a": 1, "b": 2, "c": 3}, {"a": 2, "c": 5}, {"a": 3, "b": 2}, {"a": 4},
            {"b": 2, "c": 4}, {"b": 2}, {"c": 6}]
    assert matching(coll, docs, {"a": {"$exists": True}}) == [0, 1, 2, 3, 4, 5, 6]
    assert matching(coll, docs, {"b": {"$exists": False}}) == [4, 6, 9]
    assert matching(coll, docs, {"c": {"$exists": False}}) == [5, 6, 8]


def test_exists_with_other_operators(coll):
    docs = [{"qty": 5}, {"qty": 15}, {"qty": 20}, {}]
    assert matching(coll, docs, {"qty": {"$exists": True, "$nin": [5, 15]}}) == [2]


@pytest.mark.parametrize("flag, expected", [
    (1, [0, 1]), (0, [2]), (-1.5, [0, 1]), ("", [0, 1]), (None, [2]),
])
def test_exists_takes_the_truth_value_of_its_argument(coll, flag, expected):
    assert matching(coll, [{"a": 1}, {"a": None}, {}], {"a": {"$exists": flag}}) == expected


def test_exists_through_arrays(coll):
    docs = [{"a": [{"b": 1}, {"c": 1}]}, {"a": [{"c": 1}]}, {"a": []}, {"a": [1, 2]},
            {"a": {"b": None}}]
    assert matching(coll, docs, {"a.b": {"$exists": True}}) == [0, 4]
    assert matching(coll, docs, {"a.b": {"$exists": False}}) == [1, 2, 3]
    # a numeric component indexes the array
    assert matching(coll, docs, {"a.1": {"$exists": True}}) == [0, 3]
    assert matching(coll, docs, {"a.0": {"$exists": False}}) == [2, 4]


TYPED = [
    {"v": 1.5},                                   # 0 double
    {"v": "s"},                                   # 1 string
    {"v": {"x": 1}},                              # 2 object
    {"v": [True]},                                # 3 array (of bool)
    {"v": Binary(b"x", 0)},                       # 4 binData
    {"v": ObjectId()},                            # 5 objectId
    {"v": False},                                 # 6 bool
    {"v": datetime.datetime(2020, 1, 1)},         # 7 date
    {"v": None},                                  # 8 null
    {"v": Regex("x")},                            # 9 regex
    {"v": Code("f()")},                           # 10 javascript
    {"v": 7},                                     # 11 int
    {"v": Timestamp(1, 1)},                       # 12 timestamp
    {"v": Int64(7)},                              # 13 long
    {"v": Decimal128("7")},                       # 14 decimal
    {"v": MinKey()},                              # 15 minKey
    {"v": MaxKey()},                              # 16 maxKey
    {},                                           # 17 missing
]


@pytest.mark.parametrize("alias, code, expected", [
    ("double", 1, [0]), ("string", 2, [1]), ("object", 3, [2]), ("array", 4, [3]),
    ("binData", 5, [4]), ("objectId", 7, [5]), ("bool", 8, [3, 6]), ("date", 9, [7]),
    ("null", 10, [8]), ("regex", 11, [9]), ("javascript", 13, [10]), ("int", 16, [11]),
    ("timestamp", 17, [12]), ("long", 18, [13]), ("decimal", 19, [14]), ("minKey", -1, [15]),
    ("maxKey", 127, [16]),
])
def test_type_by_alias_and_by_number(coll, alias, code, expected):
    assert matching(coll, TYPED, {"v": {"$type": alias}}) == expected
    assert matching(coll, TYPED, {"v": {"$type": code}}) == expected
    assert matching(coll, TYPED, {"v": {"$type": float(code)}}) == expected


def test_type_number_alias_matches_all_numeric_types(coll):
    assert matching(coll, TYPED, {"v": {"$type": "number"}}) == [0, 11, 13, 14]


def test_type_list_matches_any_of_the_types(coll):
    got = matching(coll, TYPED, {"v": {"$type": ["string", 8, "null"]}})
    assert got == [1, 3, 6, 8]


def test_type_checks_array_elements_and_the_array(coll):
    # manual ($type): arrays match "array"; elements are also checked
    docs = [{"a": [1, "x"]}, {"a": []}, {"a": [[1]]}, {"a": "x"}]
    assert matching(coll, docs, {"a": {"$type": "string"}}) == [0, 3]
    assert matching(coll, docs, {"a": {"$type": "array"}}) == [0, 1, 2]
    assert matching(coll, docs, {"a": {"$type": "int"}}) == [0]


def test_type_null_does_not_match_missing(coll):
    assert matching(coll, [{"a": None}, {}], {"a": {"$type": "null"}}) == [0]


def test_type_errors(coll):
    # expression_parser.cpp parseType: an empty set is FailedToParse, naming the path
    query_error(coll, {"a": {"$type": []}}, 9, "a must match at least one type")
    query_error(coll, {"a.b": {"$type": []}}, 9, "a.b must match at least one type")
    # matcher_type_set.cpp
    query_error(coll, {"a": {"$type": "foo"}}, 2, "Unknown type name alias: foo")
    query_error(coll, {"a": {"$type": "missing"}}, 2,
                "'missing' is not a legal type name. To query for non-existence of a field, "
                "use {$exists:false}.")
    query_error(coll, {"a": {"$type": 100}}, 2, "Invalid numerical type code: 100")
    query_error(coll, {"a": {"$type": 1.5}}, 2, "Invalid numerical type code: 1.5")
    query_error(coll, {"a": {"$type": 0}}, 2,
                "Invalid numerical type code: 0. Instead use {$exists:false}.")
    query_error(coll, {"a": {"$type": {}}}, 14, "type must be represented as a number or a string")
    query_error(coll, {"a": {"$type": True}}, 14,
                "type must be represented as a number or a string")
    query_error(coll, {"a": {"$type": ["string", None]}}, 14,
                "type must be represented as a number or a string")
