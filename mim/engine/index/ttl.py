"""TTL indexes: the monitor that deletes expired documents.

As on a server, a background thread (one per :class:`~mim.engine.storage.store.Server`,
started when the first TTL index is created) wakes every
``server.ttl_interval`` seconds (MongoDB's ``ttlMonitorSleepSecs``, 60 by
default) and deletes, through :meth:`CollectionData.delete`, every document
whose indexed date (the earliest, for an array) plus ``expireAfterSeconds``
is in the past.  Documents whose field is not a date never expire; a TTL
index is single-field (createIndexes refuses a compound one, as 7.0 does).  ``server.expire_ttl()`` runs
one pass immediately (what tests use instead of waiting).
"""

from __future__ import annotations

import datetime
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from bson.datetime_ms import DatetimeMS

from ..values.order import datetime_to_ms, is_number
from ..storage.store import WriteBlocked, install_ttl_pass

if TYPE_CHECKING:
    from .indexes import Index
    from ..storage.store import CollectionData, Server

__all__ = ["expire", "ttl_index_created", "DEFAULT_TTL_INTERVAL"]

DEFAULT_TTL_INTERVAL = 60.0
_monitors: "weakref.WeakKeyDictionary[Any, threading.Thread]" = weakref.WeakKeyDictionary()
_monitors_lock = threading.Lock()


def _now_ms(now: Any) -> int:
    if now is None:
        return int(time.time() * 1000)
    if isinstance(now, (datetime.datetime, DatetimeMS)):
        return datetime_to_ms(now)
    return int(now * 1000)


def _expiry_ms(index: "Index", doc: dict) -> int | None:
    """When a document expires under a TTL index, in epoch milliseconds."""
    seconds = index.ttl
    if not is_number(seconds) or index.pattern.fields != 1:
        return None
    seconds = float(seconds.to_decimal()) if hasattr(seconds, "to_decimal") else float(seconds)
    if seconds != seconds:
        return None
    earliest = None
    for _, value in index.pattern.field_values(doc, 0)[0]:
        if isinstance(value, (datetime.datetime, DatetimeMS)):
            ms = datetime_to_ms(value)
            if earliest is None or ms < earliest:
                earliest = ms
    if earliest is None:
        return None
    return earliest + int(seconds * 1000)


def expire_collection(coll: "CollectionData", now_ms: int) -> int:
    """Delete the expired documents of one collection; how many were deleted."""
    deleted = 0
    for index in coll.indexes.indexes():
        if index.ttl is None or index.pattern.paths == ("_id",):
            continue
        expired = []
        for stored in coll.documents.values():
            if not index.applies_to(stored.doc):
                continue
            expiry = _expiry_ms(index, stored.doc)
            if expiry is not None and expiry <= now_ms:
                expired.append(stored)
        for stored in expired:
            if coll.documents.get(coll.key_of(stored)) is stored:
                deleted += _delete_unless_held(coll, stored)
    return deleted


def _delete_unless_held(coll: "CollectionData", stored: Any) -> int:
    """Delete one expired document (1), unless an open transaction wrote it (0): the
    pass goes on, and a later pass deletes it if it is still expired once the
    transaction has ended.  A pass never waits (the server's TTL delete yields on
    such a write conflict and retries it; the manual promises no deletion time) and
    never fails."""
    try:
        coll.delete(stored)
    except WriteBlocked:
        return 0
    return 1


def expire_measurements(coll: "CollectionData", now_ms: int) -> int:
    """A time-series collection's ``expireAfterSeconds``: delete the measurements
    whose ``timeField`` lies further back than that."""
    limit_ms = now_ms - int(coll.options["expireAfterSeconds"]) * 1000
    time_field = coll.options["timeseries"]["timeField"]
    expired = [stored for stored in coll.documents.values()
               if isinstance(stored.doc.get(time_field), (datetime.datetime, DatetimeMS))
               and datetime_to_ms(stored.doc[time_field]) <= limit_ms]
    return sum(_delete_unless_held(coll, stored) for stored in expired)


def expire_clustered(coll: "CollectionData", now_ms: int) -> int:
    """A clustered collection's ``expireAfterSeconds``: delete the documents whose
    ``_id`` is a date further back than that (other ``_id`` types never expire)."""
    limit_ms = now_ms - int(coll.options["expireAfterSeconds"]) * 1000
    expired = [stored for stored in coll.documents.values()
               if isinstance(stored.doc["_id"], (datetime.datetime, DatetimeMS))
               and datetime_to_ms(stored.doc["_id"]) <= limit_ms]
    return sum(_delete_unless_held(coll, stored) for stored in expired)


def expire(server: "Server", now: Any = None) -> int:
    """One TTL monitor pass over every collection of a server (``now``: a
    datetime or epoch seconds, default the current time)."""
    now_ms = _now_ms(now)
    deleted = 0
    with server.lock:
        for database in list(server.databases.values()):
            for coll in list(database.collections.values()):
                if any(index.ttl is not None for index in coll.indexes.indexes()):
                    deleted += expire_collection(coll, now_ms)
                if "expireAfterSeconds" in coll.options:
                    if "timeseries" in coll.options:
                        deleted += expire_measurements(coll, now_ms)
                    elif "clusteredIndex" in coll.options:
                        deleted += expire_clustered(coll, now_ms)
    return deleted


def _monitor(server_ref: "weakref.ref[Server]") -> None:
    last = time.monotonic()
    while True:
        server = server_ref()
        if server is None:
            return
        interval = float(getattr(server, "ttl_interval", DEFAULT_TTL_INTERVAL) or 0)
        del server
        if interval > 0 and time.monotonic() - last >= interval:
            server = server_ref()
            if server is None:
                return
            try:
                expire(server)
            except Exception:  # a pass must never kill the monitor
                pass
            del server
            last = time.monotonic()
        time.sleep(min(interval, 0.25) if interval > 0 else 0.25)


def ttl_index_created(coll: "CollectionData") -> None:
    """Start the server's TTL monitor thread if it is not running yet."""
    server = coll.database.server
    with _monitors_lock:
        thread = _monitors.get(server)
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(target=_monitor, args=(weakref.ref(server),),
                                  name=f"mim-ttl-monitor-{id(server):x}", daemon=True)
        _monitors[server] = thread
        thread.start()


install_ttl_pass(expire)
