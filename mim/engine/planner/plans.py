"""Plans: the ways to produce a query's candidate documents, and running one.

A plan yields candidate ``_id`` keys (or, for a collection scan, the stored
documents) and counts what it examines, for ``explain``.  Its ``cost`` is the
exact number of index keys inside its bounds.  :class:`PlannedQuery` binds
a plan to a filter and re-checks every candidate with the full matcher, so
an index can make a query faster but never change its answer.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from operator import itemgetter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sortedcontainers import SortedList

from ..index.indexes import SEVERAL
from ..index.keys import FULL, HIGH, Interval
from ..languages.matcher import MatchNode
from ..values.deadline import checked
from .bounds import key_ranges, leaf_constraint, render_interval

if TYPE_CHECKING:
    from ..index.indexes import Index, TextIndex
    from ..languages.text_search import TextQuery
    from ..storage.store import CollectionData, StoredDocument

class Plan:
    """A way to produce candidate ``_id`` keys; counts what it examines."""

    stage = "?"
    cost: float = 0.0
    provides_sort = False
    #: a full index scan chosen only for the order it yields
    sort_only = False

    def __init__(self) -> None:
        self.keys_examined = 0
        self.docs_examined = 0
        self.returned = 0
        #: ids passed on (an index scan's nReturned)
        self.advanced = 0

    def id_keys(self, coll: "CollectionData") -> Iterator[tuple]:
        raise NotImplementedError


class CollScan(Plan):
    stage = "COLLSCAN"

    def __init__(self, n: int, direction: int = 1) -> None:
        super().__init__()
        self.cost = float(n)
        self.direction = direction

    def documents(self, coll: "CollectionData") -> Iterator["StoredDocument"]:
        values = list(coll.documents.values())
        return iter(values) if self.direction > 0 else reversed(values)


class IdLookup(Plan):
    """Points on ``_id`` through the collection's ``_id`` dict (``_id_`` index)."""

    stage = "IXSCAN"

    def __init__(self, intervals: list[Interval]) -> None:
        super().__init__()
        self.intervals = intervals
        self.cost = float(len(intervals))

    def id_keys(self, coll: "CollectionData") -> Iterator[tuple]:
        documents = coll.documents
        for interval in self.intervals:
            self.keys_examined += 1
            if interval.lo in documents:
                self.advanced += 1
                yield interval.lo


class IndexScan(Plan):
    stage = "IXSCAN"
    #: the bounds explain shows when they are not the scanned ones (None: those)
    shown_intervals: list[list[Interval]] | None = None

    def __init__(self, index: "Index", field_intervals: list[list[Interval]],
                 direction: int = 1) -> None:
        super().__init__()
        self.index = index
        self._field_intervals: list[list[Interval]] | None = field_intervals
        #: how many leading fields the bounds constrain
        self.bounded_fields = len(field_intervals)
        self.direction = direction
        self.ranges = key_ranges(field_intervals, index.pattern.flipped, index.pattern.flat)
        self._cost: float | None = None
        #: every bound a point (equality, ``$in``): a few entries per range
        self.points = all(iv.is_point for intervals in field_intervals for iv in intervals)

    @classmethod
    def at_point(cls, index: "Index", interval: Interval) -> "IndexScan":
        """The scan of one point on an index's first field (an equality), in the
        index's own direction: what ``IndexScan(index, [[interval]])`` builds,
        without the general bounds arithmetic (the first field is never stored
        reversed, so its range is the point's key up to the key followed by
        :data:`HIGH`)."""
        scan = cls.__new__(cls)
        Plan.__init__(scan)
        scan.index = index
        scan._field_intervals = [[interval]]
        scan.bounded_fields = 1
        scan.direction = index.pattern.signs[0]
        scan.ranges = [point_range(index, interval.lo)]
        scan._cost = None
        scan.points = True
        return scan

    @classmethod
    def at_points(cls, index: "Index", keys: list[tuple], leaf: MatchNode) -> "IndexScan":
        """The scan of several points on an index's first field (``leaf``, an
        ``$in`` of values that are all points: see :func:`~.bounds.point_keys`), in
        the index's own direction, from their ``keys`` (ascending, distinct): what
        ``IndexScan(index, [leaf_constraint(leaf).intervals])`` builds, without an
        :class:`Interval` per value — the intervals are made only if something
        asks for them (``explain``'s ``indexBounds``), by that same function."""
        scan = cls.__new__(cls)
        Plan.__init__(scan)
        scan.index = index
        scan._field_intervals = None
        scan._points_leaf = leaf
        scan.bounded_fields = 1
        scan.direction = index.pattern.signs[0]
        if index.pattern.flat:
            scan.ranges = [((key,), (key, HIGH)) for key in keys]
        else:
            scan.ranges = [(((key,),), ((key, HIGH),)) for key in keys]
        scan._cost = None
        scan.points = True
        return scan

    @property
    def field_intervals(self) -> list[list[Interval]]:
        """Per bounded field, its intervals (ascending)."""
        intervals = self._field_intervals
        if intervals is None:
            constraint = leaf_constraint(self._points_leaf)
            assert constraint is not None  # (at_points' leaf has point bounds)
            intervals = self._field_intervals = [constraint.intervals]
        return intervals

    @property
    def cost(self) -> float:  # type: ignore[override]
        """The exact number of keys inside the bounds (counted on first use)."""
        if self._cost is None and len(self.field_intervals) == 1 \
                and self.field_intervals[0] == [FULL]:
            self._cost = float(len(self.index))
        if self._cost is None:
            entries = self.index.entries
            total = 0
            for low, high in self.ranges:
                total += entries.bisect_left(high) - entries.bisect_right(low)
            self._cost = float(total)
        return self._cost

    def id_keys(self, coll: "CollectionData") -> Iterator[tuple]:
        entries = self.index.entries
        ranges = self.ranges if self.direction > 0 else list(reversed(self.ranges))
        reverse = self.direction < 0
        dedupe = self.index.multikey or len(ranges) > 1 or self.index.several_entries
        seen: set = set()
        sorted_list = entries.__class__ is SortedList  # (else a transaction's merged entries)
        for low, high in ranges:
            if self.points and not reverse and sorted_list:
                # a point holds few entries: bisect for its start only and stop
                # at the first entry past it (irange bisects for both ends)
                found = point_entries(entries, low, high)
            else:
                found = entries.irange(low, high, (False, False), reverse)
            for _, id_key in found:
                self.keys_examined += 1
                if dedupe:
                    if id_key in seen:
                        continue
                    seen.add(id_key)
                self.advanced += 1
                yield id_key

    def id_key_list(self) -> list:
        """:meth:`id_keys` as one list, counted once (a caller that reads every
        candidate: no generator step per key)."""
        entries = self.index.entries
        reverse = self.direction < 0
        ranges = reversed(self.ranges) if reverse else self.ranges
        found: list = []
        sorted_list = entries.__class__ is SortedList  # (else a transaction's merged entries)
        if self.points and not reverse and self.index.pattern.flat and sorted_list:
            ranges = ()
            keys = [low[0] for low, _ in self.ranges]
            point_map = getattr(self.index, "point_map", None)  # (not the _id index's)
            if len(keys) > 1 and point_map is not None:
                found = mapped_points_id_keys(point_map(), entries, keys)
            else:
                found = points_id_keys(entries, keys)
        for low, high in ranges:
            # (each entry is ``(key, id_key)``: its id taken without a Python step)
            if self.points and not reverse and sorted_list:
                found += map(_entry_id, point_entries(entries, low, high))
            else:  # (irange walks the sublists in C; so does the map)
                found += map(_entry_id, entries.irange(low, high, (False, False), reverse))
        self.keys_examined += len(found)
        if self.index.multikey or self.index.several_entries \
                or len(self.ranges) > 1 and not (
                self.points and self.index.pattern.flat
                and getattr(self.index, "geo", None) is None):
            # (a single-field index that is not multikey holds one key per document:
            # the distinct points of its bounds give distinct ids)
            found = list(dict.fromkeys(found))  # the first of each id, as id_keys keeps it
        self.advanced += len(found)
        return found

    def bounds_document(self) -> dict[str, list[str]]:
        """``indexBounds``: per field, the intervals in the order the scan visits them."""
        out: dict[str, list[str]] = {}
        pattern = self.index.pattern
        shown = self.shown_intervals or self.field_intervals
        for i, path in enumerate(pattern.paths):
            intervals = shown[i] if i < len(shown) else [FULL]
            # a field is walked in reverse when its stored order (reversed for a
            # field stored as Descending) runs against the scan
            if self.direction * (-1 if pattern.flipped[i] else 1) < 0:
                out[path] = [render_interval(iv, pattern.hashed[i], True)
                             for iv in reversed(intervals)]
            else:
                out[path] = [render_interval(iv, pattern.hashed[i]) for iv in intervals]
        return out

    @property
    def reported_direction(self) -> str:
        first = self.index.pattern.directions[0]
        sign = -1 if first == -1 else 1
        return "forward" if self.direction * sign > 0 else "backward"


class OrPlan(Plan):
    stage = "OR"

    def __init__(self, children: list[Plan]) -> None:
        super().__init__()
        self.children = children
        self.cost = sum(child.cost for child in children)

    def id_keys(self, coll: "CollectionData") -> Iterator[tuple]:
        seen: set = set()
        for child in self.children:
            for id_key in child.id_keys(coll):
                if id_key in seen:
                    continue
                seen.add(id_key)
                self.advanced += 1
                yield id_key


class TextPlan(Plan):
    """``$text`` through the text index, as the server's TEXT plan reads it: the
    postings of the query's terms give the candidates and their textScores
    (TEXT_OR); the query's :class:`~mim.engine.languages.text_search.TextQuery`
    remembers each candidate's score, and the matcher checks phrases, negations
    and case/diacritic-sensitive terms on the candidate documents (TEXT_MATCH).
    Candidates come in natural order (record id), as a collection scan gave them."""

    stage = "TEXT_MATCH"

    def __init__(self, index: "TextIndex", query: "TextQuery",
                 prefix: dict | None = None) -> None:
        super().__init__()
        self.index = index
        self.query = query
        #: a compound text index's prefix fields, pinned by the query's equalities
        #: (explain's ``indexPrefix``; the filter checks them on the candidates)
        self.prefix = prefix or {}
        #: the documents the postings gave (TEXT_OR's nReturned)
        self.candidates = 0

    def id_keys(self, coll: "CollectionData") -> Iterator[tuple]:
        scores, examined = self.index.postings.candidates(self.query.terms_for_bounds)
        self.keys_examined += examined
        known = self.query.start_read()
        documents = coll.documents
        if len(scores) * _WALK_SHARE >= len(documents):
            # most documents are candidates: the collection's own order, walked once
            found = [id_key for id_key in documents if id_key in scores]
        else:
            # a record id is given in insertion order and kept by updates: natural order
            found = sorted((id_key for id_key in scores if id_key in documents),
                           key=lambda id_key: documents[id_key].record_id)
        for id_key in found:
            doc = documents[id_key].doc
            known[id(doc)] = (doc, scores[id_key])
        self.candidates = len(found)
        self.advanced += len(found)
        return iter(found)


#: a TEXT plan with candidates for at least 1/_WALK_SHARE of the collection walks it for
#: their natural order rather than sorting them
_WALK_SHARE = 4


def point_range(index: "Index", key: tuple) -> tuple[tuple, tuple]:
    """The (exclusive) bounds of the entries whose first field's key is ``key``:
    the key itself up to the key followed by :data:`HIGH` (the first field is
    never stored reversed)."""
    low, high = (key,), (key, HIGH)
    return (low, high) if index.pattern.flat else ((low,), (high,))


def point_ids(index: "Index", key: tuple, most: int) -> list[tuple] | None:
    """The id keys of ``index``'s entries whose first field's key is ``key`` (an
    equality on that field), in the order :meth:`IndexScan.at_point`'s scan visits
    them (the index's direction); None when there are more than ``most``.  One
    bisect into the ``SortedList``'s sublists for the start (as
    :func:`point_entries`), then a walk that compares each entry's first field
    with ``key`` (no comparison with the :data:`HIGH` bound, a Python call each).
    A one-field index answers a key held by one entry from its point map."""
    pattern = index.pattern
    flat = pattern.flat
    if flat:
        found = index.point_map().get(key)
        if found is None:
            return []
        if found is not SEVERAL:
            return [found]
    entries = index.entries
    low = (key,) if flat else ((key,),)
    if entries.__class__ is not SortedList:  # a transaction's merged entries
        return _merged_point_ids(entries, index, key, most)
    lists = entries._lists
    count = len(lists)
    position = bisect_right(entries._maxes, low)
    ids: list[tuple] = []
    start = bisect_right(lists[position], low) if position < count else 0
    while position < count:
        sublist = lists[position]
        for i in range(start, len(sublist)):
            entry = sublist[i]
            if (entry[0] if flat else entry[0][0]) != key:
                position = count
                break
            if len(ids) == most:
                return None
            ids.append(entry[1])
        position += 1
        start = 0
    if pattern.signs[0] < 0:
        ids.reverse()  # a descending first field: the scan runs from the end
    return ids


def _merged_point_ids(entries: Any, index: "Index", key: tuple, most: int
                      ) -> list[tuple] | None:
    """:func:`point_ids` on entries that are not a ``SortedList`` (a transaction's
    merged index: :mod:`mim.engine.index.merged`), through their ``irange``."""
    low, high = point_range(index, key)
    ids = [id_key for _, id_key in entries.irange(low, high, (False, False))]
    if len(ids) > most:
        return None
    if index.pattern.signs[0] < 0:
        ids.reverse()  # a descending first field: the scan runs from the end
    return ids


def point_entries(entries: SortedList, low: tuple, high: tuple) -> Iterator[tuple]:
    """The entries of ``entries`` above ``low`` and below ``high`` (exclusive
    bounds), ascending, for a point's few entries: one bisect into the
    ``SortedList``'s sublists for the start (``irange`` bisects for both ends
    and builds an iterator chain), then a walk that stops at the first entry
    past ``high``.  Reads the list's ``_maxes``/``_lists`` (sortedcontainers'
    layout since 2.0, what its own ``bisect`` methods read)."""
    maxes = entries._maxes
    position = bisect_right(maxes, low)
    lists = entries._lists
    count = len(lists)
    if position == count:
        return
    sublist = lists[position]
    index = bisect_right(sublist, low)
    while True:
        size = len(sublist)
        while index < size:
            entry = sublist[index]
            if not entry < high:
                return
            yield entry
            index += 1
        position += 1
        if position == count:
            return
        sublist = lists[position]
        index = 0


#: an index entry's key (its first item) and its id key (its second)
_entry_key = itemgetter(0)
_entry_id = itemgetter(1)


def points_id_keys(entries: SortedList, keys: list[tuple]) -> list:
    """The ids of the entries of a single-field index (``(key, id_key)``) whose
    key is one of ``keys`` (ascending, distinct), in entry order: one walk over
    the sublists (as :func:`point_entries` reads them), each bisect starting
    where the previous point's entries ended, a point's entries recognised by
    their key alone (no comparison with a bound's sentinel)."""
    maxes = entries._maxes
    lists = entries._lists
    count = len(lists)
    out: list = []
    append = out.append
    position = 0
    index = 0
    if not count:
        return out
    for key in keys:
        # (bisecting on the entries' keys compares one tuple less per step than
        # bisecting the entries for ``(key,)``, which finds the same place)
        if not key <= maxes[position][0]:  # past this block: find the point's block
            position = bisect_left(maxes, key, position + 1, key=_entry_key)
            if position == count:
                break
            index = 0
        sublist = lists[position]
        index = bisect_left(sublist, key, index, key=_entry_key)
        while True:
            size = len(sublist)
            while index < size and sublist[index][0] == key:
                append(sublist[index][1])
                index += 1
            if index < size or position + 1 == count:
                break
            position += 1  # the point's entries may go on in the next sublist
            sublist = lists[position]
            index = 0
    return out


def mapped_points_id_keys(points: dict, entries: SortedList, keys: list[tuple]) -> list:
    """:func:`points_id_keys` read from a one-field index's point map
    (:meth:`~.indexes.Index.point_map`): one dict lookup per key, in C, instead
    of a bisect per key (a dozen nested-tuple comparisons, each through the
    bisect's key function); only when some key had several entries does the
    walk over the sorted entries run.  The keys are ascending and distinct, so
    the ids come out in entry order, as the walk gives them."""
    found = list(map(points.get, keys))
    if SEVERAL in found:
        return points_id_keys(entries, keys)
    # (an id key is a non-empty tuple: only the absent keys' None are dropped)
    return list(filter(None, found))


class PlannedQuery:
    """A chosen plan bound to a query: iterate ``documents()`` for the matches."""

    def __init__(self, coll: "CollectionData", node: MatchNode, plan: Plan,
                 exact: bool = False) -> None:
        self.coll = coll
        self.node = node
        self.plan = plan
        self.sorted = plan.provides_sort
        #: every document the plan yields matches the filter (the index bounds are
        #: the filter exactly: see ``choosing.proves_filter``): none is re-checked
        self.exact = exact

    def all_documents(self, held: list | None = None) -> list["StoredDocument"]:
        """Every matching document, as :meth:`documents` yields them, for a caller
        that reads them all: an index scan's candidates are listed and fetched at
        once (under ``held``, let go then) and matched after, unless the plan is
        :attr:`exact`."""
        plan = self.plan
        if type(plan) is not IndexScan:
            return list(self.documents(held))
        documents = self.coll.documents
        # (a stored document is never false: filter(None) keeps those found, in C)
        found = list(filter(None, map(documents.get, plan.id_key_list())))
        if held:
            let_go(held)
        plan.docs_examined += len(found)
        if not self.exact:
            matches = self.node.matches
            found = [stored for stored in checked(found) if matches(stored.doc)]
        plan.returned += len(found)
        return found

    def documents(self, held: list | None = None) -> Iterator["StoredDocument"]:
        """The matching documents.  With ``held`` (``[lock]``: the caller holds the
        server lock, see :func:`let_go`), the lock is let go as soon as the rest works on a snapshot: at
        once for a collection scan (its documents are a list already), after
        :data:`HOLD_SECONDS` for an index scan (its remaining keys are then
        fetched, and matched after the lock is gone)."""
        matches = self.node.matches
        plan = self.plan
        if isinstance(plan, CollScan):
            scanned = plan.documents(self.coll)
            if held:
                let_go(held)
            for stored in scanned:
                plan.docs_examined += 1
                if matches(stored.doc):
                    plan.returned += 1
                    yield stored
            return
        documents = self.coll.documents
        id_keys = plan.id_keys(self.coll)
        if not held or isinstance(plan, IdLookup):
            # (points on _id: a few lookups, never long)
            for id_key in id_keys:
                stored = documents.get(id_key)
                if stored is None:
                    continue
                plan.docs_examined += 1
                if matches(stored.doc):
                    plan.returned += 1
                    yield stored
            return
        monotonic = time.monotonic
        let_go_at = monotonic() + HOLD_SECONDS
        countdown = _HOLD_CHECK_EVERY
        for id_key in id_keys:
            stored = documents.get(id_key)
            if stored is None:
                continue
            plan.docs_examined += 1
            if matches(stored.doc):
                plan.returned += 1
                yield stored
            countdown -= 1
            if not countdown:
                countdown = _HOLD_CHECK_EVERY
                if monotonic() >= let_go_at:
                    break
        else:
            return
        # a long read: the rest of the index walk is fetched now, under the lock,
        # and matched without it
        rest = [stored for stored in map(documents.get, id_keys) if stored is not None]
        let_go(held)
        for stored in rest:
            plan.docs_examined += 1
            if matches(stored.doc):
                plan.returned += 1
                yield stored


def let_go(held: list) -> None:
    """Release the lock a read holds as ``held = [lock]`` (the caller took it with
    ``lock.acquire()``), once: the read calls this when the rest of its work runs
    on a snapshot, the caller's ``finally`` calls it again (a no-op by then).
    (A list, not an object: the find by ``_id`` path pays no more than ``with lock``.)"""
    if held:
        held.pop().release()


#: how long an index scan holds the server lock before it goes on from a snapshot
HOLD_SECONDS = 0.005
#: index keys between two clock reads while the lock is held
_HOLD_CHECK_EVERY = 64
