"""OP_COMPRESSED: negotiation in ``hello`` and compressed traffic from real pymongo.

mongod answers ``hello``'s ``compression`` with the compressors it shares with
the client, in the client's order, and compresses each reply with the
compressor its request used; the counters below are the server's own count of
OP_COMPRESSED frames received and sent.
"""

from __future__ import annotations

import struct
import zlib

import bson
import pymongo
import pytest

import mim
from mim.wire import WireServer, compression
from mim.wire.protocol import OP_COMPRESSED, OP_MSG

from .helpers import connect, op_msg, read_op_msg, read_reply

ALL = compression.available()


@pytest.fixture(scope="module")
def server():
    # these tests pin a standalone's exact replies (no $clusterTime gossip)
    with mim.serve(port=0, engine=mim.Server(standalone=True)) as running:
        yield running


def test_zstd_and_zlib_are_available():
    # zlib is in the standard library; zstd comes with the test extra (pymongo[zstd])
    assert "zlib" in ALL and "zstd" in ALL


@pytest.mark.parametrize("name", ALL)
def test_pymongo_traffic_is_compressed(server, name):
    before = dict(server.compression_counts)
    client = pymongo.MongoClient(server.uri, compressors=name, serverSelectionTimeoutMS=5000)
    try:
        docs = [{"_id": i, "text": "compress me " * 50} for i in range(200)]
        client.ztest[name].insert_many(docs)
        assert list(client.ztest[name].find().sort("_id", 1)) == docs
        assert client.ztest[name].count_documents({"text": {"$regex": "me"}}) == 200
    finally:
        client.drop_database("ztest")
        client.close()
    received = server.compression_counts[(name, "in")] - before.get((name, "in"), 0)
    sent = server.compression_counts[(name, "out")] - before.get((name, "out"), 0)
    assert received >= 3 and sent == received  # every compressed request, answered in kind
    for other in ALL:
        if other != name:
            assert server.compression_counts[(other, "in")] == before.get((other, "in"), 0)


def test_negotiation_keeps_the_clients_order_and_drops_unknown_names(server):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"hello": 1, "compression": ["lz4", "zlib", "zstd", "noop"],
                             "$db": "admin"}))
        assert read_op_msg(sock)[1]["compression"] == ["zlib", "zstd"]
    finally:
        sock.close()


def test_no_compression_field_without_a_request(server):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"hello": 1, "$db": "admin"}))
        assert "compression" not in read_op_msg(sock)[1]
    finally:
        sock.close()


def _compressed(message: bytes, compressor_id: int, body: bytes | None = None) -> bytes:
    length, request_id, response_to, op_code = struct.unpack_from("<iiii", message)
    original = message[16:]
    payload = body if body is not None else zlib.compress(original)
    head = struct.pack("<iiB", op_code, len(original), compressor_id)
    return struct.pack("<iiii", 16 + len(head) + len(payload), request_id, response_to,
                       OP_COMPRESSED) + head + payload


def test_raw_zlib_message_is_answered_compressed(server):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"hello": 1, "compression": ["zlib"], "$db": "admin"}, 1))
        read_op_msg(sock)
        sock.sendall(_compressed(op_msg({"ping": 1, "$db": "admin"}, 2), 2))
        header, payload = read_reply(sock)
        assert header[3] == OP_COMPRESSED and header[2] == 2
        original_op, size, compressor_id = struct.unpack_from("<iiB", payload)
        assert (original_op, compressor_id) == (OP_MSG, 2)
        body = zlib.decompress(payload[9:])
        assert len(body) == size
        assert bson.decode(body[5:]) == {"ok": 1.0}
    finally:
        sock.close()


def test_a_compressor_not_negotiated_gets_a_plain_reply(server):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"hello": 1, "$db": "admin"}, 1))  # negotiates nothing
        read_op_msg(sock)
        sock.sendall(_compressed(op_msg({"ping": 1, "$db": "admin"}, 2), 2))
        assert read_op_msg(sock)[1] == {"ok": 1.0}
    finally:
        sock.close()


@pytest.mark.parametrize("compressor_id, body", [(9, None), (2, b"not zlib at all")])
def test_bad_compressed_messages_close_only_that_connection(server, compressor_id, body):
    sock = connect(server)
    try:
        sock.sendall(_compressed(op_msg({"ping": 1, "$db": "admin"}), compressor_id, body))
        assert sock.recv(1) == b""  # closed
    finally:
        sock.close()
    client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    assert client.admin.command("ping")["ok"] == 1.0
    client.close()


def test_server_may_offer_fewer_compressors():
    with mim.serve(port=0, compressors=["zlib"]) as limited:
        client = pymongo.MongoClient(limited.uri, compressors="zstd,zlib",
                                     serverSelectionTimeoutMS=5000)
        try:
            client.t.c.insert_one({"x": 1})
        finally:
            client.close()
        assert limited.compression_counts[("zlib", "in")] >= 1
        assert limited.compression_counts[("zstd", "in")] == 0
    with pytest.raises(ValueError):
        WireServer(compressors=["lz4"])


def test_server_status_reports_the_compressed_traffic():
    # serverStatus().network.compression is how mongod shows compression at work
    with mim.serve(port=0) as fresh:
        client = pymongo.MongoClient(fresh.uri, compressors="zlib",
                                     serverSelectionTimeoutMS=5000)
        try:
            client.t.c.insert_many([{"text": "again " * 200} for _ in range(50)])
            network = client.admin.command("serverStatus")["network"]
        finally:
            client.close()
    assert set(network["compression"]) == set(ALL)
    zlib_counts = network["compression"]["zlib"]
    # requests are inflated (out > in), replies deflated
    assert 0 < zlib_counts["decompressor"]["bytesIn"] < zlib_counts["decompressor"]["bytesOut"]
    assert zlib_counts["compressor"]["bytesIn"] > 0
    assert network["numRequests"] >= 2
    # the bulk insert travelled compressed: fewer bytes on the wire than it carried
    assert network["physicalBytesIn"] < network["bytesIn"]
    for other in ALL:
        if other != "zlib":
            assert network["compression"][other]["decompressor"]["bytesIn"] == 0
