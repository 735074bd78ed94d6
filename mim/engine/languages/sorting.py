"""Sort specifications compiled to key functions (``sort()``, ``$sort``, indexes).

Per field, an array contributes its smallest element when ascending and its
largest when descending; a missing field sorts as null.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..values.errors import ServerError
from ..values.render import render
from ..values.paths import split_path, walk
from ..values.order import MISSING, RANK_NUMBER, RANK_STRING, RANK_UNDEFINED, is_number, sort_key
from .metadata import metadata_unavailable

__all__ = ["compile_sort", "Descending", "field_sort_key", "has_text_score_sort", "has_meta_sort",
           "smallest", "smallest_positions", "TEXT_SCORE", "GEO_NEAR_DISTANCE"]


class Descending:
    """Inverts the order of a key inside a composite sort key."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: "Descending") -> bool:
        return other.key < self.key

    def __gt__(self, other: "Descending") -> bool:
        return other.key > self.key

    def __eq__(self, other: object) -> bool:
        return type(other) is Descending and self.key == other.key  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.key)


def field_sort_key(doc: Mapping, parts: tuple[str, ...], descending: bool,
                   key_of: Callable[[Any], tuple] = sort_key) -> tuple:
    """The key one sort field gives a document (``key_of``: a collation's key)."""
    best = None
    for leaf in walk(doc, parts):
        if type(leaf) is list:
            if not leaf:
                candidates = [(RANK_UNDEFINED,)]
            else:
                candidates = [key_of(v) for v in leaf]
        else:
            candidates = [key_of(leaf)]
        for key in candidates:
            if best is None or (key > best if descending else key < best):
                best = key
    return best if best is not None else sort_key(MISSING)


#: the direction :func:`parse_sort_spec` gives a ``{$meta: "textScore"}`` key
TEXT_SCORE = "textScore"
#: the direction it gives a ``{$meta: "geoNearDistance"}`` key
GEO_NEAR_DISTANCE = "geoNearDistance"

#: the metadata a sort may order by that mim emulates (sort_pattern.cpp's valid
#: ``$meta`` sorts also hold randVal and searchScore)
_SORTABLE_META = (TEXT_SCORE, GEO_NEAR_DISTANCE)


def _meta_sort(direction: Mapping) -> str:
    """The metadata a ``{$meta: …}`` sort key names (textScore and geoNearDistance
    are emulated)."""
    if len(direction) != 1 or next(iter(direction)) != "$meta":
        raise ServerError(17312, "$meta is the only expression supported by $sort right now")
    name = direction["$meta"]
    if name not in _SORTABLE_META:
        raise ServerError(238, f"$meta sort by {render(name)} is not supported by mim: only "
                               f"textScore and geoNearDistance are emulated")
    return name


def has_text_score_sort(spec: Any) -> bool:
    """Whether a sort spec orders by ``{$meta: "textScore"}``."""
    return any(direction == TEXT_SCORE for _, direction in parse_sort_spec(spec, True))


def has_meta_sort(spec: Any) -> bool:
    """Whether a sort spec orders by any ``{$meta: …}`` key."""
    return any(isinstance(direction, str)
               for _, direction in parse_sort_spec(spec, _SORTABLE_META))


def parse_sort_spec(spec: Any, allow_meta: bool | tuple[str, ...] = False
                    ) -> list[tuple[str, Any]]:
    """Normalise a sort spec (mapping or list of pairs) into (path, ±1) pairs
    (``(path, name)`` for a ``{$meta: name}`` key whose metadata ``allow_meta``
    names; True stands for textScore alone).  Another is refused with 40218."""
    if spec is None:
        return []
    available = (TEXT_SCORE,) if allow_meta is True else allow_meta or ()
    items = spec.items() if isinstance(spec, Mapping) else spec
    fields: list[tuple[str, int]] = []
    for field, direction in items:
        if isinstance(direction, Mapping):
            meta = _meta_sort(direction)
            if meta not in available:
                raise metadata_unavailable(meta)
            fields.append((field, meta))
            continue
        if not is_number(direction):
            raise ServerError(15974, f"Illegal key in $sort specification: {field}: "
                                     f"{render(direction)}")
        if direction not in (1, -1):
            raise ServerError(15975, "$sort key ordering must be 1 (for ascending) or -1 "
                                     "(for descending)")
        if not field:
            raise ServerError(40352, "FieldPath cannot be constructed with empty string")
        fields.append((field, int(direction)))
    return fields


def compile_sort(spec: Any, metadata: Mapping[str, Callable[[Mapping], float]] | None = None,
                 collation: Any = None) -> Callable[[Mapping], Any] | None:
    """A key function ordering documents as ``spec`` asks, or None for no sort.
    ``metadata`` maps the metadata the query gives (``textScore``, ``geoNearDistance``)
    to a function reading it from a document: a ``{$meta: …}`` key orders highest first
    (sort_pattern.cpp sorts every metadata descending); ``collation`` orders strings."""
    fields = parse_sort_spec(spec, tuple(metadata) if metadata else ())
    if not fields:
        return None
    if any(isinstance(direction, str) for _, direction in fields):
        return _meta_sort_key(fields, metadata, collation)
    key_of = sort_key if collation is None else collation.sort_key
    keys = [_field_key(split_path(path), direction < 0, key_of) for path, direction in fields]
    if len(keys) == 1:
        key = keys[0]
    elif len(keys) == 2:
        first, second = keys
        if collation is None and all("." not in path for path, _ in fields):
            key = _top_level_pair(fields[0][0], fields[0][1] < 0, first,
                                  fields[1][0], fields[1][1] < 0, second)
        else:
            key = lambda doc: (first(doc), second(doc))  # noqa: E731
    else:
        def key(doc: Mapping) -> tuple:
            return tuple(field(doc) for field in keys)
    leading_path, leading_direction = fields[0]
    if collation is None and "." not in leading_path:
        # (each key function above is a fresh closure: the attribute is this sort's)
        key.leading = (leading_path, leading_direction < 0)  # type: ignore[attr-defined]
    return key


def smallest(docs: Iterable[Mapping], n: int, key: Callable[[Mapping], Any]) -> list:
    """The first ``n`` documents in ``key`` order, ties in their given order:
    ``heapq.nsmallest(n, docs, key)``'s answer (see :func:`smallest_positions`)."""
    if type(docs) is not list:
        docs = list(docs)
    positions = _leading_positions(docs, n, key)
    if positions is None:
        return heapq.nsmallest(n, docs, key=key)
    return [docs[i] for i in positions]


def smallest_positions(docs: list[Mapping], n: int, key: Callable[[Mapping], Any]) -> list[int]:
    """The positions in ``docs`` of its first ``n`` documents in ``key`` order,
    ties in their given order (``heapq.nsmallest``'s answer).

    A key made by :func:`compile_sort` for a top-level first field (its
    ``leading`` attribute) whose value is, in every document, a number (not
    NaN) — or, in every document, a string — is selected in two steps: the
    ``n``-th value of that field bounds the first ``n`` documents (a document
    whose first field sorts after it has ``n`` others before it), so only the
    documents within the bound — ``n`` and their ties — are keyed and sorted
    (two numbers, two strings, compare as their sort keys do).  Anything else
    goes through ``heapq.nsmallest``."""
    positions = _leading_positions(docs, n, key)
    if positions is None:
        return heapq.nsmallest(n, range(len(docs)), key=lambda i: key(docs[i]))
    return positions


def _leading_positions(docs: list[Mapping], n: int, key: Callable[[Mapping], Any]
                       ) -> list[int] | None:
    """:func:`smallest_positions` by the first field's bound (None: not that way)."""
    leading = getattr(key, "leading", None)
    if leading is None or not 0 < n < len(docs):
        return None
    within = _within_leading_bound(docs, n, leading[0], leading[1])
    if within is None:
        return None
    within.sort(key=lambda i: key(docs[i]))  # (stable: ties keep their order)
    return within[:n]


#: the value types :func:`_within_leading_bound` compares directly (bool is no number here)
_NUMBER_TYPES = frozenset({int, float})
_STRING_TYPES = frozenset({str})


def _within_leading_bound(docs: list[Mapping], n: int, name: str,
                          descending: bool) -> list[int] | None:
    """The positions (ascending) of the documents whose top-level field ``name`` is
    within the ``n`` first values of that field in sort order (ties with the
    ``n``-th included), when every document holds a number (not NaN) there, or
    every one a string; None otherwise (missing, null, arrays, mixed types, NaN…)."""
    try:
        values = [doc[name] for doc in docs]
    except KeyError:  # (a missing field sorts as null: the general way)
        return None
    kinds = set(map(type, values))
    if kinds <= _NUMBER_TYPES:
        if float in kinds:
            total = sum(values)  # NaN if any is (or if inf meets -inf: the general way then)
            if total != total:
                return None
    elif kinds != _STRING_TYPES:
        return None
    order = sorted(range(len(values)), key=values.__getitem__, reverse=descending)
    bound = values[order[n - 1]]
    end = n
    count = len(order)
    while end < count and values[order[end]] == bound:  # (the n-th's ties)
        end += 1
    within = order[:end]
    within.sort()
    return within


def _field_key(parts: tuple[str, ...], descending: bool,
               key_of: Callable[[Any], tuple] = sort_key) -> Callable[[Mapping], Any]:
    """One sort field's key function (wrapped in :class:`Descending` when descending;
    ``key_of``: a collation's key, strings ordered by it).

    A top-level field of a plain dict holding no array is read directly: its
    key is the value's own (the general path walk gives the same)."""
    if key_of is not sort_key:
        if descending:
            return lambda doc: descending_key(field_sort_key(doc, parts, True, key_of))
        return lambda doc: field_sort_key(doc, parts, False, key_of)
    if len(parts) == 1:
        return _top_level_descending(parts) if descending else _top_level_ascending(parts)
    if descending:
        return lambda doc: descending_key(field_sort_key(doc, parts, True))
    return lambda doc: field_sort_key(doc, parts, False)


def descending_key(key: tuple) -> tuple:
    """A key ordering the values of ``key`` (a :func:`sort_key`) in reverse.

    A number's key is negated — ``(-rank, -1, -value)``, NaN's ``(-rank, 0)``
    after every other number — so two numbers compare in C with no Python
    ``__lt__``/``__eq__`` per comparison (the common descending sort: a score,
    a date-like count); any other value is ``(-rank, Descending(key))``.  The
    rank comes first, negated, so values of different types order as their
    brackets reversed, and two keys of one bracket always have the same shape."""
    rank = key[0]
    if rank == RANK_NUMBER:
        return (-RANK_NUMBER, -1, -key[2]) if len(key) == 3 else _DESCENDING_NAN
    return (-rank, Descending(key))


_DESCENDING_NAN = (-RANK_NUMBER, 0)


def _top_level_pair(name_a: str, descending_a: bool, key_a: Callable[[Mapping], Any],
                    name_b: str, descending_b: bool, key_b: Callable[[Mapping], Any]
                    ) -> Callable[[Mapping], Any]:
    """The key of two top-level sort fields (``[("score", -1), ("_id", 1)]``):
    ``key_a(doc) + key_b(doc)``, one flat tuple, with a plain dict's numbers
    (either way) and ascending strings keyed inline as :func:`_top_level_ascending`
    and :func:`_top_level_descending` key them — one call and one tuple per
    document.  Flat keys order as the pairs ``(key_a, key_b)`` do: two keys of
    one field are equal only at the same length, and one is never a proper
    prefix of another (a rank first; one shape per rank, a number's second item
    telling NaN from the rest), so the first field decides before the second
    field's items are reached unless the first keys are equal."""

    def pair(doc: Mapping) -> Any:
        if type(doc) is not dict:
            return key_a(doc) + key_b(doc)
        a = doc.get(name_a, MISSING)
        b = doc.get(name_b, MISSING)
        ta = type(a)
        tb = type(b)
        if (ta is float or ta is int) and a == a:
            if tb is str and not descending_b:  # (the common case: a score, then an _id)
                return (-RANK_NUMBER, -1, -a, RANK_STRING, b) if descending_a \
                    else (RANK_NUMBER, 1, a, RANK_STRING, b)
            first: tuple = (-RANK_NUMBER, -1, -a) if descending_a else (RANK_NUMBER, 1, a)
        elif ta is str and not descending_a:
            first = (RANK_STRING, a)
        else:
            first = key_a(doc)
        if (tb is float or tb is int) and b == b:
            return first + ((-RANK_NUMBER, -1, -b) if descending_b else (RANK_NUMBER, 1, b))
        if tb is str and not descending_b:
            return first + (RANK_STRING, b)
        return first + key_b(doc)

    return pair


def _top_level_ascending(parts: tuple[str, ...]) -> Callable[[Mapping], Any]:
    """The key of an ascending top-level field: a plain dict's string or
    number (not NaN) gives its :func:`sort_key` inline (``(rank, value)``,
    ``(rank, 1, value)``: what ``sort_key`` gives, up to ``0.0`` against ``0``,
    which compare equal), anything else goes through ``sort_key`` or, for an
    array, :func:`field_sort_key`."""
    name = parts[0]

    def top_level(doc: Mapping) -> Any:
        if type(doc) is dict:
            value = doc.get(name, MISSING)
            t = type(value)
            if t is str:
                return (RANK_STRING, value)
            if (t is float or t is int) and value == value:
                return (RANK_NUMBER, 1, value)
            if t is not list:
                return sort_key(value)
        return field_sort_key(doc, parts, False)

    return top_level


def _top_level_descending(parts: tuple[str, ...]) -> Callable[[Mapping], Any]:
    """:func:`_top_level_ascending`'s reverse: a number gives
    :func:`descending_key`'s negated form inline."""
    name = parts[0]

    def top_level(doc: Mapping) -> Any:
        if type(doc) is dict:
            value = doc.get(name, MISSING)
            t = type(value)
            if (t is float or t is int) and value == value:
                return (-RANK_NUMBER, -1, -value)
            if t is not list:
                return descending_key(sort_key(value))
        return descending_key(field_sort_key(doc, parts, True))

    return top_level


def _meta_sort_key(fields: list[tuple[str, Any]], metadata: Any,
                   collation: Any = None) -> Callable[[Mapping], Any]:
    key_of = sort_key if collation is None else collation.sort_key

    def field_key(path: str, direction: Any) -> Callable[[Mapping], Any]:
        if isinstance(direction, str):
            read = metadata[direction]
            return lambda doc: -read(doc)
        parts = split_path(path)
        if direction < 0:
            return lambda doc: descending_key(field_sort_key(doc, parts, True, key_of))
        return lambda doc: field_sort_key(doc, parts, False, key_of)

    keys = [field_key(path, direction) for path, direction in fields]
    return lambda doc: tuple(key(doc) for key in keys)
