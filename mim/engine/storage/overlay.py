"""A transaction's collection: its own writes over the committed collection.

A transaction (or a snapshot read) must read a collection as it was at its
snapshot plus its own writes, and nobody else may see those writes before commit.
Copying the collection at the transaction's first touch does that, but costs the
whole collection (its documents dict and every index's entries) at the first write
and again when commit frees what the copy replaced, and the young containers it
builds are walked by every young garbage collection until they age.

An :class:`OverlayCollection` copies nothing: it keeps the transaction's inserted
documents (in insertion order), its replaced documents and its tombstones, keyed as
the store keys them, over the collection at the snapshot (:attr:`~OverlayCollection.snapshot`),
which is the committed collection itself while nobody else writes it.  Should
someone write it before the transaction ends, the collection calls
:meth:`OverlayCollection.keep` first (it is one of its ``snapshot_keepers``), and
the overlay takes a copy of the collection as it still is: the copy is paid only
when an outside write happens.  Commit applies the overlay's writes in place,
through the one write path (:mod:`mim.engine.ops.transactions`).

What the overlay answers itself: writes (insert, replace, delete, when no unique
secondary index needs checking) and every read of :attr:`documents` (a read-only
mapping merging the snapshot and the writes: point reads by ``_id`` key, natural
order scans, counts).  Anything that reads the collection's *indexes* (the planner
asks its catalog for every query plan) materialises it: the snapshot is copied, the
overlay's writes applied to the copy, and the object becomes that ordinary copy
(a forked :class:`~.store.CollectionData`) for the rest of the transaction, so every
read shape (index scans, ``$or`` unions, sorts, aggregation, distinct, getMore of a
cursor opened in the transaction) sees the snapshot plus its own writes exactly as
before.  A write meeting a unique index (or a default collation's ``_id`` index)
materialises it too: uniqueness needs the merged index entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from bson.objectid import ObjectId

from ..values.order import RANK_OBJECTID, RANK_STRING, sort_key
from .changes import ChangeEvent
from .encoding import StoredDocument
from .shapes import shared_keys
from .store import CollectionData, DatabaseData, collection_class

__all__ = ["OverlayCollection", "OverlayDocuments", "overlay_of", "overlay_fits",
           "stop_keeping", "install_merged_catalog", "forget_computed"]

_new_object = object.__new__
#: what a key not in the overlay's replaced documents reads as
_ABSENT = object()


class OverlayDocuments(Mapping):
    """An overlay collection's documents as a read-only mapping (sort key -> stored
    document): the snapshot's, each replaced by the transaction's version or left out
    for its tombstone, in natural order, then the documents it inserted.  Once the
    collection is materialised, the materialised dict answers."""

    __slots__ = ("_coll", "target")

    def __init__(self, coll: "OverlayCollection") -> None:
        self._coll = coll
        #: the materialised collection's documents dict (None while an overlay)
        self.target: dict | None = None

    def get(self, key: Any, default: Any = None) -> Any:
        target = self.target
        if target is not None:
            return target.get(key, default)
        coll = self._coll
        found = coll.appended.get(key)
        if found is not None:
            return found
        found = coll.replaced.get(key, _ABSENT)
        if found is _ABSENT:
            found = coll.snapshot.documents.get(key)
        return default if found is None else found

    def __getitem__(self, key: Any) -> StoredDocument:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: Any) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        target = self.target
        if target is not None:
            return len(target)
        coll = self._coll
        return len(coll.snapshot.documents) - coll.deleted + len(coll.appended)

    def _pairs(self) -> Iterator[tuple[tuple, StoredDocument]]:
        target = self.target
        if target is not None:
            yield from list(target.items())
            return
        coll = self._coll
        replaced = coll.replaced
        if replaced:
            for key, stored in coll.snapshot.documents.items():
                mine = replaced.get(key, _ABSENT)
                if mine is _ABSENT:
                    yield key, stored
                elif mine is not None:
                    yield key, mine
        else:
            yield from coll.snapshot.documents.items()
        yield from coll.appended.items()

    def __iter__(self) -> Iterator[tuple]:
        return iter([key for key, _ in self._pairs()])

    def keys(self) -> list:  # type: ignore[override]
        return [key for key, _ in self._pairs()]

    def values(self) -> list:  # type: ignore[override]
        return [stored for _, stored in self._pairs()]

    def items(self) -> list:  # type: ignore[override]
        return list(self._pairs())


#: ``merged_catalog(overlay)``: the index layer's merged catalog of an overlay (its
#: planner reads without a copy), or None where it serves none; installed by
#: :mod:`mim.engine.index.merged`
_merged_catalog_factory: "Callable[[OverlayCollection], Any] | None" = None

#: the catalog attributes the query planner reads, which a merged catalog answers
_MERGED_READS = frozenset({"secondary", "id_index", "indexes", "leading_on", "by_name",
                           "resolve_hint", "has_secondary", "text_search", "wildcards"})


def install_merged_catalog(factory: "Callable[[OverlayCollection], Any]") -> None:
    """Called by the index layer: how an overlay's planner reads merge its writes."""
    global _merged_catalog_factory
    _merged_catalog_factory = factory


class OverlayCatalog:
    """An overlay collection's index catalog.  The query planner's reads (plans,
    their costs, index scans, points and ranges, either direction) are answered by
    the index layer's merged catalog (:mod:`mim.engine.index.merged`: each index's
    snapshot entries merged with the overlay's writes as a scan walks them), when
    it serves the catalog; a point on ``_id`` needs no index entry at all (the
    documents mapping answers it).  Anything else — a catalog change, a write hook,
    a text, geo or wildcard index — materialises the collection and is the
    materialised catalog's."""

    __slots__ = ("_coll", "plan_cache", "_merged")

    def __init__(self, coll: "OverlayCollection") -> None:
        self._coll = coll
        #: its own (an entry naming a snapshot's index would read its entries)
        self.plan_cache: dict = {}
        #: the merged catalog (None: not made yet; False: it serves none here)
        self._merged: Any = None

    def _merged_reads(self) -> Any:
        """The merged catalog, or None (the collection is a copy, or no merge serves
        its indexes)."""
        if type(self._coll) is not OverlayCollection:
            return None
        merged = self._merged
        if merged is None:
            factory = _merged_catalog_factory
            merged = self._merged = (factory(self._coll) if factory is not None
                                     else None) or False
            if merged:  # (the overlay's writes then keep it: one attribute read each)
                self._coll.__dict__["merged_reads"] = merged
        return merged or None

    def leading_on(self, path: str) -> tuple:
        coll = self._coll
        merged = self._merged_reads()
        if merged is not None:
            return merged.leading_on(path)
        if path == "_id" and type(coll) is OverlayCollection:
            return coll.snapshot.indexes.leading_on(path)
        return coll.materialise().indexes.leading_on(path)

    def __getattr__(self, name: str) -> Any:
        if name in _MERGED_READS:
            merged = self._merged_reads()
            if merged is not None:
                return getattr(merged, name)
        return getattr(self._coll.materialise().indexes, name)


class OverlayCollection(CollectionData):
    """A collection as one transaction sees it, its writes kept apart (see the module
    docstring).  ``base_collection`` is the committed collection, ``snapshot`` the
    collection as the snapshot saw it (the committed one until someone else writes
    it), ``appended`` the documents it inserted, ``replaced`` its new versions of
    snapshot documents (None: deleted), ``deleted`` how many tombstones that holds."""

    #: (set by :func:`overlay_of`; declared for the readers)
    snapshot: CollectionData
    appended: dict
    replaced: dict
    #: an inserted document's keys in the snapshot's indexes (commit adds them)
    computed: dict
    deleted: int
    base_writes: int
    #: the merged index catalog the planner has read (None: none yet), which each
    #: write then keeps (:mod:`mim.engine.index.merged`)
    merged_reads: Any
    #: the committed collection's catalog change count at the snapshot (set by the
    #: transaction: a write after a catalog change conflicts)
    base_catalog: int

    @property  # type: ignore[override]
    def documents(self) -> OverlayDocuments:  # type: ignore[override]
        return self.__dict__["_view"]

    @property  # type: ignore[override]
    def indexes(self) -> Any:  # type: ignore[override]
        """The index catalog as far as a point on ``_id`` needs it (:class:`OverlayCatalog`);
        anything more materialises the collection, whose own catalog answers."""
        return self.__dict__["_catalog"]

    # -- snapshots ------------------------------------------------------------------------

    def keep(self, coll: CollectionData) -> None:
        """The committed collection is about to be written by someone else: copy it as
        it still is, the snapshot this overlay reads from now on."""
        if type(self) is OverlayCollection and self.snapshot is coll:
            self.snapshot = coll.fork(self.database, self.name)

    def materialise(self) -> CollectionData:
        """Become an ordinary copy of the collection as the transaction sees it: the
        snapshot's documents and index entries copied, the overlay's writes applied to
        them (the index entries they need computed), no event emitted (the writes were
        recorded when they were made).  Returns ``self``, now a plain collection."""
        if type(self) is not OverlayCollection:
            return self
        snapshot = self.snapshot
        state = self.__dict__
        documents = dict(snapshot.documents)
        state["documents"] = documents
        catalog = state["indexes"] = snapshot.indexes.fork(self)
        self.__class__ = collection_class(self.options)
        _write_into(state, documents, catalog)
        state["_view"].target = documents
        if snapshot is self.base_collection:
            stop_keeping(snapshot, self)
        return self

    def apply_to(self, base: CollectionData) -> None:
        """Commit: make the overlay's writes ``base``'s, in place — ``base`` being the
        committed collection, which nobody wrote since the snapshot (so the overlay's
        documents, record ids and sizes follow on from its own).  The stored documents
        move over as they are and each index takes only their entries; no event is
        emitted (the caller emits those the writes recorded).  Under the lock."""
        if base.snapshot_keepers is not None:
            base.keep_snapshots()  # (the other open snapshots still read it as it is)
        _write_into(self.__dict__, base.documents, base.indexes)
        base.data_size = self.data_size
        base.next_record_id = self.next_record_id
        base.writes += 1

    # -- the writes (the transaction's: emitted to the view's listeners) -------------------

    def insert(self, raw: bytes, doc: dict) -> None:
        """Keep a new document; DuplicateKey (11000) without writing.  (A statement's
        path: the checks written out, no call.)"""
        snapshot = self.snapshot
        catalog = snapshot.indexes
        if catalog.uniqueness:
            self.materialise().insert(raw, doc)
            return
        id_value = doc["_id"]
        id_type = type(id_value)
        if id_type is str:
            key = (RANK_STRING, id_value)
        elif id_type is ObjectId:
            key = (RANK_OBJECTID, id_value.binary)
        else:
            key = sort_key(id_value)
        appended = self.appended
        if key in appended:
            raise catalog.duplicate_id_error(id_value)
        mine = self.replaced.get(key, _ABSENT)
        if mine is not None and (mine is not _ABSENT or key in snapshot.documents):
            raise catalog.duplicate_id_error(id_value)
        stored = _new_object(StoredDocument)
        stored.raw = raw
        stored.doc = shared_keys(doc)
        stored.record_id = self.next_record_id
        # the keys' own errors (parallel arrays, geo...), the keys kept for commit
        computed = catalog.check_keys(stored.doc)
        appended[key] = stored
        if computed is not None:
            self.computed[key] = computed
        self.next_record_id += 1
        self.data_size += len(raw)
        self.writes += 1
        merged = self.merged_reads
        if merged is not None:  # (the planner read the merged indexes: they take the write)
            merged.note(key, None, stored, False)
        listeners = self.database.server.listeners
        if listeners:
            event = ChangeEvent("insert", self.full_name, self, None, stored, key)
            for listener in list(listeners):
                listener(event)

    def replace(self, old: StoredDocument, raw: bytes, doc: dict,
                operation: str = "update", touched: frozenset[str] | None = None
                ) -> StoredDocument:
        """Keep a document's new version (same ``_id``, same place)."""
        if self.snapshot.indexes.uniqueness:
            return self.materialise().replace(old, raw, doc, operation, touched)
        key = self.key_of(old)
        new = _new_object(StoredDocument)
        new.raw = raw
        new.doc = shared_keys(doc)
        new.record_id = old.record_id
        catalog = self.snapshot.indexes
        computed = None
        if touched is None or not catalog.untouched(touched):
            computed = catalog.check_keys(new.doc)
        merged = self.merged_reads
        if merged is not None:  # (the planner read the merged indexes: they take the write)
            merged.note(key, old, new,
                        key not in self.appended and key not in self.replaced)
        if key in self.appended:
            self.appended[key] = new
            if computed is not None:
                self.computed[key] = computed
        else:
            self.replaced[key] = new
        self.data_size += len(raw) - len(old.raw)
        self.writes += 1
        _emit(self, ChangeEvent(operation, self.full_name, self, old, new, key))
        return new

    def delete(self, stored: StoredDocument) -> None:
        """Keep a document's tombstone (or forget one the transaction inserted)."""
        key = self.key_of(stored)
        merged = self.merged_reads
        if merged is not None:  # (the planner read the merged indexes: they take the write)
            merged.note(key, stored, None,
                        key not in self.appended and key not in self.replaced)
        if key in self.appended:
            del self.appended[key]
        else:
            self.replaced[key] = None
            self.deleted += 1
        self.data_size -= len(stored.raw)
        self.writes += 1
        _emit(self, ChangeEvent("delete", self.full_name, self, stored, None, key))

    def clear(self) -> None:
        self.materialise().clear()

    def append_record(self, raw: bytes, doc: dict) -> None:
        self.materialise().append_record(raw, doc)

    def set_option(self, option: str, value: Any) -> None:
        self.materialise().set_option(option, value)

    def install(self, prepared: CollectionData) -> None:
        self.materialise().install(prepared)

    def fork(self, database: DatabaseData, name: str) -> CollectionData:
        return self.materialise().fork(database, name)


def _emit(coll: CollectionData, event: ChangeEvent) -> None:
    for listener in list(coll.database.server.listeners):
        listener(event)


def overlay_fits(base: CollectionData) -> bool:
    """Whether a transaction may read and write ``base`` through an overlay: an
    ordinary collection (time-series ones are keyed by record id, capped ones take no
    transactional write and roll over)."""
    return type(base) is CollectionData and not base.options.get("capped")


def overlay_of(base: CollectionData, database: DatabaseData, name: str, writes: int
               ) -> OverlayCollection:
    """An overlay over ``base`` (unchanged since the snapshot, whose write count was
    ``writes``) as ``database.name``: it keeps ``base``'s state for itself from now on
    (one of its ``snapshot_keepers``).  Under the lock."""
    coll = _new_object(OverlayCollection)
    state = coll.__dict__
    state["name"] = name
    state["database"] = database
    state["options"] = dict(base.options)
    state["validator"] = base.validator
    state["data_size"] = base.data_size
    state["next_record_id"] = base.next_record_id
    state["txn_owned"] = None
    state["txn_holders"] = None
    state["writes"] = writes
    state["catalog_changes"] = base.catalog_changes
    state["snapshot_keepers"] = None
    identity = base.__dict__.get("uuid")
    if identity is not None:
        state["uuid"] = identity
    state["base_collection"] = base
    state["base_writes"] = writes
    state["snapshot"] = base
    state["appended"] = {}
    state["replaced"] = {}
    state["computed"] = {}
    state["deleted"] = 0
    state["_view"] = OverlayDocuments(coll)
    state["_catalog"] = OverlayCatalog(coll)
    state["merged_reads"] = None
    keepers = base.snapshot_keepers
    if keepers is None:
        base.snapshot_keepers = [coll]
    else:
        keepers.append(coll)
    return coll


def stop_keeping(coll: CollectionData, keeper: Any) -> None:
    """Take ``keeper`` (by identity) off ``coll``'s open snapshots."""
    keepers = coll.snapshot_keepers
    if keepers is None:
        return
    for position, other in enumerate(keepers):
        if other is keeper:
            del keepers[position]
            break
    if not keepers:
        coll.snapshot_keepers = None


def _write_into(overlay: dict, documents: dict, catalog: Any) -> None:
    """An overlay's writes (its ``__dict__``: ``replaced``, ``appended``,
    ``computed``) made ``documents``' and ``catalog``'s: replaced documents swapped
    in or deleted with their index entries, appended ones added with the keys their
    checks computed.  Shared by :meth:`OverlayCollection.materialise` (a copy of the
    snapshot) and :meth:`OverlayCollection.apply_to` (the committed collection)."""
    for key, mine in overlay["replaced"].items():
        old = documents.get(key)
        if old is None:
            continue
        if mine is None:
            del documents[key]
            catalog.remove(old, key)
        else:
            documents[key] = mine
            catalog.replace(old, mine, key)
    computed = overlay["computed"]
    for key, stored in overlay["appended"].items():
        documents[key] = stored
        catalog.add_computed(stored, key, computed.get(key))
    # consumed: let go of them now (see :func:`forget_computed`)
    computed.clear()


def forget_computed(coll: CollectionData) -> None:
    """An aborted transaction's overlay lets go of the index keys its writes computed
    for commit.  The overlay, its view and its transaction reference one another, so
    they are freed by a cyclic garbage collection, not when the session lets go of the
    transaction: the keys (two lists and a tuple per written document) would wait for
    that collection too, and their number is what makes young collections run more
    often and objects reach the old generation (whole-heap collections)."""
    if type(coll) is OverlayCollection:
        coll.computed.clear()
