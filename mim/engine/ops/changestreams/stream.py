"""``aggregate`` with a leading ``$changeStream``: a change stream cursor.

:func:`open_change_stream` validates the stage and the stages after it
(``$match``, ``$project``, ``$addFields``/``$set``, ``$unset``,
``$replaceRoot``/``$replaceWith``, ``$redact``; any other is IllegalOperation
20, as ``Pipeline::validateCommon`` refuses it) before anything is read, finds
its start point in the change history (:mod:`.history`) and returns a
:class:`ChangeStreamTail`.  The tail plugs into the server's cursor registry
like a tailable ``awaitData`` cursor (``dead``, ``await_data``,
``wait_and_fetch``), so ``getMore`` with ``maxTimeMS`` waits for the next
write; each reply carries the ``postBatchResumeToken``.

Which writes a stream sees: a collection stream its collection's; a database
stream (``aggregate: 1``) its database's, ``system.*`` collections excepted; a
whole-cluster stream (``allChangesForCluster`` on ``admin``) every database's
but ``admin``, ``config`` and ``local``.  A collection stream ends with an
``invalidate`` event after its collection is dropped or renamed, a database
stream after its database is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import time

import bson
from bson.timestamp import Timestamp

from ...pipeline import PipelineContext, compile_pipeline
from ...pipeline.basic import SPLIT_LARGE_EVENT, check_split_large_event_spec
from ...storage.encoding import ENGINE_CODEC
from ...values.errors import ServerError
from ...values.order import type_name
from ...values.render import render_document
from .events import (CLASSIC_EVENTS, EXPANDED_EVENTS, StreamOptions, render_event,
                     render_invalidate)
from ..timeseries import is_timeseries
from .history import NON_RESUMABLE, ChangeHistory, ChangeRecord, history_of
from .split import split_event
from .tokens import fragment_of, high_water_mark, token_prefix

__all__ = ["ChangeStreamTail", "open_change_stream", "is_change_stream",
           "ALLOWED_FOLLOWING_STAGES", "STANDALONE_ERROR"]

#: stages a change stream pipeline may hold after ``$changeStream``
#: (``constraints().isAllowedInChangeStream()``)
ALLOWED_FOLLOWING_STAGES = frozenset({"$match", "$project", "$addFields", "$set", "$unset",
                                      "$replaceRoot", "$replaceWith", "$redact"})

#: the answer of a standalone (``assertIsLegalSpecification``)
STANDALONE_ERROR = (40573, "The $changeStream stage is only supported on replica sets")

_FULL_DOCUMENT = ("default", "updateLookup", "whenAvailable", "required")
_FULL_DOCUMENT_BEFORE_CHANGE = ("off", "whenAvailable", "required")
_BOOLEAN_OPTIONS = ("allChangesForCluster", "showMigrationEvents", "showSystemEvents",
                    "allowToRunOnConfigDB", "allowToRunOnSystemNS", "showExpandedEvents")
_INTERNAL_DATABASES = ("admin", "config", "local")


def is_change_stream(pipeline: Any) -> bool:
    """True when ``pipeline`` starts with a ``$changeStream`` stage."""
    return bool(pipeline) and isinstance(pipeline, (list, tuple)) \
        and isinstance(pipeline[0], Mapping) and next(iter(pipeline[0]), None) == "$changeStream"


def _wrong_type(field: str, value: Any, expected: str) -> ServerError:
    return ServerError(14, f"BSON field '$changeStream.{field}' is the wrong type "
                           f"'{type_name(value)}', expected type '{expected}'")


def _parse_spec(spec: Any) -> dict:
    """The ``$changeStream`` document, checked as the IDL parser checks it."""
    if not isinstance(spec, Mapping):
        raise ServerError(50808, "$changeStream stage expects a document as argument")
    parsed: dict[str, Any] = {}
    for field, value in spec.items():
        if field in ("fullDocument", "fullDocumentBeforeChange"):
            allowed = _FULL_DOCUMENT if field == "fullDocument" else _FULL_DOCUMENT_BEFORE_CHANGE
            if not isinstance(value, str):
                raise _wrong_type(field, value, "string")
            if value not in allowed:
                raise ServerError(2, f"Enumeration value '{value}' for field "
                                     f"'$changeStream.{field}' is not a valid value.")
        elif field in _BOOLEAN_OPTIONS:
            if not isinstance(value, bool):
                raise _wrong_type(field, value, "bool")
        elif field in ("resumeAfter", "startAfter"):
            if not isinstance(value, Mapping):
                raise _wrong_type(field, value, "object")
        elif field == "startAtOperationTime":
            if not isinstance(value, Timestamp):
                raise _wrong_type(field, value, "timestamp")
        elif field == "showRawUpdateDescription":
            raise ServerError(238, "$changeStream.showRawUpdateDescription is not supported by "
                                   "mim: updates are reported as updateDescription only")
        else:
            raise ServerError(40415, f"BSON field '$changeStream.{field}' is an unknown field.")
        parsed[field] = value
    return parsed


def _check_namespace(db: str, collection: str | None, spec: dict) -> None:
    """``assertIsLegalSpecification``'s namespace rules."""
    everything = spec.get("allChangesForCluster", False)
    if everything and (db != "admin" or collection is not None):
        namespace = f"{db}.{collection}" if collection is not None else f"{db}.$cmd.aggregate"
        raise ServerError(72, f"A $changeStream with 'allChangesForCluster:true' may only be "
                              f"opened on the 'admin' database, and with no collection name; "
                              f"found {namespace}")
    allowed_db = everything if db == "admin" else (
        db != "local" and (db != "config" or spec.get("allowToRunOnConfigDB", False)))
    if not allowed_db:
        raise ServerError(73, f"$changeStream may not be opened on the internal {db} database")
    if collection is not None and collection.startswith("system.") \
            and not spec.get("allowToRunOnSystemNS", False):
        raise ServerError(73, f"$changeStream may not be opened on the internal "
                              f"{db}.{collection} collection")


def _is_split_stage(stage: Any) -> bool:
    return isinstance(stage, Mapping) and len(stage) == 1 \
        and next(iter(stage)) == SPLIT_LARGE_EVENT


def _compile_following(stages: Sequence[Any]) -> tuple[Callable | None, bool]:
    """The stages after ``$changeStream`` compiled (None: none), and whether the
    pipeline ends with ``$changeStreamSplitLargeEvent`` (which splits the events
    the other stages produce)."""
    for stage in stages:
        if isinstance(stage, Mapping) and len(stage) == 1:
            name = next(iter(stage))
            if name == "$changeStream":
                raise ServerError(40602, "$changeStream is only valid as the first stage in a "
                                         "pipeline")
            if name == SPLIT_LARGE_EVENT:
                check_split_large_event_spec(stage[name])
    rest = [stage for stage in stages if not _is_split_stage(stage)]
    run = compile_pipeline(rest, PipelineContext())  # validates every stage first
    for stage in rest:
        name = next(iter(stage))
        if name not in ALLOWED_FOLLOWING_STAGES:
            raise ServerError(20, f"{name} is not permitted in a $changeStream pipeline")
    split = False
    for index, stage in enumerate(stages):
        if _is_split_stage(stage):
            # validatePipelinePosition (before optimization: the last stage, and once)
            if index != len(stages) - 1:
                raise ServerError(7182802, f"{SPLIT_LARGE_EVENT} must be the last stage in "
                                           f"the pipeline")
            split = True
    return (run if rest else None), split


class ChangeStreamTail:
    """Where a change stream stands in the history, and the events it returns."""

    await_data = True
    #: ``getMore`` passes its batch size to :meth:`wait_and_fetch`
    reads_in_batches = True

    def __init__(self, server: Any, history: ChangeHistory, db: str, collection: str | None,
                 everything: bool, options: StreamOptions, run: Callable | None,
                 position: int, skip_event_of: ChangeRecord | None, split: bool = False,
                 resume_fragment: tuple[ChangeRecord, int] | None = None) -> None:
        self.server = server
        self.history = history
        self.db = db
        self.collection = collection
        self.everything = everything
        self.options = options
        self.run = run
        #: the sequence of the next history record to look at
        self.position = position
        #: a resumed stream's token event: seen already, not reported again
        self._skip_event_of = skip_event_of
        #: the pipeline ends with $changeStreamSplitLargeEvent
        self.split = split
        #: a stream resumed from a fragment: that event, and the fragment number
        self._resume_fragment = resume_fragment
        self.dead = False
        #: the ``postBatchResumeToken`` of the last batch
        self.post_batch_resume_token = {"_data": history.high_water_mark()}
        self._wanted = CLASSIC_EVENTS | EXPANDED_EVENTS if options.show_expanded_events \
            else CLASSIC_EVENTS

    # -- which writes this stream sees ------------------------------------------

    def _sees(self, record: ChangeRecord) -> bool:
        if record.operation not in self._wanted:
            return False
        if record.view and not self.options.show_expanded_events:
            return False
        if self.collection is not None:
            return record.db == self.db and record.collection == self.collection and \
                not record.view
        if record.collection is not None and record.collection.startswith("system."):
            return False
        if self.everything:
            return record.db not in _INTERNAL_DATABASES
        return record.db == self.db

    def _invalidates(self, record: ChangeRecord) -> bool:
        if self.collection is not None:
            return record.operation in ("drop", "rename") and record.db == self.db \
                and record.collection == self.collection and not record.view
        if not self.everything:
            return record.operation == "dropDatabase" and record.db == self.db
        return False

    # -- reading ------------------------------------------------------------------

    def _lookup(self, db: str, collection: str, id_value: Any) -> Any:
        with self.server.lock:
            coll = self.server.get_collection(db, collection)
            stored = coll.get(id_value) if coll is not None else None
            return None if stored is None else stored.doc

    def _apply(self, event: dict) -> list[dict]:
        if self.run is None:
            return [event]
        out = list(self.run([event], {}))
        for produced in out:
            if produced.get("_id") != event["_id"]:
                found = render_document({"_id": produced["_id"]}) if "_id" in produced else "{}"
                raise ServerError(280, "Encountered an event whose _id field, which contains "
                                       "the resume token, was modified by the pipeline. "
                                       "Modifying the _id field of an event makes it impossible "
                                       "to resume the stream from that point. Only "
                                       "transformations that retain the unmodified _id field "
                                       "are allowed. Expected: "
                                       f"{render_document({'_id': event['_id']})} but found: "
                                       f"{found}", **NON_RESUMABLE)
        return out

    def fetch(self, limit: int | None = None) -> list[bytes]:
        """The events of the records after the position (at most ``limit``)."""
        if self.dead:
            return []
        records = self.history.records_from(self.position)
        out: list[bytes] = []
        last_returned: str | None = None
        for record in records:
            if limit is not None and len(out) >= limit:
                break
            self.position = record.sequence + 1
            last_returned = None
            if record is not self._skip_event_of and self._sees(record):
                event = render_event(record, self.options, self._lookup)
                for produced in self._apply(event):
                    if self.split:
                        for fragment in self._fragments(record, produced):
                            out.append(bson.encode(fragment, codec_options=ENGINE_CODEC))
                            last_returned = fragment["_id"]["_data"]
                        continue
                    out.append(bson.encode(produced, codec_options=ENGINE_CODEC))
                    last_returned = record.token()
            if self._invalidates(record):
                for produced in self._apply(render_invalidate(record)):
                    out.append(bson.encode(produced, codec_options=ENGINE_CODEC))
                last_returned = record.invalidate_token()
                self.dead = True
                break
        if last_returned is not None:
            self.post_batch_resume_token = {"_data": last_returned}
        elif self.position >= self.history.next_sequence or not records:
            self.post_batch_resume_token = {"_data": self.history.high_water_mark()}
        else:
            self.post_batch_resume_token = {
                "_data": high_water_mark(records[min(len(records), self.position
                                                     - records[0].sequence) - 1].cluster_time)}
        return out

    def _fragments(self, record: ChangeRecord, event: dict) -> list[dict]:
        """``event`` split as ``$changeStreamSplitLargeEvent`` splits it; the event a
        stream resumed from one of its fragments gives the fragments after it (the
        split stage skips those before the token's, the token's own is swallowed as
        every resumed stream swallows its resume point)."""
        resume = self._resume_fragment
        if resume is None or resume[0] is not record:
            return split_event(event)
        self._resume_fragment = None
        fragments = split_event(event, resume[1])
        return fragments[1:]

    def check_source(self) -> None:
        """Nothing to check between batches: the history outlives any collection."""

    def first(self) -> list[bytes]:
        return self.fetch()

    def wait_and_fetch(self, timeout: float, limit: int | None = None) -> list[bytes]:
        """:meth:`fetch`; when nothing is there, wait up to ``timeout`` seconds for
        a write and fetch again (the ``getMore`` of an awaitData cursor)."""
        found = self.fetch(limit)
        if found or self.dead or timeout <= 0:
            return found
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.history.wait(self.position, left):
                return self.fetch(limit)
            found = self.fetch(limit)
            if found or self.dead:
                return found

    def reply_fields(self) -> dict:
        """What a cursor reply adds for a change stream."""
        return {"postBatchResumeToken": self.post_batch_resume_token}


def _refuse_view(server: Any, db: str, collection: str) -> None:
    """A view, and a time-series collection (a view of its buckets on a 7.0
    server), has no change stream (CommandNotSupportedOnView, 166)."""
    database = server.get_database(db)
    if database is None:
        return
    if collection in database.views or is_timeseries(database.get_collection(collection)):
        raise ServerError(166, f"Namespace {db}.{collection} is a view, not a collection")


def open_change_stream(server: Any, db: str, collection: str | None,
                       pipeline: Sequence[Any]) -> ChangeStreamTail:
    """Check a ``$changeStream`` pipeline and open its stream (nothing is read
    when a check fails)."""
    spec = _parse_spec(pipeline[0]["$changeStream"])
    run, split = _compile_following(pipeline[1:])
    _check_namespace(db, collection, spec)
    if collection is not None:
        _refuse_view(server, db, collection)
    if "resumeAfter" in spec and "startAfter" in spec:
        raise ServerError(50865, "Do not specify both 'resumeAfter' and 'startAfter' in a "
                                 "$changeStream stage")
    token_doc = spec.get("resumeAfter", spec.get("startAfter"))
    parsed = token_prefix(token_doc) if token_doc is not None else None
    if parsed is not None and "startAtOperationTime" in spec:
        raise ServerError(40674, "Only one type of resume option is allowed, but multiple were "
                                 "found")
    if parsed is not None and "resumeAfter" in spec and parsed[1].from_invalidate:
        raise ServerError(260, "Attempting to resume a change stream using 'resumeAfter' is not "
                               "allowed from an invalidate notification")
    history = history_of(server)
    history.start(server)
    skip_event_of = None
    resume_fragment = None
    if parsed is not None:
        hex_token, prefix = parsed
        record = None if prefix.is_high_water_mark else \
            history.find_token(hex_token, prefix.cluster_time)
        if record is None and not prefix.is_high_water_mark:
            resume_fragment = _find_fragment(history, hex_token, prefix.cluster_time)
        if resume_fragment is not None:
            if not split:
                raise ServerError(280, "To resume from a split event, the $changeStream "
                                       "pipeline must include a $changeStreamSplitLargeEvent "
                                       "stage", **NON_RESUMABLE)
            position = resume_fragment[0].sequence
        elif record is not None:
            # the event itself was seen; an invalidate it causes was seen too
            # only when the token is the invalidate's (startAfter)
            position, skip_event_of = record.sequence, record
            if prefix.from_invalidate:
                position = record.sequence + 1
        else:
            position = history.sequence_at(prefix.cluster_time)
            if not prefix.is_high_water_mark and history.records_from(position):
                raise ServerError(280, "cannot resume stream; the resume token was not "
                                       f"found. {render_document(dict(token_doc))}",
                                  **NON_RESUMABLE)
    elif "startAtOperationTime" in spec:
        position = history.sequence_at(spec["startAtOperationTime"])
    else:
        position = history.next_sequence
    return _tail(server, history, db, collection, spec, run, position, skip_event_of, split,
                 resume_fragment)


def _find_fragment(history: ChangeHistory, token: str, cluster_time: Timestamp
                   ) -> tuple[ChangeRecord, int] | None:
    """The event a fragment token (``fragmentNum`` after the event's own fields)
    belongs to, and the fragment number (None: no event at that time has it)."""
    for record in history.records_from(history.sequence_at(cluster_time)):
        if record.cluster_time != cluster_time:
            break
        fragment = fragment_of(token, record.token())
        if fragment is not None:
            return record, fragment
    return None


def _tail(server: Any, history: ChangeHistory, db: str, collection: str | None, spec: dict,
          run: Callable | None, position: int, skip_event_of: ChangeRecord | None,
          split: bool = False, resume_fragment: tuple[ChangeRecord, int] | None = None
          ) -> ChangeStreamTail:
    options = StreamOptions(spec.get("fullDocument", "default"),
                            spec.get("fullDocumentBeforeChange", "off"),
                            spec.get("showExpandedEvents", False))
    return ChangeStreamTail(server, history, db, collection,
                            spec.get("allChangesForCluster", False), options, run, position,
                            skip_event_of, split, resume_fragment)
