"""Both faces for the views suite: the in-process client and real pymongo on
``mim.serve(port=0)``; every test runs on each, so they must answer alike."""

from __future__ import annotations

import pymongo
import pytest

import mim


@pytest.fixture(scope="module")
def wire_server():
    with mim.serve(port=0) as running:
        yield running


@pytest.fixture(params=["inprocess", "wire"])
def db(request):
    if request.param == "inprocess":
        client = mim.MongoClient(server=mim.Server())
        yield client.viewsdb
        client.close()
        return
    server = request.getfixturevalue("wire_server")
    server.engine.reset()
    client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    yield client.viewsdb
    client.close()
    server.engine.reset()


@pytest.fixture
def inventory(db):
    """The manual's example shape: a collection and a view filtering it."""
    db.inventory.insert_many([
        {"_id": 1, "item": "abc", "price": 10, "quantity": 2, "tags": ["red", "blank"]},
        {"_id": 2, "item": "jkl", "price": 20, "quantity": 1, "tags": ["blank"]},
        {"_id": 3, "item": "xyz", "price": 5, "quantity": 10, "tags": ["blue"]},
        {"_id": 4, "item": "abc", "price": 10, "quantity": 0, "tags": []},
    ])
    db.create_collection("in_stock", viewOn="inventory",
                         pipeline=[{"$match": {"quantity": {"$gt": 0}}}])
    return db
