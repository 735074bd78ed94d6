"""Properties MongoDB guarantees, checked on mim with generated data.

Each property holds on a real server; a counterexample is a mim bug (hypothesis shrinks it
to a minimal reproduction).  Example counts are small by default; ``--conformance-long``
(or ``MIM_CONFORMANCE_LONG=1``) multiplies them by 100.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import bson
from bson.raw_bson import RawBSONDocument
import pytest
from bson.codec_options import CodecOptions
from bson.son import SON
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pymongo.errors import OperationFailure, PyMongoError

import mim
from conformance import settings as run_settings
from conformance.strategies import (bson_values, documents, equality_filters, filters,
                                    sortable_scalars, updates)

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")


def _settings(examples: int) -> settings:
    return settings(max_examples=run_settings.examples(examples), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much],
                    database=None)


def fresh_collection(name: str = "c") -> Any:
    """A collection on a new, empty in-memory server (SON documents keep key order)."""
    client = mim.MongoClient(server=mim.Server(), document_class=SON)
    return client["prop"][name]


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """``("ok", value)`` or ``("error", code)``: what a server answers, comparable."""
    try:
        return "ok", fn()
    except OperationFailure as exc:
        return "error", exc.code
    except (PyMongoError, bson.errors.BSONError, TypeError, ValueError) as exc:
        return "error", type(exc).__name__


def ids(docs: list[Any]) -> list[Any]:
    return [bson.encode({"_id": d["_id"]}) for d in docs]


# distinct _ids: integers keep documents apart and shrink well
def numbered(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"_id": i, **{k: v for k, v in d.items() if k != "_id"}} for i, d in enumerate(docs)]


DOCS = st.lists(documents(with_id=False), max_size=8).map(numbered)


def load(docs: list[dict[str, Any]], name: str = "c") -> Any:
    coll = fresh_collection(name)
    if docs:
        coll.insert_many(docs)
    return coll


# -- counting and matching ----------------------------------------------------------------

@_settings(150)
@given(DOCS, filters())
def test_count_documents_equals_length_of_find(docs: list[dict], query: dict) -> None:
    coll = load(docs)
    found = outcome(lambda: len(list(coll.find(query))))
    counted = outcome(lambda: coll.count_documents(query))
    assert found == counted


@_settings(150)
@given(DOCS, filters(), filters())
def test_nor_is_the_complement_of_or(docs: list[dict], q1: dict, q2: dict) -> None:
    coll = load(docs)
    either = outcome(lambda: {d["_id"] for d in coll.find({"$or": [q1, q2]})})
    neither = outcome(lambda: {d["_id"] for d in coll.find({"$nor": [q1, q2]})})
    assume(either[0] == "ok" and neither[0] == "ok")
    assert either[1].isdisjoint(neither[1])
    assert either[1] | neither[1] == {d["_id"] for d in docs}


@_settings(150)
@given(DOCS, filters())
def test_find_equals_match_stage(docs: list[dict], query: dict) -> None:
    coll = load(docs)
    found = outcome(lambda: ids(list(coll.find(query))))
    matched = outcome(lambda: ids(list(coll.aggregate([{"$match": query}]))))
    if found[0] == "ok" and matched[0] == "ok":
        assert found == matched
    else:  # both reject it (the same error, or the stage says it differently)
        assert found[0] == matched[0] == "error", (found, matched)


# -- ordering -------------------------------------------------------------------------------

def _compare() -> Callable[[Any, Any], int]:
    from mim.engine.values.order import compare
    return compare


@_settings(300)
@given(st.lists(bson_values(max_leaves=4), min_size=3, max_size=3))
def test_compare_is_a_total_preorder(values: list[Any]) -> None:
    compare = _compare()
    a, b, c = values
    assert compare(a, a) == 0
    assert compare(a, b) == -compare(b, a)
    if compare(a, b) <= 0 and compare(b, c) <= 0:
        assert compare(a, c) <= 0


@_settings(150)
@given(st.lists(sortable_scalars(), max_size=10), st.sampled_from([1, -1]))
def test_sort_agrees_with_compare(values: list[Any], direction: int) -> None:
    compare = _compare()
    coll = load([{"_id": i, "v": v} for i, v in enumerate(values)])
    result = [d["v"] for d in coll.find({}, sort=[("v", direction)])]
    assert len(result) == len(values)
    for before, after in zip(result, result[1:]):
        assert direction * compare(before, after) <= 0, (before, after)


# -- updates ------------------------------------------------------------------------------

def _snapshot(coll: Any) -> list[bytes]:
    raw = coll.with_options(codec_options=CodecOptions(document_class=RawBSONDocument))
    return [d.raw for d in raw.find({}, sort=[("_id", 1)])]


@_settings(200)
@given(DOCS.filter(bool), updates(), st.data())
def test_a_rejected_update_changes_nothing(docs: list[dict], update: dict, data: Any) -> None:
    coll = load(docs)
    target = data.draw(st.sampled_from([d["_id"] for d in docs]))
    before = _snapshot(coll)
    result = outcome(lambda: coll.update_one({"_id": target}, update))
    if result[0] == "error":
        assert _snapshot(coll) == before


@_settings(150)
@given(DOCS.filter(bool), st.sampled_from(["zz", "new field", "é"]),
       bson_values(max_leaves=4))
def test_set_then_unset_restores(docs: list[dict], field: str, value: Any) -> None:
    assume(not any(field in d for d in docs))
    coll = load(docs)
    before = _snapshot(coll)
    coll.update_many({}, {"$set": {field: value}})
    coll.update_many({}, {"$unset": {field: ""}})
    assert _snapshot(coll) == before


@_settings(100)
@given(DOCS.filter(bool), updates(operators=("$set",)))
def test_set_is_idempotent(docs: list[dict], update: dict) -> None:
    coll = load(docs)
    if outcome(lambda: coll.update_many({}, update))[0] != "ok":
        return
    once = _snapshot(coll)
    coll.update_many({}, update)
    assert _snapshot(coll) == once


@_settings(150)
@given(DOCS, equality_filters())
def test_upsert_then_find_finds_it(docs: list[dict], query: dict) -> None:
    assume(not any(isinstance(v, float) and math.isnan(v) for v in query.values()))
    coll = load(docs)
    result = coll.update_one(query, {"$set": {"marker": 1}}, upsert=True)
    found = list(coll.find(query))
    assert found, f"{query} found nothing after the upsert"
    if result.upserted_id is not None:
        assert coll.find_one({"_id": result.upserted_id, **query}) is not None


# -- BSON --------------------------------------------------------------------------------

@_settings(200)
@given(documents(with_id=True, dotted_keys=True, dollar_keys=True))
def test_bson_round_trip_is_stable(doc: dict) -> None:
    coll = fresh_collection()
    assume(outcome(lambda: coll.insert_one(doc))[0] == "ok")
    raw = coll.with_options(codec_options=CodecOptions(document_class=RawBSONDocument))
    stored = raw.find_one({"_id": doc["_id"]})
    assert stored is not None
    assert stored.raw == bson.encode(doc)
    assert bson.encode(bson.decode(stored.raw)) == stored.raw


# -- indexes ---------------------------------------------------------------------------

INDEX_KEYS = st.sampled_from([[("a", 1)], [("b", -1)], [("a", 1), ("b", 1)], [("a.b", 1)],
                              [("c", 1), ("a", -1)], [("a", "hashed")]])


@_settings(150)
@given(DOCS, filters(), st.lists(INDEX_KEYS, min_size=1, max_size=2),
       st.sampled_from([None, [("a", 1), ("_id", 1)], [("b", -1), ("_id", 1)]]))
def test_indexes_do_not_change_results(docs: list[dict], query: dict, keys: list,
                                       sort: Any) -> None:
    plain = fresh_collection("plain")
    indexed = fresh_collection("indexed")
    for key in keys:
        if outcome(lambda key=key: indexed.create_index(key))[0] != "ok":
            return
    for doc in docs:  # a document an index refuses (hashed arrays) is left out of both
        if outcome(lambda doc=doc: indexed.insert_one(doc))[0] == "ok":
            plain.insert_one(doc)
    options = {"sort": sort} if sort else {}

    def run(coll: Any) -> tuple[str, Any]:
        return outcome(lambda: ids(list(coll.find(query, **options))))

    a, b = run(plain), run(indexed)
    if sort is None and a[0] == b[0] == "ok":
        assert sorted(a[1]) == sorted(b[1])
    else:
        assert a == b
