"""Snapshot reads outside transactions: ``readConcern: {level: "snapshot"}``.

A replica-set member answers a snapshot read from a point in time: without
``atClusterTime``, the newest one (the reply says which: ``atClusterTime`` in the
cursor of ``find``/``aggregate``, at the top level for ``distinct``); with it, the
data as it was then.  Drivers keep the first read's time in a snapshot session and
send it with every later read, so all of a session's reads see one snapshot.

mim keeps the points in time its snapshot reads named, as read-only views of the
server (the transaction machinery's :class:`~.transactions.TransactionView`,
each collection copied at its first touch, or before a write reaches it first), up to :data:`HISTORY_SIZE` of them:
a read at a time still held sees that view; any other past time is SnapshotTooOld
(239), as a server answers a time older than its history window; a time after
the server's cluster time is InvalidOptions (72).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from bson.timestamp import Timestamp

from ..storage.attached import PerServer
from ..values.errors import ServerError
from ..values.order import type_name
from .transactions import TransactionView

__all__ = ["SnapshotRead", "snapshot_read", "HISTORY_SIZE", "history_of"]

#: how many points in time a server keeps for snapshot reads
HISTORY_SIZE = 64


class _ReadOnly:
    """The "transaction" of a snapshot view: a snapshot read never writes."""

    def record(self, event: Any) -> None:
        raise ServerError(72, "a snapshot read cannot write")

    def hold(self, coll: Any) -> None:
        """A snapshot read outside a transaction keeps no lock past its operation."""


class SnapshotHistory:
    """The points in time snapshot reads named, oldest first."""

    def __init__(self) -> None:
        self.views: OrderedDict[Timestamp, TransactionView] = OrderedDict()

    def take(self, server: Any) -> tuple[Timestamp, TransactionView]:
        """A new point in time: the server as it is now, at a new cluster time."""
        with server.lock:
            at = server.clock.tick()
            view = _view_of(server)
        self.views[at] = view
        while len(self.views) > HISTORY_SIZE:
            with server.lock:  # its collections stop keeping their state for it
                self.views.popitem(last=False)[1].release_snapshot()
        return at, view

    def at(self, server: Any, at: Timestamp) -> TransactionView:
        """The view at ``at`` (one held, else the error the server gives)."""
        view = self.views.get(at)
        if view is not None:
            return view
        now = server.clock.now()
        if at > now:
            raise ServerError(72, f"readConcern atClusterTime value must not be greater than "
                                  f"the current clusterTime. Requested clusterTime: {at!r}; "
                                  f"current clusterTime: {now!r}")
        raise ServerError(239, f"Read timestamp {at!r} is older than the oldest available "
                               f"timestamp.")


def _view_of(server: Any) -> TransactionView:
    return TransactionView(server, _ReadOnly())  # type: ignore[arg-type]


history_of = PerServer(SnapshotHistory)


class SnapshotRead:
    """One snapshot read: the view it runs on and the time it reports."""

    __slots__ = ("view", "at_cluster_time")

    def __init__(self, view: TransactionView, at_cluster_time: Timestamp) -> None:
        self.view = view
        self.at_cluster_time = at_cluster_time

    def stamp(self, name: str, reply: dict) -> dict:
        """The reply with ``atClusterTime`` where the server puts it."""
        cursor = reply.get("cursor")
        if isinstance(cursor, dict):
            cursor["atClusterTime"] = self.at_cluster_time
        elif name != "getMore":
            reply["atClusterTime"] = self.at_cluster_time
        return reply


def snapshot_read(server: Any, read_concern: Mapping[str, Any]) -> SnapshotRead:
    """The point in time a snapshot read concern names (a new one without
    ``atClusterTime``)."""
    history = history_of(server)
    at = read_concern.get("atClusterTime")
    if at is None:
        at, view = history.take(server)
        return SnapshotRead(view, at)
    if not isinstance(at, Timestamp):
        raise ServerError(14, f"BSON field 'readConcern.atClusterTime' is the wrong type "
                              f"'{type_name(at)}', expected type 'timestamp'")
    return SnapshotRead(history.at(server, at), at)
