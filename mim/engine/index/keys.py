"""Index keys: what an index stores for a document, and key-space bounds.

An index entry is ``(key, id_key)``: ``key`` is a tuple with one
:func:`~mim.engine.values.order.sort_key` per indexed field (always ascending; a
descending index is scanned backwards) — for a single-field index, that one
field's key itself, without a 1-tuple around it (:attr:`KeyPattern.flat`: one
tuple less per entry to store and to compare) — and ``id_key`` is
``sort_key(_id)``.
A document yields one entry per distinct key: an array contributes one key
per element (multikey), an empty array the ``undefined`` key, a missing
field the ``null`` key.  The walk through the document is the matcher's
(:func:`~mim.engine.values.paths.walk`), so a query that can match a document
always finds it under one of its keys.

Bounds are expressed in key space with two sentinels, :data:`LOW` and
:data:`HIGH`, that compare below and above every key.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from ..values.errors import ServerError
from ..values.paths import walk
from ..values.order import MISSING, RANK_UNDEFINED, sort_key

__all__ = ["KeyPattern", "LOW", "HIGH", "NULL_KEY", "UNDEFINED_KEY", "Interval", "Descending"]

NULL_KEY = sort_key(None)
UNDEFINED_KEY = (RANK_UNDEFINED,)


class _Sentinel:
    __slots__ = ("name", "sign")

    def __init__(self, name: str, sign: int) -> None:
        self.name = name
        self.sign = sign

    def __lt__(self, other: Any) -> bool:
        return self.sign < 0 and other is not self

    def __gt__(self, other: Any) -> bool:
        return self.sign > 0 and other is not self

    def __le__(self, other: Any) -> bool:
        return self.sign < 0 or other is self

    def __ge__(self, other: Any) -> bool:
        return self.sign > 0 or other is self

    def __eq__(self, other: Any) -> bool:
        return other is self

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return self.name


#: Below / above every key (and every per-field key).
LOW = _Sentinel("LOW", -1)
HIGH = _Sentinel("HIGH", 1)


class Interval:
    """An interval of one field's keys: ``lo``..``hi`` with inclusivity flags.

    ``lo``/``hi`` may be :data:`LOW`/:data:`HIGH` (unbounded).  ``values``
    keeps the BSON values for rendering ``indexBounds`` in explain output.
    """

    __slots__ = ("lo", "lo_inclusive", "hi", "hi_inclusive", "lo_value", "hi_value",
                 "is_point")

    def __init__(self, lo: Any, lo_inclusive: bool, hi: Any, hi_inclusive: bool,
                 lo_value: Any = None, hi_value: Any = None) -> None:
        self.lo = lo
        self.lo_inclusive = lo_inclusive
        self.hi = hi
        self.hi_inclusive = hi_inclusive
        self.lo_value = lo_value
        self.hi_value = hi_value
        #: a single key (an interval is never changed once made)
        self.is_point = bool(lo_inclusive and hi_inclusive and lo == hi)

    @classmethod
    def point(cls, key: tuple, value: Any) -> "Interval":
        return cls(key, True, key, True, value, value)

    def contains(self, key: tuple) -> bool:
        if self.lo is not LOW and (key < self.lo or (key == self.lo and not self.lo_inclusive)):
            return False
        if self.hi is not HIGH and (key > self.hi or (key == self.hi and not self.hi_inclusive)):
            return False
        return True

    def __repr__(self) -> str:
        return (f"Interval({'[' if self.lo_inclusive else '('}{self.lo!r}, {self.hi!r}"
                f"{']' if self.hi_inclusive else ')'})")


FULL = Interval(LOW, True, HIGH, True)


class Descending:
    """A per-field key stored in reverse order: the key of a field whose
    direction differs from the index's first field (``{a: 1, b: -1}``), so
    that one ordered walk of the entries yields the index's own order.
    Bounds compare through it (the :data:`LOW`/:data:`HIGH` sentinels still
    sort below/above it)."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __eq__(self, other: Any) -> bool:
        return type(other) is Descending and self.key == other.key

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.key) ^ 0x5BD1E995

    def __lt__(self, other: Any) -> bool:
        if type(other) is Descending:
            return other.key < self.key
        return NotImplemented

    def __gt__(self, other: Any) -> bool:
        if type(other) is Descending:
            return other.key > self.key
        return NotImplemented

    def __le__(self, other: Any) -> bool:
        if type(other) is Descending:
            return other.key <= self.key
        return NotImplemented

    def __ge__(self, other: Any) -> bool:
        if type(other) is Descending:
            return other.key >= self.key
        return NotImplemented

    def __repr__(self) -> str:
        return f"Descending({self.key!r})"


def _direction_sign(direction: Any) -> int:
    """+1 / -1 for a numeric key direction; +1 for plugins (``hashed``)."""
    if isinstance(direction, str):
        return 1
    try:
        value = float(direction.to_decimal()) if hasattr(direction, "to_decimal") \
            else float(direction)
    except (TypeError, ValueError):
        return 1
    return -1 if value < 0 else 1
_NO_FIELDS: frozenset[int] = frozenset()


def hashed_key(value: Any, key_of: Any = sort_key) -> tuple:
    """The key a ``hashed`` index field stores: a hash of the BSON value
    (equal values by MongoDB's equality hash alike; ``key_of``: the index
    collation's key, so values equal under it hash alike)."""
    # Python's hash agrees with MongoDB's equality on sort keys (2 == 2.0 ==
    # Decimal128('2') have equal keys, and equal tuples hash alike)
    return (-1, hash(key_of(value)))


class KeyPattern:
    """A parsed ``key`` document: the paths, directions and key extraction."""

    __slots__ = ("fields", "paths", "parts", "directions", "hashed", "document", "simple",
                 "signs", "flipped", "any_flipped", "value_key", "flat")

    def __init__(self, key: Mapping[str, Any], collation: Any = None) -> None:
        self.document = dict(key)
        self.paths = tuple(self.document)
        self.parts = tuple(tuple(p.split(".")) for p in self.paths)
        self.directions = tuple(self.document.values())
        self.hashed = tuple(d == "hashed" for d in self.directions)
        self.fields = len(self.paths)
        #: how one value keys: :func:`sort_key`, or the index collation's key
        self.value_key = sort_key if collation is None else collation.sort_key
        #: one top-level, non-hashed field, no collation: keys without walking paths
        self.simple = self.fields == 1 and len(self.parts[0]) == 1 and not self.hashed[0] \
            and collation is None
        #: per field, +1 ascending / -1 descending
        self.signs = tuple(_direction_sign(d) for d in self.directions)
        #: per field, whether its keys are stored reversed (:class:`Descending`):
        #: entries are kept in the order of the first field's direction, so a
        #: field whose direction differs from the first one's is stored reversed
        self.flipped = tuple(sign != self.signs[0] for sign in self.signs)
        self.any_flipped = any(self.flipped)
        #: one field: a key is that field's key itself (no 1-tuple around it)
        self.flat = self.fields == 1

    def field_values(self, doc: Mapping, i: int) -> tuple[list[tuple[tuple, Any]], bool, Any]:
        """The (key, value) pairs field ``i`` contributes, whether it came from
        an array, and the array's field name (for the parallel-arrays error)."""
        parts = self.parts[i]
        value_key = self.value_key
        pairs: list[tuple[tuple, Any]] = []
        is_array = False
        array_field = None
        for leaf in walk(doc, parts):
            if leaf is MISSING:
                pairs.append((NULL_KEY, None))
            elif type(leaf) is list:
                is_array = True
                array_field = parts[-1]
                if not leaf:
                    pairs.append((UNDEFINED_KEY, MISSING))
                else:
                    for element in leaf:
                        pairs.append((value_key(element), element))
            else:
                pairs.append((value_key(leaf), leaf))
        if not pairs:
            pairs.append((NULL_KEY, None))
        elif len(pairs) > 1:
            # intermediate arrays (``a.b`` through ``a: [...]``) make it multikey too
            is_array = True
            if array_field is None:
                array_field = parts[0]
        if self.hashed[i]:
            if is_array:
                raise ServerError(16766, "Error: hashed indexes do not currently support "
                                         "array values. Found array at path: "
                                         + self.paths[i])
            pairs = [(hashed_key(v, value_key), v) for _, v in pairs]
        return pairs, is_array, array_field

    def keys(self, doc: Mapping) -> tuple[list[tuple], frozenset[int]]:
        """The distinct keys of a document and the indexes of its multikey fields
        (a :attr:`flat` pattern's keys are its one field's keys).

        Raises CannotIndexParallelArrays (171) when two fields are arrays.
        """
        if self.fields == 1:  # flat keys
            if self.simple:
                value = doc.get(self.paths[0], MISSING)
                if type(value) is not list:
                    return [NULL_KEY if value is MISSING else sort_key(value)], _NO_FIELDS
            pairs, is_array, _ = self.field_values(doc, 0)
            if len(pairs) == 1:
                return [pairs[0][0]], frozenset((0,)) if is_array else frozenset()
            return list(dict.fromkeys(k for k, _ in pairs)), frozenset((0,))
        per_field = []
        multikey = []
        first_array = None
        for i in range(self.fields):
            pairs, is_array, array_field = self.field_values(doc, i)
            if is_array:
                if first_array is not None:
                    raise ServerError(171, f"cannot index parallel arrays [{array_field}] "
                                           f"[{first_array}]")
                first_array = array_field
                multikey.append(i)
            if self.flipped[i]:
                per_field.append(list(dict.fromkeys(Descending(k) for k, _ in pairs)))
            else:
                per_field.append(list(dict.fromkeys(k for k, _ in pairs)))
        return list(itertools.product(*per_field)), frozenset(multikey)

    def key_values(self, doc: Mapping, key: tuple) -> dict[str, Any]:
        """The BSON values behind a key (for ``keyValue`` in a duplicate-key error)."""
        out: dict[str, Any] = {}
        if self.flat:
            key = (key,)
        for i, path in enumerate(self.paths):
            value: Any = None
            pairs, _, _ = self.field_values(doc, i)
            wanted = key[i].key if type(key[i]) is Descending else key[i]
            for k, v in pairs:
                if k == wanted:
                    value = None if v is MISSING else v
                    break
            out[path] = value
        return out

    def has_any_field(self, doc: Mapping) -> bool:
        """Whether any indexed field is present (a sparse index's inclusion rule)."""
        for parts in self.parts:
            for leaf in walk(doc, parts):
                if leaf is not MISSING:
                    return True
        return False
