"""Covered queries in explain: an index that holds every projected field answers
without a FETCH (``PROJECTION_COVERED`` over ``IXSCAN``, no documents examined) —
the plan shape MongoEngine's ``test_covered_index`` checks against MongoDB 7.0."""

from __future__ import annotations

import pytest

import mim


@pytest.fixture
def coll():
    coll = mim.MongoClient(server=mim.Server()).db.t
    coll.insert_many([{"_id": i, "a": i, "b": -i, "tags": [i]} for i in range(5)])
    coll.create_index("a")
    return coll


def _plan(cursor):
    explained = cursor.explain()
    return explained["queryPlanner"]["winningPlan"], explained["executionStats"]


def test_an_index_only_query_is_covered(coll):
    plan, stats = _plan(coll.find({"a": 1}, {"a": 1, "_id": 0}))
    assert plan["stage"] == "PROJECTION_COVERED"
    assert plan["inputStage"]["stage"] == "IXSCAN"
    assert stats["totalDocsExamined"] == 0 and stats["nReturned"] == 1
    plan, _ = _plan(coll.find({"a": {"$gte": 1, "$lt": 3}}, {"_id": 0, "a": 1}).sort("a", -1))
    assert (plan["stage"], plan["inputStage"]["stage"]) == ("PROJECTION_COVERED", "IXSCAN")


@pytest.mark.parametrize("filter, projection", [
    ({"a": 1}, {"a": 1}),                    # _id is returned: not in the index
    ({"a": 1, "b": -1}, {"a": 1, "_id": 0}),  # b must be read from the document
    ({"a": 1}, {"a": 1, "b": 1, "_id": 0}),   # b is not in the index
    ({"a": 1}, {"b": 0}),                    # an exclusion needs the whole document
    ({"a": None}, {"a": 1, "_id": 0}),        # null also matches a missing field
])
def test_queries_that_need_the_document_fetch_it(coll, filter, projection):
    plan, _ = _plan(coll.find(filter, projection))
    assert plan["stage"] != "PROJECTION_COVERED"
    assert plan["inputStage"]["stage"] == "FETCH"


def test_a_multikey_index_never_covers(coll):
    coll.create_index("tags")
    plan, _ = _plan(coll.find({"tags": 1}, {"tags": 1, "_id": 0}))
    assert plan["inputStage"]["stage"] == "FETCH"


def test_without_a_projection_the_documents_are_fetched(coll):
    plan, _ = _plan(coll.find({"a": 1}))
    assert (plan["stage"], plan["inputStage"]["stage"]) == ("FETCH", "IXSCAN")
