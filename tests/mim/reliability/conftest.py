"""Fixtures for the reliability suite: every test runs in process and over the wire."""

from __future__ import annotations

import pymongo
import pytest

import mim


@pytest.fixture(scope="module")
def wire_server():
    with mim.serve(port=0) as running:
        yield running


@pytest.fixture(params=["in-process", "wire"])
def face(request):
    """``(client, engine)``: a mim client, or a real pymongo client over the wire."""
    if request.param == "in-process":
        engine = mim.Server()
        client = mim.MongoClient(server=engine)
        yield client, engine
        client.close()
        return
    running = request.getfixturevalue("wire_server")
    running.engine.reset()
    client = pymongo.MongoClient(running.uri, serverSelectionTimeoutMS=5000)
    yield client, running.engine
    client.close()
    running.engine.reset()


@pytest.fixture
def client(face):
    return face[0]


@pytest.fixture
def engine(face):
    return face[1]
