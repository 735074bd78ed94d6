"""State kept beside an engine server without being part of its data.

A user store, a server log, a cursor registry…: one per :class:`~.store.Server`,
made on first use and gone with the server (a weak key, so dropping a server
frees them).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["PerServer"]

T = TypeVar("T")


class PerServer(Generic[T]):
    """``PerServer(Factory)(server)``: the server's one ``Factory()`` instance."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._instances: "weakref.WeakKeyDictionary[Any, T]" = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, server: Any) -> T:
        with self._lock:
            instance = self._instances.get(server)
            if instance is None:
                instance = self._instances[server] = self._factory()
            return instance
