"""The change history: what a replica set's oplog is to its change streams.

One :class:`ChangeHistory` per server (:func:`history_of`) listens to storage's
one write path (:class:`~mim.engine.storage.changes.ChangeEvent`) and keeps the
last :attr:`ChangeHistory.capacity` writes as :class:`ChangeRecord` entries, in
commit order (storage emits under the server lock, so the order of the records
is the order of the writes), each stamped with a cluster time and a wall time.

The history starts listening when the first change stream of the server opens
(:meth:`ChangeHistory.start`) and keeps listening from then on, so a stream
that is resumed later finds every write made in between; until then a write
costs storage one empty-list check and nothing more.  A position that has
fallen out of the bounded history cannot be resumed: ChangeStreamHistoryLost
(286), as on a server whose oplog rolled over.

Readers wait on the history's condition for new records (``getMore`` with
``maxAwaitTimeMS``); the wait holds neither the server lock nor the history's.
"""

from __future__ import annotations

import datetime
import threading
import time
from typing import Any

from bson.binary import Binary, UuidRepresentation
from bson.timestamp import Timestamp

from ...storage.attached import PerServer
from ...storage.changes import ChangeEvent
from ...storage.replication import RETRYABLE_WRITE, LogicalClock
from ...values.errors import ServerError
from ..catalog import collection_uuid
from .tokens import event_token, high_water_mark

__all__ = ["ChangeRecord", "ChangeHistory", "history_of", "DEFAULT_HISTORY_CAPACITY",
           "history_lost", "NON_RESUMABLE"]

#: how many writes the history keeps (the oplog's size, counted in entries)
DEFAULT_HISTORY_CAPACITY = 100_000

#: the events that are about one document (they carry a ``documentKey``)
DOCUMENT_EVENTS = frozenset({"insert", "update", "replace", "delete"})


#: the label the server puts on ChangeStreamFatalError and ChangeStreamHistoryLost
#: (``ErrorCategory::NonResumableChangeStreamError``): drivers never resume on them
NON_RESUMABLE = {"errorLabels": ["NonResumableChangeStreamError"]}


def history_lost() -> ServerError:
    """The error for a start point older than the history (``ChangeStreamHistoryLost``)."""
    return ServerError(286, "Resume of change stream was not possible, as the resume point "
                            "may no longer be in the oplog.", **NON_RESUMABLE)


class ChangeRecord:
    """One write as the history keeps it: the storage event plus what the oplog
    entry adds (cluster time, wall time, the collection's UUID, whether the
    collection kept pre- and post-images, a transaction's op index)."""

    __slots__ = ("sequence", "cluster_time", "wall_time", "event", "operation", "db",
                 "collection", "uuid", "images", "txn_op_index", "view", "_token",
                 "before", "after", "dropped_target", "retryable")

    def __init__(self, sequence: int, cluster_time: Timestamp, wall_time: datetime.datetime,
                 event: ChangeEvent, operation: str, collection: str | None, uuid: Any,
                 images: bool, txn_op_index: int, view: bool) -> None:
        self.sequence = sequence
        self.cluster_time = cluster_time
        self.wall_time = wall_time
        self.event = event
        #: the change stream operationType (``drop`` for each collection of a dropped database)
        self.operation = operation
        self.db, _, name = event.namespace.partition(".")
        #: the collection name (None for dropDatabase)
        self.collection = collection if collection is not None else (name or None)
        #: the collection's UUID as BSON binary (None for dropDatabase)
        self.uuid = uuid
        #: the collection had ``changeStreamPreAndPostImages`` enabled at the write
        self.images = images
        self.txn_op_index = txn_op_index
        #: a view's create or drop
        self.view = view
        self.before = event.before if operation in DOCUMENT_EVENTS else None
        self.after = event.after if operation in DOCUMENT_EVENTS else None
        self._token: str | None = None
        #: a rename with dropTarget: the UUID of the collection it replaced
        self.dropped_target: Any = None
        #: a retryable write's ``(lsid, txnNumber)`` (None for any other write)
        self.retryable: tuple | None = None

    @property
    def namespace(self) -> str:
        return f"{self.db}.{self.collection}" if self.collection else self.db

    def document_key(self) -> dict | None:
        stored = self.after if self.after is not None else self.before
        return None if stored is None else {"_id": stored.doc["_id"]}

    def operation_description(self) -> dict | None:
        """What a catalog event's ``operationDescription`` says (None for a document event)."""
        return _DESCRIPTIONS.get(self.operation, _no_description)(self)

    def event_identifier(self) -> dict:
        key = self.document_key()
        if key is not None:
            return {"operationType": self.operation, "documentKey": key}
        identifier: dict[str, Any] = {"operationType": self.operation}
        description = self.operation_description()
        if description is not None:
            identifier["operationDescription"] = description
        return identifier

    def token(self) -> str:
        """The ``_data`` of this event's resume token (computed once)."""
        if self._token is None:
            self._token = event_token(self.cluster_time, self.txn_op_index, self.uuid,
                                      self.event_identifier())
        return self._token

    def invalidate_token(self) -> str:
        """The ``_data`` of the invalidate event this write causes (``fromInvalidate``)."""
        return event_token(self.cluster_time, self.txn_op_index, self.uuid,
                           self.event_identifier(), from_invalidate=True)


def _no_description(record: ChangeRecord) -> None:
    return None


def _rename_description(record: ChangeRecord) -> dict:
    db, _, name = record.event.target.partition(".")
    description: dict[str, Any] = {"to": {"db": db, "coll": name}}
    if record.dropped_target is not None:
        # the oplog's renameCollection names the UUID of the target it dropped
        description["dropTarget"] = record.dropped_target
    return description


def _create_description(record: ChangeRecord) -> dict:
    if record.view:
        view = record.event.detail
        return {"viewOn": view.view_on, "pipeline": list(view.pipeline), "type": "view"}
    options = dict(record.event.collection.options) if record.event.collection else {}
    return {**options, "idIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_"},
            "type": "collection"}


def _index_description(record: ChangeRecord) -> dict:
    return {"indexes": [dict(record.event.detail)]}


def _modify_description(record: ChangeRecord) -> dict:
    detail = record.event.detail
    if "index" in detail:
        return {"index": dict(detail["index"]) if isinstance(detail["index"], dict)
                else detail["index"]}
    if detail["option"] is None:
        return {}  # a collMod that changed nothing
    return {detail["option"]: detail["new"]}


#: ``operationDescription`` by operationType (``change_stream_event_transform.cpp``)
_DESCRIPTIONS = {"rename": _rename_description, "create": _create_description,
                 "createIndexes": _index_description, "dropIndexes": _index_description,
                 "modify": _modify_description}


class ClusterClock:
    """The times change events are stamped with: the server's own logical clock
    (:class:`~mim.engine.storage.replication.LogicalClock`), so that an event's
    ``clusterTime`` is a write's optime and orders with every reply's
    ``operationTime``/``$clusterTime`` - a stream started at a command's
    ``operationTime`` sees exactly the writes that came after it, as the oplog's
    timestamps on a server."""

    def __init__(self, clock: LogicalClock | None = None) -> None:
        self._clock = clock if clock is not None else LogicalClock()

    def tick(self) -> Timestamp:
        return self._clock.tick()

    def peek(self) -> Timestamp:
        """The next time :meth:`tick` can give (nothing recorded at or after it yet)."""
        now = int(time.time())
        last = self._clock.now()
        return Timestamp(now, 1) if now > last.time else Timestamp(last.time, last.inc + 1)


class ChangeHistory:
    """The server's recent writes, for its change streams."""

    def __init__(self, server: Any = None) -> None:
        self.capacity = DEFAULT_HISTORY_CAPACITY
        self.clock = ClusterClock(getattr(server, "clock", None))
        self._records: list[ChangeRecord] = []
        #: sequence number of ``_records[0]``
        self._offset = 0
        self._next_sequence = 0
        self._condition = threading.Condition(threading.Lock())
        self._listening = False
        #: the first cluster time the history can answer for (its start or the oldest
        #: record kept after a trim)
        self.earliest: Timestamp | None = None
        self._transaction: tuple | None = None
        self._txn_op_index = 0
        #: readers sleeping in :meth:`wait` (a write wakes them only when there are some)
        self._waiting = 0
        #: each collection UUID as BSON binary, made once
        self._uuids: dict = {}

    # -- recording (a storage listener, called under the server lock) -------------

    def start(self, server: Any) -> None:
        """Listen to the server's writes from now on (once)."""
        if self._listening:
            return
        with server.lock:
            if not self._listening:
                server.add_listener(self)
                self._listening = True
                self.earliest = self.clock.peek()

    def __call__(self, event: ChangeEvent) -> None:
        namespace = event.namespace
        if namespace[:6] == "local." or namespace == "local":
            return  # the local database is not replicated: no oplog entry, no event
        operation = event.operation
        if operation == "dropDatabase":
            # the oplog has a drop for each collection before the dropDatabase entry
            for coll in list(event.database.collections.values()):
                self._record(ChangeEvent("drop", coll.full_name, coll), "drop")
        self._record(event, operation)

    def _record(self, event: ChangeEvent, operation: str) -> None:
        coll = event.collection
        transaction = (event.txn_number, repr(event.lsid)) if event.txn_number is not None \
            else None
        if transaction is not None and transaction == self._transaction:
            cluster_time = self._records[-1].cluster_time
            self._txn_op_index += 1
        else:
            cluster_time = self.clock.tick()
            self._txn_op_index = 0
        self._transaction = transaction
        images = bool(coll is not None and
                      (coll.options.get("changeStreamPreAndPostImages") or {}).get("enabled"))
        uuid = None
        if coll is not None:
            plain = collection_uuid(coll)
            uuid = self._uuids.get(plain)
            if uuid is None:
                uuid = self._uuids[plain] = Binary.from_uuid(plain, UuidRepresentation.STANDARD)
        wall_time = _EPOCH + datetime.timedelta(milliseconds=int(time.time() * 1000))
        record = ChangeRecord(self._next_sequence, cluster_time, wall_time, event, operation,
                              coll.name if coll is not None and operation != "rename" else None,
                              uuid, images,
                              self._txn_op_index if transaction is not None else 0,
                              coll is None and operation in ("create", "drop"))
        if transaction is None and operation in DOCUMENT_EVENTS:
            # a retryable write's statements (not the collection it creates on the way)
            record.retryable = RETRYABLE_WRITE.get()
        if operation == "rename" and self._records:
            previous = self._records[-1]
            if previous.operation == "drop" and previous.namespace == event.target:
                record.dropped_target = previous.uuid
        with self._condition:
            self._records.append(record)
            self._next_sequence += 1
            if len(self._records) > self.capacity + self.capacity // 2:
                self._trim()
            if self._waiting:
                self._condition.notify_all()

    def _trim(self) -> None:
        dropped = len(self._records) - self.capacity
        del self._records[:dropped]
        self._offset += dropped
        self.earliest = self._records[0].cluster_time if self._records else self.clock.peek()

    # -- reading ------------------------------------------------------------------

    @property
    def next_sequence(self) -> int:
        return self._next_sequence

    def records_from(self, sequence: int) -> list[ChangeRecord]:
        """The records from ``sequence`` on (286 when some of them are gone)."""
        with self._condition:
            if len(self._records) > self.capacity:
                self._trim()
            if sequence < self._offset:
                raise history_lost()
            return self._records[sequence - self._offset:]

    def records_since(self, sequence: int) -> list[ChangeRecord]:
        """The records from ``sequence`` on, or from the oldest one kept when some
        of them are gone (a reader that only wants what is left: the oplog)."""
        with self._condition:
            return self._records[max(sequence - self._offset, 0):]

    def wait(self, sequence: int, timeout: float) -> bool:
        """Sleep until a record at ``sequence`` exists or ``timeout`` passes."""
        with self._condition:
            self._waiting += 1
            try:
                return self._condition.wait_for(lambda: self._next_sequence > sequence, timeout)
            finally:
                self._waiting -= 1

    def sequence_at(self, cluster_time: Timestamp) -> int:
        """The sequence of the first record at or after ``cluster_time`` (286 when
        the history no longer reaches back that far)."""
        with self._condition:
            if self.earliest is not None and cluster_time < self.earliest and self._offset:
                raise history_lost()
            for record in self._records:
                if record.cluster_time >= cluster_time:
                    return record.sequence
            return self._next_sequence

    def find_token(self, token: str, cluster_time: Timestamp) -> ChangeRecord | None:
        """The record whose resume token (or invalidate token) is ``token``; None
        when no record at its cluster time has it (286 when that time is gone)."""
        with self._condition:
            if self._offset and self.earliest is not None and cluster_time < self.earliest:
                raise history_lost()
            records = list(self._records)
        for record in records:
            if record.cluster_time == cluster_time and (
                    record.token() == token or record.invalidate_token() == token):
                return record
            if record.cluster_time > cluster_time:
                break
        return None

    def high_water_mark(self) -> str:
        """A token for "now": every later write sorts after it."""
        return high_water_mark(self.clock.peek())


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

history_of = PerServer(ChangeHistory, with_server=True)
