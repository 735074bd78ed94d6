"""A command without a field table (``ping``, ``buildInfo``…) sent with nothing but
a driver's session fields runs its handler directly; it answers as the checked
path does (the same command with a generic ``comment`` takes that path), and the
session's use is recorded all the same."""

from __future__ import annotations

import uuid

import bson
import pytest
from bson import Binary

import mim
from mim.engine.commands import PLAIN_FIELDS
from mim.wire.protocol import encode_op_msg
from mim.wire.server import WireServer

LSID = {"id": Binary(uuid.UUID("21111111-2222-4333-8444-555555555555").bytes, 4)}
NAMES = ["ping", "buildInfo", "connectionStatus", "getCmdLineOpts", "hostInfo"]


def _reply(engine: mim.Server, cmd: dict) -> dict:
    server = WireServer(port=0, engine=engine)
    connection = server.connection_state(1, ("127.0.0.1", 50000))
    reply = server.handle_message(encode_op_msg(bson.encode(cmd), 1, 0), 1, connection)
    body = bson.decode(reply[21:])
    body.pop("operationTime", None)
    body.pop("$clusterTime", None)
    body.pop("localTime", None)
    return body


@pytest.mark.parametrize("name", NAMES)
def test_answers_as_the_checked_path(name):
    assert PLAIN_FIELDS.get(name) is None  # (the commands this is about)
    engine = mim.Server()
    direct = _reply(engine, {name: 1, "lsid": LSID, "$db": "admin"})
    checked = _reply(engine, {name: 1, "lsid": LSID, "comment": "x", "$db": "admin"})
    if name == "hostInfo":
        for part in (direct, checked):
            part.get("system", {}).pop("currentTime", None)
    assert direct == checked and direct["ok"] == 1.0


def test_the_session_is_used():
    engine = mim.Server()
    _reply(engine, {"ping": 1, "lsid": LSID, "$db": "admin"})
    listed = _reply(engine, {"aggregate": 1, "pipeline": [{"$listLocalSessions": {}}],
                             "cursor": {}, "$db": "admin"})
    assert [s["_id"]["id"] for s in listed["cursor"]["firstBatch"]] == [LSID["id"]]


def test_a_bad_lsid_is_refused_as_before():
    engine = mim.Server()
    reply = _reply(engine, {"ping": 1, "lsid": {"id": 5}, "$db": "admin"})
    assert (reply["ok"], reply["code"]) == (0.0, 14)
