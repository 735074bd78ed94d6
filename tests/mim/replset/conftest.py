"""Both faces of one replica-set member: ``mim.MongoClient`` in process and real
pymongo over the wire server (``directConnection=true``), on one engine."""

from __future__ import annotations

import pymongo
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
