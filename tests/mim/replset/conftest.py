"""Both faces of one replica-set member (``both_faces``): ``mim.MongoClient`` in
process and real pymongo over the wire server (``directConnection=true``), on one
engine."""

from __future__ import annotations

import pymongo
from pymongo import monitoring
import pytest

import mim  # noqa: F401  (the fixtures build clients with this name; async twins swap it)
from both_faces import install

install(globals(), in_process_id="mim", shared_engine=True)


class CommandNames(monitoring.CommandListener):
    """The names of the commands a client sends, in order."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


@pytest.fixture
def listened_client(wire_server):
    """A pymongo client that discovered the set (``replicaSet=rs0``: retryable writes,
    fast heartbeats after a lost connection), its sent commands in ``.listener.names``."""
    wire_server.engine.reset()
    listener = CommandNames()
    uri = wire_server.uri.replace("directConnection=true", "replicaSet=rs0")
    with pymongo.MongoClient(uri, event_listeners=[listener], heartbeatFrequencyMS=500,
                             serverSelectionTimeoutMS=5000) as client:
        client.listener = listener
        yield client
    wire_server.engine.reset()
