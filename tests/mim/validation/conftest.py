"""Both faces for the validation suite (``both_faces``): the in-process
``mim.MongoClient`` and a real pymongo client talking to ``mim.serve`` over the wire
(a standalone there: it pins a standalone's exact replies, no $clusterTime gossip)."""

from __future__ import annotations

import mim  # noqa: F401  (the fixtures build clients with this name; async twins swap it)
from both_faces import install

install(globals(), db_name="test", standalone_wire=True)
