"""Both faces for the time-series suite (``both_faces``): the in-process
``mim.MongoClient`` and a real pymongo client talking to ``mim.serve`` over the wire;
``engine`` is the server behind the client (to run a TTL pass now)."""

from __future__ import annotations

import mim  # noqa: F401  (the fixtures build clients with this name; async twins swap it)
from both_faces import install

install(globals(), db_name="test")
