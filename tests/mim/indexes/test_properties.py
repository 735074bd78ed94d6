"""Property: an index may only make a query faster — for generated documents,
indexes and filters, results (and order, where a sort is given) are the same
with and without indexes."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pymongo.errors import OperationFailure, WriteError

import mim
from mim.engine.languages.sorting import compile_sort

# mostly numbers, so that ranges, arrays and sorts interact often
SCALARS = st.one_of(
    st.integers(-3, 3), st.integers(-3, 3), st.integers(-3, 3),
    st.sampled_from([1.5, -0.5, 2.0]), st.none(), st.sampled_from(["a", "b", "c", ""]),
    st.booleans())
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3))
SUBDOCS = st.one_of(st.fixed_dictionaries({"x": SCALARS}),
                    st.lists(st.fixed_dictionaries({"x": SCALARS}), max_size=2),
                    st.just({}))


@st.composite
def documents(draw):
    doc = {}
    if draw(st.booleans()):
        doc["a"] = draw(VALUES)
    if draw(st.booleans()):
        doc["b"] = draw(SCALARS)  # never an array: {b, c.x} stays indexable
    if draw(st.booleans()):
        doc["c"] = draw(SUBDOCS)
    return doc


FIELDS = st.sampled_from(["a", "b", "c.x"])


def leaf_filters(field):
    return st.one_of(
        SCALARS.map(lambda v: {field: v}),
        st.lists(SCALARS, min_size=1, max_size=3).map(lambda vs: {field: {"$in": vs}}),
        st.tuples(st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), SCALARS).map(
            lambda t: {field: {t[0]: t[1]}}),
        st.tuples(st.integers(-3, 3), st.integers(-3, 3)).map(
            lambda t: {field: {"$gte": min(t), "$lt": max(t)}}),
        st.booleans().map(lambda b: {field: {"$exists": b}}),
        st.just({field: {"$ne": 1}}),
        st.just({field: {"$regex": "^a"}}),
    )


LEAVES = FIELDS.flatmap(leaf_filters)
FILTERS = st.one_of(
    LEAVES,
    st.tuples(LEAVES, LEAVES).map(lambda t: {"$and": list(t)}),
    st.tuples(LEAVES, LEAVES).map(lambda t: {"$or": list(t)}),
    st.tuples(LEAVES, LEAVES).map(lambda t: {**t[0], **t[1]}),
)
INDEXES = st.lists(st.tuples(
    st.sampled_from([[("a", 1)], [("b", -1)], [("c.x", 1)], [("a", 1), ("b", 1)],
                     [("b", 1), ("c.x", -1)], [("a", "hashed")]]),
    st.booleans()), max_size=3)
SORTS = st.one_of(st.none(), st.tuples(FIELDS, st.sampled_from([1, -1])).map(lambda t: [t]))


def _load(docs, indexes):
    server = mim.Server()
    plain = mim.MongoClient(server=server).test.plain
    indexed = mim.MongoClient(server=server).test.indexed
    for keys, sparse in indexes:
        try:
            indexed.create_index(keys, sparse=sparse and keys[0][1] != "hashed")
        except OperationFailure:
            pass  # same key pattern again with other options
    for i, doc in enumerate(docs):
        plain.insert_one({"_id": i, **doc})
        try:
            indexed.insert_one({"_id": i, **doc})
        except WriteError:  # a hashed index refuses arrays
            plain.delete_one({"_id": i})
    return plain, indexed


@st.composite
def focused_queries(draw):
    """A filter and a sort that mostly share one field, so that the index on
    that field has to serve both (where the interesting cases are)."""
    field = draw(FIELDS)
    filter = draw(st.one_of(leaf_filters(field), FILTERS))
    sort = draw(st.one_of(st.just([(field, 1)]), st.just([(field, -1)]), SORTS))
    return filter, sort


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(documents(), max_size=25), INDEXES.filter(bool), focused_queries(),
       st.integers(0, 5))
# a bounded multikey field cannot give the sort order (an array sorts by its minimum)
@example([{"a": [5, 1]}, {"a": 3}, {"a": [4, 0]}], [([("a", 1)], False)],
         ({"a": {"$gt": 2}}, [("a", 1)]), 0)
@example([{"a": [5, 1]}, {"a": 3}, {"a": [4, 0]}], [([("a", 1)], False)],
         ({"a": {"$lt": 4}}, [("a", -1)]), 2)
# a hashed key must hash MongoDB-equal values alike (2 == 2.0)
@example([{"a": 2.0}], [([("a", "hashed")], False)], ({"a": 2}, [("a", 1)]), 0)
def test_indexes_never_change_results(docs, indexes, query, limit):
    filter, sort = query
    plain, indexed = _load(docs, indexes)
    assert plain.count_documents(filter) == indexed.count_documents(filter)
    expected = list(plain.find(filter, sort=sort, limit=limit))
    actual = list(indexed.find(filter, sort=sort, limit=limit))
    if sort is None:
        if not limit:
            assert sorted(d["_id"] for d in actual) == sorted(d["_id"] for d in expected)
        else:
            assert len(actual) == len(expected)
            assert {d["_id"] for d in actual} <= {d["_id"] for d in plain.find(filter)}
        return
    key = compile_sort(dict(sort))
    # ties may come in another order (MongoDB does not define it): compare sort keys
    assert [key(d) for d in actual] == [key(d) for d in expected]
    if not limit:
        assert sorted(d["_id"] for d in actual) == sorted(d["_id"] for d in expected)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(documents(), max_size=25), INDEXES, FILTERS)
def test_writes_through_indexes_match_scans(docs, indexes, filter):
    plain, indexed = _load(docs, indexes)
    for coll in (plain, indexed):
        coll.update_many(filter, {"$set": {"touched": True}})
    assert sorted(d["_id"] for d in plain.find({"touched": True})) == \
        sorted(d["_id"] for d in indexed.find({"touched": True}))
    assert plain.delete_many(filter).deleted_count == indexed.delete_many(filter).deleted_count
    assert sorted(d["_id"] for d in plain.find()) == sorted(d["_id"] for d in indexed.find())
