"""``event_listeners=``: the in-process client refuses what it cannot honour (it has
no connections, monitor or pool to report on; command events it publishes); :func:`mim.driver_client`, a real
pymongo client on mim in process, publishes pymongo's own events."""

from __future__ import annotations

import pytest
from pymongo import monitoring
from pymongo.errors import ConfigurationError

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


# command listeners are served in process now (tests/mim/faces/test_command_events.py)
@pytest.mark.parametrize("listener", [monitoring.ServerListener(),
                                      monitoring.ServerHeartbeatListener(),
                                      monitoring.ConnectionPoolListener()],
                         ids=lambda listener: type(listener).__name__)
def test_in_process_client_refuses_listeners(listener):
    with pytest.raises(ConfigurationError, match="mim.driver_client"):
        mim.MongoClient(server=Server(), event_listeners=[listener])


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
