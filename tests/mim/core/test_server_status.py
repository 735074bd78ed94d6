"""``serverStatus``, ``hostInfo`` and ``killOp`` on the in-process face, in the shapes
the manual gives (serverStatus: host, version, process, pid, uptime, localTime,
connections, opcounters, mem; hostInfo: system/os/extra; killOp's reply)."""

from __future__ import annotations

import datetime
import os

import pytest
from bson import Int64
from pymongo import DeleteOne, InsertOne, UpdateOne
from pymongo.errors import OperationFailure



def _opcounters(client) -> dict:
    return dict(client.admin.command("serverStatus")["opcounters"])


def test_server_status_top_level_shape(client):
    status = client.admin.command("serverStatus")
    assert status["process"] == "mongod"
    assert status["pid"] == os.getpid() and isinstance(status["pid"], Int64)
    assert status["version"].startswith("7.0")
    assert isinstance(status["host"], str) and status["host"]
    assert isinstance(status["uptime"], float)
    assert isinstance(status["localTime"], datetime.datetime)
    assert set(status["connections"]) >= {"current", "available", "totalCreated"}


def test_server_status_mem_section(client):
    mem = client.admin.command("serverStatus")["mem"]
    assert mem["bits"] == 64
    if mem["supported"]:
        assert mem["resident"] > 0 and mem["virtual"] >= mem["resident"]


def test_opcounters_count_real_operations(client):
    before = _opcounters(client)
    coll = client.opcount.things
    coll.insert_many([{"a": 1}, {"a": 2}, {"a": 3}])   # 3 inserts (one per document)
    coll.insert_one({"a": 4})                           # 1 insert
    list(coll.find())                                   # 1 query
    coll.update_many({}, {"$set": {"b": 1}})            # 1 update
    coll.delete_one({"a": 1})                           # 1 delete
    coll.bulk_write([InsertOne({}), UpdateOne({}, {"$set": {"c": 1}}), DeleteOne({})])
    after = _opcounters(client)
    delta = {k: after[k] - before[k] for k in after}
    # the second serverStatus is itself a command, counted on receipt
    assert delta == {"insert": 5, "query": 1, "update": 2, "delete": 2, "getmore": 0,
                     "command": 1}
    assert all(isinstance(v, Int64) for v in after.values())


def test_host_info_shape(client):
    info = client.admin.command("hostInfo")
    assert set(info["system"]) >= {"currentTime", "hostname", "cpuAddrSize", "memSizeMB",
                                   "numCores", "cpuArch", "numaEnabled"}
    assert info["system"]["numCores"] == os.cpu_count()
    assert set(info["os"]) == {"type", "name", "version"}
    assert info["extra"] == {} or isinstance(info["extra"], dict)


def test_kill_op_answers_as_mongod(client):
    assert client.admin.command("killOp", op=12345) == {"info": "attempting to kill op",
                                                         "ok": 1.0}


@pytest.mark.parametrize("command, code, message", [
    ({"killOp": 1}, 4, 'Missing expected field "op"'),
    ({"killOp": 1, "op": "x"}, 14, 'Expected field "op" to have numeric type, but found string'),
    ({"killOp": 1, "op": 2**40}, 26823, f"invalid op : {2**40}"),
])
def test_kill_op_refuses_bad_op(client, command, code, message):
    with pytest.raises(OperationFailure) as info:
        client.admin.command(command)
    assert info.value.code == code
    assert info.value.details["errmsg"] == message


def test_kill_op_admin_only(client):
    with pytest.raises(OperationFailure) as info:
        client.opcount.command("killOp", op=1)
    assert info.value.code == 13


def test_get_cmd_line_opts_in_process(client):
    opts = client.admin.command("getCmdLineOpts")
    assert opts["argv"] == ["mim"]
    assert opts["parsed"] == {}
