"""Fixtures that put the wire suite on the driver transport: the suite's module-wide
pymongo client becomes ``mim.driver_client`` on the same engine, so every test
runs pymongo's own code against mim with no socket in between."""

from __future__ import annotations

import pytest
from wire.test_cursors import CommandLog

import mim


@pytest.fixture(scope="module")
def module_client(server):
    client = mim.driver_client(server=server.engine)
    yield client
    client.close()


@pytest.fixture
def logged(server, client):
    log = CommandLog()
    watched = mim.driver_client(server=server.engine, event_listeners=[log])
    yield watched, log
    watched.close()
