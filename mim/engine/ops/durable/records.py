"""Journal records: one BSON document per change event, and how to replay one.

Documents travel as the exact BSON bytes storage keeps (a ``Binary``), so a
replayed document is byte-for-byte what was acknowledged, every BSON type
included.  A record names its namespace and carries what replay needs and no
more: the new document for an insert or an update (its ``_id`` is inside), the
``_id`` for a delete, the options and index specs for catalog changes.
"""

from __future__ import annotations

from collections.abc import Callable
import bson

from ...index.indexes import ID_INDEX_NAME
from ...index.ttl import ttl_index_created
from ...storage.changes import ChangeEvent
from ...storage.encoding import ENGINE_CODEC, decode_shadow
from ...storage.store import CollectionData, Server
from ...storage.validation import build_validator
from ...values.registry import Registry
from ..views import ViewDefinition

__all__ = ["event_records", "collection_records", "apply_record", "RECORD_CODEC"]

#: records decode as the engine reads: raw document bytes stay bytes
RECORD_CODEC = ENGINE_CODEC


def _split(namespace: str) -> tuple[str, str]:
    db, _, name = namespace.partition(".")
    return db, name


# -- writing: a change event becomes records -------------------------------------------

def event_records(event: ChangeEvent) -> list[dict]:
    """The records that replay ``event`` (most events: exactly one)."""
    operation = event.operation
    ns = event.namespace
    if operation in _DOCUMENT_RECORDS and event.collection.keyed_by_record:
        return [_by_record_id(event)]
    if operation == "insert":
        return [{"op": "i", "ns": ns, "doc": event.after.raw}]
    if operation in ("update", "replace"):
        return [{"op": "u", "ns": ns, "doc": event.after.raw}]
    if operation == "delete":
        return [{"op": "d", "ns": ns, "key": {"_id": event.before.doc["_id"]}}]
    if event.collection is None and operation in ("create", "drop"):
        if operation == "drop":
            return [{"op": "dropView", "ns": ns}]
        return [view_record(event.database.name, event.detail)]
    if operation == "create":
        # a collection put back (a drop undone) arrives whole: documents and indexes
        return collection_records(event.collection, ns)
    if operation == "drop":
        return [{"op": "drop", "ns": ns}]
    if operation == "rename":
        return [{"op": "rename", "ns": ns, "to": event.target}]
    if operation == "createIndexes":
        return [{"op": "createIndex", "ns": ns, "spec": dict(event.detail)}]
    if operation == "dropIndexes":
        return [{"op": "dropIndex", "ns": ns, "name": event.detail["name"]}]
    if operation == "modify":
        detail = event.detail
        if detail.get("option", "") is None:
            return []  # a collMod that changed nothing
        if "index" in detail:
            return [{"op": "modifyIndex", "ns": ns, "name": detail["index"],
                     "changes": dict(detail["new"])}]
        return [{"op": "setOption", "ns": ns, "option": detail["option"],
                 "value": detail["new"]}]
    if operation == "dropDatabase":
        return [{"op": "dropDatabase", "ns": ns}]
    raise ValueError(f"no journal record for {operation}")  # pragma: no cover


#: change event -> the journal record kind of a document write
_DOCUMENT_RECORDS = {"insert": "i", "update": "u", "replace": "u", "delete": "d"}


def _by_record_id(event: ChangeEvent) -> dict:
    """A document write to a collection keyed by record id (time-series: ``_id``
    need not be unique there): the record names the document by its record id."""
    stored = event.after if event.after is not None else event.before
    record = {"op": _DOCUMENT_RECORDS[event.operation], "ns": event.namespace,
              "rid": stored.record_id}
    if event.after is not None:
        record["doc"] = event.after.raw
    return record


def collection_records(coll: CollectionData, ns: str | None = None) -> list[dict]:
    """Records that rebuild ``coll`` as it is now: create, indexes, documents."""
    ns = ns or coll.full_name
    records: list[dict] = [{"op": "create", "ns": ns, "options": dict(coll.options),
                            "nextRecordId": coll.next_record_id}]
    for spec in coll.indexes.list():
        if spec.get("name") != ID_INDEX_NAME:
            records.append({"op": "createIndex", "ns": ns, "spec": dict(spec)})
    if coll.keyed_by_record:
        records.extend({"op": "i", "ns": ns, "doc": stored.raw, "rid": stored.record_id}
                       for stored in coll.documents.values())
    else:
        records.extend({"op": "i", "ns": ns, "doc": stored.raw}
                       for stored in coll.documents.values())
    return records


def view_record(db: str, view: ViewDefinition) -> dict:
    record = {"op": "createView", "ns": f"{db}.{view.name}", "viewOn": view.view_on,
              "pipeline": list(view.pipeline)}
    if view.collation is not None:
        record["collation"] = view.collation
    return record


# -- reading: a record is applied to a server ------------------------------------------

Apply = Callable[[Server, dict], None]
#: record kind ("i", "u", "d", "create", …) -> the function that replays it
APPLIERS: Registry[Apply] = Registry("journal record")
applier = APPLIERS.register


def apply_record(server: Server, record: dict) -> None:
    """Replay one record (storage emits no events: nothing listens during replay)."""
    APPLIERS[record["op"]](server, record)


def _collection(server: Server, ns: str) -> CollectionData:
    db, name = _split(ns)
    coll = server.get_collection(db, name, create=True)
    return coll


@applier("i")
def _insert(server: Server, record: dict) -> None:
    raw = bytes(record["doc"])
    coll = _collection(server, record["ns"])
    doc = decode_shadow(raw)
    if "rid" in record:
        _write_record(coll, record["rid"], raw, doc)
        return
    existing = coll.get(doc["_id"])
    if existing is not None:
        # an insert replayed over a snapshot that already holds it (a compaction
        # racing the journal) leaves the newer contents
        coll.replace(existing, raw, doc)
    else:
        coll.insert(raw, doc)


@applier("u")
def _update(server: Server, record: dict) -> None:
    raw = bytes(record["doc"])
    coll = _collection(server, record["ns"])
    doc = decode_shadow(raw)
    if "rid" in record:
        _write_record(coll, record["rid"], raw, doc)
        return
    existing = coll.get(doc["_id"])
    if existing is None:
        coll.insert(raw, doc)
    else:
        coll.replace(existing, raw, doc)


@applier("d")
def _delete(server: Server, record: dict) -> None:
    db, name = _split(record["ns"])
    coll = server.get_collection(db, name)
    if coll is not None:
        stored = coll.by_record_id(record["rid"]) if "rid" in record \
            else coll.get(record["key"]["_id"])
        if stored is not None:
            coll.delete(stored)


def _write_record(coll: CollectionData, record_id: int, raw: bytes, doc: dict) -> None:
    """Replay an insert or update of a collection keyed by record id: the
    document takes (or keeps) the record id it had."""
    existing = coll.by_record_id(record_id)
    if existing is None:
        coll.insert(raw, doc, record_id)
    else:
        coll.replace(existing, raw, doc)


@applier("create")
def _create(server: Server, record: dict) -> None:
    db, name = _split(record["ns"])
    database = server.get_database(db, create=True)
    if name in database.collections:
        database.drop_collection(name)
    coll = database.create_collection(name, record.get("options") or {})
    coll.validator = build_validator(coll.options)
    if "expireAfterSeconds" in coll.options:
        ttl_index_created(coll)  # a time-series or clustered collection's TTL
    if "nextRecordId" in record:
        coll.next_record_id = record["nextRecordId"]


@applier("drop")
def _drop(server: Server, record: dict) -> None:
    db, name = _split(record["ns"])
    database = server.get_database(db)
    if database is not None:
        database.drop_collection(name)


@applier("rename")
def _rename(server: Server, record: dict) -> None:
    db, name = _split(record["ns"])
    coll = server.get_collection(db, name)
    if coll is None:
        return
    to_db, to_name = _split(record["to"])
    target = server.get_database(to_db, create=True)
    if to_name in target.collections:
        target.drop_collection(to_name)
    server.rename_collection(coll, to_db, to_name)


@applier("createIndex")
def _create_index(server: Server, record: dict) -> None:
    _collection(server, record["ns"]).indexes.create(dict(record["spec"]))


@applier("dropIndex")
def _drop_index(server: Server, record: dict) -> None:
    db, name = _split(record["ns"])
    coll = server.get_collection(db, name)
    if coll is not None:
        coll.indexes.drop(record["name"])


@applier("modifyIndex")
def _modify_index(server: Server, record: dict) -> None:
    coll = _collection(server, record["ns"])
    coll.indexes.modify(record["name"], dict(record["changes"]))


@applier("setOption")
def _set_option(server: Server, record: dict) -> None:
    coll = _collection(server, record["ns"])
    coll.set_option(record["option"], record.get("value"))
    coll.validator = build_validator(coll.options)


@applier("createView")
def _create_view(server: Server, record: dict) -> None:
    db, name = _split(record["ns"])
    database = server.get_database(db, create=True)
    database.views.pop(name, None)
    database.add_view(ViewDefinition(name, record["viewOn"], list(record["pipeline"]),
                                     record.get("collation")))


@applier("dropView")
def _drop_view(server: Server, record: dict) -> None:
    db, name = _split(record["ns"])
    database = server.get_database(db)
    if database is not None:
        database.remove_view(name)


@applier("dropDatabase")
def _drop_database(server: Server, record: dict) -> None:
    server.drop_database(record["ns"])


def encode_records(records: list[dict]) -> bytes:
    return b"".join(bson.encode(record) for record in records)


def decode_records(payload: bytes) -> list[dict]:
    return bson.decode_all(payload, RECORD_CODEC)
