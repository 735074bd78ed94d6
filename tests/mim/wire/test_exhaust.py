"""Exhaust cursors (issue 20): a ``getMore`` sent with OP_MSG's ``exhaustAllowed``
is answered with ``moreToCome`` and the server streams the following batches
unasked, each reply answering the one before it, the last one (cursor id 0)
without the flag — as mongod does (OP_MSG spec, "exhaustAllowed"/"moreToCome").
pymongo uses it for ``cursor_type=CursorType.EXHAUST``."""

from __future__ import annotations

import socket
import struct
import time

import bson
import pymongo
from pymongo import CursorType

import mim
from mim.wire.protocol import EXHAUST_ALLOWED, MORE_TO_COME, OP_MSG


def _requests(client) -> int:
    return int(client.admin.command("serverStatus")["network"]["numRequests"])


def _settled_requests(client) -> int:
    """:func:`_requests` once the client's monitors are quiet: a new pymongo
    client's monitor and RTT monitor each send a ``hello`` on their own
    connections shortly after it starts, and one landing inside a measured window
    would be counted as the test's own request."""
    last = _requests(client)
    for _ in range(50):
        time.sleep(0.05)
        now = _requests(client)
        if now == last + 1:  # only the serverStatus just sent
            return now
        last = now
    return last


def test_pymongo_exhaust_cursor_reads_every_batch_from_one_get_more(coll, client):
    coll.insert_many([{"_id": i} for i in range(50)])
    before = _settled_requests(client)
    docs = list(coll.find(cursor_type=CursorType.EXHAUST, batch_size=5).sort("_id", 1))
    sent = _requests(client) - before - 1  # less this serverStatus
    assert [d["_id"] for d in docs] == list(range(50))
    # one find and one getMore; the other nine batches were streamed
    assert sent == 2
    # without exhaust every batch is asked for
    before = _settled_requests(client)
    assert len(list(coll.find(batch_size=5))) == 50
    # a find and ten getMores: the tenth batch is filled exactly by the last five
    # documents, so mongod keeps the cursor open (its scan is not EOF until it looks
    # past them) and an eleventh request gets an empty batch with cursor id 0
    assert _requests(client) - before - 1 == 11


def test_exhaust_through_the_in_process_driver_transport(client):
    engine = mim.Server()
    with mim.driver_client(server=engine) as driven:
        driven.db.items.insert_many([{"_id": i} for i in range(30)])
        docs = list(driven.db.items.find(cursor_type=CursorType.EXHAUST, batch_size=4))
        assert sorted(d["_id"] for d in docs) == list(range(30))


def _op_msg(request_id: int, body: dict, flags: int = 0) -> bytes:
    payload = struct.pack("<I", flags) + b"\x00" + bson.encode(body)
    return struct.pack("<iiii", 16 + len(payload), request_id, 0, OP_MSG) + payload


def _read_reply(sock: socket.socket) -> tuple[int, int, int, dict]:
    header = b""
    while len(header) < 16:
        header += sock.recv(16 - len(header))
    length, request_id, response_to, _ = struct.unpack("<iiii", header)
    body = b""
    while len(body) < length - 16:
        body += sock.recv(length - 16 - len(body))
    (flags,) = struct.unpack_from("<I", body)
    return request_id, response_to, flags, bson.decode(body[5:])


def test_the_stream_chains_response_to_and_ends_without_more_to_come(server, coll, client):
    coll.insert_many([{"_id": i} for i in range(7)])
    with socket.create_connection(server.address) as sock:
        sock.sendall(_op_msg(1, {"find": "things", "batchSize": 2, "$db": "wiretest"}))
        _, _, flags, first = _read_reply(sock)
        assert flags & MORE_TO_COME == 0
        cursor_id = first["cursor"]["id"]
        sock.sendall(_op_msg(2, {"getMore": cursor_id, "collection": "things",
                                 "batchSize": 2, "$db": "wiretest"}, EXHAUST_ALLOWED))
        answered, batches = 2, []
        while True:
            request_id, response_to, flags, reply = _read_reply(sock)
            assert response_to == answered
            answered = request_id
            batches.append([d["_id"] for d in reply["cursor"]["nextBatch"]])
            if not flags & MORE_TO_COME:
                assert reply["cursor"]["id"] == 0
                break
            assert reply["cursor"]["id"] == cursor_id
        assert batches == [[2, 3], [4, 5], [6]]
        # without exhaustAllowed a getMore is answered once, as usual
        sock.sendall(_op_msg(3, {"find": "things", "batchSize": 2, "$db": "wiretest"}))
        cursor_id = _read_reply(sock)[3]["cursor"]["id"]
        sock.sendall(_op_msg(4, {"getMore": cursor_id, "collection": "things",
                                 "batchSize": 2, "$db": "wiretest"}))
        _, response_to, flags, reply = _read_reply(sock)
        assert response_to == 4 and flags & MORE_TO_COME == 0 and reply["cursor"]["id"] != 0
