"""mim answers as the primary of a one-node replica set (``rs0``) unless it is
started standalone: the ``hello`` drivers discover a set from, ``rs.status()``,
``serverStatus().repl``, cluster-time gossip, and pymongo accepting the member
for ``replicaSet=rs0`` and ``directConnection=true`` alike."""

from __future__ import annotations

import subprocess
import sys

import bson
import pymongo
import pytest
from pymongo.errors import OperationFailure

import mim
from mim.engine.commands import run_command
from mim.engine.commands.replication import gossip
from mim.engine.values.errors import ServerError
from mim.wire import WireServer
from mim.wire.cli import build_parser


def _host(wire_server) -> str:
    return f"{wire_server.host}:{wire_server.port}"


def test_hello_describes_a_one_node_set(client, wire_server):
    hello = client.admin.command("hello")
    me = hello["me"]
    assert hello["setName"] == "rs0"
    assert hello["hosts"] == [me] and hello["primary"] == me
    assert hello["isWritablePrimary"] is True and hello["secondary"] is False
    assert hello["setVersion"] == 1
    assert isinstance(hello["electionId"], bson.ObjectId)
    assert set(hello["topologyVersion"]) == {"processId", "counter"}
    assert hello["logicalSessionTimeoutMinutes"] == 30
    assert set(hello["lastWrite"]) == {"opTime", "lastWriteDate", "majorityOpTime",
                                       "majorityWriteDate"}
    legacy = client.admin.command("isMaster")
    assert legacy["ismaster"] is True and legacy["setName"] == "rs0"
    assert "isWritablePrimary" not in legacy


def test_the_wire_hello_names_the_address_the_client_used(wire_server):
    with pymongo.MongoClient(wire_server.uri) as client:
        assert client.admin.command("hello")["me"] == _host(wire_server)


def test_pymongo_discovers_the_set_with_replica_set_name(wire_server):
    wire_server.engine.reset()
    uri = f"mongodb://{_host(wire_server)}/?replicaSet=rs0"
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
        client.t.c.insert_one({"_id": 1})
        assert client.t.c.find_one() == {"_id": 1}
        assert client.topology_description.topology_type_name == "ReplicaSetWithPrimary"
        assert client.primary == (wire_server.host, wire_server.port)


def test_pymongo_connects_directly(wire_server):
    with pymongo.MongoClient(wire_server.uri, serverSelectionTimeoutMS=5000) as client:
        client.admin.command("ping")
        description = client.topology_description
        assert description.topology_type_name == "Single"
        assert [s.server_type_name for s in description.server_descriptions().values()] == \
            ["RSPrimary"]


def test_a_wrong_set_name_is_not_accepted_by_pymongo(wire_server):
    uri = f"mongodb://{_host(wire_server)}/?replicaSet=other"
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=300) as client:
        with pytest.raises(pymongo.errors.ServerSelectionTimeoutError):
            client.admin.command("ping")


def test_the_driver_transport_discovers_the_set():
    client = mim.driver_client(server=mim.Server(), serverSelectionTimeoutMS=5000)
    try:
        client.t.c.insert_one({"_id": 1})
        assert client.topology_description.topology_type_name == "ReplicaSetWithPrimary"
        assert client.admin.command("hello")["setName"] == "rs0"
    finally:
        client.close()


def test_the_in_process_client_sees_a_replica_set():
    client = mim.MongoClient(server=mim.Server())
    assert client.primary == ("localhost", 27017)
    assert client.topology_description.topology_type_name == "ReplicaSetWithPrimary"
    direct = mim.MongoClient(server=mim.Server(), directConnection=True)
    assert direct.primary is None  # pymongo: a direct connection's topology is Single
    assert direct.topology_description.topology_type_name == "Single"


def test_the_uri_names_the_set_of_a_new_shared_server():
    client = mim.MongoClient("mongodb://replset-name-test.example:27017/?replicaSet=prod")
    try:
        assert client.server.replica_set_name == "prod"
        assert client.admin.command("hello")["setName"] == "prod"
    finally:
        client.close()


def test_a_standalone_server_keeps_the_standalone_answers():
    engine = mim.Server(standalone=True)
    assert engine.is_replica_set is False and engine.replica_set_name is None
    client = mim.MongoClient(server=engine)
    hello = client.admin.command("hello")
    assert "setName" not in hello and "hosts" not in hello
    assert client.primary is None
    with pytest.raises(OperationFailure) as info:
        client.admin.command("replSetGetStatus")
    assert (info.value.code, str(info.value.details["errmsg"])) == \
        (76, "not running with --replSet")
    assert "repl" not in client.admin.command("serverStatus")
    with mim.serve(port=0, engine=engine) as server:
        with pymongo.MongoClient(server.uri) as wire:
            reply = wire.admin.command("ping")
            assert "$clusterTime" not in reply and "operationTime" not in reply


def test_the_engine_attributes_are_plain_reads():
    engine = mim.Server()
    assert engine.is_replica_set is True and engine.replica_set_name == "rs0"
    assert mim.Server(replica_set_name="x").replica_set_name == "x"
    with pytest.raises(ValueError):
        mim.Server(replica_set_name="")


def test_repl_set_get_status_shows_one_healthy_primary(client):
    status = client.admin.command("replSetGetStatus")
    assert status["set"] == "rs0" and status["myState"] == 1
    [member] = status["members"]
    assert member["stateStr"] == "PRIMARY" and member["self"] is True
    assert member["health"] == 1 and member["state"] == 1
    config = client.admin.command("replSetGetConfig")["config"]
    assert config["_id"] == "rs0" and len(config["members"]) == 1
    with pytest.raises(OperationFailure) as info:
        client.other.command("replSetGetStatus")
    assert info.value.code == 13


def test_server_status_has_a_repl_section(client):
    repl = client.admin.command("serverStatus")["repl"]
    assert repl["setName"] == "rs0" and repl["isWritablePrimary"] is True
    assert repl["primary"] == repl["me"]


def test_cluster_time_advances_with_writes_over_the_wire(wire_server):
    with pymongo.MongoClient(wire_server.uri) as client:
        first = client.t.command("insert", "c", documents=[{"x": 1}])
        second = client.t.command("insert", "c", documents=[{"x": 2}])
        read = client.t.command("find", "c")
        assert second["operationTime"] > first["operationTime"]
        assert read["operationTime"] == second["operationTime"]
        assert read["$clusterTime"]["clusterTime"] >= read["operationTime"]
        assert read["$clusterTime"]["signature"]["keyId"] == 0
        with client.start_session() as session:
            client.t.c.insert_one({"x": 3}, session=session)
            assert session.operation_time > second["operationTime"]
            assert session.cluster_time["clusterTime"] >= session.operation_time


def test_a_newer_cluster_time_from_a_client_advances_the_clock():
    # pymongo always sends its own $clusterTime, so the message is built here
    engine = mim.Server()
    ahead = bson.Timestamp(engine.clock.now().time + 1000, 1)
    reply = gossip(engine, "ping", {"ping": 1, "$clusterTime": {
        "clusterTime": ahead, "signature": {"hash": bson.Binary(b"\0" * 20),
                                            "keyId": bson.Int64(0)}}}, {"ok": 1.0})
    assert engine.clock.now() == ahead == reply["$clusterTime"]["clusterTime"]
    assert engine.clock.tick() > ahead


LSID = {"id": bson.Binary(b"\x01" * 16, 4)}


@pytest.mark.parametrize("fields, code, message", [
    ({"lsid": LSID, "txnNumber": bson.Int64(-1)}, 72, "Transaction number cannot be negative"),
    ({"lsid": LSID, "autocommit": False}, 72,
     "'autocommit' field requires a transaction number to also be specified"),
    ({"lsid": LSID, "txnNumber": bson.Int64(1), "autocommit": True}, 72,
     "Specifying autocommit=true is not allowed."),
    ({"lsid": LSID, "txnNumber": bson.Int64(1), "startTransaction": True}, 72,
     "'startTransaction' field requires 'autocommit' field to also be specified"),
    ({"lsid": LSID, "txnNumber": bson.Int64(1)}, 50768,
     "txnNumber may only be provided for multi-document transactions and retryable write "
     "commands. autocommit:false was not provided, and find is not a retryable write "
     "command."),
])
def test_session_fields_are_validated_as_the_server_does(client, fields, code, message):
    with pytest.raises(OperationFailure) as info:
        client.t.command({"find": "c", **fields})
    assert (info.value.code, info.value.details["errmsg"]) == (code, message)


def test_a_txn_number_needs_a_session_id():
    # pymongo adds an lsid to every command, so the command is run on the engine
    with pytest.raises(ServerError) as info:
        run_command(mim.Server(), "t", {"find": "c", "txnNumber": bson.Int64(1)})
    assert (info.value.code, info.value.errmsg) == (
        72, "Transaction number requires a session ID to also be specified")


def test_a_retryable_write_with_a_txn_number_is_accepted(client):
    reply = client.t.command({"insert": "c", "documents": [{"_id": 1}], "lsid": LSID,
                              "txnNumber": bson.Int64(1)})
    assert reply["n"] == 1


def test_mim_serve_takes_repl_set_and_standalone():
    parser = build_parser()
    args = parser.parse_args(["serve", "--standalone"])
    assert args.standalone is True
    args = parser.parse_args(["serve", "--replSet", "prod"])
    assert (args.standalone, args.repl_set) == (False, "prod")
    assert parser.parse_args(["serve"]).repl_set == "rs0"
    done = subprocess.run([sys.executable, "-m", "mim", "serve", "--standalone",
                           "--replSet", "x"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not allowed with argument" in done.stderr


def test_a_member_bound_by_host_name_advertises_that_name():
    # mongod --bind_ip localhost --replSet rs0 + rs.initiate() names the member
    # "localhost:<port>" (server jstest rs_initiate_localhost), so pymongo seeded
    # with 127.0.0.1 moves to localhost, as MongoEngine's own suite expects.
    with WireServer("localhost", 0, mim.Server()) as server:
        me = f"localhost:{server.port}"
        uri = f"mongodb://127.0.0.1:{server.port}/?replicaSet=rs0"
        with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
            hello = client.admin.command("hello")
            assert (hello["me"], hello["primary"], hello["hosts"]) == (me, me, [me])
            assert client.address == ("localhost", server.port)


def test_a_member_bound_to_an_address_advertises_the_address():
    # rs_initiate_localhost with bind_ip "127.0.0.1": the member is "127.0.0.1:<port>"
    with WireServer("127.0.0.1", 0, mim.Server()) as server:
        with pymongo.MongoClient(server.uri) as client:
            assert client.admin.command("hello")["me"] == f"127.0.0.1:{server.port}"



def _arm(client, **data):
    client.admin.command("configureFailPoint", "failCommand", mode={"times": 1}, data=data)


def _raw_error(client, **data) -> dict:
    _arm(client, failCommands=["insert"], **data)
    try:
        reply = client.t.command("insert", "c", documents=[{}], check=False)
    finally:
        client.admin.command("configureFailPoint", "failCommand", mode="off")
    return reply


def test_a_not_primary_error_carries_the_members_topology_version(wire_server):
    """``appendErrorLabelsAndTopologyVersion``: on a replica set, every error of the
    NotPrimaryError category (10107, 13435, 13436, 11602, 189), the command's or its
    write concern error's, carries the member's ``topologyVersion``; a shutdown error
    (not in quiesce mode) and any other error carry none."""
    wire_server.engine.reset()
    with pymongo.MongoClient(wire_server.uri) as client:
        current = client.admin.command("hello")["topologyVersion"]
        for code in (10107, 13435, 13436, 11602, 189):
            reply = _raw_error(client, errorCode=code)
            assert reply["code"] == code and reply["topologyVersion"] == current
        for code in (91, 11600, 8):
            assert "topologyVersion" not in _raw_error(client, errorCode=code)
        reply = _raw_error(client, writeConcernError={"code": 10107, "errmsg": "not primary"})
        assert reply["ok"] == 1.0 and reply["topologyVersion"] == current
        reply = _raw_error(client, writeConcernError={"code": 64, "errmsg": "waiting"})
        assert "topologyVersion" not in reply


def test_pymongo_keeps_the_primary_after_a_not_primary_error_of_its_topology(wire_server):
    """SDAM's stale-error rule: an error whose topologyVersion is not newer than the
    server description's is ignored, so the driver neither marks the primary Unknown
    nor waits a heartbeat (10 s) to select it again."""
    wire_server.engine.reset()
    uri = wire_server.uri.replace("directConnection=true", "replicaSet=rs0")
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
        client.admin.command("ping")
        _arm(client, failCommands=["find"], errorCode=10107)
        with pytest.raises(pymongo.errors.NotPrimaryError):
            client.t.command("find", "c")
        description = client.topology_description
        assert description.topology_type_name == "ReplicaSetWithPrimary"
        assert [s.server_type_name for s in description.server_descriptions().values()] == \
            ["RSPrimary"]
