"""``find`` by ``_id`` with ``limit: 1, singleBatch: true`` — the command a driver's
``find_one({"_id": x})`` sends — reads the point without compiling the filter or
planning (``cmd_find``'s shortcut).  It must answer exactly as the general find
does: the same reply bytes (the times a replica-set member stamps aside), the same
errors, for every value, collection kind and session state."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import bson
import pytest
from bson import Binary, Int64, ObjectId, Regex

import mim
from mim.engine.commands import crud as crud_commands
from mim.engine.ops import crud
from mim.wire.protocol import encode_op_msg
from mim.wire.server import WireServer

OID = ObjectId("65a1b2c3d4e5f60718293a4b")
LSID = {"id": Binary(uuid.UUID("11111111-2222-4333-8444-555555555555").bytes, 4)}

SETUP: list[dict[str, Any]] = [
    {"insert": "things", "documents": [
        {"_id": 1, "x": "int"}, {"_id": "a", "x": "str"}, {"_id": OID, "x": "oid"},
        {"_id": "é", "x": "non-ascii"}, {"_id": 2 ** 40, "x": "int64"},
        {"_id": {"k": 1}, "x": "doc"}, {"_id": 2.5, "x": "double"}, {"_id": None, "x": "null"},
        {"_id": True, "x": "bool"}]},
    {"create": "folded", "collation": {"locale": "en", "strength": 2}},
    {"insert": "folded", "documents": [{"_id": "A", "x": 1}]},
    {"create": "view", "viewOn": "things", "pipeline": [{"$match": {"x": {"$ne": "str"}}}]},
    {"create": "series", "timeseries": {"timeField": "t"}},
    {"insert": "series", "documents": [{"t": datetime.datetime(2024, 1, 1)}]},
]


def _find(filter: Any, coll: Any = "things", **fields: Any) -> dict[str, Any]:
    cmd: dict[str, Any] = {"find": coll, "filter": filter, "limit": 1, "singleBatch": True}
    cmd.update(fields)
    return cmd


#: name -> (command, whether the shortcut answers it)
CASES: dict[str, tuple[dict[str, Any], bool]] = {
    "int hit": (_find({"_id": 1}), True),
    "int miss": (_find({"_id": 7}), True),
    "string hit": (_find({"_id": "a"}), True),
    "string miss": (_find({"_id": "zz"}), True),
    "ObjectId hit": (_find({"_id": OID}), True),
    "ObjectId miss": (_find({"_id": ObjectId("000000000000000000000000")}), True),
    "in a driver session": (_find({"_id": 1}, lsid=LSID), True),
    "no such collection": (_find({"_id": 1}, "nothing"), False),
    "no such database": (_find({"_id": 1}, **{"$db": "nowhere"}), False),
    "a double equal to the int": (_find({"_id": 1.0}), False),
    "Int64 equal to the int": (_find({"_id": Int64(1)}), False),
    "an int64-sized int": (_find({"_id": 2 ** 40}), False),
    "non-ASCII string": (_find({"_id": "é"}), False),
    "bool": (_find({"_id": True}), False),
    "null": (_find({"_id": None}), False),
    "document value": (_find({"_id": {"k": 1}}), False),
    "operator": (_find({"_id": {"$gte": 2}}), False),
    "regex": (_find({"_id": Regex("^a")}), False),
    "other field": (_find({"x": "str"}), False),
    "two fields": (_find({"_id": 1, "x": "int"}), False),
    "limit 2": (_find({"_id": 1}, limit=2), False),
    "not a single batch": (_find({"_id": 1}, singleBatch=False), False),
    "default collation": (_find({"_id": "a"}, "folded"), False),
    "view": (_find({"_id": 1}, "view"), False),
    "time-series": (_find({"_id": 1}, "series"), False),
    "projection": (_find({"_id": 1}, projection={"x": 0}), False),
    "with maxTimeMS": (_find({"_id": 1}, maxTimeMS=1000), True),
    # failing requests fail the same way
    "unknown operator": (_find({"_id": {"$bad": 1}}), False),
    "collection name not a string": (_find({"_id": 1}, 5), False),
    "empty collection name": (_find({"_id": 1}, ""), False),
    "negative limit": (_find({"_id": 1}, limit=-1), False),
    "filter not a document": (_find(3), False),
    "unknown field": (_find({"_id": 1}, bogus=1), False),
    "bad lsid": (_find({"_id": 1}, lsid={"id": 5}), False),
}

_TRANSACTION = [
    _find({"_id": "a"}, lsid=LSID, txnNumber=Int64(1), startTransaction=True, autocommit=False),
    _find({"_id": 1}, lsid=LSID, txnNumber=Int64(1), autocommit=False),
    {"commitTransaction": 1, "lsid": LSID, "txnNumber": Int64(1), "autocommit": False,
     "$db": "admin"},
]


def _exchange(commands: list[dict[str, Any]], engine: mim.Server) -> list[bytes]:
    """The reply bodies the wire server sends, the times a member stamps taken out."""
    server = WireServer(port=0, engine=engine)
    connection = server.connection_state(1, ("127.0.0.1", 50000))
    replies = []
    for number, cmd in enumerate(commands, 1):
        message = encode_op_msg(bson.encode({**cmd, "$db": cmd.get("$db", "test")}), number, 0)
        reply = server.handle_message(message, 1, connection)
        body = bson.decode(reply[21:])
        body.pop("operationTime", None)
        body.pop("$clusterTime", None)
        replies.append(reply[:16] + bson.encode(body))
    return replies


def _run_all(engine: mim.Server, commands: list[dict[str, Any]]) -> list[bytes]:
    _exchange(SETUP, engine)
    return _exchange(commands, engine)


@pytest.fixture(params=["replica set", "standalone"])
def engines(request):
    standalone = request.param == "standalone"
    return (mim.Server(standalone=standalone), mim.Server(standalone=standalone))


@pytest.mark.parametrize("case", list(CASES))
def test_shortcut_answers_as_the_general_find(engines, monkeypatch, case):
    cmd, shortcut = CASES[case]
    shortcut_engine, general_engine = engines
    points: list[Any] = []
    real_find_point = crud.find_point

    def spying(*args: Any) -> Any:
        found = real_find_point(*args)
        points.append(found)
        return found

    monkeypatch.setattr(crud, "find_point", spying)
    fast = _run_all(shortcut_engine, [cmd])
    # the shortcut answered (or left the command to the general find) as expected
    assert (bool(points) and points[-1] is not crud.NOT_A_POINT) == shortcut
    monkeypatch.setattr(crud_commands, "_id_point", lambda *args: crud.NOT_A_POINT)
    general = _run_all(general_engine, [cmd])
    assert fast == general
    # a read changes nothing: opcounters and sessions count the same
    status = {"serverStatus": 1, "$db": "admin"}
    fast_counters = bson.decode(_exchange([status], shortcut_engine)[0][16:])["opcounters"]
    general_counters = bson.decode(_exchange([status], general_engine)[0][16:])["opcounters"]
    assert fast_counters == general_counters


def test_a_transaction_statement_reads_the_transaction(monkeypatch):
    engines = (mim.Server(), mim.Server())
    fast = _run_all(engines[0], _TRANSACTION)
    monkeypatch.setattr(crud_commands, "_id_point", lambda *args: crud.NOT_A_POINT)
    assert fast == _run_all(engines[1], _TRANSACTION)
    assert b"firstBatch" in fast[1] and bson.decode(fast[1][16:])["ok"] == 1.0


def test_the_session_is_used(monkeypatch):
    """A find_one in a driver's implicit session records the session's use, as
    ``$listLocalSessions``/``refreshSessions`` show it."""
    engine = mim.Server()
    _exchange(SETUP + [CASES["in a driver session"][0]], engine)
    listed = _exchange([{"aggregate": 1, "pipeline": [{"$listLocalSessions": {}}],
                         "cursor": {}, "$db": "admin"}], engine)[0]
    sessions = bson.decode(listed[16:])["cursor"]["firstBatch"]
    assert [s["_id"]["id"] for s in sessions] == [LSID["id"]]


def test_the_profiler_sees_the_read():
    """On a profiled database the general find runs (the profiler notes its plan)."""
    engine = mim.Server()
    _exchange(SETUP + [{"profile": 2}, _find({"_id": 1})], engine)
    entries = mim.MongoClient(server=engine).test.system.profile.find(
        {"op": "query", "ns": "test.things"}).to_list()
    assert [(e["command"]["filter"], e["keysExamined"], e["docsExamined"], e["nreturned"])
            for e in entries] == [({"_id": 1}, 1, 1, 1)]
