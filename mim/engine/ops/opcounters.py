"""``serverStatus().opcounters``: the operations a server has received.

mongod counts at receipt, whether the operation then succeeds or not: ``insert``
once per document, ``update``/``delete`` once per statement, ``query`` per find,
``getmore`` per getMore, and every other command in ``command`` (manual:
serverStatus, "opcounters")."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from bson.int64 import Int64

from ..storage.attached import PerServer

__all__ = ["OpCounters", "opcounters_of", "counter_of_command", "counting_plan"]

#: command name -> the opcounter it counts in (every other command: ``command``)
_COUNTER_OF = {"insert": "insert", "update": "update", "delete": "delete", "find": "query",
               "getMore": "getmore"}
#: the field of a write command listing its statements
_STATEMENTS_OF = {"insert": "documents", "update": "updates", "delete": "deletes"}


#: command name -> (its opcounter, the field listing its statements or None): one read
_COUNTING = {name: (counter, _STATEMENTS_OF.get(name)) for name, counter in _COUNTER_OF.items()}


def counting_plan(name: str) -> tuple[str, str | None]:
    """How a command named ``name`` is counted: its opcounter and the field listing
    its statements (None: it counts once)."""
    return _COUNTING.get(name) or ("command", None)


def counter_of_command(name: str) -> str:
    """The opcounter a command named ``name`` counts in."""
    return _COUNTER_OF.get(name, "command")


class OpCounters:
    """The ``opcounters`` of one server."""

    FIELDS = ("insert", "query", "update", "delete", "getmore", "command")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._acquire = self._lock.acquire
        self._release = self._lock.release
        self._counts = dict.fromkeys(self.FIELDS, 0)

    def count(self, counter: str, operations: int = 1) -> None:
        """Add ``operations`` to ``counter`` (one of :attr:`FIELDS`)."""
        with self._lock:
            self._counts[counter] += operations

    def count_received(self, plan: tuple[str, str | None], cmd: Mapping[str, Any]) -> None:
        """Count a command document as mongod counts it on receipt; ``plan`` is
        :func:`counting_plan` of its name (on every command's path: one call, no helper)."""
        counter, field = plan
        operations = 1
        if field is not None:
            statements = cmd.get(field)
            if type(statements) is list or isinstance(statements, (list, tuple)):
                operations = len(statements)
        # (acquire/release: a third of a ``with`` statement's cost, and ``+=`` cannot fail)
        self._acquire()
        self._counts[counter] += operations
        self._release()

    def document(self) -> dict:
        """``serverStatus().opcounters`` (64-bit counts, as mongod sends them)."""
        with self._lock:
            return {field: Int64(self._counts[field]) for field in self.FIELDS}


#: ``opcounters_of(server)``: the operation counters of an engine server.
opcounters_of: PerServer[OpCounters] = PerServer(OpCounters)
