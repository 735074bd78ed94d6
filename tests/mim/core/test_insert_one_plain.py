"""``insert_one`` with no option, no session and the server's write concern stores
its document without the insert command (``Runner.insert_one``) only when nothing
else could see or shape that command: every insert, good or bad, must leave the
same results, errors, documents, counters, change events and journal as the
command the general path sends (reached here by making the shortcut decline),
and every listener, session, transaction, fail point and profiler must still see
the command itself."""

from __future__ import annotations

import contextlib
import datetime
import struct

import pytest
from bson import ObjectId, Timestamp
from bson.raw_bson import RawBSONDocument
from pymongo import monitoring
from pymongo.errors import DuplicateKeyError, InvalidOperation, OperationFailure

import mim
import mim.engine.ops.crud as ops_crud
from mim.runner import NOT_A_POINT, Runner

@contextlib.contextmanager
def _through(path: str):
    """``plain``: the shortcut as it is; ``command``: the shortcut declines every
    insert, so each one is sent as the insert command.  Yields a dict whose
    ``general`` counts the inserts the general ``insert`` ran."""
    calls = {"general": 0}
    general = ops_crud.insert
    shortcut = Runner.insert_one

    def counted(*args, **kwargs):
        calls["general"] += 1
        return general(*args, **kwargs)

    ops_crud.insert = counted
    if path == "command":
        Runner.insert_one = lambda self, db, coll, raw, original=None: NOT_A_POINT
    try:
        yield calls
    finally:
        ops_crud.insert = general
        Runner.insert_one = shortcut


def _undefined_document(id_value: int) -> RawBSONDocument:
    """``{_id: id_value, gone: undefined}`` (BSON type 0x06, which pymongo cannot
    encode)."""
    body = b"\x10_id\x00" + struct.pack("<i", id_value) + b"\x06gone\x00"
    return RawBSONDocument(struct.pack("<i", len(body) + 5) + body + b"\x00")


def _nested(depth: int) -> dict:
    doc: dict = {"leaf": 1}
    for _ in range(depth):
        doc = {"d": doc}
    return doc


def _normal(value):
    """``value`` with what differs from run to run named instead: a generated
    ObjectId, the time an empty Timestamp was stamped with, a change event's
    cluster time."""
    if isinstance(value, ObjectId):
        return "ObjectId"
    if isinstance(value, Timestamp):
        return "stamped" if value.time else value
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()
                if key not in ("clusterTime", "wallTime")}
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value


def _outcome(call):
    """What an insert gave: its result, or its exception as pymongo raised it."""
    try:
        result = call()
    except (OperationFailure, InvalidOperation) as exc:
        return ("raised", type(exc).__name__, getattr(exc, "code", None),
                _normal(getattr(exc, "details", None)), str(exc)[:300])
    return ("result", type(result).__name__, _normal(result.inserted_id), result.acknowledged)


def _inserts(db) -> list:
    """Every kind of insert_one, good and bad, into every kind of collection."""
    big = {"_id": "big", "blob": "x" * (16 * 1024 * 1024)}
    db.create_collection("capped", capped=True, size=4096, max=2)
    db.create_collection("checked", validator={"n": {"$type": "int"}})
    db.create_collection("series", timeseries={"timeField": "t"})
    db.create_collection("view", viewOn="items")
    db.items.insert_one({"_id": 0, "u": "first"})  # (creates the collection)
    db.items.create_index("u", unique=True, sparse=True)
    calls = [
        lambda: db.items.insert_one({"_id": 1, "u": "a", "tags": ["x"], "sub": {"k": 1}}),
        lambda: db.items.insert_one({"u": "generated id"}),
        lambda: db.items.insert_one({"_id": 1, "u": "again"}),  # duplicate _id
        lambda: db.items.insert_one({"_id": 2, "u": "a"}),  # duplicate unique key
        lambda: db.items.insert_one({"_id": [1, 2]}),  # an array _id
        lambda: db.items.insert_one({"_id": {"$bad": 1}}),  # a $-prefixed _id field
        lambda: db.items.insert_one({"_id": 3, "$top": 1}),
        lambda: db.items.insert_one({"_id": 4, "a.b": 1, "": 2}),
        lambda: db.items.insert_one({"_id": 5, "ts": Timestamp(0, 0), "other": Timestamp(0, 0)}),
        lambda: db.items.insert_one({"_id": 6, "nested": {"ts": Timestamp(0, 0)}}),
        lambda: db.items.insert_one(_undefined_document(7)),
        lambda: db.items.insert_one(RawBSONDocument(b"\x0c\x00\x00\x00\x10n\x00\x01\x00\x00\x00\x00")),
        lambda: db.items.insert_one(_nested(200)),  # too deep to store
        lambda: db.items.insert_one(_nested(90)),
        lambda: db.items.insert_one(big),  # too large
        lambda: db.capped.insert_one({"_id": 1}),
        lambda: db.capped.insert_one({"_id": 2}),
        lambda: db.capped.insert_one({"_id": 3}),  # rolls the first out
        lambda: db.capped.insert_one({"_id": 4, "pad": "p" * 5000}),  # exceeds its size
        lambda: db.checked.insert_one({"_id": 1, "n": 1}),
        lambda: db.checked.insert_one({"_id": 2, "n": "one"}),  # fails validation
        lambda: db.series.insert_one({"t": datetime.datetime(2024, 1, 1), "v": 1}),
        lambda: db.series.insert_one({"t": Timestamp(5, 1), "v": 2}),  # not a date
        lambda: db.view.insert_one({"_id": 1}),  # a view refuses writes
        lambda: db.fresh.insert_one({"_id": 1}),  # created by its first insert
        lambda: db.fresh.insert_one({"_id": 1}),
        lambda: db["system.buckets.x"].insert_one({"_id": 1}),
        lambda: db.client.local.oplog.rs.insert_one({"_id": 1}),
        lambda: db.client.local.kept.insert_one({"_id": 1}),
    ]
    outcomes = [_outcome(call) for call in calls]
    db.fresh.drop()
    outcomes.append(_outcome(lambda: db.fresh.insert_one({"_id": 2})))  # after a drop
    return outcomes


def _state(client, db) -> dict:
    """Everything an insert leaves behind that a client can read."""
    raw = db.with_options(codec_options=db.codec_options.with_options(
        document_class=RawBSONDocument))
    names = sorted(db.list_collection_names())
    return {
        "collections": names,
        "documents": {name: [_normal(dict(doc)) for doc in db[name].find()]
                      for name in names if name != "view"},
        "raw": {name: [len(doc.raw) for doc in raw[name].find()]
                for name in names if name not in ("view", "series")},
        "undefined": db.items.count_documents({"gone": {"$type": "undefined"}}),
        "stamped": [_normal(doc) for doc in db.items.find({"ts": {"$exists": True}})],
        "opcounters": client.admin.command("serverStatus")["opcounters"]["insert"],
        "local": sorted(client.local.list_collection_names()),
    }


def _scenario(client) -> tuple:
    db = client.test
    stream = client.watch()
    outcomes = _inserts(db)
    events = []
    while (event := stream.try_next()) is not None:
        events.append((event["operationType"], event.get("ns"),
                       _normal(event.get("documentKey")), _normal(event.get("fullDocument"))))
    stream.close()
    return outcomes, _state(client, db), events


def _assert_same(plain: tuple, command: tuple) -> None:
    """The shortcut's answer is the command's, insert by insert."""
    for index, (one, two) in enumerate(zip(plain[0], command[0])):
        assert one == two, f"insert #{index}"
    assert len(plain[0]) == len(command[0])
    assert plain[1] == command[1]
    assert plain[2] == command[2]


def test_every_insert_answers_as_the_command():
    answers = {}
    for path in ("plain", "command"):
        with _through(path) as calls:
            client = mim.MongoClient(server=mim.Server())
            answers[path] = _scenario(client)
            client.close()
        if path == "plain":
            # only the inserts the shortcut leaves to the command ran the general
            # insert: the four that create their collection, the two validated, the
            # two time-series ones, the view's and the buckets' (the oplog's is
            # refused before it)
            assert calls["general"] == 10
        else:
            assert calls["general"] == 30
    _assert_same(answers["plain"], answers["command"])
    outcomes, state, events = answers["plain"]
    assert outcomes[0][:2] == ("result", "InsertOneResult")
    dup = outcomes[2]
    assert dup[1] == "DuplicateKeyError" and dup[2] == 11000
    assert dup[3]["keyValue"] == {"_id": 1}
    assert state["undefined"] == 1
    assert state["stamped"][0]["ts"] == "stamped"
    assert [event[0] for event in events].count("insert") == 17


def test_a_durable_server_journals_every_insert(tmp_path):
    answers = {}
    for path in ("plain", "command"):
        data = tmp_path / path
        with _through(path):
            server = mim.Server(dbpath=str(data))
            outcomes, state, _ = _scenario(mim.MongoClient(server=server))
            server.close()
        again = mim.Server(dbpath=str(data))
        try:
            reopened = mim.MongoClient(server=again)
            kept = _state(reopened, reopened.test)
        finally:
            again.close()
        kept.pop("opcounters"), state.pop("opcounters")
        assert kept == state
        answers[path] = (outcomes, kept, [])
    _assert_same(answers["plain"], answers["command"])


def test_the_shortcut_is_taken_only_for_the_plain_command():
    server = mim.Server()
    client = mim.MongoClient(server=server)
    runner = client._runner
    raw = mim.boundary.encode({"_id": 1}, client.test.c.codec_options)
    assert runner.insert_one("test", "c", raw) is NOT_A_POINT  # no collection yet
    client.test.c.insert_one({"_id": 0})
    assert runner.insert_one("test", "c", raw) is None
    reply = runner.insert_one("test", "c", raw)
    assert reply["n"] == 0 and reply["writeErrors"][0]["code"] == 11000
    assert reply["ok"] == 1.0
    client.test.command("profile", 2)
    assert runner.insert_one("test", "c", raw) is NOT_A_POINT
    client.test.command("profile", 0)
    client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                         data={"failCommands": ["find"], "errorCode": 2})
    assert runner.insert_one("test", "c", raw) is NOT_A_POINT  # (any armed fail point)
    client.admin.command("configureFailPoint", "failCommand", mode="off")
    client.admin.command("fsync", lock=True)
    assert runner.insert_one("test", "c", raw) is NOT_A_POINT  # (the command waits)
    client.admin.command("fsyncUnlock")
    with client.start_session() as session:
        with session.bind():
            assert runner.insert_one("test", "c", raw) is NOT_A_POINT
            with session.start_transaction():
                client.test.c.insert_one({"_id": 2})  # (the bound session's statement)
                assert client.test.c.find_one({"_id": 2}, session=None) is not None
    client.close()
    assert runner.insert_one("test", "c", raw) is NOT_A_POINT


def test_listeners_sessions_transactions_fail_points_and_the_profiler_see_the_command():
    started = []

    class Listener(monitoring.CommandListener):
        def started(self, event):
            started.append(event)

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    server = mim.Server()
    watched = mim.MongoClient(server=server, event_listeners=[Listener()])
    watched.test.c.insert_one({"_id": 1})
    watched.test.c.insert_one({"_id": 2})
    inserts = [e for e in started if e.command_name == "insert"]
    assert len(inserts) == 2 and all("lsid" in e.command for e in inserts)
    assert all("txnNumber" in e.command for e in inserts)  # retryable writes

    client = mim.MongoClient(server=server, appname="app")
    coll = client.test.c
    with client.start_session() as session:
        coll.insert_one({"_id": 3}, session=session)
        with session.start_transaction():
            coll.insert_one({"_id": 4}, session=session)
            assert coll.find_one({"_id": 4}) is None  # outside the transaction
        assert coll.find_one({"_id": 4}) == {"_id": 4}

    client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                         data={"failCommands": ["insert"], "errorCode": 2})
    with pytest.raises(OperationFailure) as info:
        coll.insert_one({"_id": 5})
    assert info.value.code == 2
    coll.insert_one({"_id": 5})

    client.test.command("profile", 2)
    coll.insert_one({"_id": 6})
    client.test.command("profile", 0)
    entry = client.test.system.profile.find_one({"op": "insert"})
    assert entry["ns"] == "test.c" and entry["appName"] == "app"

    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"_id": 6})
    assert sorted(d["_id"] for d in coll.find()) == [1, 2, 3, 4, 5, 6]
    client.close()
    with pytest.raises(InvalidOperation):
        coll.insert_one({"_id": 7})
