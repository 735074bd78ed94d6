"""MongoDB's wire protocol: message framing, OP_MSG and the legacy OP_QUERY/OP_REPLY.

A message is a 16-byte header (``messageLength``, ``requestID``,
``responseTo``, ``opCode``, little-endian int32s) followed by an opcode body.
This module parses bytes into :class:`Request` objects and builds reply
bytes; it knows nothing about commands or sockets.  Anything it cannot parse
raises :class:`ProtocolError`, whose message is the reason the server logs
before closing that connection.

OP_MSG (2013): ``flagBits`` (uint32), then sections — kind 0 is the command
body (one BSON document), kind 1 a document sequence (``int32 size``,
``cstring identifier``, BSON documents) that becomes a field of the body —
then an optional CRC-32C checksum when ``checksumPresent`` is set.
OP_QUERY (2004) is accepted only for the connection handshake
(``hello``/``isMaster`` on ``<db>.$cmd``), answered with OP_REPLY (1).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import bson
from bson.codec_options import CodecOptions

from ..engine.values.undefined import FIXED_VALUE_SIZES
from .crc32c import crc32c

__all__ = ["ProtocolError", "NestingTooDeep", "Request", "Envelope", "HEADER", "MAX_MESSAGE_SIZE", "OP_MSG", "OP_QUERY",
           "OP_REPLY", "OP_COMPRESSED", "CHECKSUM_PRESENT", "MORE_TO_COME", "EXHAUST_ALLOWED",
           "parse_header", "parse_message", "encode_op_msg", "encode_op_reply"]

HEADER = struct.Struct("<iiii")
MAX_MESSAGE_SIZE = 48_000_000
OP_REPLY = 1
OP_QUERY = 2004
OP_COMPRESSED = 2012
OP_MSG = 2013

CHECKSUM_PRESENT = 1 << 0
MORE_TO_COME = 1 << 1
EXHAUST_ALLOWED = 1 << 16
#: Bits 0-15 are "required": a receiver must reject a message with one it
#: does not know.  Bits 16-31 are optional and may be ignored.
_KNOWN_REQUIRED = CHECKSUM_PRESENT | MORE_TO_COME

_INT32 = struct.Struct("<i")
_UINT32 = struct.Struct("<I")
_OP_QUERY_TAIL = struct.Struct("<ii")
_OP_REPLY_HEAD = struct.Struct("<iqii")

#: an OP_MSG's header, ``flagBits``, first section kind and (for a body) its size
_PLAIN_OP_MSG = struct.Struct("<iiiiIBi")
_BODY_OFFSET = HEADER.size + 5
#: an OP_MSG's header, ``flagBits`` and the body section's kind byte
_OP_MSG_HEAD = struct.Struct("<iiiiIB")

#: ``bson.decode`` without its per-call codec-options type check
_bson_to_dict = getattr(bson, "_bson_to_dict", None) or bson.decode

_LEGACY_OPCODES = {2001: "OP_UPDATE", 2002: "OP_INSERT", 2004: "OP_QUERY", 2005: "OP_GET_MORE",
                   2006: "OP_DELETE", 2007: "OP_KILL_CURSORS", 2012: "OP_COMPRESSED",
                   2010: "OP_COMMAND", 2011: "OP_COMMANDREPLY", 1: "OP_REPLY"}


class ProtocolError(Exception):
    """A message that cannot be understood; the connection that sent it is closed."""


class NestingTooDeep(ProtocolError):
    """A well-formed message holding BSON nested deeper than the decoder goes: the
    server answers it (15 Overflow) and keeps the connection."""


@dataclass
class Request:
    """One parsed client message."""

    request_id: int
    op_code: int
    #: The command document (document sequences already merged in as lists).
    command: dict[str, Any]
    #: The database the command runs against (``$db``, or OP_QUERY's namespace).
    db: str
    flags: int = 0
    #: OP_MSG's ``moreToCome``: the client expects no reply.
    more_to_come: bool = False
    checksum: bool = False
    #: OP_QUERY's ``numberToReturn`` etc. are irrelevant to a handshake; kept for logs.
    extra: dict[str, Any] = field(default_factory=dict)
    #: whether document sequences were merged into ``command``
    sequences: bool = False


def parse_header(header: bytes) -> tuple[int, int, int, int]:
    """``(messageLength, requestID, responseTo, opCode)``, the length checked."""
    length, request_id, response_to, op_code = HEADER.unpack(header)
    if length < HEADER.size + 1 or length > MAX_MESSAGE_SIZE:
        raise ProtocolError(f"message length {length} is invalid: min {HEADER.size + 1}, "
                            f"max {MAX_MESSAGE_SIZE}")
    return length, request_id, response_to, op_code


def parse_message(message: bytes | memoryview, codec: CodecOptions,
                  envelope: "Envelope | None" = None) -> Request:
    """Parse a whole message (header included) into a :class:`Request`.

    ``envelope``: the connection's :class:`Envelope`, which spares decoding the
    generic fields a driver repeats at the end of every command."""
    if len(message) > _PLAIN_OP_MSG.size:
        # what drivers send almost always: an OP_MSG with no flags and one body section
        # filling the message, decoded in one step (anything else, or a body that does
        # not decode, takes the full parser below, which says what is wrong)
        length, request_id, _response_to, op_code, flags, kind, size = \
            _PLAIN_OP_MSG.unpack_from(message)
        if op_code == OP_MSG and not flags and not kind and length == len(message) \
                and size == length - _BODY_OFFSET:
            body = envelope.decode(message, codec) if envelope is not None else None
            if body is None:
                try:
                    body = _bson_to_dict(memoryview(message)[_BODY_OFFSET:], codec)
                except Exception:
                    pass
                else:
                    if envelope is not None:
                        envelope.learn(message, body, codec)
            if body is not None:
                db = body.get("$db")
                return Request(request_id, OP_MSG, body, db if type(db) is str else "")
        elif op_code == OP_MSG and not flags and not kind and length == len(message) \
                and type(message) is bytes:
            request = _body_and_sequence(message, request_id, size, codec)
            if request is not None:
                return request
    data = memoryview(message)
    if len(data) < HEADER.size:
        raise ProtocolError("message shorter than its header")
    length, request_id, _response_to, op_code = HEADER.unpack_from(data)
    if length != len(data):
        raise ProtocolError(f"message length {length} does not match the {len(data)} bytes "
                            f"received")
    if op_code == OP_MSG:
        return _parse_op_msg(data, request_id, codec)
    if op_code == OP_QUERY:
        return _parse_op_query(data, request_id, codec)
    name = _LEGACY_OPCODES.get(op_code)
    if name is not None:
        raise ProtocolError(f"unsupported opcode {op_code} ({name}); MongoDB 7.0 speaks OP_MSG")
    raise ProtocolError(f"unknown opcode {op_code}")


def _body_and_sequence(message: bytes, request_id: int, size: int,
                       codec: CodecOptions) -> Request | None:
    """What a driver sends for a write (``insert``'s ``documents``, ``update``'s
    ``updates``…): a body then one document sequence filling the message, read
    without the full parser's section walk; None for anything else or anything
    wrong, which the full parser then reads (and says what is wrong)."""
    start = _BODY_OFFSET + size  # the sequence's kind byte
    if size < 5 or start + 5 > len(message) or message[start] != 1:
        return None
    end = start + 1 + _INT32.unpack_from(message, start + 1)[0]
    name_end = message.find(b"\x00", start + 5, end)
    if end != len(message) or name_end < 0:
        return None
    raws = []
    pos = name_end + 1
    while pos < end:
        if pos + 5 > end:
            return None
        doc_end = pos + _INT32.unpack_from(message, pos)[0]
        if doc_end <= pos + 4 or doc_end > end:
            return None
        raws.append(message[pos:doc_end])
        pos = doc_end
    try:
        identifier = message[start + 5:name_end].decode("utf-8")
        body = _bson_to_dict(memoryview(message)[_BODY_OFFSET:start], codec)
    except Exception:
        return None
    if identifier in body:
        return None
    body[identifier] = DocumentSequence(raws, codec, f"OP_MSG document sequence {identifier!r}")
    db = body.get("$db")
    return Request(request_id, OP_MSG, body, db if type(db) is str else "", sequences=True)


#: the generic fields drivers put after a command's own fields (pymongo: ``lsid``,
#: ``$clusterTime``, ``$db``, ``$readPreference``, in that order), the same bytes from
#: one command of a connection to the next until the cluster time moves
_ENVELOPE_NAMES = frozenset({b"lsid", b"$clusterTime", b"$db", b"$readPreference"})
#: the size of a BSON element's value, by type, where it is fixed
_FIXED_SIZES = FIXED_VALUE_SIZES
#: how many consecutive misses an :class:`Envelope` learns from before it learns only
#: from every ``_RELEARN_EVERY``-th (a connection whose commands all differ, say one
#: that only writes, each write moving the cluster time, stops paying for learning)
_MISSES_LEARNED = 4
_RELEARN_EVERY = 16


class Envelope:
    """The generic fields at the end of a connection's last command, kept as their
    bytes and decoded.

    A driver ends every command with the same ``lsid``, ``$clusterTime``, ``$db`` and
    ``$readPreference`` (``$clusterTime`` changes when the cluster time moves), and
    decoding them (a UUID, a timestamp, a signature) costs more than decoding a
    ``find_one``'s own fields.  A message whose body ends with the very bytes of
    the last one decodes only the part before them and takes the decoded fields
    from here: the same dict ``bson.decode`` gives (a key both parts hold keeps its
    first position and its last value, as decoding does).  If that part does not
    decode on its own, the message is decoded whole as before, so a malformed one
    fails exactly as it would without this.  The decoded values are shared by the
    commands that reuse them: nothing may change them in place.  One per
    connection (it is not locked)."""

    __slots__ = ("tail", "fields", "codec", "misses")

    def __init__(self) -> None:
        #: the last command body's trailing generic elements and its final NUL
        self.tail = b""
        self.fields: dict[str, Any] = {}
        self.codec: CodecOptions | None = None
        #: messages since the tail last matched
        self.misses = 0

    def decode(self, message: bytes, codec: CodecOptions) -> dict[str, Any] | None:
        """The body of a plain OP_MSG ``message``, if it ends with the known tail."""
        tail = self.tail
        if not tail or codec is not self.codec or type(message) is not bytes \
                or not message.endswith(tail):
            self.misses += 1
            return None
        cut = len(message) - len(tail)
        try:
            body = _bson_to_dict(_INT32.pack(cut - _BODY_OFFSET + 1)
                                 + message[_BODY_OFFSET + 4:cut] + b"\x00", codec)
        except Exception:
            self.misses += 1
            return None  # not on an element boundary: decoded whole instead
        self.misses = 0
        body.update(self.fields)
        return body

    def learn(self, message: bytes, body: dict[str, Any], codec: CodecOptions) -> None:
        """Remember the generic elements ending ``message`` (decoded whole as
        ``body``), so the next message ending with them decodes faster."""
        misses = self.misses
        if misses > _MISSES_LEARNED and misses % _RELEARN_EVERY or type(message) is not bytes:
            return
        start = _trailing_envelope(message, _BODY_OFFSET + 4, len(message) - 1)
        if start is None or start <= _BODY_OFFSET + 4 or start >= len(message) - 1:
            return  # none, or nothing but them (then the command's name is one of them)
        self.fields = {name: body[name]
                       for name in _element_names(message, start, len(message) - 1)}
        self.tail = message[start:]
        self.codec = codec


def _element_end(data: bytes, pos: int) -> tuple[int, int] | None:
    """For the BSON element at ``pos``: where its name ends (its NUL) and where the
    element ends; None for a type whose size this does not read (regex, DBPointer,
    code with scope: the message is then simply decoded whole)."""
    kind = data[pos]
    name_end = data.find(0, pos + 1)
    if name_end < 0:
        return None
    value = name_end + 1
    fixed = _FIXED_SIZES.get(kind)
    if fixed is not None:
        return name_end, value + fixed
    if kind == 3 or kind == 4:  # document, array: the size counts itself
        return name_end, value + _INT32.unpack_from(data, value)[0]
    if kind == 2 or kind == 13 or kind == 14:  # string, code, symbol: size, then the bytes
        return name_end, value + 4 + _INT32.unpack_from(data, value)[0]
    if kind == 5:  # binary: size, subtype, the bytes
        return name_end, value + 5 + _INT32.unpack_from(data, value)[0]
    return None


def _trailing_envelope(data: bytes, pos: int, end: int) -> int | None:
    """Where the run of generic elements (:data:`_ENVELOPE_NAMES`) ending the elements
    ``data[pos:end]`` starts (``end`` when there is none); None when the walk cannot
    read an element's size."""
    start = pos
    while pos < end:
        bounds = _element_end(data, pos)
        if bounds is None:
            return None
        name_end, following = bounds
        if data[pos + 1:name_end] not in _ENVELOPE_NAMES:
            start = following
        pos = following
    return start if pos == end else None


def _element_names(data: bytes, pos: int, end: int) -> list[str]:
    """The names of the elements ``data[pos:end]`` (walked by :func:`_trailing_envelope`
    already, so every size is known)."""
    names = []
    while pos < end:
        name_end, following = _element_end(data, pos)  # type: ignore[misc]
        names.append(data[pos + 1:name_end].decode())
        pos = following
    return names


def _document_bytes(data: memoryview, offset: int, what: str) -> tuple[memoryview, int]:
    """The BSON document starting at ``offset`` (size-checked) and where it ends."""
    if offset + 5 > len(data):
        raise ProtocolError(f"{what}: truncated BSON document")
    (size,) = _INT32.unpack_from(data, offset)
    end = offset + size
    if size < 5 or end > len(data):
        raise ProtocolError(f"{what}: BSON document size {size} overruns the message")
    return data[offset:end], end


def _decode(raw: bytes | memoryview, codec: CodecOptions, what: str) -> dict[str, Any]:
    try:
        return bson.decode(raw, codec)
    except Exception as exc:  # bson.errors.InvalidBSON and friends
        if isinstance(exc, RecursionError) or "maximum recursion depth" in str(exc):
            raise NestingTooDeep(f"{what}: BSONObj exceeds maximum nested object depth") from None
        raise ProtocolError(f"{what}: invalid BSON: {exc}") from None


def _decode_document(data: memoryview, offset: int, codec: CodecOptions,
                     what: str) -> tuple[dict[str, Any], int]:
    raw, end = _document_bytes(data, offset, what)
    return _decode(raw, codec, what), end


def _cstring(data: memoryview, offset: int, what: str) -> tuple[str, int]:
    raw = bytes(data[offset:offset + 256])  # a name is short: no copy of the whole rest
    end = raw.find(b"\x00")
    if end < 0 and offset + 256 < len(data):
        raw = bytes(data[offset:])
        end = raw.find(b"\x00")
    if end < 0:
        raise ProtocolError(f"{what}: unterminated string")
    try:
        return raw[:end].decode("utf-8"), offset + end + 1
    except UnicodeDecodeError:
        raise ProtocolError(f"{what}: string is not valid UTF-8") from None


def _parse_op_msg(data: memoryview, request_id: int, codec: CodecOptions) -> Request:
    if len(data) < HEADER.size + 5:
        raise ProtocolError("OP_MSG too short")
    (flags,) = _UINT32.unpack_from(data, HEADER.size)
    unknown = flags & 0xFFFF & ~_KNOWN_REQUIRED
    if unknown:
        raise ProtocolError(f"OP_MSG has unknown required flag bits 0x{unknown:x}")
    end = len(data)
    checksum = bool(flags & CHECKSUM_PRESENT)
    if checksum:
        end -= 4
        if end < HEADER.size + 5:
            raise ProtocolError("OP_MSG too short for its checksum")
        (expected,) = _UINT32.unpack_from(data, end)
        actual = crc32c(data[:end])
        if actual != expected:
            raise ProtocolError(f"OP_MSG checksum mismatch: got 0x{expected:08x}, "
                                f"computed 0x{actual:08x}")
    offset = HEADER.size + 4
    body: dict[str, Any] | None = None
    sequences: list[tuple[str, list[bytes]]] = []
    while offset < end:
        kind = data[offset]
        offset += 1
        if kind == 0:
            if body is not None:
                raise ProtocolError("OP_MSG has more than one body section")
            body, offset = _decode_document(data[:end], offset, codec, "OP_MSG body")
        elif kind == 1:
            if offset + 4 > end:
                raise ProtocolError("OP_MSG document sequence: truncated size")
            (size,) = _INT32.unpack_from(data, offset)
            seq_end = offset + size
            if size < 5 or seq_end > end:
                raise ProtocolError(f"OP_MSG document sequence size {size} overruns the message")
            section = data[:seq_end]
            identifier, pos = _cstring(section, offset + 4, "OP_MSG document sequence")
            what = f"OP_MSG document sequence {identifier!r}"
            docs: list[bytes] = []
            while pos < seq_end:
                raw, pos = _document_bytes(section, pos, what)
                docs.append(bytes(raw))
            sequences.append((identifier, DocumentSequence(docs, codec, what)))
            offset = seq_end
        else:
            raise ProtocolError(f"OP_MSG has unknown section kind {kind}")
    if body is None:
        raise ProtocolError("OP_MSG has no body section")
    for identifier, docs in sequences:
        if identifier in body:
            raise ProtocolError(f"OP_MSG document sequence {identifier!r} duplicates a field "
                                f"of the body")
        body[identifier] = docs
    db = body.get("$db")
    if not isinstance(db, str):
        db = ""
    return Request(request_id, OP_MSG, body, db, flags=flags,
                   more_to_come=bool(flags & MORE_TO_COME), checksum=checksum,
                   sequences=bool(sequences))


class DocumentSequence(list):
    """A kind-1 section's documents: decoded like the body, with the raw bytes
    of each kept in ``raw`` (an ``insert`` stores them without re-encoding)."""

    def __init__(self, raws: list[bytes], codec: CodecOptions, what: str) -> None:
        super().__init__(_decode(r, codec, what) for r in raws)
        self.raw = raws


def _parse_op_query(data: memoryview, request_id: int, codec: CodecOptions) -> Request:
    offset = HEADER.size
    if len(data) < offset + 4:
        raise ProtocolError("OP_QUERY too short")
    (flags,) = _INT32.unpack_from(data, offset)
    namespace, offset = _cstring(data, offset + 4, "OP_QUERY namespace")
    if offset + 8 > len(data):
        raise ProtocolError("OP_QUERY truncated")
    skip, to_return = _OP_QUERY_TAIL.unpack_from(data, offset)
    query, offset = _decode_document(data, offset + 8, codec, "OP_QUERY query")
    db, _, coll = namespace.partition(".")
    command = query
    if "$query" in query:  # a wrapped query: {$query: {...}, $readPreference: ...}
        command = query["$query"]
        if not isinstance(command, dict):
            raise ProtocolError("OP_QUERY $query is not a document")
    return Request(request_id, OP_QUERY, command, db, flags=flags,
                   extra={"namespace": namespace, "collection": coll, "skip": skip,
                          "numberToReturn": to_return})


def _header(length: int, request_id: int, response_to: int, op_code: int) -> bytes:
    return HEADER.pack(length, request_id, response_to, op_code)


def encode_op_msg(reply: bytes, request_id: int, response_to: int, *,
                  more_to_come: bool = False, checksum: bool = False) -> bytes:
    """An OP_MSG carrying one already-encoded BSON body."""
    if not more_to_come and not checksum:  # the common reply, in one concatenation
        return _OP_MSG_HEAD.pack(_BODY_OFFSET + len(reply), request_id, response_to, OP_MSG,
                                 0, 0) + reply
    flags = (MORE_TO_COME if more_to_come else 0) | (CHECKSUM_PRESENT if checksum else 0)
    length = HEADER.size + 4 + 1 + len(reply) + (4 if checksum else 0)
    message = b"".join((_header(length, request_id, response_to, OP_MSG),
                        _UINT32.pack(flags), b"\x00", reply))
    if checksum:
        message += _UINT32.pack(crc32c(message))
    return message


def encode_op_reply(documents: list[bytes], request_id: int, response_to: int, *,
                    flags: int = 0, cursor_id: int = 0) -> bytes:
    """An OP_REPLY (the legacy answer to OP_QUERY)."""
    payload = b"".join(documents)
    length = HEADER.size + _OP_REPLY_HEAD.size + len(payload)
    return b"".join((_header(length, request_id, response_to, OP_REPLY),
                     _OP_REPLY_HEAD.pack(flags, cursor_id, 0, len(documents)), payload))
