"""A transaction reads through secondary indexes without copying its collection.

A transaction's writes live in an overlay over the committed collection
(``mim/engine/storage/overlay.py``); the query planner reads the overlay's indexes as
merged ones (``mim/engine/index/merged.py``: the snapshot index's entries less the
transaction's replaced and deleted documents', plus its new and inserted ones').
Property: for generated documents, indexes, transactional writes and queries
(equalities, ``$in``, ranges, compound bounds, ``$or``, sorts either way, limits,
hints), the merged read answers exactly what the full copy of the collection
answers (the overlay materialised), in the same order, with the same plan, keys and
documents examined — and the overlay stays uncopied."""

from __future__ import annotations

import uuid

from bson.binary import Binary
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mim
from mim.engine.commands import run_command
from mim.engine.languages.matcher import compile_filter
from mim.engine.ops.transactions import Transaction
from mim.engine.planner import explain_find
from mim.engine.storage.overlay import OverlayCollection

SCALARS = st.one_of(st.integers(-3, 3), st.integers(-3, 3), st.none(),
                    st.sampled_from(["a", "b"]), st.sampled_from([1.5, -0.5]))
VALUES = st.one_of(SCALARS, SCALARS, st.lists(SCALARS, max_size=3))


@st.composite
def documents(draw, id_value):
    doc = {"_id": id_value}
    if draw(st.integers(0, 4)):
        doc["a"] = draw(VALUES)
    if draw(st.integers(0, 4)):
        doc["b"] = draw(SCALARS)
    return doc


INDEXES = st.lists(st.sampled_from([
    {"key": {"a": 1}, "name": "a_1"},
    {"key": {"a": -1, "b": 1}, "name": "a_-1_b_1"},
    {"key": {"b": 1}, "name": "b_1"},
    {"key": {"b": -1}, "name": "b_-1", "sparse": True},
    {"key": {"b": 1, "a": 1}, "name": "b_a_partial",
     "partialFilterExpression": {"b": {"$gt": 0}}},
]), min_size=1, max_size=4, unique_by=lambda spec: spec["name"])


@st.composite
def writes(draw):
    """A transaction's writes: ``(command name, command fields)``."""
    out = []
    for number in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["insert", "update", "delete", "update_many"]))
        target = draw(st.integers(0, 14))
        if kind == "insert":
            out.append({"insert": "c", "documents": [draw(documents(100 + number))]})
        elif kind == "update":
            out.append({"update": "c", "updates": [
                {"q": {"_id": target}, "u": {"$set": {"a": draw(VALUES)}}}]})
        elif kind == "delete":
            out.append({"delete": "c", "deletes": [{"q": {"_id": target}, "limit": 1}]})
        else:
            out.append({"update": "c", "updates": [
                {"q": {"b": draw(SCALARS)}, "u": {"$set": {"b": draw(SCALARS)}},
                 "multi": True}]})
    return out


@st.composite
def queries(draw):
    field = draw(st.sampled_from(["a", "b", "_id"]))
    value = draw(SCALARS if field != "_id" else st.integers(-1, 16))
    shape = draw(st.sampled_from(["eq", "in", "gte", "lt", "range", "and", "or"]))
    if shape == "eq":
        query = {field: value}
    elif shape == "in":
        query = {field: {"$in": [value, draw(SCALARS)]}}
    elif shape == "gte":
        query = {field: {"$gte": value}}
    elif shape == "lt":
        query = {field: {"$lt": value}}
    elif shape == "range":
        query = {field: {"$gt": value, "$lte": draw(SCALARS)}}
    elif shape == "and":
        query = {"a": value, "b": {"$gte": draw(SCALARS)}}
    else:
        query = {"$or": [{field: value}, {"b": {"$gt": draw(SCALARS)}}]}
    sort = draw(st.sampled_from([None, {"a": 1}, {"a": -1}, {"b": 1}, {"_id": -1},
                                 {"a": -1, "b": 1}]))
    limit = draw(st.sampled_from([0, 0, 1, 3]))
    return query, sort, limit


def _transaction(server):
    """A transaction on ``server`` and its view of ``t.c`` (an overlay at first touch)."""
    transaction = Transaction(server, {"id": Binary(uuid.uuid4().bytes, 4)}, 1, None)
    return transaction, transaction.view


def _answer(view, coll, query, sort, limit, hint=None):
    """The documents ``find`` answers on the view, and explain's plan and counts."""
    cmd = {"find": "c", "filter": query, "limit": limit}
    if sort:
        cmd["sort"] = sort
    if hint:
        cmd["hint"] = hint
    try:
        found = run_command(view, "t", cmd)["cursor"]["firstBatch"]
    except Exception as exc:  # (a bad hint, a bad sort: the same error on both)
        return ("error", getattr(exc, "code", type(exc).__name__))
    explained = explain_find(coll, "t.c", compile_filter(query), query, sort=sort,
                             limit=limit, hint=hint, verbosity="executionStats")
    stats = explained["executionStats"]
    return (found, explained["queryPlanner"]["winningPlan"],
            stats["nReturned"], stats["totalKeysExamined"], stats["totalDocsExamined"])


def _index_state(coll, names):
    """What the planner reads of each index: its entries in order, its counts below
    and above each of them (its scans' costs), its multikey paths."""
    state = []
    for name in names:
        index = coll.indexes.by_name(name)
        entries = index.entries
        listed = list(entries)
        state.append((name, len(index), listed,
                      [entries.bisect_left(entry) for entry in listed],
                      [entries.bisect_right(entry[:1]) for entry in listed],
                      index.multikey, index.multikey_paths()))
    return state


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_merged_index_reads_answer_as_the_copy_does(data):
    committed = [data.draw(documents(i)) for i in range(data.draw(st.integers(0, 15)))]
    specs = data.draw(INDEXES)
    statements = data.draw(writes())
    asked = data.draw(st.lists(queries(), min_size=1, max_size=4))
    hinted = ["_id_", *(spec["name"] for spec in specs)]
    hints = [data.draw(st.sampled_from([None, *hinted])) for _ in asked]
    # reads between the writes too: the merged indexes then follow each later write
    steps = [("write", statement) for statement in statements]
    for position, read in enumerate(zip(asked, hints)):
        steps.insert(data.draw(st.integers(0, len(steps))), ("read", read))
    server = mim.Server()
    client = mim.MongoClient(server=server)
    if committed:
        client.t.c.insert_many(committed)
    else:
        client.t.create_collection("c")
    client.t.command("createIndexes", "c", indexes=specs)

    answers = []
    for copy in (False, True):  # one transaction after the other: the same snapshot
        transaction, view = _transaction(server)
        coll = view.get_collection("t", "c")
        if copy:
            coll.materialise()  # the full copy, its writes applied as they come
        read = []
        for kind, step in steps:
            if kind == "write":
                try:
                    read.append(run_command(view, "t", dict(step)).get("n"))
                except Exception as exc:  # (the same statement fails on both)
                    read.append(type(exc).__name__)
                continue
            (query, sort, limit), hint = step
            read.append(_answer(view, coll, query, sort, limit, None if sort else hint))
            read.append(_index_state(coll, ["_id_", *(spec["name"] for spec in specs)]))
            if not copy:
                assert type(coll) is OverlayCollection  # read without a copy
        answers.append(read)
        transaction.abort()
    assert answers[0] == answers[1]
