"""$and $or $nor $not.

Sources: manual pages reference/operator/query/{and,or,nor,not}; parseTreeTopLevel and
parseNot in src/mongo/db/matcher/expression_parser.cpp.
"""

import re

import pytest
from bson.regex import Regex

from .helpers import matching, query_error

DOCS = [
    {"price": 1.99, "qty": 5, "sale": True},
    {"price": 1.99, "qty": 25, "sale": False},
    {"price": 3.5, "qty": 5},
    {"price": None, "qty": 30, "sale": True},
    {"qty": 10},
]


def test_and_explicit_and_implicit(coll):
    assert matching(coll, DOCS, {"$and": [{"price": 1.99}, {"qty": {"$lt": 20}}]}) == [0]
    assert matching(coll, DOCS, {"price": 1.99, "qty": {"$lt": 20}}) == [0]


def test_and_with_the_same_field_twice(coll):
    # manual ($and): {$and: [{price: {$ne: 1.99}}, {price: {$exists: true}}]}
    assert matching(coll, DOCS, {"$and": [{"price": {"$ne": 1.99}},
                                          {"price": {"$exists": True}}]}) == [2, 3]


def test_and_of_ors(coll):
    f = {"$and": [{"$or": [{"qty": {"$lt": 10}}, {"qty": {"$gt": 25}}]},
                  {"$or": [{"sale": True}, {"price": {"$lt": 5}}]}]}
    assert matching(coll, DOCS, f) == [0, 2, 3]


def test_or(coll):
    assert matching(coll, DOCS, {"$or": [{"qty": {"$lt": 10}}, {"price": None}]}) == [0, 2, 3, 4]
    assert matching(coll, DOCS, {"$or": [{"qty": 25}]}) == [1]


def test_nor(coll):
    # manual ($nor): also returns documents missing the fields
    assert matching(coll, DOCS, {"$nor": [{"price": 1.99}, {"sale": True}]}) == [2, 4]
    assert matching(coll, DOCS, {"$nor": [{"price": 1.99}, {"qty": {"$lt": 20}}]}) == [3]


def test_nor_with_exists(coll):
    f = {"$nor": [{"price": 1.99}, {"price": {"$exists": False}},
                  {"sale": True}, {"sale": {"$exists": False}}]}
    assert matching(coll, DOCS, f) == []


def test_nested_logical_operators_in_documents(coll):
    f = {"qty": {"$gte": 5}, "$or": [{"sale": False}, {"$nor": [{"sale": {"$exists": True}}]}]}
    assert matching(coll, DOCS, f) == [1, 2, 4]


def test_not_on_operator(coll):
    # manual ($not): {price: {$not: {$gt: 1.99}}} also selects documents without price
    assert matching(coll, DOCS, {"price": {"$not": {"$gt": 1.99}}}) == [0, 1, 3, 4]


def test_not_with_several_operators_negates_their_conjunction(coll):
    assert matching(coll, DOCS, {"qty": {"$not": {"$gte": 5, "$lt": 25}}}) == [1, 3]


def test_not_with_regex(coll):
    docs = [{"item": "p1"}, {"item": "P2"}, {"item": "x"}, {}, {"item": ["p", "q"]}]
    assert matching(coll, docs, {"item": {"$not": re.compile("^p.*")}}) == [1, 2, 3]
    assert matching(coll, docs, {"item": {"$not": Regex("^p.*", "i")}}) == [2, 3]
    assert matching(coll, docs, {"item": {"$not": {"$regex": "^p.*", "$options": "i"}}}) == [2, 3]


def test_not_against_arrays(coll):
    docs = [{"a": [1, 5]}, {"a": [1]}, {"a": 7}]
    assert matching(coll, docs, {"a": {"$not": {"$gt": 3}}}) == [1]


def test_comment_is_ignored(coll):
    assert matching(coll, DOCS, {"qty": 5, "$comment": "find the fives"}) == [0, 2]
    assert matching(coll, DOCS, {"$comment": {"any": ["bson"]}}) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("op", ["$and", "$or", "$nor"])
def test_tree_operators_need_an_array(coll, op):
    query_error(coll, {op: {"a": 1}}, 2, f"{op} must be an array")
    query_error(coll, {op: 1}, 2, f"{op} must be an array")


@pytest.mark.parametrize("op", ["$and", "$or", "$nor"])
def test_tree_operators_need_a_nonempty_array(coll, op):
    query_error(coll, {op: []}, 2, "$and/$or/$nor must be a nonempty array")


@pytest.mark.parametrize("op", ["$and", "$or", "$nor"])
def test_tree_operator_entries_must_be_objects(coll, op):
    query_error(coll, {op: [{"a": 1}, 5]}, 2, "$or/$and/$nor entries need to be full objects")


def test_not_errors(coll):
    query_error(coll, {"a": {"$not": 5}}, 2, "$not needs a regex or a document")
    query_error(coll, {"a": {"$not": "x"}}, 2, "$not needs a regex or a document")
    query_error(coll, {"a": {"$not": {}}}, 2, "$not cannot be empty")
    # the document is parsed as operators on the field
    query_error(coll, {"a": {"$not": {"b": 1}}}, 2, "unknown operator: b")
    query_error(coll, {"a": {"$not": {"$foo": 1}}}, 2, "unknown operator: $foo")


def test_errors_inside_nested_clauses_are_reported(coll):
    query_error(coll, {"$or": [{"a": 1}, {"b": {"$bad": 1}}]}, 2, "unknown operator: $bad")
