"""Garbage, truncated and oversized input, vanishing clients and 20 concurrent clients."""

from __future__ import annotations

import logging
import os
import socket
import struct
import threading

import bson
import pymongo
import pytest

from mim.wire.protocol import MAX_MESSAGE_SIZE, OP_COMPRESSED, OP_MSG, OP_QUERY

from .helpers import connect, is_closed, op_msg, read_op_msg

_HEADER = struct.Struct("<iiii")


def _server_still_works(server) -> None:
    client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=3000)
    try:
        assert client.admin.command("ping")["ok"] == 1.0
    finally:
        client.close()


def _random_garbage(size: int = 200) -> bytes:
    """``size`` random bytes that the server can judge on arrival.

    Random bytes' first four are a message length: about one draw in 90 lands
    between ``size`` and ``maxMessageSizeBytes``, a valid header announcing more
    bytes than were sent, on which mongod (it checks the length, then reads the
    rest) and mim wait until the rest arrives or the client leaves
    (``test_announced_length_waits_for_the_rest``).  Such a draw, and one
    announcing a message within ``size`` whose opcode (OP_MSG, OP_QUERY,
    OP_COMPRESSED) could in principle make sense, is drawn again."""
    while True:
        data = os.urandom(size)
        length, _request_id, _response_to, op_code = _HEADER.unpack_from(data)
        if not _HEADER.size < length <= MAX_MESSAGE_SIZE:
            return data  # an invalid length: refused from the header alone
        if length <= size and op_code not in (OP_MSG, OP_QUERY, OP_COMPRESSED):
            return data  # a whole message of an unknown or removed opcode


GARBAGE = {
    "random bytes": _random_garbage(),
    "http request": b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "negative length": _HEADER.pack(-5, 1, 0, 2013),
    "tiny length": _HEADER.pack(3, 1, 0, 2013),
    "oversized length": _HEADER.pack(48_000_001, 1, 0, 2013),
    "unknown opcode": _HEADER.pack(21, 1, 0, 9999) + b"\x00" * 5,
    "legacy OP_INSERT": _HEADER.pack(21, 1, 0, 2002) + b"\x00" * 5,
    "compressed": _HEADER.pack(21, 1, 0, 2012) + b"\x00" * 5,
    "OP_MSG without body": _HEADER.pack(20, 1, 0, 2013) + b"\x00" * 4,
    "OP_MSG bad section kind": (_HEADER.pack(26, 1, 0, 2013) + b"\x00" * 4 + b"\x07"
                                + b"\x05\x00\x00\x00\x00"),
    "OP_MSG unknown required flag": op_msg({"ping": 1, "$db": "admin"}, flags=1 << 4),
    "OP_MSG body size overruns": (lambda m: m[:21] + struct.pack("<i", 9999) + m[25:])(
        op_msg({"ping": 1, "$db": "admin"})),
    "OP_MSG invalid BSON": (lambda m: m[:-2] + b"\x09\x00")(op_msg({"ping": 1, "$db": "admin"})),
    "OP_MSG two bodies": (lambda body: _HEADER.pack(16 + 4 + 2 * (1 + len(body)), 1, 0, 2013)
                          + b"\x00" * 4 + (b"\x00" + body) * 2)(bson.encode({"ping": 1})),
    "OP_MSG sequence overruns": (lambda body: _HEADER.pack(16 + 4 + 1 + len(body) + 9, 1, 0, 2013)
                                 + b"\x00" * 4 + b"\x00" + body + b"\x01" + struct.pack("<i", 500)
                                 + b"docs")(bson.encode({"insert": "x", "$db": "t"})),
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_closes_only_that_connection(server, name, caplog):
    bystander = connect(server)
    sock = connect(server)
    try:
        with caplog.at_level(logging.WARNING, logger="mim.wire"):
            sock.sendall(GARBAGE[name])
            assert is_closed(sock), f"server kept the connection open after {name}"
        assert any("closing connection" in r.getMessage() for r in caplog.records)
        # another connection, opened before, is unaffected
        bystander.sendall(op_msg({"ping": 1, "$db": "admin"}))
        assert read_op_msg(bystander)[1]["ok"] == 1.0
    finally:
        sock.close()
        bystander.close()
    _server_still_works(server)


def test_announced_length_waits_for_the_rest(server):
    # a header is judged by its length alone (mongod: msgLen within 16 and
    # maxMessageSizeBytes, then it reads msgLen - 16 more bytes): the server waits for
    # the rest of the message, however long it takes, and only then reads the rest
    message = op_msg({"ping": 1, "$db": "admin"})
    sock = connect(server)
    try:
        sock.sendall(message[:_HEADER.size + 3])
        assert not is_closed(sock, timeout=0.3)
        sock.settimeout(5.0)
        sock.sendall(message[_HEADER.size + 3:])
        assert read_op_msg(sock)[1]["ok"] == 1.0
    finally:
        sock.close()


def test_random_bytes_announcing_more_are_judged_when_complete(server, caplog):
    # random bytes after a valid length larger than what was sent: the server waits
    # (the connection stays open), and refuses the message once it is complete
    announced = 5000
    head = _HEADER.pack(announced, 1, 0, 9999) + os.urandom(184)
    sock = connect(server)
    try:
        with caplog.at_level(logging.WARNING, logger="mim.wire"):
            sock.sendall(head)
            assert not is_closed(sock, timeout=0.3)
            sock.sendall(os.urandom(announced - len(head)))
            assert is_closed(sock)
        assert any("unknown opcode 9999" in r.getMessage() for r in caplog.records)
    finally:
        sock.close()
    _server_still_works(server)


def test_truncated_message_then_disconnect(server, db):
    message = op_msg({"insert": "trunc", "$db": db.name, "documents": [{"_id": 1}]})
    for cut in (3, 10, 16, 20, len(message) - 1):
        sock = connect(server)
        sock.sendall(message[:cut])
        sock.close()
    _server_still_works(server)
    assert db.trunc.count_documents({}) == 0


def test_oversized_message_refused_without_reading_it(server):
    sock = connect(server)
    try:
        sock.sendall(_HEADER.pack(60_000_000, 1, 0, 2013) + b"\x00" * 1000)
        assert is_closed(sock)
    finally:
        sock.close()
    _server_still_works(server)


def test_client_vanishing_mid_command_keeps_data_consistent(server, db):
    db.big.insert_many([{"_id": i, "n": 0} for i in range(2000)])
    for _ in range(5):
        sock = connect(server)
        sock.sendall(op_msg({"update": "big", "$db": db.name,
                             "updates": [{"q": {}, "u": {"$inc": {"n": 1}}, "multi": True}]}))
        sock.close()  # gone before the reply
    _server_still_works(server)
    import time
    deadline = time.time() + 10
    while time.time() < deadline:
        values = {d["n"] for d in db.big.find({}, {"n": 1})}
        if len(values) == 1 and values != {0}:
            break
        time.sleep(0.05)
    values = {d["n"] for d in db.big.find({}, {"n": 1})}
    assert len(values) == 1  # every update applied to all documents or not at all


def test_malformed_command_gets_an_error_not_a_crash(server):
    sock = connect(server)
    try:
        for command in ({"find": 5, "$db": "t"}, {"insert": "x", "documents": 3, "$db": "t"},
                        {"getMore": "x", "collection": "c", "$db": "t"},
                        {"find": "c", "limit": "ten", "$db": "t"},
                        {"createIndexes": "c", "indexes": "no", "$db": "t"},
                        {"explain": 1, "$db": "t"}, {"dropIndexes": "c", "$db": "t"}):
            sock.sendall(op_msg(command))
            reply = read_op_msg(sock)[1]
            assert reply["ok"] == 0 and isinstance(reply["code"], int), command
    finally:
        sock.close()
    _server_still_works(server)


def test_twenty_concurrent_clients(server, db):
    errors: list[BaseException] = []
    per_thread = 50

    def work(worker: int) -> None:
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        try:
            coll = client[db.name].shared
            for i in range(per_thread):
                coll.insert_one({"worker": worker, "i": i})
                coll.update_one({"_id": "counter"}, {"$inc": {"n": 1}}, upsert=True)
                assert coll.count_documents({"worker": worker}) == i + 1
                assert len(list(coll.find({"worker": worker}).batch_size(7))) == i + 1
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors[:3]
    assert db.shared.count_documents({"worker": {"$exists": True}}) == 20 * per_thread
    assert db.shared.find_one({"_id": "counter"})["n"] == 20 * per_thread


def test_many_connections_from_one_pool(server, db):
    client = pymongo.MongoClient(server.uri, maxPoolSize=40)
    try:
        coll = client[db.name].pool
        coll.insert_one({"_id": 0, "n": 0})

        def bump() -> None:
            for _ in range(25):
                coll.find_one_and_update({"_id": 0}, {"$inc": {"n": 1}})

        threads = [threading.Thread(target=bump) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert coll.find_one({"_id": 0})["n"] == 1000
    finally:
        client.close()


def test_stop_closes_connections_and_frees_the_port():
    import mim
    with mim.serve(port=0) as running:
        port = running.port
        client = pymongo.MongoClient(running.uri, serverSelectionTimeoutMS=300)
        client.admin.command("ping")
    assert not running.running
    with pytest.raises(pymongo.errors.PyMongoError):
        client.admin.command("ping")
    client.close()
    probe = socket.socket()
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # the port can be reused at once
    finally:
        probe.close()
