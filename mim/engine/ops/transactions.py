"""Multi-document transactions with snapshot isolation (MongoDB 7.0 semantics).

A transaction works on a private :class:`TransactionView` of the server: the
catalog and every collection's documents as they were when the transaction
started (its snapshot), plus its own writes.  Nothing outside sees them until
commit.  The view is a :class:`~mim.engine.storage.store.Server`, so every
command runs on it unchanged.  Taking the snapshot copies nothing: the view holds
the catalog (names and views), and at the transaction's first touch of a
collection it makes an overlay of it (:mod:`~mim.engine.storage.overlay`: the
transaction's own documents and tombstones over the unchanged committed
collection, which it keeps as its snapshot: copied only if someone else writes it
while the transaction is open; a read through the indexes or a write meeting a
unique index turns it into a copy with the writes applied).  A collection written
by someone else before that touch is copied just before that write (copy-on-write:
``CollectionData.snapshot_keepers``), so a late first touch still reads the state
at the snapshot; a plain write pays one attribute check for it.  Time-series and
capped collections are copied at the first touch (they take no overlay).
That first touch, a read or a write, also makes the transaction hold the real
collection (``CollectionData.txn_holders``) until it ends, as a statement's intent
lock is kept to the end of a transaction: a DDL operation there waits for it
(``Server.await_unheld``).  A write to a collection dropped after the snapshot (and
before that touch) is a WriteConflict; one the transaction creates where someone else
created one after the snapshot fails its commit with WriteConflict.

Writes go through the one write path of the view's collections, whose change
events the transaction records (they are its undo and redo log):

* the first write of a document checks the real collection: another open
  transaction owning the key, or a commit after our snapshot, is a write-write
  conflict — WriteConflict (112, TransientTransactionError) and the transaction
  is aborted, as the server aborts it;
* the key is then owned (``CollectionData.txn_owned``) until commit or abort: a
  plain write meeting it waits for the transaction to end (storage's
  ``WriteBlocked``, ``Server.await_transaction``), as the server retries it, and
  then applies to the committed state;
* commit installs the view's collections in the real server under its lock: a
  collection nothing else wrote since the snapshot takes the overlay's writes in
  place (``OverlayCollection.apply_to``) or, once copied, the copy's documents and
  index entries as they are (``CollectionData.install``); one the transaction
  created is adopted whole; only a collection someone else wrote meanwhile gets
  the recorded writes replayed, all or nothing (a failure undoes the replay).
  Then the events go to the server's listeners, in order, carrying ``lsid`` and
  ``txnNumber``;
* abort — explicit, by an error, or by ``transactionLifetimeLimitSeconds``
  (default 60, ``setParameter``) — drops the view: the real server was never
  touched.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..index import merged  # noqa: F401  (installs an overlay's merged index reads)
from ..index.ttl import ttl_index_created
from ..storage.attached import PerServer
from ..storage.changes import DOCUMENT_OPERATIONS, ChangeEvent, undo
from ..storage.overlay import (OverlayCollection, forget_computed, overlay_fits, overlay_of,
                               stop_keeping)
from ..storage.store import (CollectionData, DatabaseData, Server, collection_class,
                             holding_transactions, validate_database_name)
from ..values import deadline
from ..values.errors import ServerError, TransactionConflict

__all__ = ["check_transaction_statement", "TRANSACTION_END_COMMANDS", "FORBIDDEN_DATABASES",
           "Transaction",
           "TransactionView", "TransactionSettings", "settings_of",
           "ALLOWED_COMMANDS", "DEFAULT_LIFETIME_SECONDS", "DEFAULT_LOCK_REQUEST_TIMEOUT_MS",
           "wait_for_queued_ddl"]

#: ``transactionLifetimeLimitSeconds`` of a fresh server
DEFAULT_LIFETIME_SECONDS = 60
#: ``maxTransactionLockRequestTimeoutMillis`` of a fresh server (negative: no limit of
#: its own, the operation's ``maxTimeMS`` alone bounds a lock wait)
DEFAULT_LOCK_REQUEST_TIMEOUT_MS = 5
#: the statements whose lock request is an intent to write (IX; a read's is IS)
_WRITING_STATEMENTS = frozenset({"insert", "update", "delete", "findAndModify",
                                 "findandmodify", "create", "createIndexes"})

#: the commands a multi-document transaction may run (``txnCmdAllowlist``, 7.0)
ALLOWED_COMMANDS = frozenset({
    "abortTransaction", "aggregate", "commitTransaction", "coordinateCommitTransaction",
    "create", "createIndexes", "delete", "distinct", "find", "findandmodify",
    "findAndModify", "getMore", "insert", "killCursors", "prepareTransaction", "update",
    "dbHash",
})


#: the commands that end a transaction (a failure of theirs does not abort it again)
TRANSACTION_END_COMMANDS = frozenset({"commitTransaction", "abortTransaction"})
#: databases no statement of a transaction may touch (its view leaves them out)
_FORBIDDEN_DATABASES = ("config", "local")
#: databases no statement of a transaction but its end (``admin``) may run against
FORBIDDEN_DATABASES = ("admin", *_FORBIDDEN_DATABASES)


def check_transaction_statement(name: str, db: str, cmd: Mapping[str, Any]) -> None:
    """What a transaction's statement may not do, in the server's words."""
    if name not in TRANSACTION_END_COMMANDS:
        if db in FORBIDDEN_DATABASES:
            raise ServerError(263, f"Cannot run command against the '{db}' database in a "
                                   f"transaction.")
        if "writeConcern" in cmd:
            raise ServerError(72, "writeConcern is not allowed within a multi-statement "
                                  "transaction")
        if name == "aggregate":
            _check_transaction_pipeline(cmd.get("pipeline"))
        target = cmd.get(name)
        if name in ("insert", "update", "delete", "findAndModify", "findandmodify") \
                and isinstance(target, str) and target.startswith("system."):
            raise ServerError(263, f"Cannot write to system collection {db}.{target} within "
                                   f"a transaction.")


#: stages whose LiteParsed ``assertSupportsMultiDocumentTransaction`` refuses a transaction
_STAGES_OUTSIDE_TRANSACTIONS = frozenset({
    "$out", "$merge", "$changeStream", "$collStats", "$currentOp", "$indexStats",
    "$listSessions", "$listLocalSessions", "$planCacheStats"})


def _check_transaction_pipeline(pipeline: Any) -> None:
    """An aggregate in a transaction may not write ($out, $merge) nor read server
    state ($collStats, $currentOp...): 263, in each stage's words - sub-pipelines of
    $lookup, $unionWith and $facet included, as the lite-parsed pipeline checks them."""
    if not isinstance(pipeline, list):
        return
    for stage in pipeline:
        if not isinstance(stage, Mapping) or len(stage) != 1:
            continue
        stage_name, spec = next(iter(stage.items()))
        if stage_name in _STAGES_OUTSIDE_TRANSACTIONS:
            raise ServerError(263, f"Operation not permitted in transaction :: caused by :: "
                                   f"Aggregation stage {stage_name} cannot run within a "
                                   f"multi-document transaction.")
        if stage_name in ("$lookup", "$unionWith") and isinstance(spec, Mapping):
            _check_transaction_pipeline(spec.get("pipeline"))
        elif stage_name == "$facet" and isinstance(spec, Mapping):
            for facet in spec.values():
                _check_transaction_pipeline(facet)


class TransactionSettings:
    """Server parameters of the transaction machinery (``setParameter``)."""

    def __init__(self) -> None:
        self.lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS
        #: ``maxTransactionLockRequestTimeoutMillis``: how long a transaction's lock
        #: request waits behind an exclusive one before LockTimeout (negative: unbounded)
        self.lock_request_timeout_ms: int = DEFAULT_LOCK_REQUEST_TIMEOUT_MS


settings_of = PerServer(TransactionSettings)


class _ForkedCollections(dict):
    """A forked database's collections: each forked from the real one on first use.

    Nothing is copied when the snapshot is taken: each real collection only notes
    that this snapshot still reads it (a :class:`~mim.engine.storage.store.SnapshotKeeper`).
    Its first touch here forks it as it is then, which is as it was at the snapshot,
    since a write to it before that touch forks it first (:meth:`keep`).  The first
    touch — a read or a write — also makes the view's transaction hold the real
    collection (``hold``) until it ends, as a transaction's statement keeps the
    collection's intent lock: a DDL operation there waits for it."""

    def __init__(self, database: DatabaseData, base: DatabaseData,
                 hold: Callable[[CollectionData], None]) -> None:
        super().__init__()
        self._database = database
        self._hold = hold
        #: name -> (the real collection, its write count and its catalog change count
        #: at the snapshot), not forked yet
        self._pending: dict[str, tuple[CollectionData, int, int]] = {}
        #: name -> fork taken before a write to the real one, not yet touched here
        self._kept: dict[str, CollectionData] = {}
        #: id(real collection) -> its name in the snapshot
        self._names: dict[int, str] = {}
        #: the overlays made at first touches (each keeps its collection's state)
        self._overlays: list[OverlayCollection] = []
        for name, coll in base.collections.items():
            self._pending[name] = (coll, coll.writes, coll.catalog_changes)
            if coll.member_state:
                # the member's own state (the oplog) changes without the write methods:
                # copied now, as it is (and held by no one)
                self._fork(name, touched=False)
                dict.__setitem__(self, name, self._kept.pop(name))
                continue
            self._names[id(coll)] = name
            keepers = coll.snapshot_keepers
            if keepers is None:
                coll.snapshot_keepers = [self]
            else:
                keepers.append(self)

    def keep(self, coll: CollectionData) -> None:
        """``coll`` is about to be written: fork it first, as the snapshot saw it."""
        name = self._names.get(id(coll))
        if name is not None:
            self._fork(name, touched=False)

    def release(self) -> None:
        """The snapshot ended: the collections it never forked stop keeping it (call
        under the real server's lock)."""
        for coll, _, _ in self._pending.values():
            stop_keeping(coll, self)
        for overlay in self._overlays:  # (materialised ones have stopped already)
            stop_keeping(overlay.base_collection, overlay)  # type: ignore[arg-type]
        self._overlays.clear()
        self._pending.clear()
        self._kept.clear()
        self._names.clear()

    def _fork(self, name: str, touched: bool = True) -> CollectionData | None:
        """The fork of ``name`` (None if the snapshot has none); ``touched``: by a
        statement of the view (the real collection is then held), not by a write to the
        real one (:meth:`keep`: the fork waits in ``_kept`` for a touch)."""
        # under the real server's lock (a read's first touch forks too): a writer's
        # keep() and a first touch never both fork, nor one after the write
        with self._database.server.lock:
            entry = self._pending.pop(name, None)
            if entry is None:  # forked meanwhile, or never in the snapshot
                coll = self._kept.pop(name, None) if touched else None
                if coll is None:
                    return dict.get(self, name)
            else:
                base_coll, writes, catalog = entry
                self._names.pop(id(base_coll), None)
                stop_keeping(base_coll, self)
                if touched and overlay_fits(base_coll):
                    # nothing copied: the overlay keeps the collection's state itself
                    coll = overlay_of(base_coll, self._database, name, writes)
                    coll.base_catalog = catalog
                    self._overlays.append(coll)
                    self._hold(base_coll)
                    dict.__setitem__(self, name, coll)
                    return coll
                coll = base_coll.fork(self._database, name)
                coll.base_collection = base_coll
                #: its write count at the snapshot: unchanged at commit, the fork is
                #: installed
                coll.base_writes = writes  # type: ignore[attr-defined]
                #: its catalog change count at the snapshot: changed at its first
                #: write, the write conflicts
                coll.base_catalog = catalog  # type: ignore[attr-defined]
                if not touched:
                    self._kept[name] = coll
                    return coll
            self._hold(coll.base_collection)  # type: ignore[arg-type]
            dict.__setitem__(self, name, coll)
            return coll

    def _fork_all(self) -> None:
        for name in [*self._pending, *self._kept]:
            self._fork(name)

    def get(self, name: Any, default: Any = None) -> Any:
        found = dict.get(self, name)
        if found is None and (name in self._pending or name in self._kept):
            found = self._fork(name)
        return default if found is None else found

    def __getitem__(self, name: Any) -> Any:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __contains__(self, name: Any) -> bool:
        return dict.__contains__(self, name) or name in self._pending or name in self._kept

    def pop(self, name: Any, *default: Any) -> Any:
        self.get(name)
        return dict.pop(self, name, *default)

    def __len__(self) -> int:
        return dict.__len__(self) + len(self._pending) + len(self._kept)

    def __iter__(self) -> Iterator:
        self._fork_all()
        return dict.__iter__(self)

    def keys(self) -> Any:
        self._fork_all()
        return dict.keys(self)

    def values(self) -> Any:
        self._fork_all()
        return dict.values(self)

    def items(self) -> Any:
        self._fork_all()
        return dict.items(self)


def _stop_holding(coll: CollectionData, owner: "Transaction") -> None:
    """Take ``owner`` off ``coll``'s holders."""
    if coll.txn_holders is not None:
        coll.txn_holders = _without(coll.txn_holders, owner)


def _without(items: list, item: Any) -> list | None:
    """``items`` less ``item`` (by identity: keepers are dicts), None once empty."""
    for position, other in enumerate(items):
        if other is item:
            del items[position]
            break
    return items or None


class _ForkedDatabase(DatabaseData):
    def __init__(self, name: str, view: "TransactionView", base: DatabaseData) -> None:
        super().__init__(name, view)
        self.collections = _ForkedCollections(self, base, view.transaction.hold)
        self.views = dict(base.views)


class TransactionView(Server):
    """The server as one transaction sees it: its snapshot plus its own writes.

    It shares the real server's lock, clock and per-server state (cursors, fail
    points, counters); its writes are recorded by the transaction, never applied
    to the real server before commit."""

    def __init__(self, base: Server, transaction: "Transaction",
                 skipped: tuple[str, ...] = ()) -> None:
        """``skipped``: databases left out of the snapshot (a transaction's statements
        may not touch ``local`` and ``config``: copying ``local.oplog.rs`` would only
        make its change history start recording every write)."""
        # not Server.__init__: a view has no clock or member of its own
        self.__dict__["_attached"] = base.__dict__.setdefault("_attached", {})
        self.base = base
        self.transaction = transaction
        self.address = base.address
        self.lock = base.lock
        self.clock = base.clock
        self.is_replica_set = base.is_replica_set
        self.replica_set_name = base.replica_set_name
        self.member = base.member
        self.ttl_interval = base.ttl_interval
        self.default_collations = base.default_collations
        #: the view's writes reach the journal only through the commit's replay
        self.data_directory = None
        self.databases: dict[str, DatabaseData] = {}
        self.listeners = [transaction.record]
        with base.lock:  # the snapshot: every collection notes it, nothing is copied
            for name, database in base.databases.items():
                if name not in skipped:
                    self.databases[name] = _ForkedDatabase(name, self, database)

    def release_snapshot(self) -> None:
        """The view is done with: the real collections it never forked stop keeping
        their state for it (call under the lock)."""
        for database in self.databases.values():
            collections = database.collections
            if type(collections) is _ForkedCollections:
                collections.release()

    def __repr__(self) -> str:
        return f"<transaction view of {self.base!r}>"

    def __getattr__(self, name: str) -> Any:
        # server attributes a view does not shadow are the real server's
        if name.startswith("__") or name in ("base", "transaction"):
            raise AttributeError(name)
        return getattr(self.base, name)

    def get_database(self, name: str, create: bool = False) -> DatabaseData | None:
        database = self.databases.get(name)
        if database is None and create:
            validate_database_name(name)
            database = self.databases[name] = DatabaseData(name, self)
        return database

    def expire_ttl(self, now: Any = None) -> int:
        return 0  # the TTL monitor works on the real server only


class Transaction:
    """One multi-document transaction of a session (``txnNumber``)."""

    def __init__(self, base: Server, lsid: Mapping[str, Any], number: int,
                 read_concern: Mapping[str, Any] | None) -> None:
        self.base = base
        self.lsid = {"id": lsid["id"]}
        self.number = number
        self.read_concern = read_concern
        #: "in_progress", "committed" or "aborted"
        self.state = "in_progress"
        self.started = time.monotonic()
        self.deadline = self.started + settings_of(base).lifetime_seconds
        self.events: list[ChangeEvent] = []
        #: id(real collection) -> (it, the id keys this transaction owns there)
        self._owned: dict[int, tuple[CollectionData, list[tuple]]] = {}
        #: id(view's collection) -> (it, its real collection): forked and written
        self._forked: dict[int, tuple[CollectionData, CollectionData]] = {}
        #: id(view's collection) -> it: the collections this transaction created
        self._created: dict[int, CollectionData] = {}
        #: id(view's collection, None for a view) of the forked collections whose
        #: catalog the transaction changed: their writes are replayed at commit
        self._replayed: set[int] = set()
        #: namespaces this transaction creates (a second creator conflicts)
        self._creating: list[str] = []
        #: (command, db, target) of statements whose transaction rules were checked
        self.checked_statements: set[tuple] = set()
        #: the real collections this transaction touched (it holds them until it ends)
        self._held: list[CollectionData] = []
        #: the command its statement running now is (the mode of its lock requests)
        self.statement = ""
        self.view = TransactionView(base, self, _FORBIDDEN_DATABASES)

    # -- the recorder (the view's one listener) -------------------------------------------

    def record(self, event: ChangeEvent) -> None:
        """Take one of the view's writes: check it for a conflict, keep it for commit.

        A document write owns its document of the real collection for the rest of the
        transaction: a conflict if another open transaction owns it or a write
        committed it after our snapshot (the event's collection is the view's fork of
        the real one).  (Every statement's path: written out here, no call.)"""
        if event.operation in DOCUMENT_OPERATIONS:
            coll = event.collection
            # (a collection this transaction created has none: its namespace is claimed)
            base_coll = coll.base_collection  # type: ignore[union-attr]
            if base_coll is not None:
                key = event.key
                if key is None:
                    after = event.after
                    key = coll.key_of(after if after is not None  # type: ignore[union-attr]
                                      else event.before)
                owned = base_coll.txn_owned
                if owned is None or owned.get(key) is not self:
                    mine = self._owned.get(id(base_coll))
                    keys = mine[1] if mine is not None \
                        else self._first_claim_in(coll, base_coll)  # type: ignore[arg-type]
                    if owned:
                        owner = owned.get(key)
                        if owner is not None:
                            if owner.expired():
                                owner.abort()
                                owned = base_coll.txn_owned  # (its release may drop it)
                            else:
                                self._conflict()
                    if base_coll.documents.get(key) is not event.before:
                        self._conflict()  # committed by someone else after our snapshot
                    if owned is None:
                        owned = base_coll.txn_owned = {}
                    owned[key] = self
                    keys.append(key)
        else:
            coll = event.collection
            if event.operation == "create" and coll is not None:
                self._claim_namespace(event.namespace)
                self._created[id(coll)] = coll
            elif coll is None or coll.base_collection is not None:
                self._replayed.add(id(coll))
        self.events.append(event)

    def _first_claim_in(self, coll: CollectionData, base_coll: CollectionData) -> list:
        """The checks of the transaction's first write to ``base_coll`` (the list of the
        keys it will own there).  A capped collection refuses every transactional write
        (263, as ``checkIfTransactionOnCappedColl``: its writes need the collection's
        exclusive lock), so no transaction ever holds a document a capped roll-over
        deletes; a collection dropped (or renamed away) after our snapshot, before our
        first touch, is still read as the snapshot had it, but a write there conflicts
        (the point-in-time catalog's collection is not the latest one)."""
        if base_coll.options.get("capped"):
            raise ServerError(263, f"Collection '{base_coll.full_name}' is a capped "
                                   f"collection. Writes in transactions are not allowed on "
                                   f"capped collections.")
        if self.base.get_collection(coll.database.name, coll.name) is not base_coll \
                or base_coll.catalog_changes != coll.base_catalog:  # type: ignore[attr-defined]
            # (catalog_raii.cpp, shard_role.cpp: the latest catalog's collection is not
            # the snapshot's — dropped, renamed, its indexes or options changed)
            self._conflict(f"Caused by :: Unable to write to collection "
                           f"'{base_coll.database.name}.{coll.name}' due to catalog changes; "
                           f"please retry the operation :: Please retry your operation or "
                           f"multi-document transaction.")
        holders = base_coll.txn_holders
        if holders is None or self not in holders:
            self.hold(base_coll)
        keys: list[tuple] = []
        self._owned[id(base_coll)] = (base_coll, keys)
        self._forked[id(coll)] = (coll, base_coll)
        return keys

    def hold(self, base_coll: CollectionData) -> None:
        """The transaction's first touch of a real collection, a read or a write: it
        holds the collection's intent lock (and its database's) until it ends, so a DDL
        operation there waits for it (``Server.await_unheld``).  Under the lock."""
        if self.state != "in_progress":
            return
        if self.base.exclusive_requests:
            self._queue_behind_exclusive(base_coll)
        holders = base_coll.txn_holders
        if holders is None:
            base_coll.txn_holders = [self]
        else:
            holders.append(self)
        if not self._held:
            holding_transactions.add(self)
        self._held.append(base_coll)

    def _queue_behind_exclusive(self, base_coll: CollectionData) -> None:
        """The intent lock on ``base_coll`` (and on its database, unless the transaction
        holds that already) queues behind an exclusive request waiting there (a DDL
        operation waiting for another transaction): granted once that request is gone,
        else, after ``maxTransactionLockRequestTimeoutMillis``, LockTimeout (24) — a
        transaction does not wait behind DDL (LockerImpl::_lockComplete with the
        transaction's ``_maxLockTimeout``); the statement's failure aborts the
        transaction, its error labelled TransientTransactionError.  ``maxTimeMS``
        bounds the wait too (50).  Under the lock (released while waiting)."""
        base = self.base
        db, name = base_coll.database.name, base_coll.name
        holds_database = any(coll.database.name == db for coll in self._held)

        def blocking() -> tuple[str, str | None] | None:
            requests = base.exclusive_requests
            if (db, name) in requests:
                return (db, name)
            if (db, None) in requests and not holds_database:
                return (db, None)
            return None

        queued = blocking()
        if queued is None:
            return
        timeout_ms = settings_of(base).lock_request_timeout_ms
        limit = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        while queued is not None:
            left = deadline.remaining()
            if left is not None and left <= 0:
                raise deadline.expired_error()
            wait = left
            if limit is not None:
                until_limit = limit - time.monotonic()
                if until_limit <= 0:
                    raise ServerError(24, _lock_timeout_message(
                        "IX" if self.statement in _WRITING_STATEMENTS else "IS",
                        queued, timeout_ms))
                wait = until_limit if wait is None else min(wait, until_limit)
            base.transaction_ended.wait(wait)
            queued = blocking()

    def _claim_namespace(self, namespace: str) -> None:
        registry = creations_of(self.base)
        owner = registry.get(namespace)
        if owner is not None and owner is not self:
            if owner.expired():
                owner.abort()
            else:
                self._conflict()
        # (a collection created by someone else after our snapshot does not stop this
        # one: the transaction creates its own, and its commit meets the other as a
        # WriteConflict)
        registry[namespace] = self
        self._creating.append(namespace)

    def _conflict(self, *errmsg: str) -> None:
        """Abort, and answer WriteConflict (``errmsg``: the server's own words, when
        they are not the generic ones)."""
        self.abort()
        raise TransactionConflict(*errmsg)

    # -- life cycle -----------------------------------------------------------------------

    def expired(self) -> bool:
        return self.state == "in_progress" and time.monotonic() > self.deadline

    def _release(self) -> None:
        holding_transactions.discard(self)
        for base_coll in self._held:
            _stop_holding(base_coll, self)
        self._held.clear()
        self.view.release_snapshot()
        for base_coll, keys in self._owned.values():
            owned = base_coll.txn_owned
            if owned is None:
                continue
            if len(owned) == len(keys):
                base_coll.txn_owned = None  # every owned key is one of ours
                continue
            for key in keys:
                if owned.get(key) is self:
                    del owned[key]
            if not owned:
                base_coll.txn_owned = None
        self._owned.clear()
        registry = creations_of(self.base)
        for namespace in self._creating:
            if registry.get(namespace) is self:
                del registry[namespace]
        self._creating.clear()
        # the writes waiting for this transaction wake once the lock is free again, and
        # find it committed or aborted
        self.base.transaction_done()

    def abort(self) -> None:
        """Drop every write: the real server was never touched."""
        if self.state != "in_progress":
            return
        with self.base.lock:
            self.state = "aborted"
            self._release()
            self.events = []
            for coll, _ in self._forked.values():
                forget_computed(coll)

    def commit(self) -> None:
        """Make every write of the transaction the real server's, all or nothing, then
        hand its events to the server's listeners in order (tagged with the session).

        A collection nothing else wrote since the snapshot takes the overlay's writes
        in place (:meth:`OverlayCollection.apply_to`) or the copy's documents and index
        entries as they are (:meth:`CollectionData.install`), and one the
        transaction created is adopted whole: no document is written twice.  Only a
        collection written by someone else meanwhile gets the transaction's writes
        replayed one by one (a failure undoes the replay: WriteConflict)."""
        base = self.base
        with base.lock:
            if self.state != "in_progress":
                return
            self._release()
            events = self.events
            installed, adopted, replaying = self._installable()
            listeners = base.listeners
            #: position of a replayed event -> the events its replay emitted
            replayed: dict[int, list[ChangeEvent]] = {}
            applied: list[ChangeEvent] = []
            if replaying:
                base.listeners = [applied.append]
                try:
                    for position, event in enumerate(events):
                        key = id(event.collection)
                        if key not in installed and key not in adopted:
                            start = len(applied)
                            _replay(base, event)
                            replayed[position] = applied[start:]
                except ServerError:
                    try:
                        for event in reversed(applied):
                            undo(event)
                    finally:
                        base.listeners = listeners
                    self.state = "aborted"
                    self.events = []
                    raise TransactionConflict() from None
                finally:
                    base.listeners = listeners
            for view_coll, base_coll in installed.values():
                if type(view_coll) is OverlayCollection:
                    view_coll.apply_to(base_coll)  # its writes, in place
                else:
                    base_coll.install(view_coll)  # a materialised copy, swapped in
            for coll in adopted.values():
                _adopt(base, coll)
            self.state = "committed"
            self.events = []
            if not listeners:
                return
            for position, event in enumerate(events):
                for emitted in replayed.get(position, (event,)):
                    target = installed.get(id(emitted.collection))
                    if target is not None:
                        emitted.collection = target[1]
                    emitted.lsid = self.lsid
                    emitted.txn_number = self.number
                    for listener in list(listeners):
                        listener(emitted)

    def _installable(self) -> tuple[dict[int, tuple[CollectionData, CollectionData]],
                                    dict[int, CollectionData], bool]:
        """What a commit installs: the forked collections (by id: (view's, real one))
        that took document writes only and whose real collection took no write since
        the snapshot; the created collections (by id) whose namespace is still free;
        and whether some writes are left to replay."""
        base = self.base
        forked: dict[int, tuple[CollectionData, CollectionData]] = {}
        replaying = bool(self._replayed)
        for key, (coll, base_coll) in self._forked.items():
            db, _, name = coll.full_name.partition(".")
            if key in self._replayed or base.get_collection(db, name) is not base_coll \
                    or base_coll.writes != coll.base_writes:  # type: ignore[attr-defined]
                replaying = True
            else:
                forked[key] = (coll, base_coll)
        created: dict[int, CollectionData] = {}
        for key, coll in self._created.items():
            db, _, name = coll.full_name.partition(".")
            if base.get_collection(db, name) is not None or _has_view(base, db, name):
                replaying = True  # (the replay finds it taken: WriteConflict)
            else:
                created[key] = coll
        return forked, created, replaying


#: ``ResourceType`` numbers (lock_manager_defs.h) of the resources a statement locks
_RESOURCE_TYPES = {"Database": 3, "Collection": 4}


def _lock_timeout_message(mode: str, namespace: tuple[str, str | None], timeout_ms: int
                          ) -> str:
    """LockerImpl::_lockComplete's words for a lock request that timed out: the
    resource as ``ResourceId::toString`` writes it (its full hash, its type, its hash
    id, its name — mim's hash of the name, not the server's)."""
    db, name = namespace
    kind = "Database" if name is None else "Collection"
    resource = db if name is None else f"{db}.{name}"
    hash_id = int.from_bytes(hashlib.blake2b(resource.encode(), digest_size=8).digest(),
                             "big") >> 4
    full_hash = (_RESOURCE_TYPES[kind] << 60) + hash_id
    return (f"Unable to acquire {mode} lock on '{{{full_hash}: {kind}, {hash_id}, "
            f"{resource}}}' within {timeout_ms}ms.")


def _has_view(base: Server, db: str, name: str) -> bool:
    database = base.get_database(db)
    return database is not None and name in database.views


def _adopt(base: Server, coll: CollectionData) -> None:
    """Make a collection the transaction created the real server's."""
    database = base.get_database(coll.database.name, create=True)
    database.adopt_collection(coll)  # type: ignore[union-attr]
    if any(index.ttl is not None for index in coll.indexes.indexes()):
        ttl_index_created(coll)


def _replay(base: Server, event: ChangeEvent) -> None:
    """Apply one of the view's writes to the real server (the one write path)."""
    operation = event.operation
    db, _, name = event.namespace.partition(".")
    if operation == "create":
        if event.collection is None:  # a view: not allowed in a transaction
            raise ServerError(263, "Cannot create a view in a multi-document transaction.")
        base.get_database(db, create=True).create_collection(  # type: ignore[union-attr]
            name, dict(event.collection.options))
        return
    coll = base.get_collection(db, name)
    if coll is None:
        raise ServerError(112, "collection dropped while a transaction wrote to it")
    if operation == "insert":
        coll.insert(event.after.raw, event.after.doc)  # type: ignore[union-attr]
    elif operation in ("update", "replace"):
        key = coll.key_of(event.before)  # type: ignore[arg-type]
        coll.replace(coll.documents[key], event.after.raw, event.after.doc,  # type: ignore[union-attr]
                     operation)
    elif operation == "delete":
        key = coll.key_of(event.before)  # type: ignore[arg-type]
        coll.delete(coll.documents[key])
    elif operation == "createIndexes":
        coll.indexes.create(dict(event.detail))
    else:
        raise ServerError(263, f"Cannot replay {operation} in a multi-document transaction.")


creations_of = PerServer(dict)


#: the commands that take an intent-exclusive lock on the collection they name: the
#: document writes, and ``create`` (``_createCollection``: the collection's MODE_IX)
_INTENT_WRITES = frozenset({"insert", "update", "delete", "findAndModify", "findandmodify",
                            "create"})


def wait_for_queued_ddl(server: Server, db: str, name: str, cmd: Mapping[str, Any]) -> None:
    """Hold a write outside any transaction while an exclusive (DDL) lock request is
    queued on its collection or database behind a transaction: the server's write
    asks for the collection's intent lock, which the lock manager queues behind the
    waiting exclusive request (no lock timeout outside a transaction; its
    ``maxTimeMS`` bounds the wait: 50).  A transaction's statement (``autocommit``)
    is left to :meth:`Transaction.hold` (LockTimeout after
    ``maxTransactionLockRequestTimeoutMillis``); reads are not held (7.0 reads take no
    collection lock).  The writes it holds: insert, update, delete, findAndModify,
    create, and an aggregation's ``$merge``/``$out`` into its target."""
    if "autocommit" in cmd:
        return
    if name in _INTENT_WRITES:
        target: Any = (db, cmd.get(name))
    elif name == "aggregate":
        target = _written_namespace(db, cmd.get("pipeline"))
    else:
        return
    if target is None or type(target[1]) is not str:
        return
    limit = cmd.get("maxTimeMS")
    milliseconds = deadline.parse_max_time_ms(limit) if limit is not None else 0
    expires = time.monotonic() + milliseconds / 1000 if milliseconds else None
    server.await_exclusive_requests(target[0], target[1], expires)


def _written_namespace(db: str, pipeline: Any) -> tuple[Any, Any] | None:
    """The ``(db, collection)`` an aggregation's last stage writes (``$out``,
    ``$merge``), or None (malformed stages are left to the pipeline's parser)."""
    if not isinstance(pipeline, list) or not pipeline or not isinstance(pipeline[-1], Mapping):
        return None
    last = pipeline[-1]
    spec = last.get("$merge", last.get("$out"))
    if isinstance(spec, Mapping) and "$merge" in last:
        spec = spec.get("into")
    if isinstance(spec, str):
        return (db, spec)
    if isinstance(spec, Mapping):
        return (spec.get("db", db), spec.get("coll"))
    return None
