"""``local.oplog.rs``: the one-node replica set's oplog, readable as on a server.

The oplog is a capped collection of the ``local`` database (``autoIndexId: false``,
no ``_id`` index, documents without ``_id``), made when a replica-set server starts
(:func:`install_replica_set_catalog`).  Its entries are in the server's shape
(``oplog_entry.idl``): ``op`` (``i``/``u``/``d``/``c``/``n``), ``ns``, ``ui`` (the
collection UUID as listCollections shows it), ``o``, ``o2`` (the document key of
an insert or update, a dropped collection's record count, a dropped index's
spec), ``ts``, ``t``, ``v: 2``, ``wall``; an update by operators or a pipeline is a
``$v: 2`` diff (``{"$v": 2, "diff": {d, u, i, s<field>}}``, arrays as
``{a: true, l, u<index>, s<index>}``), a replacement is the whole new document; a
transaction is one ``applyOps`` command entry on ``admin.$cmd`` carrying its
``lsid``, ``txnNumber`` and ``prevOpTime``.

It costs nothing while nobody reads it.  The entries are built *lazily* from
the change history (:mod:`.changestreams.history`, which keeps the storage
layer's ChangeEvents, stamped with their cluster and wall times): the first time
anything reads the collection's documents (a find, a count, an aggregate, a
tailable cursor's getMore) the history starts listening, and every read appends
the entries of the writes recorded since the last one before it looks.  So:

- the oplog holds the writes made from its first read (or the first change
  stream) on, as an oplog that rolled over holds only its recent writes;
- it is bounded twice: by the history's capacity (100,000 writes) and by its own
  capped ``size``, the in-memory storage engine's default oplog size (5% of the
  machine's physical memory, at least 50 MB and at most 50 GB), the oldest
  entries rolling over first;
- a tailable ``awaitData`` cursor on it wakes for every write (the history's
  writes reach the collection as inserts, which wake tailable cursors).

Writes to it are refused as a replica-set member refuses them: insert, update,
delete and findAndModify with InvalidNamespace (73) "cannot write to
local.oplog.rs", ``drop`` with 5255000 "can't drop live oplog while replicating".
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from typing import Any

import bson
from bson.int64 import Int64
from bson.timestamp import Timestamp

from ..storage.encoding import ENGINE_CODEC, decode_shadow
from ..storage.replication import TERM, replica_set_config
from ..storage.store import (CollectionData, RecordKeyedCollection, Server,
                             install_replica_set_catalog)
from ..values.errors import ServerError
from ..values.order import values_equal
from .changestreams.history import ChangeRecord, history_of
from .sessions import user_digest

__all__ = ["OPLOG_DATABASE", "OPLOG_COLLECTION", "OPLOG_NAMESPACE", "OplogCollection",
           "default_oplog_size", "check_oplog_write", "check_oplog_drop", "oplog_diff"]

OPLOG_DATABASE = "local"
OPLOG_COLLECTION = "oplog.rs"
OPLOG_NAMESPACE = f"{OPLOG_DATABASE}.{OPLOG_COLLECTION}"
#: the replica set's configuration document, beside the oplog
REPLSET_CONFIG_COLLECTION = "system.replset"

#: the in-memory storage engine's oplog bounds (``--oplogSize`` unset): 5% of RAM in them
_MEGABYTE = 1024 * 1024
MIN_OPLOG_SIZE = 50 * _MEGABYTE
MAX_OPLOG_SIZE = 50 * 1024 * _MEGABYTE

#: ``v`` of every entry (``repl::OplogEntry::kOplogVersion``)
OPLOG_VERSION = Int64(2)
#: a transaction's first (and only) entry: no previous write of the transaction
_NO_PREVIOUS_OP_TIME = {"ts": Timestamp(0, 0), "t": Int64(-1)}
#: the ``_id_`` index every new collection gets (``create`` entries name it)
_ID_INDEX = {"v": 2, "key": {"_id": 1}, "name": "_id_"}


def default_oplog_size() -> int:
    """5% of the physical memory, within [50 MB, 50 GB] (the inMemory engine's rule)."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return MIN_OPLOG_SIZE
    return min(MAX_OPLOG_SIZE, max(MIN_OPLOG_SIZE, memory // 20))


class OplogCollection(RecordKeyedCollection):
    """``local.oplog.rs``: its documents are brought up to date from the change
    history each time they are read (see the module docstring).  A data directory
    keeps none of it: a restarted server's oplog starts afresh."""

    member_state = True

    def __init__(self, name: str, database: Any, options: dict | None = None) -> None:
        self._documents: dict = {}
        #: the history sequence of the first write not yet appended
        self._next_sequence = 0
        #: True while entries are appended (the documents are read without a sync)
        self._syncing = False
        #: the change history, once a read started it
        self._history: Any = None
        #: each recent retryable write's statements so far: (lsid, txnNumber) ->
        #: (the next stmtId, the optime of its last entry)
        self._retryable_chains: dict = {}
        super().__init__(name, database, options)

    @property  # type: ignore[override]
    def documents(self) -> dict:
        if not self._syncing:
            self._sync()
        return self._documents

    @documents.setter
    def documents(self, value: dict) -> None:
        self._documents = value

    def _sync(self) -> None:
        server = self.database.server
        with server.lock:
            if server.get_collection(OPLOG_DATABASE, OPLOG_COLLECTION) is not self:
                return  # not the live oplog (a journal's copy being replaced)
            history = self._history
            if history is None:
                history = self._history = history_of(server)
                history.start(server)
                self._next_sequence = history.next_sequence
            records = history.records_since(self._next_sequence)
            if not records:
                return
            self._next_sequence = records[-1].sequence + 1
            self._syncing = True
            try:
                if len(self._retryable_chains) > 1000:
                    self._retryable_chains.clear()
                for entry in _entries(records, self._retryable_chains):
                    self._append(entry)
            finally:
                self._syncing = False

    def _append(self, entry: dict) -> None:
        raw = bson.encode(entry, codec_options=ENGINE_CODEC)
        record_id = self.next_record_id
        self.insert(raw, bson.decode(raw, ENGINE_CODEC))
        stored = self.by_record_id(record_id)
        if stored is not None:
            self._trim_capped(stored)


def _make_member_state(server: Server) -> None:
    """What a replica-set member keeps in ``local`` from its start: its oplog and
    ``local.system.replset``, the set's configuration (mongosh's
    ``rs.printSecondaryReplicationInfo()`` and ``db.getReplicationInfo()`` read it)."""
    _make_oplog(server)
    _make_replset_config(server)


def _make_replset_config(server: Server) -> None:
    database = server.get_database(OPLOG_DATABASE, create=True)
    assert database is not None and server.member is not None
    config = CollectionData(REPLSET_CONFIG_COLLECTION, database)
    config.member_state = True  # rebuilt at every start, as the oplog is
    document = replica_set_config(server, server.member)
    raw = bson.encode(document, codec_options=ENGINE_CODEC)
    config.insert(raw, bson.decode(raw, ENGINE_CODEC))
    database.collections[REPLSET_CONFIG_COLLECTION] = config


def _make_oplog(server: Server) -> None:
    """A replica-set member's ``local.oplog.rs`` (kept if a data directory brought one)."""
    database = server.get_database(OPLOG_DATABASE, create=True)
    assert database is not None
    if isinstance(database.collections.get(OPLOG_COLLECTION), OplogCollection):
        return
    options = {"capped": True, "size": Int64(default_oplog_size()), "autoIndexId": False}
    # a data directory's copy (entries of an earlier run) gives way to a fresh oplog
    oplog = database.collections[OPLOG_COLLECTION] = OplogCollection(
        OPLOG_COLLECTION, database, options)
    # replSetInitiate's first entry (``onOpMessage``): the oplog is never empty
    oplog._syncing = True
    try:
        oplog._append({"op": "n", "ns": "", "o": {"msg": "initiating set"},
                       "ts": server.clock.now(), "t": TERM, "v": OPLOG_VERSION,
                       "wall": _wall_now()})
    finally:
        oplog._syncing = False


def _wall_now() -> datetime.datetime:
    """The wall clock as an entry's ``wall`` (a BSON date: milliseconds, UTC)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


install_replica_set_catalog(_make_member_state)


# -- refusing writes ------------------------------------------------------------------

def check_oplog_write(server: Server, db: str, name: str) -> None:
    """``userAllowedWriteNS``: a replica-set member's oplog takes no user writes."""
    if db == OPLOG_DATABASE and name == OPLOG_COLLECTION and server.is_replica_set:
        raise ServerError(73, f"cannot write to {OPLOG_NAMESPACE}")


def check_oplog_drop(server: Server, db: str, name: str) -> None:
    """``drop`` of the live oplog (``CmdDrop::typedRun``)."""
    if db == OPLOG_DATABASE and name == OPLOG_COLLECTION and server.is_replica_set:
        raise ServerError(5255000, "can't drop live oplog while replicating")


# -- entries --------------------------------------------------------------------------

def _session_id(lsid: Mapping) -> dict:
    """An entry's ``lsid``: the session's id and its user digest (no user: SHA-256 of "")."""
    return {"id": lsid["id"], "uid": lsid.get("uid", user_digest("", ""))}


def _entries(records: list[ChangeRecord], chains: dict) -> list[dict]:
    """The oplog entries of ``records``: one per write, a transaction's writes as
    one ``applyOps`` entry; a retryable write's entries carry its session,
    ``txnNumber``, ``stmtId`` and the optime of its previous statement
    (``chains``: where each retryable write stands)."""
    out: list[dict] = []
    index = 0
    while index < len(records):
        record = records[index]
        event = record.event
        if event.txn_number is None:
            operation = _operation(record)
            if operation is not None:
                if record.retryable is not None:
                    operation = _retryable_entry(operation, record, chains)
                out.append(_stamped(operation, record))
                if record.retryable is not None:
                    out[-1]["prevOpTime"] = chains.pop("_previous")
            index += 1
            continue
        end = index + 1
        while end < len(records) and _same_transaction(records[end], record):
            end += 1
        operations = [op for op in (_operation(r) for r in records[index:end]) if op is not None]
        lsid = _session_id(event.lsid) if event.lsid else None
        entry: dict[str, Any] = {"lsid": lsid, "txnNumber": Int64(event.txn_number),
                                 "op": "c", "ns": "admin.$cmd",
                                 "o": {"applyOps": operations}}
        stamped = _stamped(entry, record)
        stamped["prevOpTime"] = dict(_NO_PREVIOUS_OP_TIME)
        out.append(stamped)
        index = end
    return out


def _retryable_entry(operation: dict, record: ChangeRecord, chains: dict) -> dict:
    """``OperationLogger::appendOplogEntryChainInfo``: ``lsid``, ``txnNumber`` and
    ``stmtId`` around the operation, ``prevOpTime`` (kept in ``chains["_previous"]``
    for the caller to append after the times) the previous statement's optime."""
    lsid, number = record.retryable  # type: ignore[misc]
    key = (repr(lsid.get("id")), number)
    statement, previous = chains.get(key, (0, None))
    chains[key] = (statement + 1, {"ts": record.cluster_time, "t": TERM})
    chains["_previous"] = previous if previous is not None else dict(_NO_PREVIOUS_OP_TIME)
    entry: dict[str, Any] = {"lsid": _session_id(lsid), "txnNumber": Int64(number)}
    entry.update(operation)
    entry["stmtId"] = statement
    return entry


def _same_transaction(record: ChangeRecord, first: ChangeRecord) -> bool:
    return (record.event.txn_number == first.event.txn_number
            and record.event.lsid == first.event.lsid
            and record.cluster_time == first.cluster_time)


def _stamped(entry: dict, record: ChangeRecord) -> dict:
    entry["ts"] = record.cluster_time
    entry["t"] = TERM
    entry["v"] = OPLOG_VERSION
    entry["wall"] = record.wall_time
    return entry


def _operation(record: ChangeRecord) -> dict | None:
    """The entry of one write, without its times (None: a write the oplog does not show,
    such as one to a namespace the server does not replicate)."""
    build = _BUILDERS.get(record.operation)
    if build is None or not is_replicated(record.namespace):
        return None
    return build(record)


def is_replicated(namespace: str) -> bool:
    """``NamespaceString::isReplicated``: the ``local`` database and every database's
    ``system.profile`` stay on their node, so their writes have no oplog entry."""
    db, _, coll = namespace.partition(".")
    return db != OPLOG_DATABASE and coll != "system.profile"


def _document_entry(op: str, record: ChangeRecord, o: Any, o2: Any = None) -> dict:
    entry: dict[str, Any] = {"op": op, "ns": record.namespace, "ui": record.uuid, "o": o}
    if o2 is not None:
        entry["o2"] = o2
    return entry


def _id_of(stored: Any) -> dict:
    return {"_id": decode_shadow(stored.raw)["_id"]}


def _insert(record: ChangeRecord) -> dict:
    after = record.event.after
    document = decode_shadow(after.raw)
    return _document_entry("i", record, document, {"_id": document["_id"]})


def _update(record: ChangeRecord) -> dict:
    event = record.event
    before, after = decode_shadow(event.before.raw), decode_shadow(event.after.raw)
    return _document_entry("u", record, {"$v": 2, "diff": oplog_diff(before, after)},
                           {"_id": after["_id"]})


def _replace(record: ChangeRecord) -> dict:
    after = decode_shadow(record.event.after.raw)
    return _document_entry("u", record, after, {"_id": after["_id"]})


def _delete(record: ChangeRecord) -> dict:
    return _document_entry("d", record, _id_of(record.event.before))


def _command_entry(record: ChangeRecord, o: dict, o2: dict | None = None,
                   with_uuid: bool = True) -> dict:
    entry: dict[str, Any] = {"op": "c", "ns": f"{record.db}.$cmd"}
    if with_uuid and record.uuid is not None:
        entry["ui"] = record.uuid
    entry["o"] = o
    if o2 is not None:
        entry["o2"] = o2
    return entry


def _create(record: ChangeRecord) -> dict:
    event = record.event
    if record.view:  # a view is a document of <db>.system.views
        view = event.detail
        return {"op": "i", "ns": f"{record.db}.system.views",
                "o": {"_id": f"{record.db}.{view.name}", "viewOn": view.view_on,
                      "pipeline": list(view.pipeline)}}
    options = dict(event.collection.options) if event.collection is not None else {}
    return _command_entry(record, {"create": record.collection, **options,
                                   "idIndex": dict(_ID_INDEX)})


def _drop(record: ChangeRecord) -> dict:
    event = record.event
    if record.view:
        return {"op": "d", "ns": f"{record.db}.system.views",
                "o": {"_id": f"{record.db}.{event.detail.name}"}}
    count = len(event.collection.documents) if event.collection is not None else 0
    return _command_entry(record, {"drop": record.collection}, {"numRecords": Int64(count)})


def _rename(record: ChangeRecord) -> dict:
    event = record.event
    o: dict[str, Any] = {"renameCollection": event.namespace, "to": event.target,
                         "stayTemp": False}
    if record.dropped_target is not None:
        o["dropTarget"] = record.dropped_target
    return _command_entry(record, o)


def _drop_database(record: ChangeRecord) -> dict:
    return _command_entry(record, {"dropDatabase": 1}, with_uuid=False)


def _create_indexes(record: ChangeRecord) -> dict:
    return _command_entry(record, {"createIndexes": record.collection,
                                   **dict(record.event.detail)})


def _drop_indexes(record: ChangeRecord) -> dict:
    spec = dict(record.event.detail)
    return _command_entry(record, {"dropIndexes": record.collection, "index": spec["name"]},
                          spec)


def _modify(record: ChangeRecord) -> dict:
    detail = record.event.detail
    o: dict[str, Any] = {"collMod": record.collection}
    if "index" in detail:
        o["index"] = dict(detail["index"]) if isinstance(detail["index"], Mapping) \
            else detail["index"]
    elif detail.get("option") is not None:
        o[detail["option"]] = detail["new"]
    return _command_entry(record, o)


#: the entry of each change-history operation (``OpObserverImpl``'s on<Op> methods)
_BUILDERS = {"insert": _insert, "update": _update, "replace": _replace, "delete": _delete,
             "create": _create, "drop": _drop, "rename": _rename,
             "dropDatabase": _drop_database, "createIndexes": _create_indexes,
             "dropIndexes": _drop_indexes, "modify": _modify}


# -- the $v: 2 update diff ------------------------------------------------------------

def _same(old: Any, new: Any) -> bool:
    return type(old) is type(new) and values_equal(old, new)


def oplog_diff(before: Mapping, after: Mapping) -> dict:
    """``doc_diff::computeOplogDiff``: the delta from ``before`` to ``after`` as an
    update entry's ``diff`` (``d``: removed fields, ``u``: replaced values,
    ``i``: new fields, ``s<name>``: a sub-document's or array's own diff)."""
    deletes = {name: False for name in before if name not in after}
    updates: dict[str, Any] = {}
    inserts: dict[str, Any] = {}
    nested: dict[str, Any] = {}
    for name, value in after.items():
        if name not in before:
            inserts[name] = value
            continue
        old = before[name]
        if _same(old, value):
            continue
        if type(old) is dict and type(value) is dict:
            nested["s" + name] = oplog_diff(old, value)
        elif type(old) is list and type(value) is list:
            nested["s" + name] = _array_diff(old, value)
        else:
            updates[name] = value
    diff: dict[str, Any] = {}
    if deletes:
        diff["d"] = deletes
    if updates:
        diff["u"] = updates
    if inserts:
        diff["i"] = inserts
    diff.update(nested)
    return diff


def _array_diff(before: list, after: list) -> dict:
    """An array's diff: ``a: true``, ``l`` (its new length when it shrank), then
    ``u<index>`` (a new value) or ``s<index>`` (a nested diff) per changed element."""
    diff: dict[str, Any] = {"a": True}
    if len(after) < len(before):
        diff["l"] = len(after)
    for index, value in enumerate(after):
        if index >= len(before):
            diff[f"u{index}"] = value
            continue
        old = before[index]
        if _same(old, value):
            continue
        if type(old) is dict and type(value) is dict:
            diff[f"s{index}"] = oplog_diff(old, value)
        elif type(old) is list and type(value) is list:
            diff[f"s{index}"] = _array_diff(old, value)
        else:
            diff[f"u{index}"] = value
    return diff
