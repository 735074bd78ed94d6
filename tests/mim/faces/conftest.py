"""Both faces of one server: ``mim.MongoClient`` in process and real pymongo over
the wire server.  Each test here runs on each (``client`` fixture) and must behave
as MongoDB 7.0 does on both."""

from __future__ import annotations

import pymongo
import pytest

import mim
from mim.engine.storage.store import Server


@pytest.fixture(scope="module")
def wire_server():
    with mim.serve(port=0) as running:
        yield running


@pytest.fixture(params=["mim", "wire"])
def client(request, wire_server):
    if request.param == "mim":
        c = mim.MongoClient(server=Server())
    else:
        wire_server.engine.reset()
        c = pymongo.MongoClient(wire_server.uri, serverSelectionTimeoutMS=5000)
    yield c
    c.close()


@pytest.fixture
def db(client):
    return client.facetest


@pytest.fixture
def coll(db):
    return db.things
