"""Change events are stamped with the server's own cluster time: an event's
``clusterTime`` is its write's optime, ordered with every reply's
``operationTime``, as oplog timestamps are on a replica set.  pymongo's own
``test_start_at_operation_time`` starts a stream one tick after a ``ping``'s
``operationTime`` and expects exactly the writes made after that ping."""

from __future__ import annotations

import pytest
from bson import Timestamp


@pytest.fixture
def client(wire_server, wire_client):
    """Over the wire, where replies carry ``operationTime`` as a replica set's do."""
    wire_server.engine.reset()
    yield wire_client
    wire_server.engine.reset()


def _after(optime: Timestamp) -> Timestamp:
    return Timestamp(optime.time, optime.inc + 1)


def test_events_come_after_an_earlier_operation_time(client, coll):
    with coll.watch():  # the history listens from here on
        pass
    coll.insert_many([{"_id": i} for i in range(5)])
    coll.drop()
    optime = client.admin.command("ping")["operationTime"]
    later = client.streams.later
    later.insert_one({"_id": "after"})
    with later.watch(start_at_operation_time=_after(optime), max_await_time_ms=50) as stream:
        change = stream.try_next()
        assert change is not None and change["operationType"] == "insert"
        assert change["documentKey"] == {"_id": "after"}
        assert change["clusterTime"] > optime
    with client.watch(start_at_operation_time=_after(optime), max_await_time_ms=50) as stream:
        changes = []
        while (change := stream.try_next()) is not None:
            changes.append((change["operationType"], change["ns"]["coll"]))
        assert changes == [("insert", "later")]  # no drop of "events" before it


def test_an_operation_time_is_not_behind_the_writes_it_follows(client, coll):
    with coll.watch(max_await_time_ms=50) as stream:
        coll.insert_many([{"_id": i} for i in range(3)])
        stamps = [stream.next()["clusterTime"] for _ in range(3)]
        optime = client.admin.command("ping")["operationTime"]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert optime >= stamps[-1]
