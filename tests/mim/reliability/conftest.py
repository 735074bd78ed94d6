"""Fixtures for the reliability suite (``both_faces``): every test runs in process
and over the wire."""

from __future__ import annotations

import pytest

import mim  # noqa: F401  (the fixtures build clients with this name; async twins swap it)
from both_faces import install

install(globals(), in_process_id="in-process")


@pytest.fixture
def face(client, engine):
    """``(client, engine)``: a mim client, or a real pymongo client over the wire."""
    return client, engine
