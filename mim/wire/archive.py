"""mongodump's archive format (``mongodump --archive``), written and read.

As mongo-tools ``common/archive/spec.md`` defines it::

    archive  = magic-number, header, *collection-metadata, terminator,
               *(namespace-segment | namespace-eof)
    magic    = 0x8199e26d, little-endian
    header   = {concurrent_collections: int32, version: "0.1",
                server_version: str, tool_version: str}
    collection-metadata = {db, collection, metadata: <canonical extended JSON,
                           the .metadata.json text>, size: int32, type}
    namespace-segment   = {db, collection, EOF: false, CRC: int64 0},
                          documents…, terminator
    namespace-eof       = {db, collection, EOF: true, CRC: int64 <CRC-64-ECMA
                          of every document of the namespace>}, terminator
    terminator          = 0xffffffff

mongodump writes one segment (possibly empty) and then the EOF block for each
collection; views appear in the prelude only.  ``--gzip`` with ``--archive``
compresses the whole stream.  The CRC is Go's ``crc64`` with the ECMA table
(the CRC-64/XZ of the CRC catalogue), stored as a signed int64.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import bson
from bson import Int64, json_util
from bson.son import SON

from .crc32c import slicing_tables

__all__ = ["ArchiveNamespace", "write_archive", "read_archive", "crc64_ecma",
           "MAGIC_NUMBER", "FORMAT_VERSION"]

MAGIC_NUMBER = 0x8199E26D
FORMAT_VERSION = "0.1"
_TERMINATOR = b"\xff\xff\xff\xff"
_MAGIC_BYTES = MAGIC_NUMBER.to_bytes(4, "little")
_JSON = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL)
_ECMA_REFLECTED = 0xC96C5795D7870F42


_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7 = slicing_tables(_ECMA_REFLECTED)
_ALL_ONES = 0xFFFFFFFFFFFFFFFF


def crc64_ecma(data: bytes, crc: int = 0) -> int:
    """Go's ``crc64.Update(crc, crc64.MakeTable(crc64.ECMA), data)``,
    eight bytes per step."""
    crc ^= _ALL_ONES
    n = len(data)
    whole = n - n % 8
    t0, t1, t2, t3, t4, t5, t6, t7 = _T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7
    from_bytes = int.from_bytes
    for i in range(0, whole, 8):
        word = crc ^ from_bytes(data[i:i + 8], "little")
        crc = (t7[word & 0xFF] ^ t6[(word >> 8) & 0xFF] ^ t5[(word >> 16) & 0xFF]
               ^ t4[(word >> 24) & 0xFF] ^ t3[(word >> 32) & 0xFF] ^ t2[(word >> 40) & 0xFF]
               ^ t1[(word >> 48) & 0xFF] ^ t0[word >> 56])
    for i in range(whole, n):
        crc = (crc >> 8) ^ t0[(crc ^ data[i]) & 0xFF]
    return crc ^ _ALL_ONES


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


@dataclass
class ArchiveNamespace:
    """One collection or view of an archive: its metadata document (what the
    ``.metadata.json`` file holds) and, for a collection, its documents'
    concatenated BSON."""

    db: str
    collection: str
    metadata: dict
    data: bytes | None = None
    type: str = "collection"
    chunks: list[bytes] = field(default_factory=list, repr=False)


def _header_document(db: str, collection: str, eof: bool, crc: int) -> bytes:
    return bson.encode(SON([("db", db), ("collection", collection), ("EOF", eof),
                            ("CRC", Int64(_signed64(crc)))]))


def write_archive(out: BinaryIO, namespaces: list[ArchiveNamespace],
                  server_version: str, tool_version: str,
                  documents: Any = None) -> None:
    """Write ``namespaces`` as a mongodump archive to ``out``.

    ``documents(namespace)``, when given, yields each collection's BSON in
    chunks (so a large collection need not be held whole); otherwise
    ``namespace.data`` is written.
    """
    out.write(_MAGIC_BYTES)
    out.write(bson.encode(SON([("concurrent_collections", 1), ("version", FORMAT_VERSION),
                               ("server_version", server_version),
                               ("tool_version", tool_version)])))
    for ns in namespaces:
        out.write(bson.encode(SON([
            ("db", ns.db), ("collection", ns.collection),
            ("metadata", json_util.dumps(ns.metadata, json_options=_JSON)),
            ("size", 0), ("type", ns.type)])))
    out.write(_TERMINATOR)
    for ns in namespaces:
        if ns.type == "view":
            continue
        chunks: Iterable[bytes] = (documents(ns) if documents is not None
                                   else [ns.data or b""])
        out.write(_header_document(ns.db, ns.collection, False, 0))
        crc = 0
        for chunk in chunks:
            crc = crc64_ecma(chunk, crc)
            out.write(chunk)
        out.write(_TERMINATOR)
        out.write(_header_document(ns.db, ns.collection, True, crc))
        out.write(_TERMINATOR)


class _Reader:
    def __init__(self, data: bytes, source: str) -> None:
        self.data = data
        self.offset = 0
        self.source = source

    def fail(self, what: str) -> ValueError:
        return ValueError(f"{self.source}: {what} at byte {self.offset}")

    def at_terminator(self) -> bool:
        return self.data[self.offset:self.offset + 4] == _TERMINATOR

    def terminator(self) -> None:
        if not self.at_terminator():
            raise self.fail("expected a terminator (0xffffffff)")
        self.offset += 4

    def raw_document(self) -> bytes:
        if self.offset + 5 > len(self.data):
            raise self.fail("truncated archive")
        size = int.from_bytes(self.data[self.offset:self.offset + 4], "little")
        if size < 5 or self.offset + size > len(self.data):
            raise self.fail(f"bad document size {size}")
        raw = self.data[self.offset:self.offset + size]
        self.offset += size
        return raw

    def document(self) -> dict:
        raw = self.raw_document()
        try:
            return bson.decode(raw)
        except Exception as exc:  # bson raises several kinds for corrupt input
            raise self.fail(f"invalid BSON ({exc})") from None


def read_archive(data: bytes, source: str = "archive") -> list[ArchiveNamespace]:
    """The namespaces of the mongodump archive ``data``, in prelude order.

    Checks the magic number, the terminators and each namespace's CRC;
    raises ValueError naming ``source`` and the byte offset otherwise.
    """
    if data[:4] != _MAGIC_BYTES:
        raise ValueError(f"{source}: stream or file does not appear to be a mongodump archive")
    reader = _Reader(data, source)
    reader.offset = 4
    header = reader.document()
    if header.get("version") != FORMAT_VERSION:
        raise reader.fail(f"unsupported archive format version {header.get('version')!r}")
    namespaces: dict[tuple[str, str], ArchiveNamespace] = {}
    while not reader.at_terminator():
        entry = reader.document()
        text = entry.get("metadata") or "{}"
        try:
            metadata = json_util.loads(text)
        except ValueError as exc:
            raise reader.fail(f"invalid metadata for {entry.get('db')}.{entry.get('collection')}"
                              f" ({exc})") from None
        key = (entry.get("db", ""), entry.get("collection", ""))
        namespaces[key] = ArchiveNamespace(key[0], key[1], metadata,
                                           type=entry.get("type") or "collection")
    reader.terminator()
    crcs: dict[tuple[str, str], int] = {}
    while reader.offset < len(data):
        block = reader.document()
        key = (block.get("db", ""), block.get("collection", ""))
        if key not in namespaces:
            raise reader.fail(f"data for {key[0]}.{key[1]}, which the prelude does not list")
        if block.get("EOF"):
            expected = _signed64(crcs.get(key, 0))
            if int(block.get("CRC", 0)) != expected:
                raise reader.fail(f"CRC mismatch for {key[0]}.{key[1]}")
            reader.terminator()
            continue
        while not reader.at_terminator():
            raw = reader.raw_document()
            crcs[key] = crc64_ecma(raw, crcs.get(key, 0))
            namespaces[key].chunks.append(raw)
        reader.terminator()
    for ns in namespaces.values():
        if ns.type != "view":
            ns.data = b"".join(ns.chunks)
        ns.chunks = []
    return list(namespaces.values())
