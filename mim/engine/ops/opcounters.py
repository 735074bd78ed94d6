"""``serverStatus().opcounters``: the operations a server has received.

mongod counts at receipt, whether the operation then succeeds or not: ``insert``
once per document, ``update``/``delete`` once per statement, ``query`` per find,
``getmore`` per getMore, and every other command in ``command`` (manual:
serverStatus, "opcounters")."""

from __future__ import annotations

import itertools
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
        self._counts = dict.fromkeys(self.FIELDS, 0)
        #: counter -> an ``itertools.count`` of its single operations: ``next()`` on
        #: one is atomic, so the commonest count (one operation) takes no lock (the
        #: command runner counts a one-operation command with it, without a call)
        self.singles = {field: itertools.count() for field in self.FIELDS}

    def count(self, counter: str, operations: int = 1) -> None:
        """Add ``operations`` to ``counter`` (one of :attr:`FIELDS`)."""
        with self._lock:
            self._counts[counter] += operations

    def count_received(self, plan: tuple[str, str | None], cmd: Mapping[str, Any]) -> None:
        """Count a command document as mongod counts it on receipt; ``plan`` is
        :func:`counting_plan` of its name (on every command's path: one call, no helper)."""
        counter, field = plan
        if field is not None:
            statements = cmd.get(field)
            if (type(statements) is list or isinstance(statements, (list, tuple))) \
                    and len(statements) != 1:
                with self._lock:
                    self._counts[counter] += len(statements)
                return
        next(self.singles[counter])

    def document(self) -> dict:
        """``serverStatus().opcounters`` (64-bit counts, as mongod sends them)."""
        with self._lock:
            return {field: Int64(self._counts[field] + _value_of(self.singles[field]))
                    for field in self.FIELDS}


def _value_of(counter: "itertools.count[int]") -> int:
    """How many times ``next(counter)`` was called (an ``itertools.count()`` from 0):
    its repr, ``count(N)``, names the next value (there is no other way to read it)."""
    return int(repr(counter)[6:-1])


#: ``opcounters_of(server)``: the operation counters of an engine server.
opcounters_of: PerServer[OpCounters] = PerServer(OpCounters)
