"""Dotted paths through documents and arrays, as MongoDB's query engine walks them.

A path like ``"a.b.0.c"`` is split once into parts.  Walking it through a
document follows MongoDB's rules:

* a document contributes the named field (or ``MISSING``);
* an array met *before* the last part contributes each of its document
  elements walked with the same part, and, when the part is a non-negative
  integer, the element at that position too;
* a scalar met before the last part contributes ``MISSING``.

The values at the end of the path are "leaves"; matchers decide whether a
leaf array also contributes its elements (one level only).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from bson.dbref import DBRef

from .order import MISSING

__all__ = ["split_path", "walk", "leaf_candidates", "get_path", "is_array_index"]


def split_path(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def is_array_index(part: str) -> bool:
    """MongoDB treats a path component as an array position when it is all digits."""
    return part.isdigit() and part.isascii()


def walk(value: Any, parts: tuple[str, ...], start: int = 0) -> Iterator[Any]:
    """Yield every value the path reaches (``MISSING`` where a branch ends).

    Arrays at the end of the path are yielded whole; see :func:`leaf_candidates`.
    """
    current = value
    n = len(parts)
    i = start
    while i < n:
        part = parts[i]
        if isinstance(current, Mapping):
            current = current.get(part, MISSING) if type(current) is dict else (
                current[part] if part in current else MISSING)
            if current is MISSING:
                yield MISSING
                return
            i += 1
            continue
        if isinstance(current, list):
            yield from _walk_array(current, parts, i)
            return
        if isinstance(current, DBRef):
            # a DBRef is stored as the document {$ref, $id, $db, ...}
            current = current.as_doc()
            continue
        yield MISSING
        return
    yield current


def _walk_array(array: list, parts: tuple[str, ...], i: int) -> Iterator[Any]:
    part = parts[i]
    if is_array_index(part):
        index = int(part)
        if index < len(array):
            yield from walk(array[index], parts, i + 1)
    for element in array:
        if isinstance(element, (Mapping, DBRef)):
            yield from walk(element, parts, i)


def leaf_candidates(value: Any, parts: tuple[str, ...]) -> Iterator[Any]:
    """Values a per-element query operator is tried against.

    Each leaf is yielded; a leaf that is an array is yielded whole and then
    element by element (one level, as MongoDB does).
    """
    for leaf in walk(value, parts):
        yield leaf
        if isinstance(leaf, list):
            yield from leaf


def get_path(value: Any, parts: tuple[str, ...]) -> Any:
    """The single value at a path with no array fan-out (numeric parts index
    arrays); ``MISSING`` when the path does not resolve."""
    current = value
    for part in parts:
        if isinstance(current, DBRef):
            current = current.as_doc()
        if isinstance(current, Mapping):
            if part not in current:
                return MISSING
            current = current[part]
        elif isinstance(current, list) and is_array_index(part):
            index = int(part)
            if index >= len(current):
                return MISSING
            current = current[index]
        else:
            return MISSING
    return current
