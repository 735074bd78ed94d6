"""Change event documents in the server's shape (``change_stream_event_transform.cpp``
and the pre-/post-image stages), built from one :class:`~.history.ChangeRecord`.

Field order follows the server's ``MutableDocument`` order: (``to`` for a
rename), (``txnNumber``, ``lsid`` for a transaction's write), ``_id``,
``operationType``, ``clusterTime``, (``collectionUUID`` with expanded events),
``wallTime``, ``fullDocument``, ``ns``, ``documentKey``,
(``operationDescription`` with expanded events), ``updateDescription``,
(``stateBeforeChange`` for a modify), ``fullDocumentBeforeChange``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson.int64 import Int64

from ...values.errors import ServerError
from ...values.render import render_document
from .history import ChangeRecord

__all__ = ["StreamOptions", "render_event", "render_invalidate", "CLASSIC_EVENTS",
           "EXPANDED_EVENTS"]

#: what a stream without ``showExpandedEvents`` reports
CLASSIC_EVENTS = frozenset({"insert", "update", "replace", "delete", "drop", "rename",
                            "dropDatabase", "invalidate"})
#: what ``showExpandedEvents: true`` adds
EXPANDED_EVENTS = frozenset({"create", "createIndexes", "dropIndexes", "modify"})

_PRE_IMAGE_EVENTS = frozenset({"update", "replace", "delete"})


@dataclass(frozen=True)
class StreamOptions:
    """The ``$changeStream`` stage's options that shape the events."""

    full_document: str = "default"
    full_document_before_change: str = "off"
    show_expanded_events: bool = False


def _namespace(db: str, collection: str | None) -> dict:
    return {"db": db, "coll": collection} if collection else {"db": db}


def render_event(record: ChangeRecord, options: StreamOptions, lookup: Any) -> dict:
    """The event document; ``lookup(db, coll, id)`` gives a document's current
    version (``fullDocument: "updateLookup"``)."""
    event = record.event
    operation = record.operation
    expanded = options.show_expanded_events
    doc: dict[str, Any] = {}
    description = record.operation_description()
    if operation == "rename":
        doc["to"] = description["to"]
    if event.txn_number is not None:
        doc["txnNumber"] = Int64(event.txn_number)
        doc["lsid"] = event.lsid
    doc["_id"] = {"_data": record.token()}
    doc["operationType"] = operation
    doc["clusterTime"] = record.cluster_time
    if expanded and record.uuid is not None:
        doc["collectionUUID"] = record.uuid
    doc["wallTime"] = record.wall_time
    if operation in ("insert", "replace"):
        doc["fullDocument"] = record.after.doc
    elif operation == "update" and options.full_document != "default":
        doc["fullDocument"] = _post_image(record, options, lookup)
    doc["ns"] = _namespace(record.db, record.collection)
    key = record.document_key()
    if key is not None:
        doc["documentKey"] = key
    if expanded and description is not None:
        doc["operationDescription"] = description
    if operation == "update":
        update = dict(event.update_description)
        if expanded:
            update["disambiguatedPaths"] = event.disambiguated_paths
        doc["updateDescription"] = update
    if operation == "modify" and expanded:
        detail = event.detail
        if "index" in detail:
            doc["stateBeforeChange"] = {"indexOptions": detail.get("old")}
        elif detail["option"] is not None:
            doc["stateBeforeChange"] = {"collectionOptions": {detail["option"]: detail["old"]}}
    if options.full_document_before_change != "off" and operation in _PRE_IMAGE_EVENTS:
        doc["fullDocumentBeforeChange"] = _pre_image(record, options, doc)
    return doc


def _post_image(record: ChangeRecord, options: StreamOptions, lookup: Any) -> Any:
    if options.full_document == "updateLookup":
        return lookup(record.db, record.collection, record.document_key()["_id"])
    image = record.after.doc if record.images else None
    if image is None and options.full_document == "required":
        raise ServerError(47, "Change stream was configured to require a post-image for all "
                              "update events, but the post-image was not found for event: "
                              f"{_event_summary(record)}")
    return image


def _pre_image(record: ChangeRecord, options: StreamOptions, doc: dict) -> Any:
    image = record.before.doc if record.images and record.before is not None else None
    if image is None and options.full_document_before_change == "required":
        raise ServerError(47, "Change stream was configured to require a pre-image for all "
                              "update, delete and replace events, but the pre-image was not "
                              f"found for event: {_event_summary(record)}")
    return image


def _event_summary(record: ChangeRecord) -> str:
    return render_document({"_id": {"_data": record.token()}, "operationType": record.operation,
                            "ns": _namespace(record.db, record.collection)})


def render_invalidate(record: ChangeRecord) -> dict:
    """The ``invalidate`` event a drop, rename or dropDatabase causes for the
    streams it ends (same cluster time, its token marked ``fromInvalidate``)."""
    return {"_id": {"_data": record.invalidate_token()}, "operationType": "invalidate",
            "clusterTime": record.cluster_time, "wallTime": record.wall_time}
