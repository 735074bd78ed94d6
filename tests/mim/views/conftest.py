"""Both faces for the views suite (``both_faces``): the in-process client and real
pymongo on ``mim.serve(port=0)``; every test runs on each, so they must answer alike."""

from __future__ import annotations

import pytest

import mim  # noqa: F401  (the fixtures build clients with this name; async twins swap it)
from both_faces import install


install(globals(), db_name="viewsdb")


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
