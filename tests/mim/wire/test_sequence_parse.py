"""A write as drivers send it — an OP_MSG body then one document sequence — is read
without the full section walk; every message, good or malformed, must come out of
:func:`parse_message` exactly as the full parser reads it (the same Request, or the
same error)."""

from __future__ import annotations

import struct
from typing import Any

import bson
import pytest

from mim.engine.storage.store import ENGINE_CODEC
from mim.wire import protocol
from mim.wire.protocol import NestingTooDeep, ProtocolError, parse_message

from .helpers import op_msg

INSERT = {"insert": "things", "ordered": True, "lsid": {"id": bson.Binary(b"\x01" * 16, 4)},
          "$db": "test"}
DOCS = [{"_id": 1, "x": "a"}, {"_id": 2, "nested": {"y": [1, 2]}}]


def _deep(depth: int) -> dict:
    doc: dict = {"v": 1}
    for _ in range(depth):
        doc = {"d": doc}
    return doc


GOOD = {
    "one document": op_msg(INSERT, sequences=[("documents", DOCS[:1])]),
    "two documents": op_msg(INSERT, sequences=[("documents", DOCS)]),
    "no documents": op_msg(INSERT, sequences=[("documents", [])]),
    "updates": op_msg({"update": "things", "$db": "test"},
                      sequences=[("updates", [{"q": {"_id": 1}, "u": {"$set": {"x": 2}}}])]),
    "two sequences": op_msg(INSERT, sequences=[("documents", DOCS), ("other", DOCS[:1])]),
    "no $db": op_msg({"insert": "things"}, sequences=[("documents", DOCS)]),
    "deep document": op_msg(INSERT, sequences=[("documents", [_deep(150)])]),
    "deep body": op_msg({**INSERT, "deep": _deep(150)}, sequences=[("documents", DOCS)]),
}

_valid = GOOD["two documents"]
_sequence_at = 21 + len(bson.encode(INSERT))
BAD = {
    "identifier duplicates a body field": op_msg(INSERT, sequences=[("insert", DOCS)]),
    "document size overruns": _valid[:-len(bson.encode(DOCS[1]))]
    + struct.pack("<i", 999) + bson.encode(DOCS[1])[4:],
    "document size too small": _valid[:-len(bson.encode(DOCS[1]))]
    + struct.pack("<i", 3) + bson.encode(DOCS[1])[4:],
    "document not BSON": _valid[:-2] + b"\x07\x00",
    "sequence size overruns": _valid[:_sequence_at + 1] + struct.pack("<i", 10_000)
    + _valid[_sequence_at + 5:],
    "identifier not UTF-8": op_msg(INSERT, sequences=[("documents", DOCS)]).replace(
        b"documents\x00", b"docum\xffnts\x00"),
    "unknown section kind": _valid[:_sequence_at] + b"\x02" + _valid[_sequence_at + 1:],
    "body not BSON": _valid[:21 + 4] + b"\x63" + _valid[21 + 5:],
}


def _full(message: bytes) -> Any:
    return protocol._parse_op_msg(memoryview(message), struct.unpack_from("<i", message, 4)[0],
                                  ENGINE_CODEC)


def _outcome(parse: Any, message: bytes) -> Any:
    try:
        request = parse(message)
    except (ProtocolError, NestingTooDeep) as exc:
        return type(exc), str(exc)
    raw = {k: getattr(v, "raw", None) for k, v in request.command.items()}
    return (request.request_id, request.op_code, request.command, list(request.command),
            raw, request.db, request.flags, request.more_to_come, request.checksum,
            request.sequences, request.extra)


@pytest.mark.parametrize("case", list(GOOD) + list(BAD))
def test_read_as_the_full_parser_reads_it(case):
    message = {**GOOD, **BAD}[case]
    fast = _outcome(lambda m: parse_message(m, ENGINE_CODEC), message)
    assert fast == _outcome(_full, message)
    if case in BAD:
        assert fast[0] in (ProtocolError, NestingTooDeep)


@pytest.mark.parametrize("case", ["one document", "two documents", "updates"])
def test_the_shortcut_reads_a_driver_write(case, monkeypatch):
    """(so the comparison above compares the shortcut, not the full parser twice)"""
    monkeypatch.setattr(protocol, "_parse_op_msg", lambda *args: pytest.fail("full parser"))
    request = parse_message(GOOD[case], ENGINE_CODEC)
    assert request.sequences and request.db == "test"
