"""``watch()``: change streams on the in-process face, with pymongo's own code.

:class:`ChangeStream` is pymongo's ``ChangeStream`` (its ``next``,
``try_next``, resume token bookkeeping and resume-once-on-a-resumable-error
logic run unchanged); only the cursor underneath is mim's:
:class:`StreamCursor` sends the ``aggregate`` (with ``$changeStream`` first)
and ``getMore`` commands a driver sends, through the target database's
``command`` — the command dispatcher, with its fail points and session
checks — and hands out the events with the target's codec options.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from bson.codec_options import CodecOptions
from pymongo.errors import OperationFailure, PyMongoError
from pymongo.synchronous.change_stream import ChangeStream as _PyMongoChangeStream

__all__ = ["ChangeStream", "StreamCursor", "open_stream"]

class StreamCursor:
    """The server cursor of a change stream, as pymongo's ``CommandCursor``
    presents it to ``ChangeStream`` (``_try_next``, ``_has_next``, ``alive``,
    ``_post_batch_resume_token``, ``close``)."""

    def __init__(self, database: Any, reply: Mapping[str, Any], codec_options: CodecOptions,
                 max_await_time_ms: int | None, batch_size: int | None, session: Any,
                 comment: Any) -> None:
        cursor = reply["cursor"]
        self._database = database
        self._collection = cursor["ns"].split(".", 1)[1]
        self._id = int(cursor["id"])
        self._buffer: deque[Any] = deque(cursor["firstBatch"])
        self._post_batch_resume_token = cursor.get("postBatchResumeToken")
        self._codec_options = codec_options
        self._max_await_time_ms = max_await_time_ms
        self._batch_size = batch_size
        self._session = session
        self._comment = comment

    @property
    def alive(self) -> bool:
        return bool(self._buffer) or self._id != 0

    def _has_next(self) -> bool:
        return bool(self._buffer)

    def _try_next(self, get_more_allowed: bool) -> Any:
        if not self._buffer and get_more_allowed and self._id:
            self._get_more()
        if not self._buffer:
            return None
        return self._buffer.popleft()

    def _get_more(self) -> None:
        command: dict[str, Any] = {"getMore": self._id, "collection": self._collection}
        if self._batch_size:
            command["batchSize"] = self._batch_size
        if self._max_await_time_ms is not None:
            command["maxTimeMS"] = self._max_await_time_ms
        if self._comment is not None:
            command["comment"] = self._comment
        try:
            reply = self._database.command(command, codec_options=self._codec_options,
                                           session=self._session)
        except OperationFailure as exc:
            if exc.code == 43:  # the server forgot the cursor: nothing left to kill
                self._id = 0
            raise
        cursor = reply["cursor"]
        self._id = int(cursor["id"])
        self._buffer.extend(cursor["nextBatch"])
        if "postBatchResumeToken" in cursor:
            self._post_batch_resume_token = cursor["postBatchResumeToken"]

    def close(self) -> None:
        self._buffer.clear()
        if self._id:
            cursor_id, self._id = self._id, 0
            try:
                self._database.command({"killCursors": self._collection,
                                        "cursors": [cursor_id]}, session=self._session)
            except PyMongoError:
                pass


def open_stream(stream: Any, database: Any, aggregate_target: Any) -> StreamCursor:
    """Send the ``aggregate`` that opens (or resumes) ``stream``; its cursor."""
    command: dict[str, Any] = {"aggregate": aggregate_target,
                               "pipeline": stream._aggregation_pipeline(), "cursor": {}}
    if stream._batch_size is not None:
        command["cursor"] = {"batchSize": stream._batch_size}
    if stream._collation is not None:
        collation = stream._collation
        command["collation"] = collation.document if hasattr(collation, "document") \
            else dict(collation)
    if stream._comment is not None:
        command["comment"] = stream._comment
    options = stream._target.codec_options
    reply = database.command(command, codec_options=options, session=stream._session)
    stream._process_result(reply)
    return StreamCursor(database, reply, options, stream._max_await_time_ms, stream._batch_size,
                        stream._session, stream._comment)


class ChangeStream(_PyMongoChangeStream):
    """A change stream on a mim collection, database or client (pymongo's class)."""

    #: the database the commands go to, and the ``aggregate`` field's value
    _database: Any
    _aggregate_target: Any

    def __init__(self, target: Any, database: Any, aggregate_target: Any,
                 cluster: bool = False, **options: Any) -> None:
        self._database = database
        self._aggregate_target = aggregate_target
        self._cluster = cluster
        super().__init__(target, **options)

    def _change_stream_options(self) -> dict[str, Any]:
        options = super()._change_stream_options()
        if self._cluster:
            options["allChangesForCluster"] = True
        return options

    @property
    def _client(self) -> Any:
        return self._database.client

    def _create_cursor(self) -> Any:
        return open_stream(self, self._database, self._aggregate_target)


def watch(target: Any, database: Any, aggregate_target: Any, cluster: bool,
          pipeline: Any = None, full_document: str | None = None,
          resume_after: Mapping[str, Any] | None = None, max_await_time_ms: int | None = None,
          batch_size: int | None = None, collation: Any = None,
          start_at_operation_time: Any = None, session: Any = None,
          start_after: Mapping[str, Any] | None = None, comment: Any = None,
          full_document_before_change: str | None = None,
          show_expanded_events: bool | None = None) -> ChangeStream:
    """``target.watch(...)`` with pymongo's parameters: the stream, its cursor open."""
    stream = ChangeStream(target, database, aggregate_target, cluster, pipeline=pipeline,
                          full_document=full_document, resume_after=resume_after,
                          max_await_time_ms=max_await_time_ms, batch_size=batch_size,
                          collation=collation, start_at_operation_time=start_at_operation_time,
                          session=session, start_after=start_after, comment=comment,
                          full_document_before_change=full_document_before_change,
                          show_expanded_events=show_expanded_events)
    stream._initialize_cursor()
    return stream


__all__ += ["watch"]
