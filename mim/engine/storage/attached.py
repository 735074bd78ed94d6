"""State kept beside an engine server without being part of its data.

A user store, a server log, a cursor registry…: one per :class:`~.store.Server`,
made on first use and kept on the server itself, so it goes with the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["PerServer"]

T = TypeVar("T")


class PerServer(Generic[T]):
    """``PerServer(Factory)(server)``: the server's one ``Factory()`` instance.

    The instance is kept in the server's own ``_attached`` dict (keyed by this
    ``PerServer``), so it lives and dies with the server, and the common case — it
    exists already — is one dict read on the hot path of every operation."""

    def __init__(self, factory: Callable[..., T], with_server: bool = False) -> None:
        self._factory = factory
        #: the factory is called with the server (state that reads the server's data)
        self._with_server = with_server
        self._lock = threading.Lock()

    def __call__(self, server: Any) -> T:
        try:
            instance = server._attached.get(self)
        except AttributeError:  # a server-like object without the dict yet
            instance = None
        if instance is not None:
            return instance
        with self._lock:
            attached = server.__dict__.setdefault("_attached", {})
            instance = attached.get(self)
            if instance is None:
                instance = attached[self] = (self._factory(server) if self._with_server
                                             else self._factory())
            return instance
