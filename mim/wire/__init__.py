"""mim's wire-protocol face: a MongoDB-compatible TCP server over the engine.

``python -m mim serve`` runs one from the command line; :func:`serve` starts
one in a background thread (``with mim.serve() as server: server.uri``).
"""

from __future__ import annotations

from .server import WireServer, serve

__all__ = ["WireServer", "serve"]
