"""Property: a wildcard index may only make a query faster — for generated
documents (nested objects, arrays of objects, nested and empty arrays, empty
objects), wildcard indexes (``$**``, ``a.$**``, with a projection, compound)
and filters, results are the same with and without the index, after inserts
and after updates and deletes through the index."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pymongo.errors import OperationFailure

import mim
from mim.engine.languages.sorting import compile_sort

SCALARS = st.one_of(st.integers(-2, 2), st.integers(-2, 2), st.none(),
                    st.sampled_from(["a", "b", ""]), st.booleans(), st.just(1.5))
LEAVES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["x", "y"]), inner, max_size=2)),
    max_leaves=6)
DOCUMENTS = st.dictionaries(st.sampled_from(["a", "b", "c"]), LEAVES, max_size=3)
PATHS = st.sampled_from(["a", "b", "c", "a.x", "a.y", "b.x", "a.x.y", "c.y", "a.0", "a.1.x", "a.x.0",
                        "b.0.0"])
ARGUMENTS = st.one_of(SCALARS, st.just({}), st.just([1]), st.just([]), st.just({"x": 1}))


def _leaf(path):
    return st.one_of(
        ARGUMENTS.map(lambda v: {path: v}),
        st.lists(ARGUMENTS, min_size=1, max_size=3).map(lambda vs: {path: {"$in": vs}}),
        st.tuples(st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), SCALARS).map(
            lambda t: {path: {t[0]: t[1]}}),
        st.booleans().map(lambda b: {path: {"$exists": b}}),
        st.just({path: {"$ne": 1}}),
        st.just({path: {"$regex": "^a"}}),
        st.just({path: {"$type": "object"}}),
    )


FILTERS = st.one_of(
    PATHS.flatmap(_leaf),
    st.tuples(PATHS.flatmap(_leaf), PATHS.flatmap(_leaf)).map(lambda t: {"$and": list(t)}),
    st.tuples(PATHS.flatmap(_leaf), PATHS.flatmap(_leaf)).map(lambda t: {"$or": list(t)}),
)
INDEXES = st.sampled_from([
    ({"$**": 1}, {}),
    ({"a.$**": 1}, {}),
    ({"$**": -1}, {"wildcardProjection": {"a.x": 1, "c": 1}}),
    ({"$**": 1}, {"wildcardProjection": {"b": 0, "a.y": 0}}),
    ({"b": 1, "a.$**": 1}, {}),
    ({"$**": 1, "b": 1}, {"wildcardProjection": {"b": 0}}),
    ({"$**": 1}, {"partialFilterExpression": {"b": {"$gt": 0}}}),
])


def _load(docs, index):
    server = mim.Server()
    plain = mim.MongoClient(server=server).test.plain
    indexed = mim.MongoClient(server=server).test.indexed
    keys, options = index
    indexed.create_index(list(keys.items()), **options)
    for i, doc in enumerate(docs):
        plain.insert_one({"_id": i, **doc})
        indexed.insert_one({"_id": i, **doc})
    return plain, indexed


def _ids(coll, filter, **options):
    return sorted(d["_id"] for d in coll.find(filter, **options))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(DOCUMENTS, max_size=15), INDEXES, FILTERS)
def test_wildcard_indexes_never_change_results(docs, index, filter):
    plain, indexed = _load(docs, index)
    assert _ids(plain, filter) == _ids(indexed, filter)
    assert plain.count_documents(filter) == indexed.count_documents(filter)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(DOCUMENTS, max_size=12), INDEXES, FILTERS, DOCUMENTS, FILTERS)
def test_writes_keep_wildcard_entries(docs, index, filter, replacement, query):
    plain, indexed = _load(docs, index)
    # (replace_one takes the first match in its plan's order: the same one by _id here)
    first = plain.find_one(query, sort=[("_id", 1)])
    for coll in (plain, indexed):
        coll.update_many(filter, {"$set": {"z": {"w": [1, {"v": 2}]}}})
        if first is not None:
            coll.replace_one({"_id": first["_id"]}, replacement)
        coll.delete_many({"c": {"$exists": True}, **filter})
    assert _ids(plain, query) == _ids(indexed, query)
    assert _ids(plain, {"z.w.v": 2}) == _ids(indexed, {"z.w.v": 2})


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(DOCUMENTS, max_size=15), INDEXES, PATHS.flatmap(
    lambda path: st.tuples(_leaf(path), st.just(path), st.sampled_from([1, -1]))),
    st.integers(0, 4))
def test_wildcard_sorts_match_scans(docs, index, query, limit):
    """A wildcard scan that gives the sort order (a predicate and a sort on one
    path) returns the documents in the order an in-memory sort does."""
    filter, path, direction = query
    plain, indexed = _load(docs, index)
    key = compile_sort({path: direction})
    expected = list(plain.find(filter, sort=[(path, direction)], limit=limit))
    actual = list(indexed.find(filter, sort=[(path, direction)], limit=limit))
    assert [key(d) for d in actual] == [key(d) for d in expected]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(DOCUMENTS, max_size=15), INDEXES, PATHS.flatmap(_leaf))
@example(docs=[{"a": [{"x": None}]}], index=({"$**": 1}, {}),
         filter={"a.0": {"$type": "object"}})  # an array element's leaves sit below "a"
def test_hinted_wildcard_scans_match_scans(docs, index, filter):
    """Whatever scan a hinted wildcard index makes for one predicate (positional
    paths and equality to ``[]`` included) holds every match."""
    plain, indexed = _load(docs, index)
    keys = list(index[0].items())
    try:
        hinted = _ids(indexed, filter, hint=keys)
    except OperationFailure as exc:
        assert exc.code == 291  # no scan of this index can answer the predicate
        return
    assert hinted == _ids(plain, filter)
