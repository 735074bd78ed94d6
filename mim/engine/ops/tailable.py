"""Tailable cursors over capped collections.

A tailable cursor remembers its position — the record id of the last document
its collection scan *examined* (matching or not) — and each ``getMore`` scans
only the documents inserted after it, in natural order.  As on the server:

- the first scan of an empty collection leaves no position, so the cursor is
  dead at once (cursor id 0), as the manual's "Tailable Cursors" page says;
- if the document at the position is gone when the cursor resumes (a capped
  collection rolled over it, or it was deleted), the cursor dies with
  CappedPositionLost (136);
- if its collection was dropped (even if one of that name was created since) or
  renamed, the cursor dies with QueryPlanKilled (175), as the server's
  collection scan does when it cannot restore onto its collection's UUID;
- a tailable find always scans the collection (the server's planner answers a
  tailable query with a collection scan before it looks at ``hint``, ``min`` or
  ``max``); ``returnKey`` gives ``{}`` per document (no index key: a collection
  scan) and ``showRecordId`` adds ``$recordId``;
- the matching runs on a snapshot of the documents, after the lock is let go.
- an ``awaitData`` cursor whose scan finds nothing waits up to its
  ``maxTimeMS`` (1 s by default) for an insert into the collection, and wakes
  as soon as one happens (a storage change listener signals it).  The wait
  holds neither the engine lock nor anything a writer needs.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

import bson

from ..languages.matcher import MatchContext, compile_filter
from ..languages.projection import compile_projection
from ..storage.changes import ChangeEvent
from ..storage.store import CollectionData, Server, decode_shadow
from ..values.errors import ServerError
from .catalog import collection_uuid
from .collations import operation_collation
from .crud import key_or_record
from .views import lookup

__all__ = ["Tail", "open_tail", "check_tailable_find", "insert_signal_of", "scan_killed",
           "check_scan_source",
           "DEFAULT_AWAIT_SECONDS"]

#: how long an awaitData ``getMore`` without ``maxTimeMS`` waits (the server's 1 s)
DEFAULT_AWAIT_SECONDS = 1.0

_NATURAL_ORDER = {"$natural": 1}


def check_tailable_find(server: Server, db: str, name: str, sort: Mapping | None,
                        single_batch: bool) -> None:
    """Refuse a tailable find the server refuses (before anything is read)."""
    if sort and dict(sort) != _NATURAL_ORDER:
        raise ServerError(2, "cannot use tailable option with a sort other than {$natural: 1}")
    if single_batch:
        raise ServerError(2, "cannot use tailable option with the 'singleBatch' option")
    if lookup(server, db, name) is not None:
        raise ServerError(168, "Tailable cursors are not supported in aggregation.")
    with server.lock:
        collection = server.get_collection(db, name)
        capped = bool(collection is not None and collection.options.get("capped"))
    if not capped:
        raise ServerError(2, f"error processing query: ns={db}.{name} :: caused by :: "
                             f"tailable cursor requested on non capped collection")


class Tail:
    """Where a tailable cursor stands and what it returns."""

    __slots__ = ("server", "db", "name", "matches", "projection", "node", "position",
                 "remaining", "await_data", "dead", "source", "return_key", "show_record_id")

    def __init__(self, server: Server, db: str, name: str, filter: Mapping | None,
                 projection: Mapping | None, let: Mapping | None, limit: int,
                 await_data: bool, return_key: bool = False,
                 show_record_id: bool = False, collation: Any = None) -> None:
        self.server = server
        self.db = db
        self.name = name
        self.node = compile_filter(filter, MatchContext(variables=dict(let or {}),
                                                        collation=collation))
        self.matches = self.node.matches
        self.projection = compile_projection(projection, dict(let or {}), collation)
        #: record id of the last document examined (0: none yet)
        self.position = 0
        #: documents still to return under ``limit`` (None: no limit)
        self.remaining: int | None = abs(limit) or None
        self.await_data = await_data
        self.dead = False
        #: the collection the first scan read (a drop or rename kills the cursor)
        self.source: CollectionData | None = None
        self.return_key = return_key
        self.show_record_id = show_record_id

    def _render(self, stored: Any) -> bytes:
        if self.return_key or self.show_record_id:
            # a collection scan: returnKey has no index key to give
            return key_or_record(stored, self.projection, self.node, self.return_key, None,
                                 self.show_record_id)
        if self.projection is None:
            return stored.raw
        return bson.encode(self.projection.apply(decode_shadow(stored.raw), query=self.node))

    def _take(self, documents: list) -> list[bytes]:
        """The matching documents among ``documents`` (natural order), up to the limit."""
        out: list[bytes] = []
        for stored in documents:
            if self.remaining is not None and len(out) >= self.remaining:
                self.dead = True
                break
            self.position = stored.record_id
            if self.matches(stored.doc):
                out.append(self._render(stored))
        if self.remaining is not None:
            self.remaining -= len(out)
            if self.remaining <= 0:
                self.dead = True
        return out

    def first(self, skip: int) -> list[bytes]:
        """The first scan: every document in natural order (after ``skip`` matches)."""
        with self.server.lock:
            coll = self.source = self._collection()
            documents = list(coll.documents.values()) if coll is not None else []
        # matched on the snapshot, without the lock
        if not documents:
            self.dead = True
            return []
        self.position = documents[-1].record_id
        return self._take(_after_skip(documents, self.matches, skip))

    def more(self) -> list[bytes]:
        """What was inserted after the position (CappedPositionLost if it is gone,
        QueryPlanKilled if the collection is)."""
        with self.server.lock:
            coll = self._collection()
            if coll is not self.source:
                self.dead = True
                raise self._killed()
            newer = _inserted_after(coll, self.position)
        if newer is None:
            self.dead = True
            raise ServerError(136, f"Executor error during getMore :: caused by :: "
                                   f"CollectionScan died due to position in capped "
                                   f"collection being deleted. Last seen record id: "
                                   f"RecordId({self.position})")
        return self._take(newer)

    def check_source(self) -> None:
        """A getMore answered from documents already read still restores the scan
        first: QueryPlanKilled if the collection was dropped or renamed."""
        with self.server.lock:
            current = self._collection()
        if current is not self.source:
            self.dead = True
            raise self._killed()

    def _killed(self) -> ServerError:
        assert self.source is not None
        return scan_killed(self.source, f"{self.db}.{self.name}")

    def wait_and_fetch(self, timeout: float) -> list[bytes]:
        """``more()``; for an awaitData cursor that finds nothing, wait for an
        insert (up to ``timeout`` seconds) and look again."""
        signal = insert_signal_of(self.server)
        deadline = time.monotonic() + timeout
        while True:
            generation = signal.generation
            found = self.more()
            if found or self.dead or not self.await_data:
                return found
            left = deadline - time.monotonic()
            if left <= 0 or not signal.wait(generation, left):
                return self.more() if not self.dead else []

    def _collection(self) -> CollectionData | None:
        return self.server.get_collection(self.db, self.name)


def scan_killed(source: CollectionData, ns: str) -> ServerError:
    """The server's error when a cursor's scan cannot restore onto the collection
    it started on (``RequiresCollectionStage::doRestoreState``): QueryPlanKilled,
    the collection dropped (even if one of that name exists again) or renamed."""
    uuid = collection_uuid(source)
    if source.database.collections.get(source.name) is source:
        return ServerError(175, f"collection renamed from '{ns}' to '{source.full_name}'. "
                                f"UUID {uuid}")
    return ServerError(175, f"collection dropped. UUID {uuid}")


def check_scan_source(server: Server, db: str, name: str, source: CollectionData) -> None:
    """Raise :func:`scan_killed`'s error if ``db.name`` is no longer ``source``."""
    with server.lock:
        current = server.get_collection(db, name)
    if current is not source:
        raise scan_killed(source, f"{db}.{name}")


def _after_skip(documents: list, matches: Any, skip: int) -> list:
    """``documents`` from just after the ``skip``-th match on."""
    if not skip:
        return documents
    skipped = 0
    for index, stored in enumerate(documents):
        if matches(stored.doc):
            skipped += 1
            if skipped == skip:
                return documents[index + 1:]
    return []


def _inserted_after(coll: CollectionData, position: int) -> list | None:
    """The documents with a record id above ``position``, in natural order; None
    when the document at ``position`` no longer exists."""
    newer: list = []
    for stored in reversed(coll.documents.values()):
        if stored.record_id == position:
            newer.reverse()
            return newer
        if stored.record_id < position:
            return None
        newer.append(stored)
    return None


def open_tail(server: Server, db: str, name: str, filter: Mapping | None,
              projection: Mapping | None, let: Mapping | None, skip: int, limit: int,
              await_data: bool, return_key: bool = False, show_record_id: bool = False,
              collation: Any = None) -> tuple[list[bytes], Tail]:
    """A tailable cursor's first documents and its :class:`Tail` (``dead`` when
    the cursor does not stay open); strings compare by the find's collation (or
    the collection's default)."""
    if collation is not None or server.default_collations:
        collation = operation_collation(server, db, name, collation)
    tail = Tail(server, db, name, filter, projection, let, limit, await_data, return_key,
                show_record_id, collation)
    return tail.first(skip), tail


class InsertSignal:
    """Wakes awaitData cursors when a document is written (a storage listener)."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        #: bumped by every insert; a waiter sleeps only while it is unchanged
        self.generation = 0

    def __call__(self, event: ChangeEvent) -> None:
        # any write wakes the waiters: a write anywhere is a new entry of the oplog
        # (``local.oplog.rs`` appends its entries when a cursor looks)
        with self._condition:
            self.generation += 1
            self._condition.notify_all()

    def wait(self, generation: int, timeout: float) -> bool:
        """Sleep until an insert after ``generation`` or ``timeout``; True if one came."""
        with self._condition:
            return self._condition.wait_for(lambda: self.generation != generation, timeout)


_SIGNALS: "weakref.WeakKeyDictionary[Server, InsertSignal]" = weakref.WeakKeyDictionary()
_SIGNALS_LOCK = threading.Lock()


def insert_signal_of(server: Server) -> InsertSignal:
    """The server's insert signal, attached as a change listener on first use."""
    with _SIGNALS_LOCK:
        signal = _SIGNALS.get(server)
        if signal is None:
            signal = _SIGNALS[server] = InsertSignal()
            with server.lock:
                server.add_listener(signal)
        return signal
