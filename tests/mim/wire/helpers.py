"""Raw-socket helpers for protocol-level tests (what a misbehaving client sends)."""

from __future__ import annotations

import socket
import struct

import bson

from mim.wire.crc32c import crc32c
from mim.wire.protocol import OP_MSG, OP_QUERY

_HEADER = struct.Struct("<iiii")


def connect(server, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def op_msg(command: dict, request_id: int = 1, *, flags: int = 0, checksum: bool = False,
           sequences: list[tuple[str, list[dict]]] = (), bad_checksum: bool = False) -> bytes:
    body = struct.pack("<I", flags | (1 if checksum else 0)) + b"\x00" + bson.encode(command)
    for identifier, docs in sequences:
        payload = identifier.encode() + b"\x00" + b"".join(bson.encode(d) for d in docs)
        body += b"\x01" + struct.pack("<i", len(payload) + 4) + payload
    length = _HEADER.size + len(body) + (4 if checksum else 0)
    message = _HEADER.pack(length, request_id, 0, OP_MSG) + body
    if checksum:
        crc = crc32c(message) ^ (1 if bad_checksum else 0)
        message += struct.pack("<I", crc)
    return message


def op_query(namespace: str, query: dict, request_id: int = 1) -> bytes:
    body = (struct.pack("<i", 0) + namespace.encode() + b"\x00" + struct.pack("<ii", 0, -1)
            + bson.encode(query))
    return _HEADER.pack(_HEADER.size + len(body), request_id, 0, OP_QUERY) + body


def recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def read_reply(sock: socket.socket) -> tuple[tuple[int, int, int, int], bytes]:
    header = _HEADER.unpack(recv_exact(sock, _HEADER.size))
    return header, recv_exact(sock, header[0] - _HEADER.size)


def read_op_msg(sock: socket.socket) -> tuple[int, dict]:
    """(flags, body document) of an OP_MSG reply."""
    header, payload = read_reply(sock)
    assert header[3] == OP_MSG
    flags = struct.unpack_from("<I", payload)[0]
    assert payload[4] == 0
    end = len(payload) - (4 if flags & 1 else 0)
    return flags, bson.decode(payload[5:end])


def is_closed(sock: socket.socket, timeout: float = 5.0) -> bool:
    """Whether the server closed this connection (EOF or reset) within ``timeout``."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
