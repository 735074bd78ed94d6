"""Server-side cursors: what ``find``/``aggregate``/``listCollections``/
``listIndexes`` leave open for ``getMore``, and ``killCursors`` closes.

A command's results are computed whole (a snapshot of BSON documents) and
handed out in batches.  Batches are limited by a document count
(``batchSize``; 101 for a ``find``/``aggregate`` first batch by default, as
on the server) and by size (16 MiB, the largest reply document), always at
least one document.  An idle cursor expires after ten minutes
(``cursorTimeoutMillis``), like the server's.

Each :class:`~mim.engine.storage.store.Server` has its own registry
(:func:`registry_of`), so cursor ids are per server, as on MongoDB.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import bson
from bson.raw_bson import DEFAULT_RAW_BSON_OPTIONS, RawBSONDocument

from ..storage.attached import PerServer
from ..values.deadline import active as deadline_active
from ..values.errors import ServerError
from ..values.render import render_document
from .tailable import DEFAULT_AWAIT_SECONDS, Tail, check_scan_source

__all__ = ["ServerCursor", "CursorRegistry", "registry_of", "batch", "DEFAULT_FIRST_BATCH",
           "MAX_BATCH_BYTES", "CURSOR_TIMEOUT_SECONDS"]

DEFAULT_FIRST_BATCH = 101
MAX_BATCH_BYTES = 16 * 1024 * 1024
CURSOR_TIMEOUT_SECONDS = 600.0


class ReplyDocument(RawBSONDocument):
    """A document of a cursor reply: BSON bytes the engine made or stored (so known
    to be one well-formed document), wrapped without ``RawBSONDocument``'s size
    check, which would read the bytes once more per returned document."""

    __slots__ = ()

    def __init__(self, raw: bytes) -> None:
        self._RawBSONDocument__raw = raw
        self._RawBSONDocument__inflated_doc = None
        self._RawBSONDocument__codec_options = DEFAULT_RAW_BSON_OPTIONS


def _reply_document_class() -> type:
    """:class:`ReplyDocument` when it builds what ``RawBSONDocument`` builds (its
    private slots are pymongo's; another pymongo may name them otherwise)."""
    raw = bson.encode({"a": 1})
    try:
        document = ReplyDocument(raw)
        if document.raw is raw and dict(document) == {"a": 1}:
            return ReplyDocument
    except Exception:  # noqa: BLE001 - the plain class then
        pass
    return RawBSONDocument


#: what a reply's documents are made with (``RawBSONDocument`` or its faster twin)
_REPLY_DOCUMENT = _reply_document_class()


def batch(documents: Sequence[bytes], start: int, size: int | None) -> tuple[list, int]:
    """Documents ``[start:…]`` for one batch (as RawBSONDocument) and the next start."""
    if not start and len(documents) <= 1:
        # none or one (a point query's answer): all of it, whatever the size
        return ([_REPLY_DOCUMENT(documents[0])] if documents else []), len(documents)
    end = len(documents) if not size else max(start, min(len(documents), start + size))
    chunk = documents[start:end] if start or end < len(documents) else documents
    if sum(map(len, chunk)) <= MAX_BATCH_BYTES:  # the common case: all of them
        return list(map(_REPLY_DOCUMENT, chunk)), end
    out: list[RawBSONDocument] = []
    total = 0
    i = start
    for raw in chunk:
        if out and total + len(raw) > MAX_BATCH_BYTES:
            break
        out.append(_REPLY_DOCUMENT(raw))
        total += len(raw)
        i += 1
    return out, i


class ServerCursor:
    """The rest of a result set, waiting for ``getMore``."""

    __slots__ = ("id", "ns", "documents", "position", "last_used", "lock", "tail", "timed",
                 "api_parameters", "source", "no_timeout", "open_at_end")

    def __init__(self, cursor_id: int, ns: str, documents: Sequence[bytes], position: int,
                 tail: "Tail | None" = None,
                 api_parameters: dict[str, Any] | None = None, source: Any = None,
                 open_at_end: bool = False) -> None:
        #: the plan does not know it has ended until it looks past its last document
        #: (a scan, a pipeline): a batch filled to its batchSize by the last documents
        #: leaves the cursor open, and the next getMore answers an empty batch and id 0
        #: (mongod's ``!exec->isEOF()``); False for a plan that knows (a reached limit,
        #: a sort's buffer, listIndexes' queue)
        self.open_at_end = open_at_end
        #: a find cursor's ``(server, db, name, collection)``: a getMore after that
        #: collection was dropped or renamed fails as the server's scan restore does
        self.source = source
        self.id = cursor_id
        #: the Stable API parameters of the command that opened it (getMore must match)
        self.api_parameters = api_parameters or {}
        self.ns = ns
        self.documents = documents
        self.position = position
        self.last_used = time.monotonic()
        self.lock = threading.Lock()
        #: a tailable cursor's scan position (:mod:`.tailable`); None otherwise
        self.tail = tail
        #: opened by a command with ``maxTimeMS``: its getMores run under a time limit too
        self.timed = deadline_active()
        #: ``noCursorTimeout``: never closed for being idle
        self.no_timeout = False

    @property
    def exhausted(self) -> bool:
        if self.tail is not None and not self.tail.dead:
            return False
        return self.position >= len(self.documents)

    def refill(self, await_seconds: float | None, batch_size: int | None = None) -> None:
        """A tailable cursor whose documents are all handed out scans for new ones
        (an awaitData one waiting up to ``await_seconds``).  A change stream reads
        no more than one batch of events, so that the ``postBatchResumeToken`` it
        reports is the position of the batch's last event."""
        if self.tail is None:
            if self.source is not None:
                check_scan_source(*self.source)
            return
        if self.tail.dead:
            return
        if self.position < len(self.documents):
            self.tail.check_source()
            return
        timeout = DEFAULT_AWAIT_SECONDS if await_seconds is None else await_seconds
        if getattr(self.tail, "reads_in_batches", False):
            self.documents = self.tail.wait_and_fetch(timeout, batch_size)
        else:
            self.documents = self.tail.wait_and_fetch(timeout)
        self.position = 0


class CursorRegistry:
    """Open cursors of one server, by id."""

    def __init__(self) -> None:
        self._cursors: dict[int, ServerCursor] = {}
        self._lock = threading.Lock()
        self._random = random.Random()

    def __len__(self) -> int:
        return len(self._cursors)

    def open(self, ns: str, documents: Sequence[bytes], first_batch_size: int | None,
             single_batch: bool = False, tail: "Tail | None" = None,
             api_parameters: dict[str, Any] | None = None) -> tuple[list, int]:
        """The first batch and the cursor id (0 when nothing is left).

        ``first_batch_size`` None means no count limit; 0 an empty first batch.
        A tailable cursor (``tail``) stays open while its tail lives.
        """
        if first_batch_size == 0:
            first, position = [], 0
        else:
            first, position = batch(documents, 0, first_batch_size)
        alive = tail is not None and not tail.dead
        if single_batch or (position >= len(documents) and not alive):
            return first, 0
        return first, self.keep(ns, documents, position, tail, api_parameters)

    def keep(self, ns: str, documents: Sequence[bytes], position: int,
             tail: "Tail | None" = None, api_parameters: dict[str, Any] | None = None,
             source: Any = None, open_at_end: bool = False) -> int:
        """Open a cursor over ``documents`` from ``position`` on (the first batch
        is handed out already); its id.  ``source``, ``open_at_end``: see
        :class:`ServerCursor`."""
        with self._lock:
            self._expire()
            cursor_id = self._new_id()
            self._cursors[cursor_id] = ServerCursor(cursor_id, ns, documents, position, tail,
                                                    api_parameters, source, open_at_end)
        return cursor_id

    def is_timed(self, cursor_id: int) -> bool:
        """Whether the cursor was opened by a command with ``maxTimeMS``."""
        cursor = self._cursors.get(cursor_id)
        return cursor is not None and cursor.timed

    def get_more(self, cursor_id: int, ns: str, batch_size: int | None,
                 max_time_ms: int | None = None,
                 api_parameters: dict[str, Any] | None = None,
                 reply_fields: dict[str, Any] | None = None) -> tuple[list, int]:
        """The next batch and the cursor id (0 once the cursor is exhausted).

        ``max_time_ms`` (``getMore``'s ``maxTimeMS``) is how long an awaitData
        cursor waits for new documents; other cursors refuse it.  ``api_parameters``
        must be the cursor-creating command's (Stable API).  ``reply_fields``, when
        given, receives what the cursor's tail adds to the reply (a change stream's
        ``postBatchResumeToken``)."""
        with self._lock:
            self._expire()
            cursor = self._cursors.get(cursor_id)
        if cursor is None:
            raise ServerError(43, f"cursor id {cursor_id} not found")
        if cursor.ns != ns:
            raise ServerError(13, f"Requested getMore on namespace '{ns}', but cursor belongs "
                                  f"to a different namespace {cursor.ns}")
        if (api_parameters or {}) != cursor.api_parameters:
            raise ServerError(325, f"API parameter mismatch: getMore used params "
                                   f"{render_document(api_parameters or {})}, the "
                                   f"cursor-creating command used "
                                   f"{render_document(cursor.api_parameters)}")
        if max_time_ms is not None and (cursor.tail is None or not cursor.tail.await_data):
            raise ServerError(2, "cannot set maxTimeMS on getMore command for a non-awaitData "
                                 "cursor")
        if not cursor.lock.acquire(blocking=False):
            raise ServerError(96, f"cursor id {cursor_id} is already in use")
        try:
            try:
                cursor.refill(None if max_time_ms is None else max_time_ms / 1000.0,
                              batch_size)
            except ServerError:
                self._discard(cursor_id)
                raise
            docs, cursor.position = batch(cursor.documents, cursor.position, batch_size)
            cursor.last_used = time.monotonic()
            if reply_fields is not None and hasattr(cursor.tail, "reply_fields"):
                reply_fields.update(cursor.tail.reply_fields())
            if cursor.exhausted and not (cursor.open_at_end and batch_size
                                         and len(docs) == batch_size):
                self._discard(cursor_id)
                return docs, 0
            return docs, cursor_id
        finally:
            cursor.lock.release()

    def is_change_stream(self, cursor_id: int) -> bool | None:
        """Whether an open cursor is a change stream's (None: no such cursor)."""
        with self._lock:
            cursor = self._cursors.get(cursor_id)
        if cursor is None:
            return None
        return bool(getattr(cursor.tail, "reads_in_batches", False))

    def kill(self, ns: str, cursor_ids: Iterable[int]) -> dict[str, list[int]]:
        """The ``killCursors`` reply fields for these ids."""
        killed: list[int] = []
        not_found: list[int] = []
        with self._lock:
            for cursor_id in cursor_ids:
                cursor = self._cursors.get(cursor_id)
                if cursor is not None and cursor.ns == ns:
                    del self._cursors[cursor_id]
                    killed.append(cursor_id)
                else:
                    not_found.append(cursor_id)
        return {"cursorsKilled": killed, "cursorsNotFound": not_found, "cursorsAlive": [],
                "cursorsUnknown": []}

    def kill_all(self) -> None:
        with self._lock:
            self._cursors.clear()

    def _discard(self, cursor_id: int) -> None:
        with self._lock:
            self._cursors.pop(cursor_id, None)

    def _new_id(self) -> int:
        while True:
            cursor_id = self._random.randrange(1, 2 ** 63)
            if cursor_id not in self._cursors:
                return cursor_id

    def keep_alive(self, cursor_id: int) -> None:
        """``noCursorTimeout``: the cursor is not closed after its idle time."""
        cursor = self._cursors.get(cursor_id)
        if cursor is not None:
            cursor.no_timeout = True

    def _expire(self) -> None:
        deadline = time.monotonic() - CURSOR_TIMEOUT_SECONDS
        stale = [cid for cid, c in self._cursors.items()
                 if c.last_used < deadline and not c.no_timeout]
        for cursor_id in stale:
            del self._cursors[cursor_id]


#: ``registry_of(server)``: the cursor registry of an engine server (made on first use)
registry_of: PerServer[CursorRegistry] = PerServer(CursorRegistry)
