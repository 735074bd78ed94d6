"""What mongosh and the Node.js driver send ``mim serve``, replayed from Python.

The command documents here were captured from mongosh 2.12.0 and the Node.js
driver 7.9.1 talking to ``mim serve`` through a logging proxy; each test sends
the same document (or OP_MSG) and checks the reply MongoDB 7.0 gives, so the
suite needs no Node.js.
"""

from __future__ import annotations

import struct
import time

import bson
import pymongo
import pytest

import mim
from mim.wire.protocol import EXHAUST_ALLOWED, MORE_TO_COME

from .helpers import connect, op_msg, read_reply

_HEADER = struct.Struct("<iiii")


@pytest.fixture(scope="module")
def replica_set():
    """A one-node replica set, as ``mim serve`` runs by default."""
    with mim.serve(port=0, engine=mim.Server()) as running:
        yield running


@pytest.fixture
def rs_client(replica_set):
    replica_set.engine.reset()
    client = pymongo.MongoClient(replica_set.uri, serverSelectionTimeoutMS=5000)
    yield client
    client.close()
    replica_set.engine.reset()


def _reply(sock) -> tuple[int, int, int, dict]:
    """(requestID, responseTo, flags, body) of the next OP_MSG reply."""
    header, payload = read_reply(sock)
    flags = struct.unpack_from("<I", payload)[0]
    end = len(payload) - (4 if flags & 1 else 0)
    return header[1], header[2], flags, bson.decode(payload[5:end])


def _topology_version(sock) -> dict:
    sock.sendall(op_msg({"hello": 1, "$db": "admin"}, request_id=1))
    return _reply(sock)[3]["topologyVersion"]


# -- the Node.js driver's monitor: the streaming hello ---------------------------------

def test_awaitable_hello_with_exhaust_allowed_streams_replies(replica_set):
    """The Node.js driver's monitor sends ``{hello: 1, maxAwaitTimeMS, topologyVersion}``
    with ``exhaustAllowed``; mongod answers with ``moreToCome`` and sends the next
    reply unasked after ``maxAwaitTimeMS``, each answering the one before it.  A
    reply without ``moreToCome`` makes the driver report "Server ended moreToCome
    unexpectedly", mark the server Unknown and clear its pool every heartbeat."""
    sock = connect(replica_set)
    try:
        version = _topology_version(sock)
        started = time.monotonic()
        sock.sendall(op_msg({"hello": 1, "maxAwaitTimeMS": 200, "topologyVersion": version,
                             "$db": "admin"}, request_id=7, flags=EXHAUST_ALLOWED))
        first_id, response_to, flags, body = _reply(sock)
        assert response_to == 7
        assert flags & MORE_TO_COME
        assert body["ok"] == 1.0 and body["isWritablePrimary"] is True
        assert body["topologyVersion"] == version
        assert time.monotonic() - started >= 0.15  # the topology is unchanged: it waited
        second_id, response_to, flags, body = _reply(sock)
        assert response_to == first_id
        assert flags & MORE_TO_COME
        assert body["ok"] == 1.0
        assert time.monotonic() - started >= 0.35
        _, response_to, flags, _ = _reply(sock)
        assert response_to == second_id and flags & MORE_TO_COME
    finally:
        sock.close()


def test_awaitable_hello_without_exhaust_allowed_answers_once(replica_set):
    """pymongo's polling monitor (and any client not setting ``exhaustAllowed``)
    gets one reply with no ``moreToCome``; the connection then takes commands."""
    sock = connect(replica_set)
    try:
        version = _topology_version(sock)
        sock.sendall(op_msg({"hello": 1, "maxAwaitTimeMS": 50, "topologyVersion": version,
                             "$db": "admin"}, request_id=2))
        _, response_to, flags, body = _reply(sock)
        assert response_to == 2 and not flags & MORE_TO_COME and body["ok"] == 1.0
        sock.sendall(op_msg({"ping": 1, "$db": "admin"}, request_id=3))
        _, response_to, flags, body = _reply(sock)
        assert response_to == 3 and body["ok"] == 1.0
    finally:
        sock.close()


def test_awaitable_hello_from_another_process_is_answered_at_once(replica_set):
    """A ``topologyVersion`` whose ``processId`` is not the server's (the client
    knew an earlier process) is out of date: mongod answers without waiting."""
    sock = connect(replica_set)
    try:
        stale = {"processId": bson.ObjectId(), "counter": bson.Int64(0)}
        started = time.monotonic()
        sock.sendall(op_msg({"hello": 1, "maxAwaitTimeMS": 10000, "topologyVersion": stale,
                             "$db": "admin"}, request_id=4))
        _, _, _, body = _reply(sock)
        assert time.monotonic() - started < 5
        assert body["ok"] == 1.0 and body["topologyVersion"] != stale
    finally:
        sock.close()


def test_monitor_hanging_up_mid_stream_frees_its_connection(replica_set, rs_client):
    """A driver closing its monitor connection while the server waits out
    ``maxAwaitTimeMS`` (10 s for the Node.js driver) ends the stream at once: the
    connection no longer counts as open."""
    def current() -> int:
        return rs_client.admin.command("serverStatus")["connections"]["current"]

    before = current()
    sock = connect(replica_set)
    version = _topology_version(sock)
    sock.sendall(op_msg({"hello": 1, "maxAwaitTimeMS": 10000, "topologyVersion": version,
                         "$db": "admin"}, request_id=5, flags=EXHAUST_ALLOWED))
    time.sleep(0.2)
    assert current() == before + 1
    sock.close()
    deadline = time.monotonic() + 4
    while current() != before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert current() == before
