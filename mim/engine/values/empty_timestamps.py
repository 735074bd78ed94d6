"""``Timestamp(0, 0)`` in a written document's top-level fields: the server fills it in.

MongoDB replaces an empty timestamp in any top-level field but ``_id`` of an
inserted document, and of a replacement document (update, findAndModify, either
of them upserting), with the current cluster time (``fixDocumentForInsert`` and
the replacement executor; jstests/core/empty_ts.js).  Values nested deeper, an
``_id`` of ``Timestamp(0, 0)``, and values written by update operators or
update pipelines are kept as they are.  Applications (and the ``mongosh``
helper ``Timestamp()``) rely on it to have the server stamp a document.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from bson.timestamp import Timestamp

from .undefined import FIXED_VALUE_SIZES

__all__ = ["TIMESTAMP_TYPE", "fill_empty_timestamps", "fill_sent_empty_timestamps"]

#: a Timestamp's type byte: documents without one (nearly all) cost one ``memchr``
#: of their bytes (``TIMESTAMP_TYPE in raw``; a longer needle, the nine zero bytes
#: an empty timestamp leaves after its name's NUL, costs 25 times as much)
TIMESTAMP_TYPE = 0x11
#: what a top-level empty timestamp leaves after its name: the name's NUL, then eight
#: zero bytes (searched for only in documents that hold a 0x11 byte)
_EMPTY_TAIL = b"\x00" * 9

_INT32 = struct.Struct("<i")
#: a Timestamp's eight bytes: the increment, then the seconds
_TIMESTAMP = struct.Struct("<II")
_EMPTY = b"\x00" * 8


def fill_empty_timestamps(doc: dict, tick: Callable[[], Timestamp]) -> None:
    """Give each top-level empty timestamp of ``doc`` but ``_id``'s a new cluster
    time, in place (a replacement document, before it is encoded)."""
    for name, value in doc.items():
        if type(value) is Timestamp and value.time == 0 and value.inc == 0 \
                and name != "_id":
            doc[name] = tick()


def _top_level_empty_timestamps(raw: bytes) -> list[tuple[str, int]]:
    """(name, offset of the value) of each top-level empty timestamp of a document's
    bytes, ``_id``'s left out."""
    found = []
    end = len(raw) - 1
    i = 4
    while i < end:
        kind = raw[i]
        name_end = raw.index(b"\x00", i + 1)
        name_start, i = i + 1, name_end + 1
        size = FIXED_VALUE_SIZES.get(kind)
        if size is not None:
            if kind == 0x11 and raw[i:i + 8] == _EMPTY:
                name = raw[name_start:name_end].decode("utf-8", "surrogateescape")
                if name != "_id":
                    found.append((name, i))
            i += size
        elif kind in (0x02, 0x0D, 0x0E, 0x0C):  # string, code, symbol; DBPointer adds an id
            i += 4 + _INT32.unpack_from(raw, i)[0] + (12 if kind == 0x0C else 0)
        elif kind in (0x03, 0x04, 0x0F):  # documents, arrays, code with scope: total length
            i += _INT32.unpack_from(raw, i)[0]
        elif kind == 0x05:  # binary: length, subtype, bytes
            i += 5 + _INT32.unpack_from(raw, i)[0]
        elif kind == 0x0B:  # regex: two C strings
            i = raw.index(b"\x00", raw.index(b"\x00", i) + 1) + 1
        else:
            break
    return found


def fill_sent_empty_timestamps(raw: bytes, shadow: dict, tick: Callable[[], Timestamp]
                               ) -> bytes:
    """An inserted document's bytes with each top-level empty timestamp but
    ``_id``'s given a new cluster time, and its decoded ``shadow`` changed alike (in
    place).  The bytes are patched where the values lie rather than encoded again
    from the shadow, which cannot carry everything the bytes do (``undefined``).
    Call it only when :data:`TIMESTAMP_TYPE` is in ``raw``."""
    if _EMPTY_TAIL not in raw:
        return raw
    found = _top_level_empty_timestamps(raw)
    if not found:
        return raw
    patched = bytearray(raw)
    for name, offset in found:
        stamp = tick()
        _TIMESTAMP.pack_into(patched, offset, stamp.inc, stamp.time)
        shadow[name] = stamp
    return bytes(patched)
