"""Both faces of one server (``both_faces``): ``mim.MongoClient`` in process and real
pymongo over the wire server.  Each test here runs on each (``client`` fixture) and
must behave as MongoDB 7.0 does on both."""

from __future__ import annotations

import pytest

import mim  # noqa: F401  (the fixtures build clients with this name; async twins swap it)
from both_faces import install

install(globals(), in_process_id="mim", db_name="facetest")


@pytest.fixture
def coll(db):
    return db.things
