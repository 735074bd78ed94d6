"""$all (incl. $elemMatch inside), $elemMatch (query and value forms), $size.

Sources: manual pages reference/operator/query/{all,elemMatch,size}; parseAll,
parseElemMatch and the $size case of parseSubField in expression_parser.cpp.
"""

import re

from bson.decimal128 import Decimal128
from bson.int64 import Int64

from .helpers import matching, query_error

INVENTORY = [
    {"code": "xyz", "tags": ["school", "book", "bag", "headphone", "appliance"],
     "qty": [{"size": "S", "num": 10, "color": "blue"},
             {"size": "M", "num": 45, "color": "blue"},
             {"size": "L", "num": 100, "color": "green"}]},
    {"code": "abc", "tags": ["appliance", "school", "book"],
     "qty": [{"size": "6", "num": 100, "color": "green"},
             {"size": "6", "num": 50, "color": "blue"},
             {"size": "8", "num": 100, "color": "brown"}]},
    {"code": "efg", "tags": ["school", "book"],
     "qty": [{"size": "S", "num": 10, "color": "blue"},
             {"size": "M", "num": 100, "color": "blue"},
             {"size": "L", "num": 100, "color": "green"}]},
    {"code": "ijk", "tags": ["electronics", "school"],
     "qty": [{"size": "M", "num": 100, "color": "green"}]},
]


def test_all_manual_examples(coll):
    assert matching(coll, INVENTORY, {"tags": {"$all": ["appliance", "school", "book"]}}) == [0, 1]
    assert matching(coll, INVENTORY, {"tags": {"$all": ["school"]}}) == [0, 1, 2, 3]


def test_all_with_elem_match(coll):
    f = {"qty": {"$all": [{"$elemMatch": {"size": "M", "num": {"$gt": 50}}},
                          {"$elemMatch": {"num": 100, "color": "green"}}]}}
    assert matching(coll, INVENTORY, f) == [2, 3]


def test_all_on_a_non_array_field(coll):
    # manual: {"qty.num": {$all: [50]}} is like {"qty.num": 50}
    assert matching(coll, INVENTORY, {"qty.num": {"$all": [50]}}) == [1]
    assert matching(coll, [{"a": 5}, {"a": 6}], {"a": {"$all": [5]}}) == [0]


def test_all_with_nested_arrays(coll):
    # manual: {$all: [["ssl", "security"]]} equals {tags: ["ssl", "security"]} and also
    # matches arrays containing that array
    docs = [{"tags": ["ssl", "security"]}, {"tags": [["ssl", "security"], "x"]},
            {"tags": ["security", "ssl"]}]
    assert matching(coll, docs, {"tags": {"$all": [["ssl", "security"]]}}) == [0, 1]


def test_all_empty_matches_nothing(coll):
    assert matching(coll, [{"a": []}, {"a": [1]}, {}], {"a": {"$all": []}}) == []


def test_all_with_regexes(coll):
    assert matching(coll, INVENTORY, {"tags": {"$all": [re.compile("^sch"), "book"]}}) \
        == [0, 1, 2]


def test_all_errors(coll):
    query_error(coll, {"a": {"$all": 1}}, 2, "$all needs an array")
    query_error(coll, {"a": {"$all": [{"$gt": 1}]}}, 2, "no $ expressions in $all")
    query_error(coll, {"a": {"$all": [{"$elemMatch": {"b": 1}}, 5]}}, 2,
                "$all/$elemMatch has to be consistent")
    query_error(coll, {"a": {"$all": [{"$elemMatch": {"b": 1}}, {"b": 1}]}}, 2,
                "$all/$elemMatch has to be consistent")


def test_elem_match_value_form(coll):
    # manual: {results: {$elemMatch: {$gte: 80, $lt: 85}}}
    docs = [{"results": [82, 85, 88]}, {"results": [75, 88, 89]}, {"results": 82}]
    assert matching(coll, docs, {"results": {"$elemMatch": {"$gte": 80, "$lt": 85}}}) == [0]


def test_elem_match_versus_plain_range(coll):
    # without $elemMatch different elements may satisfy different conditions
    docs = [{"results": [75, 90]}, {"results": [82]}]
    assert matching(coll, docs, {"results": {"$gte": 80, "$lt": 85}}) == [0, 1]
    assert matching(coll, docs, {"results": {"$elemMatch": {"$gte": 80, "$lt": 85}}}) == [1]


def test_elem_match_on_embedded_documents(coll):
    # manual: survey results
    docs = [{"results": [{"product": "abc", "score": 10}, {"product": "xyz", "score": 5}]},
            {"results": [{"product": "abc", "score": 8}, {"product": "xyz", "score": 7}]},
            {"results": [{"product": "abc", "score": 7}, {"product": "xyz", "score": 8}]},
            {"results": [{"product": "abc", "score": 7}, {"product": "def", "score": 8}]},
            {"results": {"product": "xyz", "score": 9}}]
    f = {"results": {"$elemMatch": {"product": "xyz", "score": {"$gte": 8}}}}
    assert matching(coll, docs, f) == [2]
    assert matching(coll, docs, {"results": {"$elemMatch": {"product": "xyz"}}}) == [0, 1, 2]
    # the same conditions without $elemMatch can be met by different elements
    assert matching(coll, docs, {"results.product": "xyz", "results.score": {"$gte": 8}}) \
        == [0, 1, 2, 4]


def test_elem_match_with_logical_operators_is_the_object_form(coll):
    docs = [{"a": [{"b": 1}, {"b": 2}]}, {"a": [{"c": 1}]}, {"a": [1]}]
    assert matching(coll, docs, {"a": {"$elemMatch": {"$or": [{"b": 2}, {"c": 1}]}}}) == [0, 1]
    assert matching(coll, docs, {"a": {"$elemMatch": {"$and": [{"b": {"$gt": 1}}]}}}) == [0]


def test_elem_match_nested(coll):
    docs = [{"a": [[1, 2], [3]]}, {"a": [1, 2]}]
    assert matching(coll, docs, {"a": {"$elemMatch": {"$elemMatch": {"$eq": 3}}}}) == [0]


def test_elem_match_value_form_with_not_and_regex(coll):
    docs = [{"a": ["apple", "kiwi"]}, {"a": ["apple"]}]
    assert matching(coll, docs, {"a": {"$elemMatch": {"$not": re.compile("^a")}}}) == [0]
    assert matching(coll, docs, {"a": {"$elemMatch": {"$regex": "^k"}}}) == [0]


def test_elem_match_needs_an_array(coll):
    docs = [{"a": {"b": 1}}, {"a": 1}, {"a": [{"b": 1}]}, {}]
    assert matching(coll, docs, {"a": {"$elemMatch": {"b": 1}}}) == [2]
    assert matching(coll, docs, {"a": {"$elemMatch": {"$exists": True}}}) == [2]


def test_elem_match_through_a_dotted_path(coll):
    docs = [{"a": {"b": [1, 5]}}, {"a": [{"b": [9]}, {"b": [4]}]}, {"a": {"b": 4}}]
    assert matching(coll, docs, {"a.b": {"$elemMatch": {"$gt": 3, "$lt": 6}}}) == [0, 1]


def test_elem_match_errors(coll):
    query_error(coll, {"a": {"$elemMatch": 1}}, 2, "$elemMatch needs an Object")
    query_error(coll, {"a": {"$elemMatch": [1]}}, 2, "$elemMatch needs an Object")
    query_error(coll, {"a": {"$elemMatch": {"$foo": 1}}}, 2, "unknown operator: $foo")


def test_size(coll):
    docs = [{"a": [1, 2]}, {"a": []}, {"a": [[1, 2]]}, {"a": 2}, {"a": "ab"}, {},
            {"a": [1, [2, 3]]}]
    assert matching(coll, docs, {"a": {"$size": 2}}) == [0, 6]
    assert matching(coll, docs, {"a": {"$size": 0}}) == [1]
    assert matching(coll, docs, {"a": {"$size": 1}}) == [2]
    assert matching(coll, docs, {"a": {"$size": 2.0}}) == [0, 6]
    assert matching(coll, docs, {"a": {"$size": Int64(2)}}) == [0, 6]


def test_size_through_a_dotted_path(coll):
    docs = [{"a": [{"b": [1]}, {"b": [1, 2]}]}, {"a": {"b": [1, 2, 3]}}]
    assert matching(coll, docs, {"a.b": {"$size": 2}}) == [0]
    assert matching(coll, docs, {"a.b": {"$size": 3}}) == [1]


def test_size_with_not_for_ranges(coll):
    docs = [{"a": [1]}, {"a": [1, 2]}, {"a": 5}]
    assert matching(coll, docs, {"a": {"$not": {"$size": 1}}}) == [1, 2]


def test_size_errors(coll):
    query_error(coll, {"a": {"$size": "2"}}, 2, "$size needs a number")
    query_error(coll, {"a": {"$size": None}}, 2, "$size needs a number")
    query_error(coll, {"a": {"$size": {"$gt": 1}}}, 2, "$size needs a number")
    query_error(coll, {"a": {"$size": Decimal128("2")}}, 2, "$size needs a number")
    query_error(coll, {"a": {"$size": 2.5}}, 2, "$size must be a whole number")
    query_error(coll, {"a": {"$size": -1}}, 2, "$size may not be negative")
    query_error(coll, {"a": {"$size": Int64(2**40)}}, 2,
                "$size must be representable as a 32-bit integer")
