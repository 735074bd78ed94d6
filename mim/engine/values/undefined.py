"""BSON's deprecated ``undefined`` type (0x06) in decoded documents.

pymongo decodes ``undefined`` as ``None`` and cannot encode it, so the engine's
decoded view of a stored document cannot tell it from ``null``.  The stored
bytes keep it, though: when they contain an undefined element, the documents
(sub-documents) holding one are decoded as :class:`UndefinedFields`, a ``dict``
that also names which of its ``None`` values were ``undefined``.  ``$type``
reads that (``{$type: "undefined"}`` matches them, ``{$type: "null"}`` does
not); everything else keeps seeing ``None``, as before.  Elements of arrays are
not marked.
"""

from __future__ import annotations

import re
import struct
from typing import Any

__all__ = ["FIXED_VALUE_SIZES", "UndefinedFields", "mark_undefined", "is_undefined_field",
           "may_hold_undefined", "undefined_candidates"]

_INT32 = struct.Struct("<i")
#: an undefined element: type byte 0x06, a non-empty field name, its NUL, then what
#: follows an element (the next one's type byte, or its document's closing NUL): the
#: bytes of a double or a string rarely look like that, so the walk rarely runs in vain
_MAYBE_UNDEFINED = re.compile(rb"\x06[^\x00]+\x00[\x00-\x13\x7f\xff]")
#: ``may_hold_undefined(raw)``: not None when ``raw`` may hold an undefined element
#: (the cheap test that decides whether :func:`mark_undefined` must walk it)
may_hold_undefined = _MAYBE_UNDEFINED.search
#: ``undefined_candidates(raws)``: every place of (joined documents') bytes that may
#: start an undefined element, as ``re`` matches
undefined_candidates = _MAYBE_UNDEFINED.finditer
#: fixed value sizes by type byte (types with a length prefix are handled apart)
FIXED_VALUE_SIZES = {0x01: 8, 0x06: 0, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8,
                0x12: 8, 0x13: 16, 0x7F: 0, 0xFF: 0}


class UndefinedFields(dict):
    """A decoded document some of whose ``None`` values were BSON ``undefined``."""

    __slots__ = ("undefined",)

    def __init__(self, items: Any, undefined: set[str]) -> None:
        super().__init__(items)
        self.undefined = undefined


def is_undefined_field(container: Any, key: Any) -> bool:
    """Whether ``container[key]`` was stored as BSON ``undefined``."""
    return type(container) is UndefinedFields and key in container.undefined


def _undefined_paths(raw: bytes, start: int, prefix: tuple, out: list, in_array: bool) -> int:
    """Append the path of every undefined element of the document at ``start``;
    return the offset just past it."""
    (length,) = _INT32.unpack_from(raw, start)
    end = start + length - 1
    i = start + 4
    while i < end:
        kind = raw[i]
        name_end = raw.index(b"\x00", i + 1)
        name = raw[i + 1:name_end].decode("utf-8", "surrogateescape")
        i = name_end + 1
        if kind == 0x06:
            if not in_array:
                out.append(prefix + (name,))
            continue
        size = FIXED_VALUE_SIZES.get(kind)
        if size is not None:
            i += size
        elif kind in (0x02, 0x0D, 0x0E):  # string, code, symbol
            i += 4 + _INT32.unpack_from(raw, i)[0]
        elif kind in (0x03, 0x04):
            i = _undefined_paths(raw, i, prefix + (name,), out, kind == 0x04)
        elif kind == 0x05:  # binary: length, subtype, bytes
            i += 5 + _INT32.unpack_from(raw, i)[0]
        elif kind == 0x0B:  # regex: two C strings
            i = raw.index(b"\x00", raw.index(b"\x00", i) + 1) + 1
        elif kind == 0x0C:  # DBPointer: string and ObjectId
            i += 4 + _INT32.unpack_from(raw, i)[0] + 12
        elif kind == 0x0F:  # code with scope: total length
            i += _INT32.unpack_from(raw, i)[0]
        else:
            return start + length
    return start + length


def mark_undefined(raw: bytes, doc: dict) -> dict:
    """``doc`` (decoded from ``raw``) with the documents holding an ``undefined``
    element turned into :class:`UndefinedFields`; ``doc`` itself when there is none."""
    if 0x06 not in raw or _MAYBE_UNDEFINED.search(raw) is None:  # (0x06: see decode_shadow)
        return doc
    paths: list[tuple] = []
    try:
        _undefined_paths(raw, 0, (), paths, False)
    except (IndexError, ValueError, struct.error):
        return doc
    if not paths:
        return doc
    by_parent: dict[tuple, set[str]] = {}
    for path in paths:
        by_parent.setdefault(path[:-1], set()).add(path[-1])
    root = doc
    for parent_path, names in sorted(by_parent.items(), key=lambda item: len(item[0])):
        if not parent_path:
            root = UndefinedFields(root, names)
            continue
        container: Any = root
        for key in parent_path[:-1]:
            container = container.get(key) if isinstance(container, dict) else None
        last = parent_path[-1]
        if isinstance(container, dict) and type(container.get(last)) is dict:
            container[last] = UndefinedFields(container[last], names)
    return root
