"""What mongosh and the Node.js driver send ``mim serve``, replayed from Python.

The command documents here were captured from mongosh 2.12.0 and the Node.js
driver 7.9.1 talking to ``mim serve`` through a logging proxy; each test sends
the same document (or OP_MSG) and checks the reply MongoDB 7.0 gives, so the
suite needs no Node.js.
"""

from __future__ import annotations

import socket
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


def _serving(server, client_address: tuple) -> bool:
    """Whether the server still holds a connection from ``client_address``."""
    with server._connections_lock:
        sockets = [sock for sock, _thread in server._connections.values()]
    for sock in sockets:
        try:
            if sock.getpeername()[:2] == client_address:
                return True
        except OSError:
            continue
    return False


def test_monitor_hanging_up_mid_stream_frees_its_connection(replica_set):
    """A driver closing its monitor connection while the server waits out
    ``maxAwaitTimeMS`` (10 s for the Node.js driver) ends the stream at once: the
    server lets the connection go."""
    sock = connect(replica_set)
    address = sock.getsockname()[:2]
    version = _topology_version(sock)
    sock.sendall(op_msg({"hello": 1, "maxAwaitTimeMS": 10000, "topologyVersion": version,
                         "$db": "admin"}, request_id=5, flags=EXHAUST_ALLOWED))
    time.sleep(0.2)
    assert _serving(replica_set, address)
    sock.close()
    deadline = time.monotonic() + 5
    while _serving(replica_set, address) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _serving(replica_set, address)


# -- server-side JavaScript: refused as by ``mongod --noscripting`` ---------------------

_NO_ENGINE = "Cannot run server-side javascript without the javascript engine enabled"


def _refusal(db, command: dict) -> tuple[int, str, str]:
    with pytest.raises(pymongo.errors.OperationFailure) as info:
        db.command(command)
    details = info.value.details
    return details["code"], details["codeName"], details["errmsg"]


def test_where_in_a_find_is_refused_as_without_a_script_engine(rs_client):
    """``db.c.find({$where: "this.a == 2"})`` (mongosh sends the string as is)."""
    db = rs_client.shelltest
    db.c.insert_one({"a": 2})
    assert _refusal(db, {"find": "c", "filter": {"$where": "this.a == 2"}}) == (
        6108304, "Location6108304", "no globalScriptEngine in $where parsing")
    # parsed before the engine is wanted: a bad argument is BadValue
    assert _refusal(db, {"find": "c", "filter": {"$where": 5}}) == (
        2, "BadValue", "$where got bad type")
    assert _refusal(db, {"find": "c", "filter": {"$where": ""}}) == (
        2, "BadValue", "code for $where cannot be empty")
    assert _refusal(db, {"find": "c", "filter": {"a": {"$elemMatch": {"$where": "x"}}}}) == (
        2, "BadValue", "$where can only be applied to the top-level document")
    # an empty collection refuses it too: the function is made when the query is parsed
    assert _refusal(db, {"count": "empty", "query": {"$where": "true"}})[0] == 6108304


def test_where_in_an_aggregation_is_not_allowed(rs_client):
    """``countDocuments`` is an aggregate: its ``$match`` bans ``$where`` outright."""
    db = rs_client.shelltest
    db.c.insert_one({"a": 2})
    pipeline = [{"$match": {"$where": "this.a == 2"}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]
    assert _refusal(db, {"aggregate": "c", "pipeline": pipeline, "cursor": {}}) == (
        2, "BadValue", "$where is not allowed in this context")


def test_function_fails_when_it_runs(rs_client):
    """The ``$function`` mongosh users write: parsed, then refused when evaluated."""
    db = rs_client.shelltest
    project = {"$project": {"x": {"$function": {"body": "function(){return 1}", "args": [],
                                                "lang": "js"}}}}
    command = {"aggregate": "c", "pipeline": [project], "cursor": {}}
    assert db.command(command)["cursor"]["firstBatch"] == []  # nothing to evaluate
    db.c.insert_one({"a": 1})
    assert _refusal(db, command) == (31264, "Location31264", _NO_ENGINE)
    bad = {"$project": {"x": {"$function": {"body": "function(){}", "args": [], "lang": "py"}}}}
    assert _refusal(db, {"aggregate": "c", "pipeline": [bad], "cursor": {}}) == (
        31419, "Location31419", "Currently the only supported language specifier is 'js'.")


def test_accumulator_fails_when_a_group_starts(rs_client):
    db = rs_client.shelltest
    accumulator = {"init": "function(){return 0}", "accumulate": "function(s){return s}",
                   "accumulateArgs": [], "merge": "function(a,b){return a}", "lang": "js"}
    command = {"aggregate": "c", "cursor": {},
               "pipeline": [{"$group": {"_id": None, "x": {"$accumulator": accumulator}}}]}
    assert db.command(command)["cursor"]["firstBatch"] == []  # no group, no JavaScript
    db.c.insert_one({"a": 1})
    assert _refusal(db, command) == (31264, "Location31264", _NO_ENGINE)
    del accumulator["merge"]
    assert _refusal(db, command) == (
        4544709, "Location4544709", "$accumulator missing required argument 'merge'")


def test_map_reduce_fails_at_its_map_step(rs_client):
    """What mongosh's ``db.c.mapReduce(map, reduce, {out: {inline: 1}})`` sends."""
    db = rs_client.shelltest
    command = {"mapReduce": "c", "map": bson.Code("function(){emit(1,1)}"),
               "reduce": bson.Code("function(k,v){return 1}"), "out": {"inline": 1}}
    assert db.command(command)["results"] == []  # nothing to map
    db.c.insert_one({"a": 1})
    assert _refusal(db, command) == (31246, "Location31246", _NO_ENGINE)
    assert _refusal(db, {"mapReduce": "c", "map": "f", "reduce": "g"}) == (
        40414, "Location40414", "BSON field 'MapReduce.out' is missing but a required field")
    assert _refusal(db, {**command, "out": 5}) == (
        13606, "Location13606", "'out' has to be a string or an object")


# -- what the shell's helpers read ------------------------------------------------------

def test_whatsmyuri_names_the_client_address(rs_client, replica_set):
    """``db.runCommand({whatsmyuri: 1})``: the connection's peer, ``ip:port``."""
    sock = connect(replica_set)
    try:
        sock.sendall(op_msg({"whatsmyuri": 1, "$db": "shelltest"}, request_id=9))
        _, _, _, body = _reply(sock)
        assert body["ok"] == 1.0
        assert body["you"] == "%s:%d" % sock.getsockname()[:2]
    finally:
        sock.close()


def test_explain_collstats_and_current_op_report_the_serving_port(rs_client, replica_set):
    """explain's ``serverInfo`` (``host``: the machine's name, ``port``),
    ``$collStats``'s and ``currentOp``'s ``host`` (``name:port``) name the port the
    server listens on, not a default."""
    db = rs_client.shelltest
    db.c.insert_one({"a": 1})
    info = db.command({"explain": {"find": "c", "filter": {}}, "verbosity": "queryPlanner"})
    assert info["serverInfo"]["port"] == replica_set.port
    assert info["serverInfo"]["host"] == socket.gethostname()
    [stats] = db.command({"aggregate": "c", "pipeline": [{"$collStats": {"count": {}}}],
                          "cursor": {}})["cursor"]["firstBatch"]
    assert stats["host"] == f"{socket.gethostname()}:{replica_set.port}"
    [op] = rs_client.admin.command({"currentOp": 1})["inprog"]
    assert op["host"] == f"{socket.gethostname()}:{replica_set.port}"


def test_local_system_replset_holds_the_set_configuration(rs_client):
    """``rs.printSecondaryReplicationInfo()`` counts ``local.system.replset`` (sending
    the aggregate below) and calls a server with none "not connected to a replica
    set"; a member keeps its configuration there, the document ``rs.conf()`` shows."""
    local = rs_client.local
    [counted] = local.command({"aggregate": "system.replset", "cursor": {}, "pipeline": [
        {"$match": {}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]})["cursor"]["firstBatch"]
    assert counted == {"_id": 1, "n": 1}
    config = rs_client.admin.command({"replSetGetConfig": 1})["config"]
    assert local["system.replset"].find_one() == config
    assert "system.replset" in local.list_collection_names()


def test_a_standalone_has_no_set_configuration():
    engine = mim.Server(standalone=True)
    with mim.serve(port=0, engine=engine) as standalone:
        with pymongo.MongoClient(standalone.uri, serverSelectionTimeoutMS=5000) as client:
            assert client.local["system.replset"].count_documents({}) == 0


def test_re_index_is_refused_by_a_replica_set_member(rs_client):
    """``db.c.reIndex()`` against the default (replica-set) ``mim serve``."""
    db = rs_client.shelltest
    db.c.insert_one({"a": 1})
    assert _refusal(db, {"reIndex": "c"}) == (
        20, "IllegalOperation", "reIndex is only allowed on a standalone mongod instance. "
                                "Cannot reIndex 'shelltest.c' while replication is active")


def test_re_index_on_a_standalone_rebuilds_every_index():
    with mim.serve(port=0, engine=mim.Server(standalone=True)) as standalone:
        with pymongo.MongoClient(standalone.uri, serverSelectionTimeoutMS=5000) as client:
            db = client.shelltest
            db.c.insert_one({"a": 1})
            db.c.create_index("a")
            reply = db.command({"reIndex": "c"})
            assert (reply["nIndexesWas"], reply["nIndexes"]) == (2, 2)
            assert [spec["name"] for spec in reply["indexes"]] == ["_id_", "a_1"]
            assert db.c.find_one({"a": 1}, {"_id": 0}) == {"a": 1}
            assert _refusal(db, {"reIndex": "nothing"}) == (
                26, "NamespaceNotFound", "collection does not exist")
            db.create_collection("v", viewOn="c", pipeline=[])
            assert _refusal(db, {"reIndex": "v"}) == (
                166, "CommandNotSupportedOnView", "can't re-index a view")


def test_fsync_unlock_without_a_lock(rs_client):
    """``db.fsyncUnlock()`` when nothing is locked (``fsyncUnlock`` is admin-only)."""
    assert _refusal(rs_client.admin, {"fsyncUnlock": 1}) == (
        20, "IllegalOperation", "fsyncUnlock called when not locked")
    assert _refusal(rs_client.shelltest, {"fsyncUnlock": 1}) == (
        13, "Unauthorized", "fsyncUnlock may only be run against the admin database.")


# -- mongosh's role, log-level and fsync-lock helpers ---------------------------------

def test_shell_role_helpers(rs_client):
    """``db.createRole`` / ``getRole`` / ``getRoles`` / ``grantRolesToRole`` /
    ``grantPrivilegesToRole`` / ``dropAllRoles`` send these documents (mongosh 2.12.0);
    replies as ``authz_manager_external_state_local.cpp`` builds them."""
    shop = rs_client.shop
    assert shop.command({"createRole": "orders", "privileges": [
        {"resource": {"db": "shop", "collection": "orders"}, "actions": ["find"]}],
        "roles": ["read"]})["ok"] == 1.0
    role = shop.command({"rolesInfo": {"role": "orders", "db": "shop"},
                         "showPrivileges": True})["roles"][0]
    assert list(role) == ["_id", "role", "db", "privileges", "roles", "inheritedRoles",
                          "inheritedPrivileges", "isBuiltin"]
    listed = shop.command({"rolesInfo": 1, "showBuiltinRoles": True})["roles"]
    assert [r["role"] for r in listed] == ["dbAdmin", "dbOwner", "read", "readWrite",
                                           "userAdmin", "orders"]
    assert list(listed[0]) == ["role", "db", "isBuiltin", "roles", "inheritedRoles"]
    assert list(listed[-1]) == ["_id", "role", "db", "roles", "isBuiltin", "inheritedRoles"]
    shop.command({"grantRolesToRole": "orders", "roles": ["readWrite"]})
    shop.command({"grantPrivilegesToRole": "orders", "privileges": [
        {"resource": {"db": "shop", "collection": "x"}, "actions": ["remove"]}]})
    assert rs_client.admin["system.roles"].find_one()["roles"] == [
        {"role": "read", "db": "shop"}, {"role": "readWrite", "db": "shop"}]
    assert shop.command({"dropAllRolesFromDatabase": 1})["n"] == 1


def test_shell_set_log_level_and_get_log_components(rs_client):
    """``db.setLogLevel(2, "storage.journal")`` and ``db.getLogComponents()``."""
    admin = rs_client.admin
    try:
        reply = admin.command({"setParameter": 1, "logComponentVerbosity": {
            "storage": {"journal": {"verbosity": 2}}}})
        assert reply["was"]["storage"]["journal"] == {"verbosity": -1}
        shown = admin.command({"getParameter": 1, "logComponentVerbosity": 1})
        assert shown["logComponentVerbosity"]["storage"]["journal"] == {"verbosity": 2}
    finally:
        admin.command({"setParameter": 1, "logComponentVerbosity": {
            "storage": {"journal": {"verbosity": -1}}}})


def test_shell_fsync_lock_and_unlock(rs_client):
    """``db.fsyncLock()`` / ``db.fsyncUnlock()``: ``lockCount`` is a long."""
    admin = rs_client.admin
    locked = admin.command({"fsync": 1, "lock": True})
    assert locked["info"] == "now locked against writes, use db.fsyncUnlock() to unlock"
    assert isinstance(locked["lockCount"], bson.Int64) and locked["lockCount"] == 1
    unlocked = admin.command({"fsyncUnlock": 1})
    assert unlocked == {**unlocked, "info": "fsyncUnlock completed", "lockCount": 0}
