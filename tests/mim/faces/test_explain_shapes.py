"""explain's top-level shape as MongoDB 7.0 prints it, on both faces.

- An aggregate whose pipeline holds ``$match`` stages only is optimised away into
  the query layer, so its explain is a find's (``queryPlanner`` at the top, no
  ``stages``); several ``$match`` stages are coalesced into one ``$and``.
- Every explain carries ``serverParameters``: the query knobs
  ``explain_common::generateServerParameters`` appends, at 7.0's defaults
  (100 MiB memory limits, ``internalQueryFrameworkControl: "trySbeRestricted"``).
"""

from __future__ import annotations

import pytest

MIB_100 = 100 * 1024 * 1024

SEVEN_ZERO_PARAMETERS = {
    "internalQueryFacetBufferSizeBytes": MIB_100,
    "internalQueryFacetMaxOutputDocSizeBytes": MIB_100,
    "internalLookupStageIntermediateDocumentMaxSizeBytes": MIB_100,
    "internalDocumentSourceGroupMaxMemoryBytes": MIB_100,
    "internalQueryMaxBlockingSortMemoryUsageBytes": MIB_100,
    "internalQueryProhibitBlockingMergeOnMongoS": 0,
    "internalQueryMaxAddToSetBytes": MIB_100,
    "internalDocumentSourceSetWindowFieldsMaxMemoryBytes": MIB_100,
    "internalQueryFrameworkControl": "trySbeRestricted",
}


@pytest.fixture
def indexed(coll):
    coll.insert_many([{"_id": i, "a": i} for i in range(10)])
    coll.create_index("a")
    return coll


def _leaf(tree):
    while "inputStage" in tree:
        tree = tree["inputStage"]
    return tree


def test_match_only_aggregate_is_explained_as_a_find(db, indexed):
    reply = db.command("explain", {"aggregate": indexed.name, "pipeline": [{"$match": {"a": 3}}],
                                   "cursor": {}}, verbosity="executionStats")
    assert "stages" not in reply
    assert reply["queryPlanner"]["namespace"] == indexed.full_name
    assert _leaf(reply["queryPlanner"]["winningPlan"])["indexName"] == "a_1"
    assert reply["executionStats"]["nReturned"] == 1
    assert reply["command"]["pipeline"] == [{"$match": {"a": 3}}]


def test_consecutive_matches_are_coalesced(db, indexed):
    reply = db.command("aggregate", indexed.name, explain=True,
                       pipeline=[{"$match": {"a": {"$gt": 3}}}, {"$match": {"a": {"$lt": 6}}}])
    assert "stages" not in reply
    assert "$and" in reply["queryPlanner"]["parsedQuery"]
    assert _leaf(reply["queryPlanner"]["winningPlan"])["stage"] == "IXSCAN"


def test_an_empty_pipeline_is_a_collection_scan(db, indexed):
    reply = db.command("aggregate", indexed.name, explain=True, pipeline=[])
    assert reply["queryPlanner"]["winningPlan"]["stage"] == "COLLSCAN"


def test_other_stages_keep_the_cursor_stage(db, indexed):
    reply = db.command("aggregate", indexed.name, explain=True,
                       pipeline=[{"$match": {"a": 3}}, {"$group": {"_id": "$a"}}])
    assert "queryPlanner" in reply["stages"][0]["$cursor"]
    assert reply["stages"][1] == {"$group": {"_id": "$a"}}


@pytest.mark.parametrize("explain", [
    lambda db, coll: db.command("explain", {"find": coll.name, "filter": {"a": 1}}),
    lambda db, coll: db.command("explain", {"count": coll.name, "query": {"a": 1}}),
    lambda db, coll: db.command("aggregate", coll.name, explain=True,
                                pipeline=[{"$match": {"a": 1}}]),
    lambda db, coll: db.command("aggregate", coll.name, explain=True,
                                pipeline=[{"$group": {"_id": None}}]),
    lambda db, coll: coll.find({"a": 1}).explain(),
], ids=["find", "count", "match-aggregate", "group-aggregate", "cursor"])
def test_every_explain_reports_the_server_parameters(db, indexed, explain):
    reply = explain(db, indexed)
    assert reply["serverParameters"] == SEVEN_ZERO_PARAMETERS
    own = [key for key in reply if key not in ("$clusterTime", "operationTime")]
    # a pipeline's explain appends the command after them (Explain::explainPipelineExecutor)
    tail = ["serverInfo", "serverParameters", "command", "ok"] if "stages" in reply \
        else ["command", "serverInfo", "serverParameters", "ok"]
    assert own[-4:] == tail


@pytest.mark.parametrize("filter", [{"a": 3}, {"a": {"$in": [1, 2]}}, {"a": {"$gte": 2, "$lt": 5}}])
def test_bounds_that_are_the_filter_leave_fetch_nothing_to_check(indexed, filter):
    """The index bounds answer these predicates exactly, so 7.0's FETCH stage has
    no ``filter`` (the manual's explain results: FETCH re-checks only predicates
    the index scan does not answer)."""
    plan = indexed.find(filter).explain()["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "FETCH"
    assert "filter" not in plan
    assert plan["inputStage"]["stage"] == "IXSCAN"


def test_a_predicate_outside_the_index_stays_on_fetch(indexed):
    plan = indexed.find({"a": 3, "_id": {"$ne": 4}}).explain()["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "FETCH" and "filter" in plan
