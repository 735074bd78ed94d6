"""Fixtures: a fresh in-memory server per test."""

from __future__ import annotations

import pytest

import mim


@pytest.fixture
def server():
    return mim.Server()


@pytest.fixture
def client(server):
    return mim.MongoClient(server=server)


@pytest.fixture
def db(client):
    return client.test


@pytest.fixture
def coll(db):
    return db.c
