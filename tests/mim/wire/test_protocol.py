"""The handshake and OP_MSG details: what a driver sees before any data moves."""

from __future__ import annotations

import struct

import bson
import pymongo
import pytest
from pymongo.errors import OperationFailure

from mim.wire.crc32c import crc32c
from mim.wire.protocol import OP_REPLY

from .helpers import connect, is_closed, op_msg, op_query, read_op_msg, read_reply


def test_uri_and_port(server):
    assert server.port > 0
    assert server.host == "127.0.0.1"
    assert server.uri.startswith(f"mongodb://127.0.0.1:{server.port}/")


def test_hello_looks_like_mongodb_7(client):
    reply = client.admin.command("hello")
    assert reply["isWritablePrimary"] is True
    assert reply["maxWireVersion"] == 21
    assert reply["logicalSessionTimeoutMinutes"] == 30
    assert reply["maxMessageSizeBytes"] == 48_000_000
    assert reply["connectionId"] >= 1
    legacy = client.admin.command("isMaster")
    assert legacy["ismaster"] is True


def test_diagnostic_commands(client):
    assert client.admin.command("ping")["ok"] == 1.0
    assert client.server_info()["version"].startswith("7.0")
    assert client.admin.command("serverStatus")["ok"] == 1.0
    assert client.admin.command("connectionStatus")["ok"] == 1.0
    assert client.admin.command({"getParameter": 1, "featureCompatibilityVersion": 1})["ok"]
    assert client.admin.command("getCmdLineOpts")["ok"] == 1.0
    assert client.admin.command("endSessions", [])["ok"] == 1.0


def test_unknown_command_is_command_not_found(client):
    with pytest.raises(OperationFailure) as info:
        client.admin.command("frobnicate")
    assert info.value.code == 59
    assert info.value.details["codeName"] == "CommandNotFound"
    assert info.value.details["errmsg"] == "no such command: 'frobnicate'"


def test_driver_fields_are_accepted(client, db):
    db.command({"create": "c", "comment": "hi", "writeConcern": {"w": 1},
                "$readPreference": {"mode": "primary"}, "apiVersion": "1"})
    db.c.insert_one({"_id": 1}, comment="a comment")
    assert db.c.find_one({}, comment="x") == {"_id": 1}
    with client.start_session() as session:  # lsid on every command
        db.c.insert_one({"_id": 2}, session=session)
        assert db.c.count_documents({}, session=session) == 2


def test_transactions_are_refused_like_a_standalone(db):
    with pytest.raises(OperationFailure) as info:
        db.command({"find": "c", "startTransaction": True, "autocommit": False,
                    "txnNumber": bson.Int64(1)})
    assert info.value.code == 20


def test_legacy_op_query_handshake(server):
    sock = connect(server)
    try:
        sock.sendall(op_query("admin.$cmd", {"isMaster": 1, "helloOk": True}, request_id=7))
        header, payload = read_reply(sock)
        assert header[2] == 7 and header[3] == OP_REPLY
        flags, cursor_id, start, count = struct.unpack_from("<iqii", payload)
        assert (cursor_id, count) == (0, 1)
        reply = bson.decode(payload[20:])
        assert reply["ismaster"] is True and reply["helloOk"] is True
        assert reply["maxWireVersion"] == 21
        # a wrapped query works too
        sock.sendall(op_query("admin.$cmd", {"$query": {"hello": 1}}, request_id=8))
        assert bson.decode(read_reply(sock)[1][20:])["isWritablePrimary"] is True
        # anything but the handshake over OP_QUERY is refused as by MongoDB 7.0
        sock.sendall(op_query("admin.$cmd", {"ping": 1}, request_id=9))
        reply = bson.decode(read_reply(sock)[1][20:])
        assert reply["ok"] == 0 and reply["code"] == 352
    finally:
        sock.close()


def test_op_msg_document_sequence(server, db):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"insert": "seq", "$db": db.name},
                            sequences=[("documents", [{"_id": 1}, {"_id": 2, "a": [1]}])]))
        _, reply = read_op_msg(sock)
        assert reply == {"n": 2, "ok": 1.0}
        sock.sendall(op_msg({"update": "seq", "$db": db.name},
                            sequences=[("updates", [{"q": {"_id": 1}, "u": {"$set": {"b": 1}}}])]))
        assert read_op_msg(sock)[1]["nModified"] == 1
    finally:
        sock.close()
    assert list(db.seq.find()) == [{"_id": 1, "b": 1}, {"_id": 2, "a": [1]}]


def test_op_msg_checksum_is_verified_and_echoed(server):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"ping": 1, "$db": "admin"}, checksum=True))
        header, payload = read_reply(sock)
        flags = struct.unpack_from("<I", payload)[0]
        assert flags & 1
        whole = struct.pack("<iiii", *header) + payload
        assert crc32c(whole[:-4]) == struct.unpack("<I", whole[-4:])[0]
        assert bson.decode(payload[5:-4])["ok"] == 1.0
        sock.sendall(op_msg({"ping": 1, "$db": "admin"}, checksum=True, bad_checksum=True))
        assert is_closed(sock)
    finally:
        sock.close()


def test_more_to_come_gets_no_reply(server, db):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"insert": "quiet", "$db": db.name, "documents": [{"_id": 1}]},
                            flags=2, request_id=1))
        sock.sendall(op_msg({"count": "quiet", "$db": db.name}, request_id=2))
        header, _ = read_reply(sock)
        assert header[2] == 2  # the first reply answers the second request
    finally:
        sock.close()


def test_unacknowledged_writes(server, db):
    client = pymongo.MongoClient(server.uri, w=0)
    try:
        result = client[db.name].w0.insert_one({"_id": 1})
        assert not result.acknowledged
        client[db.name].w0.insert_many([{"_id": 2}, {"_id": 3}])
    finally:
        client.close()
    import time
    deadline = time.time() + 5
    while db.w0.count_documents({}) < 3 and time.time() < deadline:
        time.sleep(0.01)
    assert db.w0.count_documents({}) == 3


def test_missing_db_is_an_error(server):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"ping": 1}))
        _, reply = read_op_msg(sock)
        assert reply["ok"] == 0 and reply["code"] == 40571
    finally:
        sock.close()


def test_crc32c_known_values():
    assert crc32c(b"") == 0
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c(b"6789", crc32c(b"12345")) == 0xE3069283


def test_admin_commands_tools_use(client, db):
    assert "find" in client.admin.command("listCommands")["commands"]
    assert client.admin.command("hostInfo")["system"]["numCores"] >= 1
    assert client.admin.command("getLog", "global")["log"] == []
    db.v.insert_one({})
    assert db.validate_collection("v")["valid"] is True
    with pytest.raises(OperationFailure) as info:
        db.validate_collection("missing")
    assert info.value.code == 26


def test_unsupported_features_are_refused_not_ignored(db):
    from pymongo import CursorType
    from pymongo.collation import Collation

    from mim.engine.languages.collation import ICU_AVAILABLE
    db.c.insert_one({"_id": 1, "s": "a"})
    with pytest.raises(OperationFailure) as info:  # a locale ICU does not know
        list(db.c.find(collation=Collation("xx")))
    assert info.value.code == (2 if ICU_AVAILABLE else 238)
    assert list(db.c.find(collation=Collation("simple"))) == [{"_id": 1, "s": "a"}]
    with pytest.raises(OperationFailure) as info:
        list(db.c.find(cursor_type=CursorType.TAILABLE))
    assert info.value.code == 2
