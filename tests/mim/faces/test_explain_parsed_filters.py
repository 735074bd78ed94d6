"""explain prints the filter back as mongod 7.0 does: the parsed MatchExpression,
normalised (``MatchExpression::normalize``: optimised, then children sorted by
``matchExpressionComparator``) and serialised, on both faces.

Expected values come from the server: the MatchType order in
``src/mongo/db/matcher/expression.h`` (AND, OR, ELEM_MATCH_OBJECT,
ELEM_MATCH_VALUE, SIZE, EQ, LTE, LT, GT, GTE, REGEX, MOD, EXISTS, MATCH_IN,
BITS_*, NOT, NOR, TYPE_OPERATOR, ..., EXPRESSION, ..., INTERNAL_EXPR_*),
``ListOfMatchExpression::getOptimizer`` (``expression_tree.cpp``: AND/OR
absorption, one-child collapse, one-child ``$nor`` to ``$not``, ``$or`` of
equalities to ``$in``), the serialisers (``NotMatchExpression::serialize``,
``RegexMatchExpression``, ``MatcherTypeSet::toBSONArray``,
``BitTestMatchExpression``), ``RewriteExpr`` and the planner test
``ExprQueryHasImprecisePredicatesRemoved`` (``query_planner_test.cpp``), and the
manual's explain outputs (a FETCH over ``quantity_1`` keeps
``{price: {$lt: 10000}}`` of ``{quantity: 1, price: {$lt: 10000}}``; a COLLSCAN of
``{quantity: {$gte: 100, $lte: 200}}`` shows ``$lte`` before ``$gte``).
"""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def inventory(db):
    coll = db.inventory
    coll.insert_many([{"_id": i, "quantity": i * 50, "price": i * 1000, "tags": ["x", "y"]}
                      for i in range(10)])
    return coll


def _plan(explained):
    return explained["queryPlanner"]["winningPlan"]


def _parsed(coll, filter):
    return coll.find(filter).explain()["queryPlanner"]["parsedQuery"]


@pytest.mark.parametrize("filter, parsed", [
    ({"quantity": 3}, {"quantity": {"$eq": 3}}),
    ({"quantity": 1, "price": {"$lt": 10000}},
     {"$and": [{"quantity": {"$eq": 1}}, {"price": {"$lt": 10000}}]}),
    ({"quantity": {"$gte": 100, "$lte": 200}},
     {"$and": [{"quantity": {"$lte": 200}}, {"quantity": {"$gte": 100}}]}),
    # children sorted by match type, then path (not as sent)
    ({"b": 1, "a": 2}, {"$and": [{"a": {"$eq": 2}}, {"b": {"$eq": 1}}]}),
    ({"a": {"$gt": 1}, "b": 1}, {"$and": [{"b": {"$eq": 1}}, {"a": {"$gt": 1}}]}),
    # an $and inside $and is absorbed, a one-child $and collapsed, {} is {}
    ({"$and": [{"a": 1}, {"$and": [{"c": 3}, {"b": 2}]}]},
     {"$and": [{"a": {"$eq": 1}}, {"b": {"$eq": 2}}, {"c": {"$eq": 3}}]}),
    ({"$and": [{"a": 1}]}, {"a": {"$eq": 1}}),
    ({}, {}),
    ({"$comment": "why", "a": 1}, {"a": {"$eq": 1}}),
    # negations: $ne, $nin, $exists: false are NOT nodes
    ({"a": {"$ne": 5}}, {"a": {"$not": {"$eq": 5}}}),
    ({"a": {"$nin": [3, 1, 1]}}, {"a": {"$not": {"$in": [1, 3]}}}),
    ({"a": {"$exists": False}}, {"a": {"$not": {"$exists": True}}}),
    ({"a": {"$exists": 1}}, {"a": {"$exists": True}}),
    ({"a": {"$not": {"$gt": 5}}}, {"a": {"$not": {"$gt": 5}}}),
    # a $not of two predicates is no one path's: written as a $nor of their $and
    ({"a": {"$not": {"$gt": 5, "$lt": 10}}},
     {"$nor": [{"$and": [{"a": {"$lt": 10}}, {"a": {"$gt": 5}}]}]}),
    ({"$nor": [{"a": 1}]}, {"a": {"$not": {"$eq": 1}}}),
    ({"$nor": [{"b": 1}, {"a": 1}]}, {"$nor": [{"a": {"$eq": 1}}, {"b": {"$eq": 1}}]}),
    # $in sorted and without duplicates; one value is an equality
    ({"a": {"$in": [3, 1, 2, 1]}}, {"a": {"$in": [1, 2, 3]}}),
    ({"a": {"$in": ["b", 2, "a"]}}, {"a": {"$in": [2, "a", "b"]}}),
    ({"a": {"$in": [4]}}, {"a": {"$eq": 4}}),
    # an $or of equalities on one path is an $in; the rest stays beside it
    ({"$or": [{"a": 2}, {"a": 1}]}, {"a": {"$in": [1, 2]}}),
    ({"$or": [{"a": 1}, {"b": 2}, {"a": 3}]},
     {"$or": [{"b": {"$eq": 2}}, {"a": {"$in": [1, 3]}}]}),
    ({"$or": [{"a": 1}, {"b": 2}]}, {"$or": [{"a": {"$eq": 1}}, {"b": {"$eq": 2}}]}),
    # regexes with their $options
    ({"a": re.compile("^x", re.I)}, {"a": {"$regex": "^x", "$options": "i"}}),
    ({"a": {"$regex": "^x"}}, {"a": {"$regex": "^x"}}),
    # $type as the list of codes ("number" first), $bits* as bit positions, $mod
    ({"a": {"$type": "string"}}, {"a": {"$type": [2]}}),
    ({"a": {"$type": ["string", "number", "double"]}}, {"a": {"$type": ["number", 1, 2]}}),
    ({"a": {"$bitsAllSet": 5}}, {"a": {"$bitsAllSet": [0, 2]}}),
    ({"a": {"$mod": [4, 1]}}, {"a": {"$mod": [4, 1]}}),
    ({"a": {"$size": 2}}, {"a": {"$size": 2}}),
    # $all is an AND of equalities
    ({"a": {"$all": [1, 2]}}, {"$and": [{"a": {"$eq": 1}}, {"a": {"$eq": 2}}]}),
    # $elemMatch: the object form's sub-query serialised, the value form's operators inline
    ({"a": {"$elemMatch": {"c": 1, "b": 2}}},
     {"a": {"$elemMatch": {"$and": [{"b": {"$eq": 2}}, {"c": {"$eq": 1}}]}}}),
    ({"a": {"$elemMatch": {"$gt": 1, "$lt": 5}}}, {"a": {"$elemMatch": {"$lt": 5, "$gt": 1}}}),
    # $expr: constants as $const, and the $_internalExpr* predicate it implies
    ({"$expr": {"$eq": ["$a", 1]}},
     {"$and": [{"$expr": {"$eq": ["$a", {"$const": 1}]}}, {"a": {"$_internalExprEq": 1}}]}),
    ({"$expr": {"$gt": [1, "$a"]}},
     {"$and": [{"$expr": {"$gt": [{"$const": 1}, "$a"]}}, {"a": {"$_internalExprLt": 1}}]}),
])
def test_parsed_query_is_the_normalised_filter(inventory, filter, parsed):
    assert _parsed(inventory, filter) == parsed


def test_a_collection_scan_filters_with_the_whole_parsed_filter(inventory):
    plan = _plan(inventory.find({"quantity": {"$gte": 100, "$lte": 200}}).explain())
    assert plan["stage"] == "COLLSCAN"
    assert plan["filter"] == {"$and": [{"quantity": {"$lte": 200}},
                                       {"quantity": {"$gte": 100}}]}


def test_no_filter_no_filter_field(inventory):
    assert "filter" not in _plan(inventory.find({}).explain())


def test_fetch_keeps_only_what_the_bounds_leave_open(inventory):
    inventory.create_index("quantity")
    explained = inventory.find({"quantity": 50, "price": {"$lt": 10000}}).explain()
    plan = _plan(explained)
    assert explained["queryPlanner"]["parsedQuery"] == {
        "$and": [{"quantity": {"$eq": 50}}, {"price": {"$lt": 10000}}]}
    assert plan["stage"] == "FETCH" and plan["inputStage"]["indexName"] == "quantity_1"
    assert plan["filter"] == {"price": {"$lt": 10000}}


def test_bounds_that_answer_everything_leave_no_filter(inventory):
    inventory.create_index("quantity")
    plan = _plan(inventory.find({"quantity": {"$gt": 100, "$lte": 300}}).explain())
    assert plan["stage"] == "FETCH" and "filter" not in plan


def test_an_inexact_predicate_on_the_indexed_field_stays(inventory):
    """A regex's bounds (INEXACT_COVERED) hold keys it does not match: FETCH re-checks it."""
    inventory.create_index("name")
    plan = _plan(inventory.find({"name": re.compile("^n"), "price": 1}).hint("name_1").explain())
    assert plan["stage"] == "FETCH" and plan["inputStage"]["indexName"] == "name_1"
    assert plan["filter"] == {"$and": [{"price": {"$eq": 1}}, {"name": {"$regex": "^n"}}]}


def test_collection_scan_drops_the_internal_expr_predicates(inventory):
    """``ExprQueryHasImprecisePredicatesRemoved``: on a COLLSCAN the ``$expr``'s
    own ``$_internalExpr*`` predicate is taken out (its AND stays)."""
    plan = _plan(inventory.find({"$expr": {"$eq": ["$a", 123]}}).explain())
    assert plan["filter"] == {"$and": [{"$expr": {"$eq": ["$a", {"$const": 123}]}}]}
    plan = _plan(inventory.find({"$or": [{"$expr": {"$eq": ["$a", 123]}},
                                         {"$expr": {"$eq": ["$b", 456]}}]}).explain())
    assert plan["filter"] == {"$or": [
        {"$and": [{"$expr": {"$eq": ["$a", {"$const": 123}]}}]},
        {"$and": [{"$expr": {"$eq": ["$b", {"$const": 456}]}}]}]}


def test_fetch_after_an_index_drops_them_too(inventory):
    """``ExprOnFetchDoesNotIncludeImpreciseFilter``."""
    inventory.create_index("a")
    plan = _plan(inventory.find({"$and": [{"a": 1}, {"$expr": {"$eq": ["$b", 99]}}]}).explain())
    assert plan["stage"] == "FETCH" and plan["inputStage"]["indexName"] == "a_1"
    assert plan["filter"] == {"$and": [{"$expr": {"$eq": ["$b", {"$const": 99}]}}]}


def test_the_same_in_every_explain(db, inventory):
    """count, distinct, delete and aggregate's ``$cursor`` print the same parsed filter."""
    expected = {"$and": [{"price": {"$eq": 1}}, {"quantity": {"$gt": 1}}]}
    flt = {"quantity": {"$gt": 1}, "price": 1}
    for inner in ({"count": "inventory", "query": flt},
                  {"distinct": "inventory", "key": "a", "query": flt},
                  {"delete": "inventory", "deletes": [{"q": flt, "limit": 0}]},
                  {"aggregate": "inventory", "pipeline": [{"$match": flt}], "cursor": {}}):
        reply = db.command("explain", inner, verbosity="queryPlanner")
        assert reply["queryPlanner"]["parsedQuery"] == expected, inner
    reply = db.command("aggregate", "inventory", explain=True,
                       pipeline=[{"$match": flt}, {"$group": {"_id": "$a"}}])
    planner = reply["stages"][0]["$cursor"]["queryPlanner"]
    assert planner["parsedQuery"] == expected
    assert planner["winningPlan"]["filter"] == expected


def test_expr_constants_are_folded(inventory):
    """``Expression::optimize`` folds an operator of constant operands into one
    ``$const`` before ``RewriteExpr`` looks for a field/constant comparison."""
    assert _parsed(inventory, {"$expr": {"$eq": ["$a", {"$add": [1, 2]}]}}) == {
        "$and": [{"$expr": {"$eq": ["$a", {"$const": 3}]}}, {"a": {"$_internalExprEq": 3}}]}
    assert _parsed(inventory, {"$expr": {"$lt": ["$a", {"$multiply": ["$b", 2]}]}}) == {
        "$expr": {"$lt": ["$a", {"$multiply": ["$b", {"$const": 2}]}]}}


def test_an_or_answered_by_its_branches_bounds_fetches_without_a_filter(inventory):
    """The manual's ``$or`` explain: SUBPLAN, FETCH, OR of one IXSCAN per clause,
    no filter left when each clause is its scan's bounds."""
    inventory.create_index("quantity")
    inventory.create_index("price")
    plan = _plan(inventory.find({"$or": [{"quantity": {"$gt": 300}},
                                         {"price": {"$lt": 2000}}]}).explain())
    assert plan["stage"] == "SUBPLAN"
    fetch = plan["inputStage"]
    assert fetch["stage"] == "FETCH" and "filter" not in fetch
    assert [scan["indexName"] for scan in fetch["inputStage"]["inputStages"]] == \
        ["quantity_1", "price_1"]
    plan = _plan(inventory.find({"$or": [{"quantity": 50, "tags": "x"},
                                         {"price": 1000}]}).explain())
    # (an AND, match type 0, sorts before an equality, type 5)
    assert plan["inputStage"]["filter"] == {"$or": [
        {"$and": [{"quantity": {"$eq": 50}}, {"tags": {"$eq": "x"}}]},
        {"price": {"$eq": 1000}}]}


def test_text_is_printed_with_its_language_and_flags(db):
    """``TextMatchExpressionBase::serialize``: ``$search``, ``$language`` (the text
    index's default when the query names none), ``$caseSensitive``,
    ``$diacriticSensitive``."""
    coll = db.articles
    coll.insert_many([{"s": "hola mundo"}, {"s": "adios"}])
    coll.create_index([("s", "text")], default_language="spanish")
    parsed = coll.find({"$text": {"$search": "mundo"}}).explain()["queryPlanner"]["parsedQuery"]
    assert parsed == {"$text": {"$search": "mundo", "$language": "spanish",
                                "$caseSensitive": False, "$diacriticSensitive": False}}
