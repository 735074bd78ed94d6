"""Checksummed frames: how the journal and the snapshot lie on disk.

A data file is a header (``MIMJ`` + a format version) followed by frames.  A
frame is ``<length:uint32><crc32:uint32><payload>``, the checksum covering the
payload; the payload is one or more BSON documents back to back.  A frame is
written with one ``write`` call and then flushed (and ``fsync``-ed when the
journal says so), so after a crash the only damaged frame can be the last one:

* a damaged **last** frame (short, or its checksum wrong, with nothing valid
  after it) is a write torn by the crash: it is cut off with a warning;
* a damaged frame with more data after it is real corruption: start-up stops
  with :class:`CorruptDataFile`, naming the file and the offset.
"""

from __future__ import annotations

import logging
import os
import struct
import zlib
from collections.abc import Iterator

__all__ = ["MAGIC", "CorruptDataFile", "write_header", "encode_frame", "read_frames"]

log = logging.getLogger("mim.engine")

#: every data file starts with these bytes
MAGIC = b"MIMJ\x01\x00\x00\x00"
_FRAME_HEAD = struct.Struct("<II")
#: the largest frame a reader accepts (a larger length is garbage, not data)
MAX_FRAME = 1 << 31


class CorruptDataFile(Exception):
    """A data file that cannot be trusted: damaged before its last frame."""

    def __init__(self, path: str, offset: int, reason: str) -> None:
        super().__init__(f"{path}: corrupt at offset {offset}: {reason}; the data directory "
                         f"needs repair (restore it from a dump, or move this file away to "
                         f"start from what precedes it)")
        self.path = path
        self.offset = offset


def write_header(handle) -> None:
    handle.write(MAGIC)


def encode_frame(payload: bytes) -> bytes:
    return _FRAME_HEAD.pack(len(payload), zlib.crc32(payload)) + payload


def read_frames(path: str, repair: bool = True) -> Iterator[bytes]:
    """Every sound frame's payload, in order.

    A torn last frame is cut off the file (when ``repair``) with a warning; a
    damaged frame followed by more data raises :class:`CorruptDataFile`.
    """
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < len(MAGIC):
        # a file whose header never reached the disk holds nothing yet
        if repair:
            _truncate(path, 0, len(data), "an incomplete header")
        return
    if data[:len(MAGIC)] != MAGIC:
        raise CorruptDataFile(path, 0, "not a mim data file (wrong header)")
    offset = len(MAGIC)
    end = len(data)
    while offset < end:
        reason = None
        if end - offset < _FRAME_HEAD.size:
            reason = "a partial frame header"
        else:
            length, checksum = _FRAME_HEAD.unpack_from(data, offset)
            start = offset + _FRAME_HEAD.size
            if length > MAX_FRAME or start + length > end:
                reason = "a frame longer than the file"
            else:
                payload = data[start:start + length]
                if zlib.crc32(payload) != checksum:
                    reason = "a checksum mismatch"
                    if start + length < end:
                        raise CorruptDataFile(path, offset, reason)
        if reason is not None:
            if repair:
                _truncate(path, offset, end, reason)
            return
        yield payload
        offset = start + length


def _truncate(path: str, offset: int, end: int, reason: str) -> None:
    log.warning("%s: cutting off a torn last write at offset %d (%d bytes, %s)",
                path, offset, end - offset, reason)
    with open(path, "r+b") as handle:
        handle.truncate(offset if offset else 0)
        if offset == 0:
            write_header(handle)
        handle.flush()
        os.fsync(handle.fileno())
