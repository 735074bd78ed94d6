"""Fixtures for the engine-internals suite (write path, planning): a private server per test."""

from __future__ import annotations

import pytest

import mim


@pytest.fixture
def client():
    """A client on its own server, so no test sees another test's data."""
    c = mim.MongoClient(server=mim.Server())
    yield c
    c.close()


@pytest.fixture
def db(client):
    return client.testdb


@pytest.fixture
def coll(db):
    return db.coll
