"""A transaction's plain ``insert_one`` statements (every one after the first, which
starts the transaction) are stored without the insert command
(``Runner.insert_one_in_transaction``) only where nothing could tell: every such
statement, good or bad, must give the same result or error (class, code, code
name, message, ``errorLabels``), leave the transaction in the same state (a failed
statement aborts it; the next one answers NoSuchTransaction), commit or abort the
same, and leave the same documents, index entries, counters and change events
(delivered at commit, with ``lsid`` and ``txnNumber``) as the command the general
path sends — reached here by making the shortcut decline every statement."""

from __future__ import annotations

import contextlib

import bson
from bson import ObjectId, Timestamp
from bson.raw_bson import RawBSONDocument
from hypothesis import HealthCheck, given, settings, strategies as st
from pymongo.errors import InvalidOperation, OperationFailure, PyMongoError

import mim
import mim.engine.ops.crud as ops_crud
from mim.engine.ops.sessions import registry
from mim.runner import NOT_A_POINT, Runner

from .test_transaction_waits import Outside as Background


@contextlib.contextmanager
def _through(path: str):
    """``plain``: the shortcut as it is; ``command``: it declines every statement, so
    each is sent as the insert command.  Yields a dict whose ``general`` counts the
    inserts the general ``insert`` ran."""
    calls = {"general": 0}
    general = ops_crud.insert
    shortcut = Runner.insert_one_in_transaction

    def counted(*args, **kwargs):
        calls["general"] += 1
        return general(*args, **kwargs)

    ops_crud.insert = counted
    if path == "command":
        Runner.insert_one_in_transaction = lambda self, db, coll, raw, session: NOT_A_POINT
    try:
        yield calls
    finally:
        ops_crud.insert = general
        Runner.insert_one_in_transaction = shortcut


def _normal(value):
    """``value`` with what differs from run to run named instead: a generated
    ObjectId, a stamped Timestamp, cluster and wall times, a session id."""
    if isinstance(value, ObjectId):
        return "ObjectId"
    if isinstance(value, Timestamp):
        return "stamped" if value.time else value
    if isinstance(value, dict):
        return {key: ("lsid" if key == "lsid" else _normal(item)) for key, item in value.items()
                if key not in ("clusterTime", "wallTime", "operationTime", "$clusterTime",
                               "_id" if "operationType" in value else "")}
    if isinstance(value, (list, tuple)):
        return [_normal(item) for item in value]
    return value


def _outcome(call):
    """What a call gave: its result, or its exception as pymongo raised it."""
    try:
        result = call()
    except (PyMongoError, InvalidOperation) as exc:
        return ("raised", type(exc).__name__, getattr(exc, "code", None),
                _normal(getattr(exc, "details", None)), str(exc)[:300],
                sorted(label for label in ("TransientTransactionError",
                                           "UnknownTransactionCommitResult")
                       if exc.has_error_label(label)))
    if result is None:
        return ("result", None)
    return ("result", type(result).__name__, _normal(getattr(result, "inserted_id", None)))


#: the documents a statement inserts (by name): good ones, and ones each refused by
#: something else
_DOCUMENTS = {
    "new": lambda n: {"_id": 1000 + n, "k": n, "u": f"u{n}"},
    "generated id": lambda n: {"k": n},
    "committed _id": lambda n: {"_id": 1, "k": n},  # duplicate of a committed document
    "own _id": lambda n: {"_id": 1000, "k": n},  # a duplicate once "new" 0 ran
    "unique key": lambda n: {"_id": 2000 + n, "u": "c1"},  # a committed unique key
    "array _id": lambda n: {"_id": [n]},
    "dollar field": lambda n: {"_id": 3000 + n, "$x": 1},
    "empty timestamp": lambda n: {"_id": 4000 + n, "ts": Timestamp(0, 0)},
    "deep": lambda n: _nested(200),
    "raw": lambda n: RawBSONDocument(bson.encode({"_id": 5000 + n, "k": n})),
    "taken by the other transaction": lambda n: {"_id": 7},
    "committed outside after the snapshot": lambda n: {"_id": 8},
}

#: the collections a statement inserts into (by name): plain ones (an overlay, one
#: with a unique index), and every kind the shortcut leaves to the command
_TARGETS = {
    "items": lambda db: db.items,  # a unique index on u
    "plain": lambda db: db.plain,
    "capped": lambda db: db.capped,
    "checked": lambda db: db.checked,
    "series": lambda db: db.series,
    "view": lambda db: db.view,
    "missing": lambda db: db.missing,  # created by the statement
    "system": lambda db: db["system.js"],
    "admin": lambda db: db.client.admin.items,
    "local": lambda db: db.client.local.items,
}


def _nested(depth: int) -> dict:
    doc: dict = {"leaf": 1}
    for _ in range(depth):
        doc = {"d": doc}
    return doc


def _setup(client) -> None:
    db = client.test
    db.items.insert_many([{"_id": 1, "u": "c1", "k": 1}, {"_id": 2, "u": "c2", "k": 2}])
    db.items.create_index("u", unique=True, sparse=True)
    db.items.create_index("k")
    db.plain.insert_one({"_id": 1, "k": 1})
    db.plain.create_index([("k", -1), ("u", 1)])
    db.create_collection("capped", capped=True, size=4096)
    db.create_collection("checked", validator={"k": {"$type": "int"}})
    db.create_collection("series", timeseries={"timeField": "t"})
    db.create_collection("view", viewOn="items")
    db.system.js.insert_one({"_id": "f", "value": 1})
    client.admin.items.insert_one({"_id": 1})
    client.local.items.insert_one({"_id": 1})


def _state(client) -> dict:
    """Everything the statements leave behind that a client can read."""
    db = client.test
    raw = db.with_options(codec_options=db.codec_options.with_options(
        document_class=RawBSONDocument))
    names = sorted(db.list_collection_names())
    return {
        "collections": names,
        "documents": {name: [_normal(dict(doc)) for doc in raw[name].find()]
                      for name in names if name != "view"},
        "by k": {name: [_normal(doc) for doc in db[name].find({}, {"_id": 1}).hint(hint)]
                 for name, hint in (("items", "k_1"), ("plain", "k_-1_u_1"),
                                    ("items", "u_1"))},
        "opcounters": client.admin.command("serverStatus")["opcounters"],
        "admin": list(client.admin.items.find()),
        "local": list(client.local.items.find()),
    }


def _scenario(statements: list, end: str) -> tuple:
    """``statements`` ((target, document) names) run in one transaction after a first
    plain insert, with another transaction holding ``_id`` 7 and an outside commit of
    ``_id`` 8 after the snapshot; then ``end``: commit or abort."""
    client = mim.MongoClient(server=mim.Server())
    _setup(client)
    stream = client.watch(max_await_time_ms=1)  # (its events are in; no 1 s idle at the end)
    other = client.start_session()
    other.start_transaction()
    client.test.plain.insert_one({"_id": 7}, session=other)
    client.test.items.insert_one({"_id": 7}, session=other)
    outcomes = []
    with client.start_session() as session:
        session.start_transaction()
        outcomes.append(_outcome(lambda: client.test.plain.insert_one({"_id": 999},
                                                                      session=session)))
        client.test.plain.insert_one({"_id": 8})  # committed outside after the snapshot
        client.test.items.insert_one({"_id": 8, "u": "outside"})
        for n, (target, document) in enumerate(statements):
            coll = _TARGETS[target](client.test)
            outcomes.append(_outcome(
                lambda: coll.insert_one(_DOCUMENTS[document](n), session=session)))
        outcomes.append(_outcome(getattr(session, end + "_transaction")))
    other.abort_transaction()
    other.end_session()
    events = []
    while (event := stream.try_next()) is not None:
        events.append(_normal(event))
    stream.close()
    state = _state(client)
    client.close()
    return outcomes, state, events


_STATEMENTS = st.lists(st.tuples(st.sampled_from(sorted(_TARGETS)),
                                 st.sampled_from(sorted(_DOCUMENTS))),
                       min_size=1, max_size=6)


def _both(statements: list, end: str) -> tuple:
    answers = {}
    for path in ("plain", "command"):
        with _through(path) as calls:
            answers[path] = (*_scenario(statements, end), calls["general"])
    return answers["plain"], answers["command"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements=_STATEMENTS, end=st.sampled_from(["commit", "abort"]))
def test_every_statement_answers_as_the_command(statements, end):
    plain, command = _both(statements, end)
    for index, (one, two) in enumerate(zip(plain[0], command[0])):
        assert one == two, f"outcome #{index} of {statements} then {end}"
    assert plain[1:3] == command[1:3]
    assert plain[3] <= command[3]


def test_plain_statements_take_the_shortcut_and_commit_as_the_command():
    statements = [("items", "new"), ("plain", "new"), ("plain", "generated id"),
                  ("items", "raw"), ("plain", "empty timestamp")]
    plain, command = _both(statements, "commit")
    assert plain[:3] == command[:3]
    # the five statements and the other transaction's second one took the shortcut;
    # each transaction's first statement was the command
    assert plain[3] == command[3] - 6
    outcomes, state, events, _ = plain
    assert all(outcome[0] == "result" for outcome in outcomes)
    inserted = [event for event in events if event.get("lsid") == "lsid"]
    assert [event["documentKey"]["_id"] for event in inserted] == [
        999, 1000, 1001, "ObjectId", 5003, 4004]
    assert {event["txnNumber"] for event in inserted} == {1}
    assert state["documents"]["plain"][-1]["ts"] == "stamped"


def test_a_failed_statement_aborts_the_transaction_with_the_command_s_error():
    for statements, code, labels in (
            ([("items", "committed _id"), ("items", "new")], 11000, []),
            ([("plain", "taken by the other transaction"), ("plain", "new")], 112,
             ["TransientTransactionError"]),
            ([("items", "committed outside after the snapshot")], 112,
             ["TransientTransactionError"]),
            ([("items", "unique key")], 11000, [])):
        plain, command = _both(statements, "abort")
        assert plain[:3] == command[:3]
        failed = plain[0][1]
        assert failed[0] == "raised" and failed[2] == code and failed[5] == labels
        if len(statements) > 1:  # the transaction was aborted by the failure
            assert plain[0][2][2] == 251 and plain[0][2][5] == ["TransientTransactionError"]
        assert 1000 not in [doc.get("_id") for doc in plain[1]["documents"]["items"]]


def test_the_shortcut_declines_what_the_command_must_answer():
    server = mim.Server()
    client = mim.MongoClient(server=server)
    runner = client._runner
    client.test.c.insert_one({"_id": 0})
    raw = mim.boundary.encode({"_id": 1}, client.test.c.codec_options)
    with client.start_session() as session:
        assert runner.insert_one_in_transaction("test", "c", raw, session) is NOT_A_POINT
        session.start_transaction()
        # the first statement starts the transaction: the command
        assert runner.insert_one_in_transaction("test", "c", raw, session) is NOT_A_POINT
        client.test.c.find_one({"_id": 0}, session=session)
        assert runner.insert_one_in_transaction("test", "missing", raw, session) \
            is NOT_A_POINT  # (created by the command)
        assert runner.insert_one_in_transaction("admin", "c", raw, session) is NOT_A_POINT
        assert runner.insert_one_in_transaction("test", "system.js", raw, session) \
            is NOT_A_POINT
        client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                             data={"failCommands": ["find"], "errorCode": 2})
        assert runner.insert_one_in_transaction("test", "c", raw, session) is NOT_A_POINT
        client.admin.command("configureFailPoint", "failCommand", mode="off")
        client.test.command("profile", 2)
        assert runner.insert_one_in_transaction("test", "c", raw, session) is NOT_A_POINT
        client.test.command("profile", 0)
        assert runner.insert_one_in_transaction("test", "c", raw, session) is None
        session.commit_transaction()
        assert runner.insert_one_in_transaction("test", "c", raw, session) is NOT_A_POINT
    assert client.test.c.find_one({"_id": 1}) == {"_id": 1}
    client.close()


def test_a_transaction_past_its_lifetime_is_left_to_the_command():
    server = mim.Server()
    client = mim.MongoClient(server=server)
    client.test.c.insert_one({"_id": 0})
    client.admin.command("setParameter", 1, transactionLifetimeLimitSeconds=1)
    with client.start_session() as session:
        session.start_transaction()
        client.test.c.insert_one({"_id": 1}, session=session)
        transaction = next(iter(
            record.transaction for record in
            registry(server)._records.values()
            if record.transaction is not None))
        transaction.deadline = 0  # (its lifetime is over)
        try:
            client.test.c.insert_one({"_id": 2}, session=session)
        except OperationFailure as exc:
            assert exc.code == 251  # NoSuchTransaction: aborted by its time limit
        else:  # pragma: no cover
            raise AssertionError("the expired transaction took a statement")
    assert client.test.c.find_one({"_id": 1}) is None
    client.close()


def _lock_timeout_scenario() -> tuple:
    """A transaction's second statement, its first touch of ``t.c``, while a drop of
    ``t.c`` waits behind another transaction holding it: LockTimeout (24)."""
    client = mim.MongoClient(server=mim.Server())
    client.t.c.insert_one({"_id": 0})
    client.t.d.insert_one({"_id": 0})
    holder = client.start_session()
    holder.start_transaction()
    client.t.c.find_one({}, session=holder)
    session = client.start_session()
    session.start_transaction()
    outcomes = [_outcome(lambda: client.t.d.insert_one({"_id": 1}, session=session))]
    drop = Background(lambda: client.t.command("drop", "c"))
    assert drop.still_blocked()
    outcomes.append(_outcome(lambda: client.t.c.insert_one({"_id": 1}, session=session)))
    outcomes.append(_outcome(lambda: client.t.d.insert_one({"_id": 2}, session=session)))
    holder.abort_transaction()
    drop.outcome()
    outcomes.append(_normal(client.admin.command("serverStatus")["opcounters"]))
    outcomes.append(list(client.t.d.find()))
    client.close()
    return outcomes


def test_a_statement_s_lock_timeout_aborts_as_the_command_s_does():
    answers = {}
    for path in ("plain", "command"):
        with _through(path):
            answers[path] = _lock_timeout_scenario()
    assert answers["plain"] == answers["command"]
    first, timed_out, after = answers["plain"][:3]
    assert first == ("result", "InsertOneResult", 1)
    assert timed_out[2] == 24 and timed_out[5] == ["TransientTransactionError"]
    assert timed_out[3]["codeName"] == "LockTimeout"
    assert after[2] == 251  # NoSuchTransaction: the failed statement aborted it
    assert answers["plain"][4] == [{"_id": 0}]
