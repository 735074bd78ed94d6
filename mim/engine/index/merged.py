"""A transaction's reads through the indexes of its overlay, without a copy.

An :class:`~mim.engine.storage.overlay.OverlayCollection` keeps a transaction's
writes apart from the collection at its snapshot.  A query plan reads index entries;
rather than copying the whole collection (documents and every index) and applying
the writes to the copy, the overlay's catalog answers the planner with merged
indexes: each one the snapshot index's sorted entries, less the entries of the
documents the transaction replaced or deleted, plus the entries of its new and
inserted documents — merged as a scan walks them (an equality's point, a range,
either direction).  Counts (the planner's cost of a scan: ``bisect_left`` /
``bisect_right``) and multikey flags are the merged ones too, so the planner
chooses, and explain shows, exactly what it would on the copy.

An index's delta is computed from the overlay's writes the first time a read needs
it, then kept by each later write of the overlay (:meth:`MergedCatalog.note`); its
base is the snapshot's index, whichever collection holds the snapshot (the committed
one, or the overlay's copy of it once someone else writes it).  A range is read into
a list at once, so a cursor read by a later ``getMore`` never walks an index that
changed meanwhile.  Catalogs with a text, geo or wildcard index are still read from
the copy (:meth:`OverlayCollection.materialise`), as is anything but the planner's
reads.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

from sortedcontainers import SortedList

from ..storage.overlay import OverlayCollection, install_merged_catalog
from .indexes import SEVERAL, Index, IndexCatalog, WildcardIndex
from .keys import HIGH

__all__ = ["MergedEntries", "MergedIndex", "MergedIdIndex", "MergedCatalog", "merged_catalog"]


class MergedEntries:
    """Sorted index entries ``(key, id_key)`` seen through an overlay: ``base``'s (a
    ``SortedList``) less those whose id key is in ``dropped`` (the same entries,
    sorted, in ``removed``: they correct the counts), plus ``added``'s.  The part of
    ``SortedList``'s interface a query plan reads: ``irange``, ``bisect_left``,
    ``bisect_right``, ``len`` and iteration."""

    __slots__ = ("base", "added", "removed", "dropped")

    def __init__(self, base: SortedList, added: SortedList, removed: SortedList,
                 dropped: set) -> None:
        self.base = base
        self.added = added
        self.removed = removed
        self.dropped = dropped

    def __len__(self) -> int:
        return len(self.base) - len(self.removed) + len(self.added)

    def bisect_left(self, value: Any) -> int:
        return (self.base.bisect_left(value) - self.removed.bisect_left(value)
                + self.added.bisect_left(value))

    def bisect_right(self, value: Any) -> int:
        return (self.base.bisect_right(value) - self.removed.bisect_right(value)
                + self.added.bisect_right(value))

    def irange(self, minimum: Any = None, maximum: Any = None,
               inclusive: tuple[bool, bool] = (True, True), reverse: bool = False
               ) -> Iterator[tuple]:
        """The entries between ``minimum`` and ``maximum``, as ``SortedList.irange``
        gives them: the base's (less the dropped ids') and the added ones, merged."""
        found: Iterator[tuple] = self.base.irange(minimum, maximum, inclusive, reverse)
        dropped = self.dropped
        if dropped:
            found = (entry for entry in found if entry[1] not in dropped)
        added = self.added
        if added:
            found = heapq.merge(found, added.irange(minimum, maximum, inclusive, reverse),
                                reverse=reverse)
        return iter(list(found))  # (read now: the lists may change before a getMore)

    def __iter__(self) -> Iterator[tuple]:
        return self.irange()


def _snapshot_index(overlay: OverlayCollection, name: str) -> Any:
    return overlay.snapshot.indexes.secondary[name]


class MergedIndex:
    """One secondary index of an overlay, as its transaction reads it: the snapshot
    index's spec and compiled pattern (every attribute not defined here is the
    snapshot index's), its entries and multikey counts merged with the overlay's
    writes.  Once the overlay is materialised, the materialised index answers."""

    #: no point map of its own kept by writes (``point_map`` merges one per lookup)
    points = None

    def __init__(self, overlay: OverlayCollection, name: str) -> None:
        self._overlay = overlay
        self._name = name
        #: the merged entries (None until a read needs them; then kept by :meth:`note`)
        self._entries: MergedEntries | None = None
        self._counts: list[int] = []

    def _current(self) -> Any:
        """The snapshot's index (the delta made if this is its first read, its base
        the snapshot's entries); the materialised index once the overlay is a copy."""
        overlay = self._overlay
        if type(overlay) is not OverlayCollection:
            return overlay.indexes.by_name(self._name)
        index = _snapshot_index(overlay, self._name)
        entries = self._entries
        if entries is None:
            self._entries, self._counts = _merged_delta(overlay, index)
        elif entries.base is not index.entries:
            entries.base = index.entries  # the overlay copied its snapshot meanwhile
        return index

    def note(self, id_key: tuple, old: Any, new: Any, from_snapshot: bool) -> None:
        """The overlay wrote document ``id_key`` (``old`` -> ``new``, either None;
        ``from_snapshot``: ``old`` is the snapshot's version, written first now)."""
        entries = self._entries
        if entries is None:
            return  # (made from the overlay's writes when first read)
        keys_of = _snapshot_index(self._overlay, self._name).document_keys
        counts = self._counts
        if old is not None:
            keys, multikey = keys_of(old.doc)
            if from_snapshot:
                entries.dropped.add(id_key)
                entries.removed.update([(key, id_key) for key in keys])
            else:
                added = entries.added
                for key in keys:
                    added.discard((key, id_key))
            for position in multikey:
                counts[position] -= 1
        if new is not None:
            keys, multikey = keys_of(new.doc)
            entries.added.update([(key, id_key) for key in keys])
            for position in multikey:
                counts[position] += 1

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._current(), name)

    @property
    def entries(self) -> Any:
        index = self._current()
        return index.entries if type(self._overlay) is not OverlayCollection \
            else self._entries

    @property
    def multikey_counts(self) -> list[int]:
        index = self._current()
        return index.multikey_counts if type(self._overlay) is not OverlayCollection \
            else self._counts

    @property
    def multikey(self) -> bool:
        return any(self.multikey_counts)

    def multikey_paths(self) -> dict[str, list[str]]:
        return Index.multikey_paths(self)  # type: ignore[arg-type]

    def point_map(self) -> "_MergedPoints":
        """What :meth:`Index.point_map` answers for a key (None, the one id key, or
        :data:`SEVERAL`), read from the merged entries of that key."""
        return _MergedPoints(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


class _MergedPoints:
    """A one-field merged index's point map, answered per key from its entries."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Any) -> None:
        self._entries = entries

    def get(self, key: Any, default: Any = None) -> Any:
        found = None
        for _, id_key in self._entries.irange((key,), (key, HIGH), (False, False)):
            if found is not None:
                return SEVERAL
            found = id_key
        return default if found is None else found


def _merged_delta(overlay: OverlayCollection, index: Any
                  ) -> tuple[MergedEntries, list[int]]:
    """``index``'s entries merged with ``overlay``'s writes, and its multikey counts:
    each replaced or deleted snapshot document's entries dropped, each new version's
    and each inserted document's added (their keys computed by the index)."""
    documents = overlay.snapshot.documents
    counts = list(index.multikey_counts)
    dropped: set = set()
    removed: list[tuple] = []
    added: list[tuple] = []
    keys_of = index.document_keys
    for id_key, mine in overlay.replaced.items():
        old = documents.get(id_key)
        if old is None:
            continue
        dropped.add(id_key)
        keys, multikey = keys_of(old.doc)
        removed += [(key, id_key) for key in keys]
        for position in multikey:
            counts[position] -= 1
        if mine is not None:
            keys, multikey = keys_of(mine.doc)
            added += [(key, id_key) for key in keys]
            for position in multikey:
                counts[position] += 1
    for id_key, stored in overlay.appended.items():
        keys, multikey = keys_of(stored.doc)
        added += [(key, id_key) for key in keys]
        for position in multikey:
            counts[position] += 1
    return MergedEntries(index.entries, SortedList(added), SortedList(removed), dropped), \
        counts


class MergedIdIndex:
    """The ordered ``_id_`` index of an overlay: the snapshot's ordered ``_id``
    entries less the deleted documents', plus the inserted ones' (a replaced
    document keeps its ``_id``)."""

    multikey = False
    several_entries = False

    def __init__(self, overlay: OverlayCollection) -> None:
        self._overlay = overlay
        self._entries: MergedEntries | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        overlay = self._overlay
        if type(overlay) is not OverlayCollection:
            return getattr(overlay.indexes.id_index, name)
        return getattr(overlay.snapshot.indexes.id_index, name)

    @property
    def entries(self) -> Any:
        overlay = self._overlay
        if type(overlay) is not OverlayCollection:
            return overlay.indexes.id_index.entries
        base = overlay.snapshot.indexes.id_index.entries
        entries = self._entries
        if entries is None:
            documents = overlay.snapshot.documents
            dropped = {id_key for id_key, mine in overlay.replaced.items()
                       if mine is None and id_key in documents}
            entries = self._entries = MergedEntries(
                base, SortedList((id_key, id_key) for id_key in overlay.appended),
                SortedList((id_key, id_key) for id_key in dropped), dropped)
        elif entries.base is not base:
            entries.base = base  # the overlay copied its snapshot meanwhile
        return entries

    def note(self, id_key: tuple, old: Any, new: Any, from_snapshot: bool) -> None:
        """:meth:`MergedIndex.note` for ``_id``: an insert adds its entry, a delete
        drops the inserted one's or the snapshot's (a replaced document keeps its
        entry: called before the overlay records the write, whose ``appended`` tells
        which)."""
        entries = self._entries
        if entries is None or (old is not None and new is not None):
            return
        if new is not None:
            entries.added.add((id_key, id_key))
        elif id_key in self._overlay.appended:
            entries.added.discard((id_key, id_key))
        else:
            entries.dropped.add(id_key)
            entries.removed.add((id_key, id_key))

    def multikey_paths(self) -> dict[str, list[str]]:
        return {"_id": []}

    def __len__(self) -> int:
        return len(self._overlay.documents)


class MergedCatalog:
    """An overlay's index catalog as the query planner reads it (``secondary``,
    ``id_index``, ``indexes()``, ``leading_on``, ``by_name``, ``resolve_hint``,
    ``has_secondary()``, ``text_search``, ``wildcards``): merged indexes, one object
    per index for the overlay's life (a plan cache may keep them)."""

    text_search = None
    wildcards: tuple = ()

    def __init__(self, overlay: OverlayCollection) -> None:
        self._overlay = overlay
        self._merged: dict[str, MergedIndex] = {}
        self.id_index = MergedIdIndex(overlay)

    def _snapshot_catalog(self) -> IndexCatalog:
        return self._overlay.snapshot.indexes

    def _of(self, name: str) -> MergedIndex:
        merged = self._merged.get(name)
        if merged is None:
            merged = self._merged[name] = MergedIndex(self._overlay, name)
        return merged

    @property
    def secondary(self) -> dict[str, MergedIndex]:
        return {name: self._of(name) for name in self._snapshot_catalog().secondary}

    def indexes(self) -> list[MergedIndex]:
        return [self._of(name) for name in self._snapshot_catalog().secondary]

    def leading_on(self, path: str) -> tuple[MergedIndex, ...]:
        return tuple(self._of(index.name)
                     for index in self._snapshot_catalog().leading_on(path))

    def by_name(self, name: str) -> Any:
        if name == self.id_index.name:
            return self.id_index
        self._snapshot_catalog().secondary[name]  # (KeyError as the catalog's own)
        return self._of(name)

    def resolve_hint(self, hint: Any) -> dict[str, Any]:
        return self._snapshot_catalog().resolve_hint(hint)

    def has_secondary(self) -> bool:
        return self._snapshot_catalog().has_secondary()

    def note(self, id_key: tuple, old: Any, new: Any, from_snapshot: bool) -> None:
        """The overlay wrote document ``id_key``: every merged index made so far takes
        the change (``old`` -> ``new``, either None; ``from_snapshot``: ``old`` is
        the snapshot's version, written for the first time)."""
        self.id_index.note(id_key, old, new, from_snapshot)
        for merged in self._merged.values():
            merged.note(id_key, old, new, from_snapshot)


def merged_catalog(overlay: OverlayCollection) -> MergedCatalog | None:
    """The merged catalog of ``overlay``, or None when its snapshot's catalog has an
    index a merge does not serve (text, geo, wildcard: read from the copy)."""
    catalog = overlay.snapshot.indexes
    if catalog.text_search is not None or catalog.wildcards:
        return None
    for index in catalog.secondary.values():
        if index.geo is not None or index.text or isinstance(index, WildcardIndex):
            return None
    return MergedCatalog(overlay)


install_merged_catalog(merged_catalog)
