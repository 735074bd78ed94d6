"""Both faces of one standalone: ``mim.MongoClient`` in process and real pymongo over
the wire server.  Session tests run on each (``face`` fixture) and must agree."""

from __future__ import annotations

import pymongo
import pytest

import mim
from mim.engine.storage.store import Server


@pytest.fixture(scope="module")
def wire_server():
    with mim.serve(port=0, engine=Server(standalone=True)) as running:
        yield running


@pytest.fixture(params=["mim", "wire"])
def client(request, wire_server):
    if request.param == "mim":
        c = mim.MongoClient(server=Server(standalone=True))
    else:
        wire_server.engine.reset()
        c = pymongo.MongoClient(wire_server.uri, serverSelectionTimeoutMS=5000)
    yield c
    c.close()


@pytest.fixture
def engine(client, wire_server):
    """The engine Server behind ``client``."""
    return client.server if isinstance(client, mim.MongoClient) else wire_server.engine
