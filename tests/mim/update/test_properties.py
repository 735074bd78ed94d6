"""Invariants that hold in MongoDB for any document and update."""

import bson
from hypothesis import given, settings
from hypothesis import strategies as st

from mim.engine.update import compile_update

names = st.sampled_from(["a", "b", "c", "d"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 31), 2 ** 31 - 1),
                    st.floats(allow_nan=False), st.text(max_size=3))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=3)), max_leaves=6)
documents = st.dictionaries(names, values, max_size=4).map(lambda d: {"_id": 1, **d})
paths = st.lists(names, min_size=1, max_size=3).map(".".join)


def attempt(update, doc):
    try:
        compile_update(update).apply(doc)
        return True
    except Exception:
        return False


@settings(max_examples=200, deadline=None)
@given(documents, st.dictionaries(paths, values, min_size=1, max_size=3))
def test_set_is_idempotent(doc, fields):
    update = {"$set": fields}
    try:
        compile_update(update)
    except Exception:
        return  # conflicting paths
    once = bson.decode(bson.encode(doc))
    if not attempt(update, once):
        return
    twice = bson.decode(bson.encode(once))
    assert attempt(update, twice)
    assert bson.encode(once) == bson.encode(twice)


@settings(max_examples=200, deadline=None)
@given(documents, paths, st.integers(-1000, 1000))
def test_inc_then_decrement_restores_an_int32(doc, path, n):
    start = bson.decode(bson.encode(doc))
    if not attempt({"$set": {path: 7}}, start):
        return
    work = bson.decode(bson.encode(start))
    assert attempt({"$inc": {path: n}}, work)
    assert attempt({"$inc": {path: -n}}, work)
    assert bson.encode(work) == bson.encode(start)

