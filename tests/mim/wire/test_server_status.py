"""``serverStatus``, ``hostInfo`` and ``killOp`` over the wire with real pymongo."""

from __future__ import annotations

import os

import pymongo
import pytest
from bson import Int64
from pymongo.errors import OperationFailure


def _opcounters(client) -> dict:
    return dict(client.admin.command("serverStatus")["opcounters"])


def test_opcounters_count_wire_operations(server, client):
    # a client of its own without monitoring chatter between the two samples
    quiet = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000,
                                heartbeatFrequencyMS=60000)
    try:
        quiet.admin.command("ping")
        before = _opcounters(quiet)
        coll = quiet.wiretest.things
        coll.insert_many([{"a": i} for i in range(150)])   # 150 inserts
        assert len(list(coll.find())) == 150                # 1 query + 1 getMore (101 first)
        coll.update_one({"a": 1}, {"$set": {"b": 1}})
        coll.delete_many({"a": {"$gt": 100}})
        after = _opcounters(quiet)
    finally:
        quiet.close()
    delta = {k: after[k] - before[k] for k in after}
    assert delta["insert"] == 150
    assert delta["query"] == 1
    assert delta["getmore"] == 1
    assert delta["update"] == 1
    assert delta["delete"] == 1
    assert all(isinstance(v, Int64) for v in after.values())


def test_connections_count_open_wire_connections(server, client):
    status = client.admin.command("serverStatus")
    connections = status["connections"]
    assert connections["current"] >= 1
    assert connections["totalCreated"] >= connections["current"]
    assert connections["available"] == server.max_connections - connections["current"]


def test_server_status_shape(client):
    status = client.admin.command("serverStatus")
    assert status["process"] == "mongod"
    assert status["pid"] == os.getpid()
    assert status["mem"]["bits"] == 64
    assert {"host", "version", "uptime", "localTime"} <= set(status)


def test_kill_op(client):
    assert client.admin.command("killOp", op=7)["info"] == "attempting to kill op"
    with pytest.raises(OperationFailure) as info:
        client.admin.command({"killOp": 1})
    assert info.value.code == 4


def test_get_cmd_line_opts_reports_the_listening_address(server, client):
    opts = client.admin.command("getCmdLineOpts")
    assert isinstance(opts["argv"], list) and opts["argv"]
    assert opts["parsed"]["net"]["port"] == server.port
    assert opts["parsed"]["net"]["bindIp"] == server.host
