"""Both faces of one replica-set member: ``mim.MongoClient`` in process and real
pymongo over the wire server (``directConnection=true``), on one engine."""

from __future__ import annotations

import pymongo
from pymongo import monitoring
import pytest

import mim


@pytest.fixture(scope="module")
def wire_server():
    with mim.serve(port=0) as running:
        yield running


@pytest.fixture(params=["mim", "wire"])
def client(request, wire_server):
    wire_server.engine.reset()
    if request.param == "mim":
        c = mim.MongoClient(server=wire_server.engine)
    else:
        c = pymongo.MongoClient(wire_server.uri, serverSelectionTimeoutMS=5000)
    yield c
    c.close()
    wire_server.engine.reset()


@pytest.fixture
def engine(wire_server):
    return wire_server.engine


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
