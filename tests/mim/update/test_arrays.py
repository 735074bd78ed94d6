"""$push (with $each/$slice/$sort/$position), $addToSet, $pop, $pull, $pullAll."""

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64

from .helpers import apply, compile_fails, fails, same


# -- $push ----------------------------------------------------------------------

def test_push_value_and_each():
    assert apply({"_id": 1, "scores": [44, 78, 38, 80]}, {"$push": {"scores": 89}})["scores"] == \
        [44, 78, 38, 80, 89]
    assert apply({"_id": 1, "scores": [1]}, {"$push": {"scores": {"$each": [90, 92, 85]}}})[
        "scores"] == [1, 90, 92, 85]
    # pushing an array without $each pushes it as one element
    assert apply({"_id": 1, "a": []}, {"$push": {"a": [1, 2]}})["a"] == [[1, 2]]


def test_push_to_missing_field_creates_the_array():
    assert apply({"_id": 1}, {"$push": {"a.b": 1}})["a"] == {"b": [1]}


def test_push_sort_slice_manual_example():
    doc = {"_id": 5, "quizzes": [{"wk": 1, "score": 10}, {"wk": 2, "score": 8},
                                 {"wk": 3, "score": 5}, {"wk": 4, "score": 6}]}
    out = apply(doc, {"$push": {"quizzes": {"$each": [{"wk": 5, "score": 8}, {"wk": 6, "score": 7},
                                                      {"wk": 7, "score": 6}],
                                            "$sort": {"score": -1}, "$slice": 3}}})
    assert out["quizzes"] == [{"wk": 1, "score": 10}, {"wk": 2, "score": 8},
                              {"wk": 5, "score": 8}]


def test_push_position_manual_examples():
    doc = {"_id": 1, "scores": [100]}
    assert apply(doc, {"$push": {"scores": {"$each": [50, 60, 70], "$position": 0}}})[
        "scores"] == [50, 60, 70, 100]
    doc = {"_id": 1, "scores": [50, 60, 70, 100]}
    assert apply(doc, {"$push": {"scores": {"$each": [20, 30], "$position": 2}}})["scores"] == \
        [50, 60, 20, 30, 70, 100]
    doc = {"_id": 1, "scores": [50, 60, 20, 30, 70, 100]}
    assert apply(doc, {"$push": {"scores": {"$each": [90, 80], "$position": -2}}})["scores"] == \
        [50, 60, 20, 30, 90, 80, 70, 100]
    # beyond either end
    assert apply({"_id": 1, "a": [1, 2]}, {"$push": {"a": {"$each": [3], "$position": 9}}})[
        "a"] == [1, 2, 3]
    assert apply({"_id": 1, "a": [1, 2]}, {"$push": {"a": {"$each": [3], "$position": -9}}})[
        "a"] == [3, 1, 2]


def test_push_slice_variants():
    doc = {"_id": 1, "scores": [40, 50, 60]}
    assert apply(doc, {"$push": {"scores": {"$each": [80, 78, 86], "$slice": -5}}})["scores"] == \
        [50, 60, 80, 78, 86]
    assert apply(doc, {"$push": {"scores": {"$each": [100, 20], "$slice": 3}}})["scores"] == \
        [40, 50, 60]
    assert apply(doc, {"$push": {"scores": {"$each": [], "$slice": 0}}})["scores"] == []
    # $slice without new elements just trims
    assert apply(doc, {"$push": {"scores": {"$each": [], "$slice": -1}}})["scores"] == [60]


def test_push_sort_whole_elements_and_by_embedded_field():
    doc = {"_id": 2, "tests": [89, 70, 89, 50]}
    assert apply(doc, {"$push": {"tests": {"$each": [40, 60], "$sort": 1}}})["tests"] == \
        [40, 50, 60, 70, 89, 89]
    assert apply({"_id": 3, "tests": [89, 70, 100, 20]},
                 {"$push": {"tests": {"$each": [], "$sort": -1}}})["tests"] == [100, 89, 70, 20]
    # BSON order across types; documents missing the sort field sort as null
    out = apply({"_id": 1, "a": [{"x": 2}, {"y": 1}, {"x": "s"}, {"x": 1}]},
                {"$push": {"a": {"$each": [], "$sort": {"x": 1}}}})
    assert out["a"] == [{"y": 1}, {"x": 1}, {"x": 2}, {"x": "s"}]


def test_push_keeps_numeric_types():
    out = apply({"_id": 1, "a": []}, {"$push": {"a": Int64(3)}})
    assert same(out["a"], [Int64(3)])


def test_push_on_non_array_fails():
    fails({"_id": 1, "a": 1}, {"$push": {"a": 2}}, 2,
          "The field 'a' must be an array but is of type int in document {_id: 1}")
    fails({"_id": "x", "a": {"b": "s"}}, {"$push": {"a.b": 2}}, 2,
          "The field 'a.b' must be an array but is of type string in document {_id: \"x\"}")


def test_push_modifier_errors():
    compile_fails({"$push": {"a": {"$each": 1}}}, 2,
                  "The argument to $each in $push must be an array but it was of type: int")
    compile_fails({"$push": {"a": {"$each": [], "$foo": 1}}}, 2, "Unrecognized clause in $push: $foo")
    compile_fails({"$push": {"a": {"$each": [], "$slice": 1.5}}}, 2,
                  "The value for $slice must be an integer value but was given type: double")
    compile_fails({"$push": {"a": {"$each": [], "$position": "x"}}}, 2,
                  "The value for $position must be an integer value, not of type: string")
    compile_fails({"$push": {"a": {"$each": [], "$sort": 2}}}, 2,
                  "The $sort element value must be either 1 or -1")
    compile_fails({"$push": {"a": {"$each": [], "$sort": {}}}}, 2,
                  "The $sort pattern is empty when it should be a set of fields.")
    compile_fails({"$push": {"a": {"$each": [], "$sort": "x"}}}, 2,
                  "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} "
                  "to sort embedded fields")


def test_push_document_without_each_is_a_plain_value():
    out = apply({"_id": 1, "a": []}, {"$push": {"a": {"$slice": 1, "x": 2}}})
    assert out["a"] == [{"$slice": 1, "x": 2}]


# -- $addToSet ------------------------------------------------------------------

def test_add_to_set_manual_examples():
    doc = {"_id": 1, "letters": ["a", "b"]}
    assert apply(doc, {"$addToSet": {"letters": ["c", "d"]}})["letters"] == ["a", "b", ["c", "d"]]
    doc = {"_id": 1, "item": "polarizing_filter", "tags": ["electronics", "camera"]}
    assert apply(doc, {"$addToSet": {"tags": "accessories"}})["tags"] == \
        ["electronics", "camera", "accessories"]
    assert same(apply(doc, {"$addToSet": {"tags": "camera"}}), doc)
    doc = {"_id": 2, "item": "cable", "tags": ["electronics", "supplies"]}
    assert apply(doc, {"$addToSet": {"tags": {"$each": ["camera", "electronics", "accessories"]}}})[
        "tags"] == ["electronics", "supplies", "camera", "accessories"]


def test_add_to_set_compares_by_bson_equality():
    assert same(apply({"_id": 1, "a": [1]}, {"$addToSet": {"a": 1.0}})["a"], [1])
    # documents compare field-order-sensitively
    out = apply({"_id": 1, "a": [{"x": 1, "y": 2}]}, {"$addToSet": {"a": {"y": 2, "x": 1}}})
    assert out["a"] == [{"x": 1, "y": 2}, {"y": 2, "x": 1}]
    # duplicates inside $each are added once
    assert apply({"_id": 1}, {"$addToSet": {"a": {"$each": [1, 1, 2]}}})["a"] == [1, 2]


def test_add_to_set_errors():
    fails({"_id": 1, "a": 1}, {"$addToSet": {"a": 2}}, 2,
          "Cannot apply $addToSet to non-array field. Field named 'a' has non-array type int")
    compile_fails({"$addToSet": {"a": {"$each": 1}}}, 14,
                  "The argument to $each in $addToSet must be an array but it was of type int")
    compile_fails({"$addToSet": {"a": {"$each": [1], "b": 1}}}, 2,
                  "Found unexpected fields after $each in $addToSet: { $each: [ 1 ], b: 1 }")


# -- $pop -----------------------------------------------------------------------

def test_pop_first_and_last():
    doc = {"_id": 1, "scores": [8, 9, 10]}
    assert apply(doc, {"$pop": {"scores": -1}})["scores"] == [9, 10]
    assert apply(doc, {"$pop": {"scores": 1}})["scores"] == [8, 9]
    assert apply(doc, {"$pop": {"scores": 1.0}})["scores"] == [8, 9]


def test_pop_missing_or_empty_is_a_noop():
    doc = {"_id": 1, "a": [], "b": {}}
    assert same(apply(doc, {"$pop": {"a": 1, "x": 1, "b.c": 1}}), doc)


def test_pop_errors():
    compile_fails({"$pop": {"v": "foo"}}, 9, "Expected a number in: v: \"foo\"")
    compile_fails({"$pop": {"v": 42}}, 9, "$pop expects 1 or -1, found: 42")
    fails({"_id": 1, "v": 42}, {"$pop": {"v": 1}}, 14,
          "Path 'v' contains an element of non-array type 'int'")
    fails({"_id": 1, "a": 5}, {"$pop": {"a.b": 1}}, 28,
          "Cannot use the part (b) of (a.b) to traverse the element ({a: 5})")


# -- $pull / $pullAll -------------------------------------------------------------

def test_pull_values_and_conditions():
    doc = {"_id": 1, "fruits": ["apples", "pears", "oranges", "grapes", "bananas"],
           "vegetables": ["carrots", "celery", "squash", "carrots"]}
    out = apply(doc, {"$pull": {"fruits": {"$in": ["apples", "oranges"]}, "vegetables": "carrots"}})
    assert out["fruits"] == ["pears", "grapes", "bananas"]
    assert out["vegetables"] == ["celery", "squash"]
    out = apply({"_id": 1, "votes": [3, 5, 6, 7, 7, 8]}, {"$pull": {"votes": {"$gte": 6}}})
    assert out["votes"] == [3, 5]


def test_pull_sub_document_condition_matches_as_a_query():
    doc = {"_id": 1, "results": [{"item": "A", "score": 5},
                                 {"item": "B", "score": 8, "comment": "Strongly agree"}]}
    out = apply(doc, {"$pull": {"results": {"score": 8, "item": "B"}}})
    assert out["results"] == [{"item": "A", "score": 5}]
    doc = {"_id": 1, "results": [{"item": "A", "score": 5, "answers": [{"q": 1, "a": 4},
                                                                       {"q": 2, "a": 6}]},
                                 {"item": "B", "score": 8, "answers": [{"q": 1, "a": 8},
                                                                       {"q": 2, "a": 9}]}]}
    out = apply(doc, {"$pull": {"results": {"answers": {"$elemMatch": {"q": 2, "a": {"$gte": 8}}}}}})
    assert [r["item"] for r in out["results"]] == ["A"]
    # a document condition never matches scalars
    assert apply({"_id": 1, "a": [1, {"b": 1}]}, {"$pull": {"a": {}}})["a"] == [1]


def test_pull_exact_value_uses_bson_equality():
    out = apply({"_id": 1, "a": [1, 1.0, Int64(1), "1", [1]]}, {"$pull": {"a": 1}})
    assert out["a"] == ["1", [1]]
    out = apply({"_id": 1, "a": [[1, 2], [2, 1]]}, {"$pull": {"a": [1, 2]}})
    assert out["a"] == [[2, 1]]


def test_pull_all():
    doc = {"_id": 1, "scores": [0, 2, 5, 5, 1, 0]}
    assert apply(doc, {"$pullAll": {"scores": [0, 5]}})["scores"] == [2, 1]
    compile_fails({"$pullAll": {"a": 1}}, 2, "$pullAll requires an array argument but was given a int")


def test_pull_errors_and_noops():
    fails({"_id": 1, "a": 1}, {"$pull": {"a": 1}}, 2, "Cannot apply $pull to a non-array value")
    fails({"_id": 1, "a": 1}, {"$pullAll": {"a": [1]}}, 2, "Cannot apply $pull to a non-array value")
    doc = {"_id": 1, "a": [1]}
    assert same(apply(doc, {"$pull": {"b": 1, "a": 5}}), doc)


# MatchExpressionParser::parseIntegerElementToLong (src/mongo/db/matcher/expression_parser.cpp):
# NaN, then the 64-bit range, then integrality; a Decimal128 must convert exactly.
@pytest.mark.parametrize("value, message", [
    (float("nan"), "Expected an integer, but found NaN in: a: nan.0"),
    (float("inf"), "Cannot represent as a 64-bit integer: a: inf.0"),
    (1e20, "Cannot represent as a 64-bit integer: a: 1e+20"),
    (1.5, "Expected an integer: a: 1.5"),
    (Decimal128("1.5"), 'Cannot represent as a 64-bit integer: a: NumberDecimal("1.5")'),
    ("x", 'Expected a number in: a: "x"'),
])
def test_pop_argument_ladder(value, message):
    compile_fails({"$pop": {"a": value}}, 9, message)


def test_pop_accepts_whole_decimal_and_double():
    assert apply({"a": [1, 2]}, {"$pop": {"a": Decimal128("-1")}}) == {"a": [2]}
    assert apply({"a": [1, 2]}, {"$pop": {"a": 1.0}}) == {"a": [1]}
    compile_fails({"$pop": {"a": 2}}, 9, "$pop expects 1 or -1, found: 2")


def test_push_slice_and_position_must_be_integers():
    # push_node.cpp wraps any parseIntegerElementToLong failure in BadValue
    compile_fails({"$push": {"a": {"$each": [1], "$slice": 1.5}}}, 2,
                  "The value for $slice must be an integer value but was given type: double")
    compile_fails({"$push": {"a": {"$each": [1], "$position": "x"}}}, 2,
                  "The value for $position must be an integer value, not of type: string")
