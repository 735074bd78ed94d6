"""Fixtures for the change-stream suite: every test runs on both faces — the
in-process ``mim.MongoClient`` and a real pymongo client over mim's wire server."""

from __future__ import annotations

import pymongo
import pytest

import mim


@pytest.fixture(scope="module")
def wire_server():
    with mim.serve(port=0) as running:
        yield running


@pytest.fixture(scope="module")
def wire_client(wire_server):
    client = pymongo.MongoClient(wire_server.uri, serverSelectionTimeoutMS=5000)
    yield client
    client.close()


@pytest.fixture(params=["in-process", "wire"])
def client(request, wire_server, wire_client):
    """A client with an empty server, on one face or the other."""
    if request.param == "in-process":
        local = mim.MongoClient(server=mim.Server())
        yield local
        local.close()
    else:
        wire_server.engine.reset()
        yield wire_client
        wire_server.engine.reset()


@pytest.fixture
def db(client):
    return client.streams


@pytest.fixture
def coll(db):
    db.create_collection("events")
    return db.events
