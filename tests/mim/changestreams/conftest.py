"""Fixtures for the change-stream suite (``both_faces``): every test runs on both
faces — the in-process ``mim.MongoClient`` and a real pymongo client over mim's wire
server."""

from __future__ import annotations

import pymongo
import pytest

import mim  # noqa: F401  (the fixtures build clients with this name; async twins swap it)
from both_faces import install

install(globals(), in_process_id="in-process", db_name="streams")


@pytest.fixture
def coll(db):
    db.create_collection("events")
    return db.events


@pytest.fixture(scope="module")
def wire_client(wire_server):
    """One pymongo client on the wire server for the module (tests that pin the wire face)."""
    client = pymongo.MongoClient(wire_server.uri, serverSelectionTimeoutMS=5000)
    yield client
    client.close()
