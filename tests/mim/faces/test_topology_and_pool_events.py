"""``event_listeners=`` on the in-process client: topology, server, heartbeat and
connection pool events, as pymongo publishes them.

The expected events are pymongo's own: a real pymongo client on mim in process
(:func:`mim.driver_client`, pymongo's topology, monitor and pool over an
in-process socket) runs the same calls and its listeners' record is the oracle.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from pymongo import monitoring
from pymongo.errors import AutoReconnect
from pymongo.server_type import SERVER_TYPE

import mim


class Everything(monitoring.TopologyListener, monitoring.ServerListener,
                 monitoring.ServerHeartbeatListener, monitoring.ConnectionPoolListener):
    """Records (listener kind, event) for every event of the four listener kinds."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def _record(self, kind: str) -> Any:
        return lambda event: self.events.append((kind, event))

    def __getattribute__(self, name: str) -> Any:
        if name in _CALLBACKS:
            return object.__getattribute__(self, "_record")(name)
        return object.__getattribute__(self, name)

    def of(self, *types: type) -> list[Any]:
        return [event for _, event in self.events if isinstance(event, types)]


_CALLBACKS = {"opened", "description_changed", "closed", "started", "succeeded", "failed",
              "pool_created", "pool_ready", "pool_cleared", "pool_closed", "connection_created",
              "connection_ready", "connection_closed", "connection_check_out_started",
              "connection_check_out_failed", "connection_checked_out", "connection_checked_in"}

_SDAM = (monitoring.TopologyOpenedEvent, monitoring.TopologyDescriptionChangedEvent,
         monitoring.TopologyClosedEvent, monitoring.ServerOpeningEvent,
         monitoring.ServerDescriptionChangedEvent, monitoring.ServerClosedEvent)
_POOL = (monitoring.PoolCreatedEvent, monitoring.PoolReadyEvent, monitoring.PoolClearedEvent,
         monitoring.PoolClosedEvent, monitoring.ConnectionCreatedEvent,
         monitoring.ConnectionReadyEvent, monitoring.ConnectionClosedEvent,
         monitoring.ConnectionCheckOutStartedEvent, monitoring.ConnectionCheckedOutEvent,
         monitoring.ConnectionCheckedInEvent)


#: the one server, whatever its address (driver_client's is a private one)
SERVER = "server"


def _sdam(event: Any) -> tuple:
    """What an SDAM event says, in comparable form."""
    name = type(event).__name__
    if isinstance(event, monitoring.TopologyDescriptionChangedEvent):
        return (name, event.previous_description.topology_type_name,
                event.new_description.topology_type_name,
                [SERVER for _ in event.new_description.server_descriptions()])
    if isinstance(event, monitoring.ServerDescriptionChangedEvent):
        return (name, SERVER, event.previous_description.server_type_name,
                event.new_description.server_type_name)
    return (name, SERVER if hasattr(event, "server_address") else None)


def _pool(event: Any) -> tuple:
    return (type(event).__name__, SERVER, getattr(event, "connection_id", None),
            getattr(event, "reason", None))


def _workload(client: Any) -> None:
    client.db.c.insert_one({"_id": 1})
    assert client.db.c.find_one({"_id": 1}) == {"_id": 1}
    assert list(client.db.c.find(batch_size=1)) == [{"_id": 1}]
    client.close()


def _both(**options: Any) -> tuple[Everything, Everything]:
    """The events of the in-process client and of pymongo's own, for one workload."""
    ours, theirs = Everything(), Everything()
    engine = options.pop("engine", mim.Server)
    _workload(mim.MongoClient(server=engine(), event_listeners=[ours], **options))
    _workload(mim.driver_client(server=engine(), event_listeners=[theirs], **options))
    return ours, theirs


def test_topology_and_server_events_are_pymongos() -> None:
    ours, theirs = _both()
    expected = [_sdam(e) for e in theirs.of(*_SDAM)]
    assert [_sdam(e) for e in ours.of(*_SDAM)] == expected  # same events, same order
    kinds = [type(e).__name__ for e in ours.of(*_SDAM)]
    assert kinds[0] == "TopologyOpenedEvent" and kinds[-1] == "TopologyClosedEvent"
    changed = ours.of(monitoring.ServerDescriptionChangedEvent)[0]
    assert changed.new_description.server_type_name == "RSPrimary"
    assert changed.new_description.replica_set_name == "rs0"


def test_a_standalone_is_a_single_topology_as_pymongo_sees_it() -> None:
    ours, theirs = _both(engine=lambda: mim.Server(standalone=True))
    assert [_sdam(e) for e in ours.of(*_SDAM)] == [_sdam(e) for e in theirs.of(*_SDAM)]
    assert ("TopologyDescriptionChangedEvent", "Unknown", "Single", [SERVER]) \
        in [_sdam(e) for e in ours.of(*_SDAM)]


def test_pool_events_are_pymongos() -> None:
    ours, theirs = _both()
    expected = [_pool(e) for e in theirs.of(*_POOL)]
    assert [_pool(e) for e in ours.of(*_POOL)] == expected
    assert expected[:2] == [("PoolCreatedEvent", SERVER, None, None),
                            ("PoolReadyEvent", SERVER, None, None)]
    assert expected[-2:] == [("ConnectionClosedEvent", SERVER, 1, "poolClosed"),
                             ("PoolClosedEvent", SERVER, None, None)]
    assert {e.address for e in ours.of(*_POOL)} == {("localhost", 27017)}


def test_pool_created_reports_the_non_default_options() -> None:
    ours, theirs = _both(maxPoolSize=7, minPoolSize=0, maxIdleTimeMS=1000)
    assert ours.of(monitoring.PoolCreatedEvent)[0].options == \
        theirs.of(monitoring.PoolCreatedEvent)[0].options == \
        {"maxPoolSize": 7, "maxIdleTimeMS": 1000}


def test_the_first_heartbeat_is_a_hello_to_the_server() -> None:
    ours = Everything()
    client = mim.MongoClient(server=mim.Server(), event_listeners=[ours])
    try:
        started, succeeded = ours.of(monitoring.ServerHeartbeatStartedEvent,
                                     monitoring.ServerHeartbeatSucceededEvent)[:2]
        assert isinstance(started, monitoring.ServerHeartbeatStartedEvent)
        assert (started.connection_id, started.awaited) == (("localhost", 27017), False)
        assert isinstance(succeeded, monitoring.ServerHeartbeatSucceededEvent)
        assert not succeeded.awaited
        assert succeeded.reply.document["setName"] == "rs0"
        assert succeeded.reply.server_type == SERVER_TYPE.RSPrimary
    finally:
        client.close()


@pytest.mark.parametrize("mode, awaited", [("stream", True), ("poll", False)])
def test_heartbeats_repeat_every_heartbeat_frequency(mode: str, awaited: bool) -> None:
    ours = Everything()
    client = mim.MongoClient(server=mim.Server(), event_listeners=[ours],
                             heartbeatFrequencyMS=500, serverMonitoringMode=mode)
    try:
        deadline = time.monotonic() + 10
        while len(ours.of(monitoring.ServerHeartbeatSucceededEvent)) < 3 \
                and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        client.close()
    beats = ours.of(monitoring.ServerHeartbeatSucceededEvent)
    assert len(beats) >= 3
    assert [beat.awaited for beat in beats[1:3]] == [awaited, awaited]


def test_nothing_connects_before_the_first_command_with_connect_false() -> None:
    ours = Everything()
    client = mim.MongoClient(server=mim.Server(), event_listeners=[ours], connect=False)
    try:
        assert [type(e).__name__ for _, e in ours.events] == [
            "TopologyOpenedEvent", "TopologyDescriptionChangedEvent", "ServerOpeningEvent"]
        client.db.c.find_one()
        assert ours.of(monitoring.PoolCreatedEvent) and \
            ours.of(monitoring.ServerHeartbeatSucceededEvent) and \
            ours.of(monitoring.ConnectionCheckedInEvent)
    finally:
        client.close()


def test_a_dropped_connection_is_closed_and_the_pool_cleared() -> None:
    ours = Everything()
    client = mim.MongoClient(server=mim.Server(), event_listeners=[ours], retryReads=False)
    try:
        client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                             data={"failCommands": ["find"], "closeConnection": True})
        with pytest.raises(AutoReconnect):
            client.db.c.find_one()
        client.db.c.find_one()
    finally:
        client.close()
    pool = [_pool(e) for e in ours.of(*_POOL)]
    address = SERVER
    closed = pool.index(("ConnectionClosedEvent", address, 1, "error"))
    assert pool[closed + 1] == ("PoolClearedEvent", address, None, None)
    # the next command gets a new connection, once the server is known again
    assert ("ConnectionCreatedEvent", address, 2, None) in pool[closed:]
    assert ("PoolReadyEvent", address, None, None) in pool[closed:]
    unknown = [e for e in ours.of(monitoring.ServerDescriptionChangedEvent)
               if e.new_description.server_type_name == "Unknown"]
    assert unknown and unknown[0].new_description.error is not None


def test_the_async_client_publishes_them_too() -> None:
    ours = Everything()

    async def run() -> None:
        client = mim.AsyncMongoClient(server=mim.Server(), event_listeners=[ours])
        await client.db.c.insert_one({"x": 1})
        await client.close()

    asyncio.run(run())
    kinds = {type(e).__name__ for _, e in ours.events}
    assert {"TopologyOpenedEvent", "PoolCreatedEvent", "ConnectionCheckedOutEvent",
            "ServerHeartbeatSucceededEvent", "TopologyClosedEvent"} <= kinds


def test_no_listener_no_cost() -> None:
    client = mim.MongoClient(server=mim.Server())
    assert client._monitor is None and client._runner.pool is None and client._runner.plain
    only_commands = mim.MongoClient(server=mim.Server(),
                                    event_listeners=[monitoring.CommandListener()])
    assert only_commands._monitor is None and only_commands._runner.pool is None


def test_a_failed_heartbeat_marks_the_server_unknown_and_clears_the_pool() -> None:
    # the failCommand fail point reaches the monitor's hello, as on a server (the SDAM
    # spec's integration tests fail "hello" and "isMaster" this way)
    ours = Everything()
    engine = mim.Server()
    client = mim.MongoClient(server=engine, event_listeners=[ours], heartbeatFrequencyMS=500,
                             serverMonitoringMode="poll")
    try:
        client.db.c.find_one()
        client.admin.command("configureFailPoint", "failCommand", mode={"times": 2},
                             data={"failCommands": ["hello", "isMaster"],
                                   "closeConnection": True})
        deadline = time.monotonic() + 10
        while not ours.of(monitoring.PoolReadyEvent)[1:] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        client.close()
    failed = ours.of(monitoring.ServerHeartbeatFailedEvent)
    # a known server's network error is retried at once: both fail, then it recovers
    assert len(failed) == 2 and all(isinstance(e.reply, AutoReconnect) for e in failed)
    kinds = [type(e).__name__ for e in ours.of(monitoring.PoolClearedEvent,
                                               monitoring.PoolReadyEvent)]
    assert kinds == ["PoolReadyEvent", "PoolClearedEvent", "PoolClearedEvent", "PoolReadyEvent"]
    types = [e.new_description.server_type_name
             for e in ours.of(monitoring.ServerDescriptionChangedEvent)]
    # each failure is a new description (its error differs: pymongo compares them)
    assert types == ["RSPrimary", "Unknown", "Unknown", "RSPrimary"]


def test_closing_a_client_that_never_connected() -> None:
    ours, theirs = Everything(), Everything()
    mim.MongoClient(server=mim.Server(), event_listeners=[ours], connect=False).close()
    mim.driver_client(server=mim.Server(), event_listeners=[theirs], connect=False).close()
    kinds = [type(e).__name__ for _, e in ours.events]
    assert kinds == [type(e).__name__ for _, e in theirs.events]
    assert "ServerClosedEvent" not in kinds and kinds[-1] == "TopologyClosedEvent"


def test_a_load_balancer_is_described_once_and_never_monitored() -> None:
    # pymongo's Topology._ensure_opened in load-balanced mode: no monitor, one
    # LoadBalancer description, the pool ready
    ours = Everything()
    client = mim.MongoClient("mongodb://localhost/?loadBalanced=true", server=mim.Server(),
                             event_listeners=[ours])
    client.db.c.find_one()
    client.close()
    assert not ours.of(monitoring.ServerHeartbeatStartedEvent)
    changed = ours.of(monitoring.ServerDescriptionChangedEvent)
    assert [e.new_description.server_type_name for e in changed] == ["LoadBalancer"]
    topologies = [e.new_description.topology_type_name
                  for e in ours.of(monitoring.TopologyDescriptionChangedEvent)]
    assert topologies[:2] == ["LoadBalanced", "LoadBalanced"]
    assert ours.of(monitoring.PoolReadyEvent) and ours.of(monitoring.ConnectionCheckedInEvent)
