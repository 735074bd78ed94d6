"""Both faces for the validation suite: the in-process ``mim.MongoClient`` and a real
pymongo client talking to ``mim.serve`` over the wire."""

from __future__ import annotations

import pymongo
import pytest

import mim


@pytest.fixture(scope="module")
def wire_server():
    # pins a standalone's exact replies (no $clusterTime gossip)
    with mim.serve(port=0, engine=mim.Server(standalone=True)) as running:
        yield running


@pytest.fixture(params=["inprocess", "wire"])
def client(request):
    if request.param == "inprocess":
        client = mim.MongoClient(server=mim.Server())
        yield client
        client.close()
        return
    server = request.getfixturevalue("wire_server")
    server.engine.reset()
    client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    yield client
    client.close()
    server.engine.reset()


@pytest.fixture
def db(client):
    return client.test
