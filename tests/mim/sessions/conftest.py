"""Both faces of one standalone (``both_faces``): ``mim.MongoClient`` in process and
real pymongo over the wire server.  Session tests run on each (``client`` fixture)
and must agree; ``engine`` is the Server behind ``client``."""

from __future__ import annotations

import mim  # noqa: F401  (the fixtures build clients with this name; async twins swap it)
from both_faces import install

install(globals(), in_process_id="mim", standalone_wire=True, standalone_in_process=True)
