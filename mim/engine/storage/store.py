"""The in-memory server: databases, collections and documents stored as BSON.

Each document is kept twice, cheaply: the BSON bytes the client encoded (what
every read decodes afresh, so callers can never alias stored data) and a
decoded "shadow" dict that the matcher, sort and indexes read.  The shadow is
never handed out, and shares its top-level field names with every stored
document of its shape (:mod:`.shapes`).

This module is the one write path.  Every document write goes through
:class:`CollectionData` (``insert``, ``replace``, ``delete``, ``clear``) and every
catalog write through :class:`DatabaseData` / :class:`Server`
(``create_collection``, ``drop_collection``, ``rename_collection``,
``drop_database``; index builds and drops report through
:meth:`CollectionData.record`), under the server lock: the one place that keeps
indexes consistent and that emits one :class:`~.changes.ChangeEvent` per write to
the server's listeners (change streams, transactions and a journal attach there).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from bson.objectid import ObjectId

from ..values import deadline
from ..values.errors import WRITE_CONFLICT_MESSAGE, ServerError
from ..values.order import RANK_OBJECTID, RANK_STRING, sort_key
from .changes import ChangeEvent, Listener
from .encoding import ENGINE_CODEC, MAX_BSON_SIZE, StoredDocument, decode_shadow
from .shapes import shared_keys
from .replication import DEFAULT_REPLICA_SET_NAME, LogicalClock, ReplicaSetMember

__all__ = ["ENGINE_CODEC", "StoredDocument", "CollectionData", "WriteBlocked",
           "TransactionOwner", "SnapshotKeeper", "RecordKeyedCollection",
           "holding_transactions", "transactions_hold_documents",
           "collection_class", "DatabaseData", "Server",
           "MAX_BSON_SIZE", "decode_shadow", "IndexMaintainer",
           "install_index_catalog", "install_ttl_pass", "capped_limits",
           "capped_max_documents", "UNLIMITED_CAPPED_DOCUMENTS", "install_data_directory",
           "install_replica_set_catalog"]

class IndexMaintainer(Protocol):
    """What storage asks of a collection's indexes on every write.

    The index layer sits above storage, so storage never imports it: the index
    catalog class is installed with :func:`install_index_catalog` when
    :mod:`mim.engine.index.indexes` is imported (``import mim`` always does)."""

    #: some index besides the ``_id`` dict refuses duplicates
    uniqueness: bool

    def duplicate_id_error(self, id_value: Any) -> ServerError: ...
    def check_insert(self, stored: "StoredDocument", key: tuple) -> None: ...
    def admit(self, stored: "StoredDocument", key: tuple) -> None: ...
    def check_replace(self, old: "StoredDocument", new: "StoredDocument",
                      touched: frozenset[str] | None = None) -> None: ...
    def add(self, stored: "StoredDocument", key: tuple) -> None: ...
    def replace(self, old: "StoredDocument", new: "StoredDocument", key: tuple,
                touched: frozenset[str] | None = None) -> None: ...
    def remove(self, stored: "StoredDocument") -> None: ...
    def rebuild(self) -> None: ...
    def install(self, prepared: Any) -> None: ...
    def fork(self, collection: "CollectionData") -> Any: ...
    def check_keys(self, doc: dict) -> list | None: ...
    def add_computed(self, stored: "StoredDocument", key: tuple, computed: list | None
                     ) -> None: ...
    def untouched(self, touched: frozenset[str]) -> bool: ...


class TransactionOwner(Protocol):
    """What storage knows of the open transaction that wrote a document."""

    #: "in_progress" until it commits or aborts
    state: str
    #: when its lifetime limit ends it (``time.monotonic()``)
    deadline: float
    #: the server whose documents it writes
    base: Any

    def expired(self) -> bool: ...
    def abort(self) -> None: ...


#: the open transactions, of every server in the process, that hold collections (they
#: touched them: a DDL operation there waits) or documents (they wrote them: a write
#: outside them meeting one of those waits).  The async faces read it before each call
#: (and ``driver_async_client``'s transport before each message): empty (the common
#: case), the call runs inline on the event loop's thread; otherwise it runs in a worker
#: thread, where waiting cannot freeze the task that is to end the transaction.
#: Process-wide because an async-face object has no one-attribute way to its server; a transaction of another server only costs that thread hop.  (Updated
#: under a server's lock by set.add/discard, which are atomic.)
holding_transactions: set["TransactionOwner"] = set()


def transactions_hold_documents() -> bool:
    """Whether an open transaction still holds documents, once every one in
    :data:`holding_transactions` past its lifetime limit is aborted (a server's
    periodic job aborts those; here whoever looks does): an abandoned transaction
    does not keep the async face off its loop longer than its lifetime."""
    for owner in list(holding_transactions):
        if owner.expired():
            owner.abort()
    return bool(holding_transactions)


class SnapshotKeeper(Protocol):
    """An open snapshot (a transaction's, a snapshot read's) that has not yet taken its
    copy of a collection: it copies it lazily, at its first touch, unless the collection
    is about to change first — then :meth:`keep` is called, before that write, to copy
    the collection as the snapshot saw it."""

    def keep(self, coll: "CollectionData") -> None: ...


class WriteBlocked(ServerError):
    """A write outside a transaction met a document an open transaction has written.

    The server retries such a write internally (a WriteConflict it never reports)
    until the transaction commits or aborts, bounded by the operation's
    ``maxTimeMS``.  The write sites that can run their statement again catch this,
    wait with :meth:`Server.await_transaction` (the lock released meanwhile) and
    re-run the statement on the committed state; nothing was written by the write
    that raised it.  Anywhere else it is answered as the WriteConflict (112) it is."""

    def __init__(self, owner: TransactionOwner) -> None:
        super().__init__(112, WRITE_CONFLICT_MESSAGE)
        self.owner = owner


_index_catalog_factory: "Callable[[CollectionData], IndexMaintainer] | None" = None


def install_index_catalog(factory: "Callable[[CollectionData], IndexMaintainer]") -> None:
    """Install the class that builds every new collection's index catalog."""
    global _index_catalog_factory
    _index_catalog_factory = factory


_new_object = object.__new__

#: the first part of the key of a record stored without ``_id`` (below every sort key)
_UNKEYED = -100


class CollectionData:
    """A collection's documents (in natural order) and its indexes."""

    #: documents are keyed by ``sort_key(_id)`` (the unique ``_id`` index); see
    #: :class:`RecordKeyedCollection` for the collections keyed by record id
    keyed_by_record = False
    #: the replica-set member's own state rather than data written to it (the
    #: oplog, rebuilt from the change history): never journaled nor snapshotted by
    #: a data directory, and no reason for its database to count as holding data
    member_state = False
    #: a snapshot's fork of a collection (a transaction's, a snapshot read's): the real
    #: collection it copies (set on the fork; None on every real collection)
    base_collection: "CollectionData | None" = None
    #: how many catalog changes (an index created, dropped or modified, an option
    #: changed, a rename) the collection has taken: a transaction whose snapshot saw
    #: another count may read it but not write it (the server's point-in-time catalog:
    #: its collection is not the latest one).  A class default until the first change.
    catalog_changes = 0

    def __init__(self, name: str, database: "DatabaseData", options: dict | None = None) -> None:
        self.name = name
        self.database = database
        self.options: dict = dict(options or {})
        #: sort_key(_id) -> StoredDocument; dicts keep insertion order, which is
        #: the natural order a collection scan returns.
        self.documents: dict[tuple, StoredDocument] = {}
        self.indexes: Any = _index_catalog_factory(self)  # type: ignore[misc]
        #: the compiled ``validator`` (:class:`mim.engine.storage.validation.DocumentValidator`)
        self.validator: Any = None
        #: the sum of the stored documents' BSON sizes (what a capped ``size`` bounds)
        self.data_size = 0
        #: the record id the next inserted document gets (ids only grow)
        self.next_record_id = 1
        #: id keys an open transaction has written, key -> the transaction (None
        #: while no transaction wrote here: the one check a plain write pays)
        self.txn_owned: dict | None = None
        #: the open transactions that have touched (read or written) this collection:
        #: each holds its intent lock until it ends, so a DDL operation here waits
        #: (:meth:`Server.await_unheld`); None while there is none
        self.txn_holders: list[TransactionOwner] | None = None
        #: how many writes (documents, indexes, options) the collection has taken: a
        #: transaction that forked it commits by :meth:`install` while this is unchanged
        self.writes = 0
        #: the open snapshots that still read this collection as it is (None while
        #: there is none: the one check a plain write pays); see :meth:`keep_snapshots`
        self.snapshot_keepers: list[SnapshotKeeper] | None = None

    def fork(self, database: "DatabaseData", name: str) -> "CollectionData":
        """A copy of this collection as ``database.name`` (a transaction's or a snapshot
        read's view of the server) that either side may write without the other seeing
        it: documents and index entries copied as they are, nothing recomputed or
        re-sorted.  (Every attribute :meth:`__init__` sets, bar the transaction state,
        and the collection's UUID once it has one: the copy is the same collection.)"""
        copy = _new_object(collection_class(self.options))
        copy.name = name
        copy.database = database
        copy.options = dict(self.options)
        copy.documents = dict(self.documents)
        copy.indexes = self.indexes.fork(copy)
        copy.validator = self.validator
        copy.data_size = self.data_size
        copy.next_record_id = self.next_record_id
        copy.txn_owned = None
        copy.txn_holders = None
        copy.writes = self.writes
        copy.catalog_changes = self.catalog_changes
        copy.snapshot_keepers = None
        identity = self.__dict__.get("uuid")  # (given on first use: ops.catalog)
        if identity is not None:
            copy.uuid = identity  # type: ignore[attr-defined]
        return copy

    @property
    def full_name(self) -> str:
        return f"{self.database.name}.{self.name}"

    def __len__(self) -> int:
        return len(self.documents)

    def get(self, id_value: Any) -> StoredDocument | None:
        return self.documents.get(sort_key(id_value))

    def key_of(self, stored: StoredDocument) -> tuple:
        """The key ``stored`` is kept under in :attr:`documents` (and in every index)."""
        doc = stored.doc
        if "_id" not in doc:
            return (_UNKEYED, stored.record_id)
        id_value = doc["_id"]
        # (sort_key's first case inline: every update's and delete's path)
        return (RANK_STRING, id_value) if type(id_value) is str else sort_key(id_value)

    def scan(self) -> Iterator[StoredDocument]:
        """All documents in natural order (a snapshot: safe against writes)."""
        return iter(list(self.documents.values()))

    # -- the only ways a document changes ---------------------------------------

    def insert(self, raw: bytes, doc: dict) -> None:
        """Store a new document; raises DuplicateKey (11000) without writing."""
        if self.snapshot_keepers is not None:
            self.keep_snapshots()
        # sort_key(_id) inline for the two common _id types (every insert's path)
        id_value = doc["_id"]
        id_type = type(id_value)
        if id_type is str:
            key = (RANK_STRING, id_value)
        elif id_type is ObjectId:
            key = (RANK_OBJECTID, id_value.binary)
        else:
            key = sort_key(id_value)
        documents = self.documents
        capped = self.options.get("capped")
        if capped and len(raw) > int(self.options.get("size") or 0):
            # the record stores refuse a record that could never fit (BadValue)
            raise ServerError(2, "object to insert exceeds cappedMaxSize")
        if key in documents:
            raise self.indexes.duplicate_id_error(doc["_id"])
        if self.txn_owned and key in self.txn_owned:
            self._claimed(key)
        # StoredDocument(raw, shared_keys(doc), record id) without the cost of a call
        # through the class to a Python __init__ (every insert's path)
        stored = _new_object(StoredDocument)
        stored.raw = raw
        stored.doc = shared_keys(doc)
        stored.record_id = self.next_record_id
        indexes = self.indexes
        if not indexes.plain:  # (a plain catalog has nothing to check or keep)
            indexes.admit(stored, key)  # check_insert + add: may raise, writes nothing then
        documents[key] = stored
        self.next_record_id += 1
        self.data_size += len(raw)
        self.writes += 1
        listeners = self.database.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent("insert", self.full_name, self, None, stored, key))
        if capped:
            self._trim_capped(stored)

    def append_record(self, raw: bytes, doc: dict) -> None:
        """Store a document that has no ``_id`` (what the profiler writes into
        ``system.profile``: mongod's profile documents have none), keyed by its
        record id; a capped collection rolls over as for :meth:`insert`."""
        if self.snapshot_keepers is not None:
            self.keep_snapshots()
        stored = StoredDocument(raw, doc, self.next_record_id)
        key = (_UNKEYED, stored.record_id)
        self.documents[key] = stored
        self.indexes.add(stored, key)
        self.next_record_id += 1
        self.data_size += len(raw)
        self.writes += 1
        listeners = self.database.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent("insert", self.full_name, self, None, stored))
        if self.options.get("capped"):
            self._trim_capped(stored)

    def _claimed(self, key: tuple) -> None:
        """A write to a document an open transaction wrote: :class:`WriteBlocked` (the
        write waits for the transaction to end), unless that transaction outlived its
        lifetime limit (it is aborted, the write goes on)."""
        owner = self.txn_owned.get(key) if self.txn_owned else None
        if owner is None:
            return
        if owner.expired():
            owner.abort()
            return
        raise WriteBlocked(owner)

    def _trim_capped(self, newest: StoredDocument) -> None:
        """Delete the oldest documents (natural order) while a capped collection
        holds more than ``max`` documents or more than ``size`` bytes; the
        document just inserted always stays (as the record store keeps it)."""
        max_documents = capped_max_documents(self.options)
        max_size = int(self.options.get("size") or 0)
        while len(self.documents) > 1 and (len(self.documents) > max_documents
                                           or self.data_size > max_size):
            oldest = next(iter(self.documents.values()))
            if oldest is newest:
                break
            self.delete(oldest)

    def replace(self, old: StoredDocument, raw: bytes, doc: dict,
                operation: str = "update", touched: frozenset[str] | None = None,
                key: tuple | None = None, keys_shared: bool = False) -> StoredDocument:
        """Swap a document's contents (same ``_id``), keeping its position.

        ``operation`` is what the write was: an ``update`` (operators or a
        pipeline) or a ``replace`` (a replacement document).  ``touched``: the
        only top-level fields that may differ (None: any), so an index on
        none of them is known unchanged without computing its keys.  ``key``:
        :meth:`key_of` ``old``, when the caller read it already; ``keys_shared``:
        ``doc``'s field names are already shared (a copy of ``old``'s shadow whose
        values only were replaced)."""
        if self.snapshot_keepers is not None:
            self.keep_snapshots()
        if key is None:
            key = self.key_of(old)
        if self.txn_owned and key in self.txn_owned:
            self._claimed(key)
        # StoredDocument(raw, shared_keys(doc), record id), without a call through
        # the class to a Python __init__ (every update's path)
        new = _new_object(StoredDocument)
        new.raw = raw
        new.doc = doc if keys_shared else shared_keys(doc)
        new.record_id = old.record_id
        indexes = self.indexes
        if indexes.plain or (touched is not None and indexes.untouched(touched)):
            # no secondary index, or none on a field the write may change: nothing
            # to check, no entry to move
            self.documents[key] = new
        else:
            indexes.check_replace(old, new, touched)
            self.documents[key] = new
            indexes.replace(old, new, key, touched)
        self.data_size += len(raw) - len(old.raw)
        self.writes += 1
        listeners = self.database.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent(operation, self.full_name, self, old, new, key))
        return new

    def delete(self, stored: StoredDocument) -> None:
        if self.snapshot_keepers is not None:
            self.keep_snapshots()
        key = self.key_of(stored)
        if self.txn_owned and key in self.txn_owned:
            self._claimed(key)
        del self.documents[key]
        self.indexes.remove(stored, key)
        self.data_size -= len(stored.raw)
        self.writes += 1
        listeners = self.database.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent("delete", self.full_name, self, stored, None, key))

    def clear(self) -> None:
        """Delete every document (one ``delete`` event each)."""
        if self.snapshot_keepers is not None:
            self.keep_snapshots()
        for key in list(self.txn_owned or ()):
            self._claimed(key)
        removed = list(self.documents.values())
        self.documents.clear()
        self.data_size = 0
        self.writes += 1
        self.indexes.rebuild()
        listeners = self.database.server.listeners
        if listeners:
            for stored in removed:
                _emit(listeners, ChangeEvent("delete", self.full_name, self, stored, None))

    def install(self, prepared: "CollectionData") -> None:
        """Take over the documents and index entries of ``prepared``: a copy of this
        collection (same indexes) that took writes this one has not (a transaction's
        view at commit, forked when :attr:`writes` was what it still is).  Nothing is
        re-written document by document and no event is emitted: the caller emits
        the events of the writes that made ``prepared``."""
        if self.snapshot_keepers is not None:
            self.keep_snapshots()
        self.documents = prepared.documents
        self.data_size = prepared.data_size
        self.next_record_id = prepared.next_record_id
        self.indexes.install(prepared.indexes)
        self.writes += 1

    def set_option(self, option: str, value: Any) -> None:
        """collMod of a collection option (None removes it): one ``modify`` event."""
        if self.snapshot_keepers is not None:
            self.keep_snapshots()
        old = self.options.get(option)
        if value is None:
            self.options.pop(option, None)
        else:
            self.options[option] = value
        self.record("modify", {"option": option, "old": old, "new": value})

    def keep_snapshots(self) -> None:
        """The collection is about to change: every open snapshot that has not copied it
        yet copies it now, as it still is (copy-on-write: the cost falls on the first
        write after a snapshot was taken, and only while one is open).  The write
        methods here call it themselves; the layers above call it before changing the
        collection otherwise (its indexes, its validator)."""
        keepers, self.snapshot_keepers = self.snapshot_keepers, None
        for keeper in keepers or ():
            keeper.keep(self)

    def record(self, operation: str, detail: Any) -> None:
        """Report a write the index layer made (``createIndexes`` with the spec,
        ``dropIndexes`` with the dropped spec) as this collection's event."""
        self.writes += 1
        self.catalog_changes += 1
        listeners = self.database.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent(operation, self.full_name, self, detail=detail))


class RecordKeyedCollection(CollectionData):
    """A collection with no unique ``_id`` index: a time-series collection, whose
    measurements the server keeps in buckets, so two of them may share an ``_id``.

    Every document is keyed by its record id (as :meth:`CollectionData.append_record`
    keys the profiler's), so the writes below differ from the base class only in
    the key; indexes carry that key as they carry an ``_id`` key elsewhere.  The
    class is chosen when the collection is created (:func:`collection_class`),
    so ordinary collections pay nothing for it."""

    keyed_by_record = True

    def get(self, id_value: Any) -> StoredDocument | None:
        """The first document (natural order) whose ``_id`` is ``id_value``."""
        wanted = sort_key(id_value)
        for stored in self.documents.values():
            if "_id" in stored.doc and sort_key(stored.doc["_id"]) == wanted:
                return stored
        return None

    def key_of(self, stored: StoredDocument) -> tuple:
        return (_UNKEYED, stored.record_id)

    def by_record_id(self, record_id: int) -> StoredDocument | None:
        return self.documents.get((_UNKEYED, record_id))

    def insert(self, raw: bytes, doc: dict, record_id: int | None = None) -> None:
        """Store a new document (``record_id``: the one it had, when a journal
        replays it; otherwise the next one)."""
        if self.snapshot_keepers is not None:
            self.keep_snapshots()
        if record_id is None:
            record_id = self.next_record_id
        stored = StoredDocument(raw, shared_keys(doc), record_id)
        key = (_UNKEYED, record_id)
        indexes = self.indexes
        indexes.check_insert(stored, key)
        self.documents[key] = stored
        indexes.add(stored, key)
        self.next_record_id = max(self.next_record_id, record_id + 1)
        self.data_size += len(raw)
        self.writes += 1
        listeners = self.database.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent("insert", self.full_name, self, None, stored))


def collection_class(options: dict | None) -> type[CollectionData]:
    """The storage class of a collection created with ``options``: a time-series
    collection has no ``_id`` index, so its documents are keyed by record id."""
    return RecordKeyedCollection if options and "timeseries" in options else CollectionData


def _emit(listeners: list[Listener], event: ChangeEvent) -> None:
    for listener in list(listeners):
        listener(event)


class DatabaseData:
    def __init__(self, name: str, server: "Server") -> None:
        self.name = name
        self.server = server
        self.collections: dict[str, CollectionData] = {}
        #: read-only views by name (:class:`mim.engine.ops.views.ViewDefinition`)
        self.views: dict[str, Any] = {}

    def get_collection(self, name: str, create: bool = False) -> CollectionData | None:
        coll = self.collections.get(name)
        if coll is None and create:
            coll = self.create_collection(name)
        return coll

    def create_collection(self, name: str, options: dict | None = None) -> CollectionData:
        validate_collection_name(name, self.name)
        if name in self.collections:
            raise ServerError(48, f"Collection {self.name}.{name} already exists.")
        coll = collection_class(options)(name, self, options)
        if options and "collation" in options:
            self.server.default_collations = True
        self.collections[name] = coll
        listeners = self.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent("create", coll.full_name, coll))
        return coll

    def drop_collection(self, name: str) -> bool:
        coll = self.collections.pop(name, None)
        if coll is None:
            return False
        listeners = self.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent("drop", coll.full_name, coll))
        return True

    def add_view(self, view: Any) -> None:
        """Record a view (:class:`mim.engine.ops.views.ViewDefinition`): a ``create`` event."""
        self.views[view.name] = view
        if getattr(view, "collation", None):
            self.server.default_collations = True
        listeners = self.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent("create", f"{self.name}.{view.name}", None, detail=view,
                                         database=self))

    def remove_view(self, name: str) -> bool:
        """Forget a view: a ``drop`` event; False when there is none."""
        view = self.views.pop(name, None)
        if view is None:
            return False
        listeners = self.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent("drop", f"{self.name}.{name}", None, detail=view,
                                         database=self))
        return True

    def adopt_collection(self, coll: CollectionData) -> None:
        """Take in a collection built elsewhere, documents and indexes (one a
        transaction created, at its commit): no event, the caller emits those of
        the writes that built it."""
        self.collections[coll.name] = coll
        coll.database = self
        if "collation" in coll.options:
            self.server.default_collations = True

    def restore_collection(self, coll: CollectionData) -> None:
        """Put a dropped collection back, documents and indexes (undoing a drop)."""
        self.adopt_collection(coll)
        listeners = self.server.listeners
        if listeners:
            _emit(listeners, ChangeEvent("create", coll.full_name, coll))


def _no_ttl_pass(server: "Server", now: Any) -> int:
    return 0


_ttl_pass: "Callable[[Server, Any], int]" = _no_ttl_pass


def install_ttl_pass(expire: "Callable[[Server, Any], int]") -> None:
    """Install the TTL monitor pass (:func:`mim.engine.index.ttl.expire`)."""
    global _ttl_pass
    _ttl_pass = expire


def _no_data_directory(server: "Server", path: str, commit_interval_ms: int | None,
                       progress: Any = None) -> Any:
    raise RuntimeError("durable data directories need mim.engine.ops.durable")


_open_data_directory: "Callable[..., Any]" = _no_data_directory


def install_data_directory(opener: "Callable[..., Any]") -> None:
    """Install what opens a durable data directory (:mod:`mim.engine.ops.durable`)."""
    global _open_data_directory
    _open_data_directory = opener


def _no_replica_set_catalog(server: "Server") -> None:
    return None


_replica_set_catalog: "Callable[[Server], None]" = _no_replica_set_catalog


def install_replica_set_catalog(setup: "Callable[[Server], None]") -> None:
    """Install what a replica-set member holds from its start beside the user's data
    (``local.oplog.rs``: :mod:`mim.engine.ops.oplog`)."""
    global _replica_set_catalog
    _replica_set_catalog = setup


class Server:
    """One in-memory MongoDB server: what a ``mongod`` holds, shared by every
    client that connects to the same address.

    With ``dbpath`` the data outlives the process: the server recovers from the
    directory's snapshot and journal and journals every write there (see
    :mod:`mim.engine.ops.durable`); ``commit_interval_ms`` trades the ``fsync``
    before every reply for a group commit every N ms; ``progress(total, what)``
    makes a progress bar (``update(n)``, ``close()``) for the journal replay and
    compactions.  :meth:`close` releases the directory."""

    def __init__(self, address: tuple[str, int] | None = None,
                 ttl_interval: float = 60.0, *, dbpath: str | None = None,
                 commit_interval_ms: int | None = None, progress: Any = None,
                 standalone: bool = False,
                 replica_set_name: str = DEFAULT_REPLICA_SET_NAME) -> None:
        """``standalone``: answer as a mongod started without ``--replSet`` (no
        transactions, no change streams, no ``$clusterTime``); otherwise the server
        is the primary of the one-node replica set ``replica_set_name``."""
        if not isinstance(replica_set_name, str) or not replica_set_name:
            raise ValueError("replica_set_name must be a non-empty string")
        self.address = address
        #: the port a wire server serving this engine listens on (None in process)
        self.listening_port: int | None = None
        #: the per-server state of :class:`~.attached.PerServer` (cursors, counters…)
        self._attached: dict[Any, Any] = {}
        #: the logical clock (``$clusterTime``, ``operationTime``, commit times)
        self.clock = LogicalClock()
        #: a plain attribute other code reads on every call: True for the one-node set
        self.is_replica_set = not standalone
        #: True while ``fsync: 1, lock: true`` holds writes off (read on every command:
        #: :mod:`mim.engine.ops.fsync_lock` keeps the count and wakes the writers)
        self.fsync_locked = False
        #: True while some write must wait before it runs: an fsync lock is held, or an
        #: exclusive (DDL) lock request is queued behind a transaction
        #: (:attr:`exclusive_requests`) — the one flag the command runner reads for both
        self.writes_gated = False
        #: the set's name (``hello.setName``), None when standalone
        self.replica_set_name: str | None = None if standalone else replica_set_name
        #: the lone member (None when standalone)
        self.member: ReplicaSetMember | None = (
            None if standalone else ReplicaSetMember(replica_set_name, self.clock))
        self.lock = threading.RLock()
        #: notified (under the lock) whenever a transaction commits or aborts: the
        #: writes blocked by its pending writes wait on it (:meth:`await_transaction`)
        self.transaction_ended = threading.Condition(self.lock)
        #: the exclusive (DDL) lock requests queued behind a transaction: ``(db, name)``
        #: (``(db, None)``: the database's) -> how many wait; a transaction's first touch
        #: of a collection there queues behind them (:meth:`await_unheld`)
        self.exclusive_requests: dict[tuple[str, str | None], int] = {}
        self.databases: dict[str, DatabaseData] = {}
        #: called with every :class:`~.changes.ChangeEvent`, under the lock
        self.listeners: list[Listener] = []
        #: databases whose profiler is on (name -> settings); empty while every
        #: level is 0, so the command dispatcher pays one attribute read
        self.profiled: dict[str, Any] = {}
        #: seconds between TTL monitor passes (MongoDB's ttlMonitorSleepSecs)
        self.ttl_interval = ttl_interval
        #: some collection or view here was created with a default collation
        #: (until then operations skip looking one up)
        self.default_collations = False
        #: the durable data directory (None: in memory only)
        self.data_directory: Any = None
        if dbpath is not None:
            self.data_directory = _open_data_directory(self, dbpath, commit_interval_ms,
                                                       progress=progress)
        elif commit_interval_ms is not None:
            raise ValueError("commit_interval_ms needs a dbpath")
        if not standalone:
            _replica_set_catalog(self)

    def close(self) -> None:
        """Commit and release the data directory (nothing to do in memory)."""
        directory, self.data_directory = self.data_directory, None
        if directory is not None:
            directory.close()

    def expire_ttl(self, now: Any = None) -> int:
        """Run one TTL monitor pass now (``now``: a datetime or epoch seconds):
        delete every expired document and return how many were deleted.

        The pass itself lives in the index layer (:mod:`mim.engine.index.ttl`),
        which installs it here with :func:`install_ttl_pass`."""
        return _ttl_pass(self, now)

    def __repr__(self) -> str:
        return f"mim.Server({self.address!r})"

    @property
    def port(self) -> int:
        """The port clients reach the server on (mongod's ``serverGlobalParams.port``,
        which explain's ``serverInfo``, ``$collStats`` and ``currentOp`` report):
        the one a wire server listens on, else the address's, else 27017."""
        if self.listening_port is not None:
            return self.listening_port
        address = self.address
        if isinstance(address, tuple) and len(address) == 2 and type(address[1]) is int:
            return address[1]
        return 27017

    def get_database(self, name: str, create: bool = False) -> DatabaseData | None:
        db = self.databases.get(name)
        if db is None and create:
            validate_database_name(name)
            db = self.databases[name] = DatabaseData(name, self)
        return db

    def get_collection(self, db: str, coll: str, create: bool = False) -> CollectionData | None:
        database = self.get_database(db, create)
        if database is None:
            return None
        return database.get_collection(coll, create)

    def await_transaction(self, owner: TransactionOwner) -> None:
        """Block until the transaction ``owner`` commits or aborts, releasing the server
        lock while waiting however deeply this thread holds it; a transaction that
        reaches its lifetime limit meanwhile is aborted here.  The operation's
        ``maxTimeMS`` bounds the wait: MaxTimeMSExpired (50), nothing written.  (The
        async face never waits on its event loop's thread: while
        :data:`holding_transactions` is not empty it runs its calls in a worker thread.)"""
        ended = self.transaction_ended
        with ended:
            while owner.state == "in_progress":
                until_expiry = owner.deadline - time.monotonic()
                if until_expiry <= 0:
                    owner.abort()
                    break
                left = deadline.remaining()
                if left is not None and left <= 0:
                    raise deadline.expired_error()
                ended.wait(until_expiry if left is None else min(left, until_expiry))

    def await_unheld(self, *namespaces: tuple[str, str | None]) -> None:
        """Block until no open transaction holds one of the collections ``namespaces``
        name (``(db, name)``; ``(db, None)``: every collection of ``db``), the lock
        released while waiting: a DDL operation (drop, dropDatabase, renameCollection,
        createIndexes, dropIndexes, collMod, convertToCapped, cloneCollectionAsCapped,
        ``$out``'s replacement of its target) needs the collection's exclusive lock (or
        its database's), which waits behind the intent lock a transaction that read or
        wrote there holds until it ends (a transaction takes no lock-free reads:
        ``supportsLockFreeRead``; jstests/core/txns/transactions_block_ddl.js);
        ``maxTimeMS`` bounds the wait (50).  While it waits, its request is queued in
        :attr:`exclusive_requests`: a transaction's first touch of one of those
        collections queues behind it (and times out: ``Transaction.hold``).  Call under
        the lock, before reading the catalog: anything read earlier may have changed
        when this returns.  Costs one set read while no transaction holds a
        collection."""
        if not holding_transactions:
            return
        owner = self._holder(namespaces)
        if owner is None:
            return
        # the request is queued: a transaction's later lock request there queues behind
        # it (and gives up after maxTransactionLockRequestTimeoutMillis)
        requests = self.exclusive_requests
        for namespace in namespaces:
            requests[namespace] = requests.get(namespace, 0) + 1
        self.writes_gated = True
        try:
            while owner is not None:
                self.await_transaction(owner)
                owner = self._holder(namespaces) if holding_transactions else None
        finally:
            for namespace in namespaces:
                left = requests[namespace] - 1
                if left:
                    requests[namespace] = left
                else:
                    del requests[namespace]
            self.writes_gated = self.fsync_locked or bool(requests)
            self.transaction_ended.notify_all()  # the transactions and writes queued behind it

    def await_exclusive_requests(self, db: str, name: str, expires: float | None) -> None:
        """Block a write outside any transaction to ``db.name`` while an exclusive (DDL)
        lock request is queued there or on its database (:attr:`exclusive_requests`),
        the lock released meanwhile: its intent lock queues behind that request, as the
        server's lock manager grants no request that conflicts with a waiting one, so it
        runs once the DDL operation is done.  ``expires`` (``time.monotonic()``): its
        ``maxTimeMS`` (MaxTimeMSExpired, 50, nothing written); a write outside a
        transaction has no lock timeout of its own.  (Reads take no such lock: 7.0's
        lock-free reads.)"""
        requests = self.exclusive_requests
        ended = self.transaction_ended
        with ended:
            while (db, name) in requests or (db, None) in requests:
                if expires is None:
                    ended.wait()
                    continue
                left = expires - time.monotonic()
                if left <= 0:
                    raise deadline.expired_error()
                ended.wait(left)

    def _holder(self, namespaces: tuple[tuple[str, str | None], ...]
                ) -> TransactionOwner | None:
        """An open transaction holding one of the collections ``namespaces`` name, or
        None."""
        for db, name in namespaces:
            database = self.databases.get(db)
            if database is None:
                continue
            collections = database.collections
            for coll in (collections.values() if name is None else (collections.get(name),)):
                if coll is not None and coll.txn_holders:
                    return coll.txn_holders[0]
        return None

    def transaction_done(self) -> None:
        """A transaction committed or aborted: wake the writes waiting for one (call
        under the lock)."""
        self.transaction_ended.notify_all()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every write from now on."""
        with self.lock:  # a committing transaction swaps the list under the lock
            self.listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self.lock:
            self.listeners.remove(listener)

    def drop_database(self, name: str) -> None:
        with self.lock:
            database = self.databases.pop(name, None)
            if database is not None and self.listeners:
                _emit(self.listeners, ChangeEvent("dropDatabase", name, None, database=database))

    def restore_database(self, database: DatabaseData) -> None:
        """Put a dropped database back (undoing a dropDatabase)."""
        with self.lock:
            self.databases[database.name] = database

    def rename_collection(self, coll: CollectionData, db: str, name: str) -> None:
        """Move ``coll`` (documents, indexes, options) to ``db.name``; the target
        must be free (the caller drops it first when asked to)."""
        with self.lock:
            source = coll.full_name
            destination = self.get_database(db, create=True)
            del coll.database.collections[coll.name]
            coll.catalog_changes += 1
            coll.name = name
            coll.database = destination
            destination.collections[name] = coll
            if self.listeners:
                _emit(self.listeners, ChangeEvent("rename", source, coll,
                                                  target=coll.full_name))

    def reset(self) -> None:
        """Forget every database (the data of all clients of this server).  An open
        transaction holding documents here is aborted: what it wrote is gone, and it
        must not keep the async face off its loop until its lifetime ends."""
        with self.lock:
            for owner in list(holding_transactions):  # (another server's may change it)
                if owner.base is self:
                    owner.abort()
            self.databases.clear()
            self.profiled = {}
            if self.is_replica_set:
                _replica_set_catalog(self)

    def database_names(self) -> list[str]:
        return [name for name, db in self.databases.items()
                if db.views or any(not coll.member_state for coll in db.collections.values())]


#: the longest database name the server accepts (``DatabaseName::kMaxDatabaseNameLength``)
MAX_DATABASE_NAME_LENGTH = 63
#: the longest ``<db>.<collection>`` the server accepts (``NamespaceString::MaxNsCollectionLen``)
MAX_NAMESPACE_LENGTH = 255
#: characters a database name may not hold on Linux (``NamespaceString::validDBName``)
_DATABASE_NAME_FORBIDDEN = '/\\. "$\x00'
#: ``system.*`` collections a client may create or write (``isLegalClientSystemNS``)
_CLIENT_SYSTEM_COLLECTIONS = frozenset({"system.js", "system.views", "system.profile",
                                        "system.users", "system.roles"})


#: the server's ``max`` when none (or a non-positive one) is given (``adjustCappedMaxDocs``)
UNLIMITED_CAPPED_DOCUMENTS = 0x7fffffff


def capped_max_documents(options: dict) -> int:
    """How many documents a capped collection keeps (``max``; none or ``<= 0``: 2^31-1)."""
    value = options.get("max")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return UNLIMITED_CAPPED_DOCUMENTS
    return int(value)


def capped_limits(options: dict, scale: int) -> dict:
    """``max``/``maxSize`` the server reports for a capped collection."""
    if not options.get("capped"):
        return {}
    return {"max": int(options.get("max", 0) or 0), "maxSize": int(options["size"]) // scale}




def validate_database_name(name: str) -> None:
    """Refuse what ``DatabaseName``/``validDBName`` refuse (code 73, InvalidNamespace).

    A database name becomes a directory of a dump, so nothing that could leave
    it (``/``, ``\\``, ``.``) is ever accepted.
    """
    if not name:
        raise ServerError(73, "Invalid database name: ''")
    if "\x00" in name:
        raise ServerError(73, "database names cannot have embedded null characters")
    if len(name.encode("utf-8")) > MAX_DATABASE_NAME_LENGTH:
        raise ServerError(73, f"db name must be at most {MAX_DATABASE_NAME_LENGTH} characters, "
                              f"found: {len(name.encode('utf-8'))}")
    for ch in _DATABASE_NAME_FORBIDDEN:
        if ch in name:
            raise ServerError(73, f"Invalid database name: '{name}'")


def validate_collection_name(name: str, db: str | None = None) -> None:
    """Refuse the collection names the server refuses, in its words (code 73).

    ``NamespaceString`` refuses a leading ``.`` and NUL; ``userAllowedCreateNS``
    refuses ``$``, ``system.*`` names a client may not create, and namespaces
    longer than 255 bytes.  Names may still hold ``/`` (as on the server): a
    dump encodes file names and never builds a path from a name.
    """
    if not name:
        raise ServerError(73, "Invalid collection name: ")
    if name[0] == ".":
        raise ServerError(73, f"Collection names cannot start with '.': {name}")
    if "\x00" in name:
        raise ServerError(73, "namespaces cannot have embedded null characters")
    if "$" in name and not name.startswith("oplog.$main"):
        raise ServerError(73, f"Invalid collection name: {name}")
    namespace = f"{db}.{name}" if db is not None else name
    if name.startswith("system.") and name not in _CLIENT_SYSTEM_COLLECTIONS:
        if db is None:
            raise ServerError(73, f"Invalid collection name: {name}")
        raise ServerError(73, f"Invalid system namespace: {namespace}")
    if db is not None and len(namespace.encode("utf-8")) > MAX_NAMESPACE_LENGTH:
        raise ServerError(73, f"Fully qualified namespace is too long. Namespace: {namespace} "
                              f"Max: {MAX_NAMESPACE_LENGTH}")
