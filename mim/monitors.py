"""pymongo's topology, server, heartbeat and connection pool events for the
in-process client (``mim.MongoClient(event_listeners=[...])``).

The in-process client has no sockets, monitor threads or pool, but listeners of
those events (``TopologyListener``, ``ServerListener``, ``ServerHeartbeatListener``,
``ConnectionPoolListener``) are told what pymongo tells them about the one
server mim is, in pymongo's own event and description classes:

* at construction, as pymongo's ``Topology``: topology opened, its description
  changed from an empty Unknown one to the seeds', a server opened per seed;
* when the client connects (at construction, or at the first command with
  ``connect=False``), as ``Topology.open``: a pool created per server, then each
  server's first check (heartbeat started and succeeded with the server's own
  ``hello`` reply), the pool of a selectable server ready, the server's and the
  topology's descriptions changed (pymongo's ``updated_topology_description``
  decides the new ones, so a replica set, a standalone or a ``directConnection``
  come out as pymongo makes them);
* every command, as pymongo's pool lends a connection: check-out started, a
  connection created and ready when none is idle, checked out, checked in (a
  connection dropped by a network error is closed with reason ``error`` and the
  pool cleared, the server re-checked);
* heartbeats every ``heartbeatFrequencyMS`` from a daemon thread (only while a
  heartbeat listener is registered), streaming (``awaited``) or polling as
  ``serverMonitoringMode`` makes pymongo's monitor; with ``loadBalanced=true``
  none: the load balancer is described once, as pymongo's topology describes it;
* at ``close``: idle connections closed (``poolClosed``), each pool closed, each
  server closed, the topology's description reset and the topology closed.

Nothing here runs for a client with no such listener: the runner reads one
attribute (``Runner.pool``) and the client creates no :class:`ClientMonitor`.
"""

from __future__ import annotations

import inspect
import threading
import time
import weakref
from typing import Any

from bson.objectid import ObjectId
from pymongo.hello import Hello
from pymongo.monitoring import _EventListeners
from pymongo.server_description import ServerDescription
from pymongo.synchronous.settings import TopologySettings
from pymongo.topology_description import (TOPOLOGY_TYPE, TopologyDescription,
                                          updated_topology_description)

from pymongo.errors import AutoReconnect, OperationFailure

from .engine.commands import hello_reply
from .engine.ops.failpoints import fail_command, fail_points_of

__all__ = ["ClientMonitor", "wants_monitor"]

#: pymongo >= 4.9 reports how long a connection took to become ready / be checked out
_TIMED_CHECKOUT = "duration" in inspect.signature(
    _EventListeners.publish_connection_checked_out).parameters


def wants_monitor(listeners: _EventListeners | None) -> bool:
    """Whether some listener wants the events this module publishes."""
    return listeners is not None and (
        listeners.enabled_for_topology or listeners.enabled_for_server
        or listeners.enabled_for_server_heartbeat or listeners.enabled_for_cmap)


class _Pool:
    """One server's connection pool as pymongo's ``Pool`` reports it (ids from 1)."""

    def __init__(self, monitor: "ClientMonitor", address: tuple[str, int]) -> None:
        self.monitor = monitor
        self.address = address
        self.idle: list[int] = []
        self.next_id = 1
        self.ready = False
        self.lock = threading.Lock()

    def make_ready(self) -> None:
        if not self.ready:
            self.ready = True
            if self.monitor.cmap:
                self.monitor.listeners.publish_pool_ready(self.address)

    def check_out(self) -> int:
        listeners = self.monitor.listeners
        cmap = self.monitor.cmap
        started = time.monotonic()
        if cmap:
            listeners.publish_connection_check_out_started(self.address)
        with self.lock:
            conn_id = self.idle.pop() if self.idle else None
            if conn_id is None:
                conn_id, self.next_id = self.next_id, self.next_id + 1
                created = True
            else:
                created = False
        if cmap:
            if created:
                listeners.publish_connection_created(self.address, conn_id)
                if _TIMED_CHECKOUT:
                    listeners.publish_connection_ready(self.address, conn_id,
                                                       time.monotonic() - started)
                else:  # pragma: no cover - pymongo < 4.9
                    listeners.publish_connection_ready(self.address, conn_id)
            if _TIMED_CHECKOUT:
                listeners.publish_connection_checked_out(self.address, conn_id,
                                                         time.monotonic() - started)
            else:  # pragma: no cover - pymongo < 4.9
                listeners.publish_connection_checked_out(self.address, conn_id)
        return conn_id

    def check_in(self, conn_id: int) -> None:
        if self.monitor.cmap:
            self.monitor.listeners.publish_connection_checked_in(self.address, conn_id)
        with self.lock:
            self.idle.append(conn_id)

    def drop(self, conn_id: int) -> None:
        """A connection a network error ended: closed (``error``), the pool cleared."""
        if self.monitor.cmap:
            self.monitor.listeners.publish_connection_checked_in(self.address, conn_id)
            self.monitor.listeners.publish_connection_closed(self.address, conn_id, "error")
        self.clear()

    def clear(self) -> None:
        """The pool cleared (paused until the server is known again): idle
        connections are stale and closed."""
        with self.lock:
            stale, self.idle = self.idle, []
        self.ready = False
        if self.monitor.cmap:
            listeners = self.monitor.listeners
            listeners.publish_pool_cleared(self.address, None)
            for stale_id in stale:
                listeners.publish_connection_closed(self.address, stale_id, "stale")

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        if self.monitor.cmap:
            listeners = self.monitor.listeners
            for conn_id in idle:
                listeners.publish_connection_closed(self.address, conn_id, "poolClosed")
            listeners.publish_pool_closed(self.address)


class ClientMonitor:
    """What pymongo's topology, monitors and pools publish, for one in-process client."""

    def __init__(self, client: Any, listeners: _EventListeners,
                 nodes: list[tuple[str, int]]) -> None:
        options = client.options
        self.listeners = listeners
        self.engine = client._engine
        self.topology_events = listeners.enabled_for_topology
        self.server_events = listeners.enabled_for_server
        self.heartbeats = listeners.enabled_for_server_heartbeat
        self.cmap = listeners.enabled_for_cmap
        self.seeds = [(host or "localhost", port) for host, port in nodes]
        self.settings = TopologySettings(
            seeds=self.seeds, replica_set_name=options.replica_set_name,
            pool_options=options.pool_options,
            local_threshold_ms=options.local_threshold_ms,
            server_selection_timeout=options.server_selection_timeout,
            heartbeat_frequency=options.heartbeat_frequency,
            direct_connection=options.direct_connection,
            load_balanced=options.load_balanced,
            server_monitoring_mode=options.server_monitoring_mode)
        self.topology_id: ObjectId = self.settings._topology_id
        self.streaming = options.server_monitoring_mode != "poll"
        self.non_default_options = options.pool_options.non_default_options
        self.app_name = options.pool_options.appname
        self.fail_points = fail_points_of(self.engine)
        #: a first hello was sent (pymongo's handshake says isMaster, its checks hello)
        self.checked = False
        self.pools: dict[tuple[str, int], _Pool] = {}
        self.opened = False
        self.closed = False
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # as pymongo's Topology.__init__
        self.description = TopologyDescription(
            self.settings.get_topology_type(), self.settings.get_server_descriptions(),
            self.settings.replica_set_name, None, None, self.settings)
        if self.topology_events:
            listeners.publish_topology_opened(self.topology_id)
            initial = TopologyDescription(TOPOLOGY_TYPE.Unknown, {}, None, None, None,
                                          self.settings)
            listeners.publish_topology_description_changed(initial, self.description,
                                                           self.topology_id)
        if self.server_events:
            for seed in self.seeds:
                listeners.publish_server_opened(seed, self.topology_id)
        # the heartbeat thread stops when the client is closed or collected
        weakref.finalize(client, self._stop.set)

    # -- connecting ------------------------------------------------------------------

    def open(self) -> None:
        """As ``Topology.open``: pools created, each server checked once."""
        with self.lock:
            if self.opened or self.closed:
                return
            self.opened = True
            self._update_pools()
            if self.settings.load_balanced:
                # a load balancer is not monitored: pymongo describes it once, as itself
                self._process(ServerDescription(self.seeds[0], Hello(
                    {"ok": 1, "serviceId": self.topology_id, "maxWireVersion": 13})))
                return
            for address in list(self.description.server_descriptions()):
                self.check(address, awaited=False)
        if self.heartbeats and self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="mim-heartbeats",
                                            daemon=True)
            self._thread.start()

    def _update_pools(self) -> None:
        """A pool for each server of the description, closed for each server gone."""
        current = self.description.server_descriptions()
        for address in current:
            if address not in self.pools:
                self.pools[address] = _Pool(self, address)
                if self.cmap:
                    self.listeners.publish_pool_created(address, self.non_default_options)
        for address in [a for a in self.pools if a not in current]:
            if self.server_events:
                self.listeners.publish_server_closed(address, self.topology_id)
            self.pools.pop(address).close()

    def _hello(self, address: tuple[str, int]) -> dict[str, Any]:
        """The server's answer to the monitor's ``hello`` (``isMaster`` the first
        time, as pymongo's handshake); the failCommand fail point applies to it
        (a closed connection, an error reply), as to any client's command."""
        name = "hello" if self.checked else "isMaster"
        self.checked = True
        if self.fail_points.armed:
            failure = fail_command(self.engine, name, self.app_name)
            if failure is not None and failure.close_connection:
                raise AutoReconnect(f"{address[0]}:{address[1]}: connection closed")
            if failure is not None and failure.error is not None:
                details = failure.error.details
                raise OperationFailure(details.get("errmsg", ""), details.get("code"), details)
        return hello_reply(self.engine, me=f"{address[0]}:{address[1]}")

    def check(self, address: tuple[str, int], awaited: bool, retry: bool = True) -> None:
        """One heartbeat of ``address`` and what it changes (``Topology._process_change``):
        a failed one marks the server Unknown and clears its pool, and a network
        error on a server that was known is retried at once (the SDAM spec)."""
        with self.lock:
            descriptions = self.description.server_descriptions()
            if self.closed or address not in descriptions:
                return
            if self.heartbeats:
                self.listeners.publish_server_heartbeat_started(address, awaited)
            started = time.monotonic()
            try:
                reply = Hello(self._hello(address), awaitable=awaited)
            except (AutoReconnect, OperationFailure) as exc:
                if self.heartbeats:
                    self.listeners.publish_server_heartbeat_failed(
                        address, time.monotonic() - started, exc, awaited)
                was_known = descriptions[address].is_server_type_known
                self._process(ServerDescription(address, error=exc))
                pool = self.pools.get(address)
                if pool is not None:
                    pool.clear()
                if retry and was_known and isinstance(exc, AutoReconnect):
                    self.check(address, awaited=False, retry=False)
                return
            round_trip = time.monotonic() - started
            if self.heartbeats:
                self.listeners.publish_server_heartbeat_succeeded(address, round_trip, reply,
                                                                  awaited)
            self._process(ServerDescription(address, reply, round_trip))

    def _process(self, new: ServerDescription) -> None:
        old_td = self.description
        old = old_td.server_descriptions().get(new.address)
        if old is None:
            return
        new_td = updated_topology_description(old_td, new)
        pool = self.pools.get(new.address)
        if pool is not None and (new.is_readable or (
                new.is_server_type_known and new_td.topology_type == TOPOLOGY_TYPE.Single)):
            pool.make_ready()
        changed = old != new
        if changed and self.server_events:
            self.listeners.publish_server_description_changed(old, new, new.address,
                                                               self.topology_id)
        self.description = new_td
        self._update_pools()
        if changed and self.topology_events:
            self.listeners.publish_topology_description_changed(old_td, new_td,
                                                                self.topology_id)

    def _beat(self) -> None:
        """pymongo's monitor loop: streaming (an awaited hello answered every
        ``heartbeatFrequencyMS``) or polling (a hello every ``heartbeatFrequencyMS``)."""
        interval = self.settings.heartbeat_frequency
        if self.streaming:  # after a successful check pymongo's monitor streams
            with self.lock:
                for address, known in self.description.server_descriptions().items():
                    if known.is_server_type_known:
                        self.listeners.publish_server_heartbeat_started(address, True)
        while not self._stop.wait(interval):
            with self.lock:
                if self.closed:
                    return
                for address, known in self.description.server_descriptions().items():
                    if self.streaming and known.is_server_type_known:
                        self._streamed(address, interval)
                    else:  # polling, or after a failure (pymongo polls until it streams again)
                        self.check(address, awaited=False)
                        if self.streaming and self.description.server_descriptions()[
                                address].is_server_type_known:
                            self.listeners.publish_server_heartbeat_started(address, True)

    def _streamed(self, address: tuple[str, int], interval: float) -> None:
        """The awaited hello in flight answers; the next one starts."""
        try:
            reply = Hello(self._hello(address), awaitable=True)
        except (AutoReconnect, OperationFailure) as exc:
            self.listeners.publish_server_heartbeat_failed(address, interval, exc, True)
            self._process(ServerDescription(address, error=exc))
            pool = self.pools.get(address)
            if pool is not None:
                pool.clear()
            return
        self.listeners.publish_server_heartbeat_succeeded(address, interval, reply, True)
        self._process(ServerDescription(address, reply, 0.0))
        self.listeners.publish_server_heartbeat_started(address, True)

    # -- commands ----------------------------------------------------------------------

    def check_out(self) -> tuple[_Pool, int]:
        """A connection to the server commands go to (the primary, or the one server)."""
        if not self.opened:
            self.open()
        address = self.seeds[0]
        for candidate, description in self.description.server_descriptions().items():
            if description.is_writable:
                address = candidate
                break
        pool = self.pools.get(address) or _Pool(self, address)
        return pool, pool.check_out()

    def connection_failed(self, pool: _Pool, conn_id: int) -> None:
        """A network error on a connection (pymongo's ``handle_error``): it is closed,
        the pool cleared, the server marked Unknown, then checked again."""
        with self.lock:
            pool.drop(conn_id)
            address = pool.address
            if address in self.description.server_descriptions():
                self._process(ServerDescription(address, error=AutoReconnect(
                    f"{address[0]}:{address[1]}: connection closed")))
                self.check(address, awaited=False, retry=False)

    # -- closing -----------------------------------------------------------------------

    def close(self) -> None:
        """As ``Topology.close``: pools closed, servers closed, the topology closed."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            self._stop.set()
            for pool in self.pools.values():
                pool.close()
            if self.server_events:  # the servers opened (none before the client connected)
                for address in self.pools:
                    self.listeners.publish_server_closed(address, self.topology_id)
            if self.topology_events:
                old = self.description
                self.description = TopologyDescription(
                    TOPOLOGY_TYPE.Unknown, {}, old.replica_set_name, old.max_set_version,
                    old.max_election_id, self.settings)
                self.listeners.publish_topology_description_changed(old, self.description,
                                                                    self.topology_id)
                self.listeners.publish_topology_closed(self.topology_id)
