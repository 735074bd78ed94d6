"""Fixtures for the wire suite: one mim wire server per module, real pymongo clients.

Each test starts from an empty engine (``engine.reset()``), so tests never see
each other's data while sharing one server and one connection pool.
"""

from __future__ import annotations

import pytest
import pymongo

import mim


@pytest.fixture(scope="module")
def server():
    # these tests pin a standalone's exact replies (no $clusterTime gossip)
    with mim.serve(port=0, engine=mim.Server(standalone=True)) as running:
        yield running


@pytest.fixture(scope="module")
def module_client(server):
    client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    yield client
    client.close()


@pytest.fixture
def client(server, module_client):
    server.engine.reset()
    yield module_client
    server.engine.reset()


@pytest.fixture
def db(client):
    return client.wiretest


@pytest.fixture
def coll(db):
    return db.things
