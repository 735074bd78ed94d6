"""``event_listeners=``: :func:`mim.driver_client`, a real pymongo client on mim in
process, publishes pymongo's own events."""

from __future__ import annotations

from pymongo import monitoring

import mim
from mim.engine.storage.store import Server




class Recorder(monitoring.CommandListener):
    def __init__(self) -> None:
        self.events: list = []

    def started(self, event):
        self.events.append(event)

    def succeeded(self, event):
        self.events.append(event)

    def failed(self, event):
        self.events.append(event)


# command listeners: tests/mim/faces/test_command_events.py; topology, server,
# heartbeat and pool listeners: tests/mim/faces/test_topology_and_pool_events.py


def test_no_listeners_is_fine():
    assert mim.MongoClient(server=Server(), event_listeners=[]).options.event_listeners == []


def test_driver_client_publishes_command_events():
    recorder = Recorder()
    client = mim.driver_client(server=Server(), event_listeners=[recorder])
    try:
        client.db.c.insert_one({"_id": 1})
        assert client.db.c.find_one({"_id": 1}) == {"_id": 1}
        started = [e for e in recorder.events if isinstance(e, monitoring.CommandStartedEvent)]
        names = [e.command_name for e in started]
        assert "insert" in names and "find" in names
        find = next(e for e in started if e.command_name == "find")
        assert find.command["filter"] == {"_id": 1} and find.database_name == "db"
        assert any(isinstance(e, monitoring.CommandSucceededEvent) and e.command_name == "find"
                   for e in recorder.events)
    finally:
        client.close()
