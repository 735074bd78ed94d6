"""Log component verbosity: the ``logLevel`` and ``logComponentVerbosity`` server
parameters (what mongosh's ``db.setLogLevel()`` / ``db.getLogComponents()`` run).

The components and their hierarchy are mongod 7.0's (``logv2/log_component.h``);
the document ``getParameter`` shows and the settings ``setParameter`` takes are
``getLogComponentVerbosity`` / ``parseLogComponentSettings``'s: the default
component's ``verbosity`` at the root, every other component an object with its
``verbosity`` (-1: inherit the parent's) and its children.  mim writes no debug
lines, so the levels are kept and reported, and change nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bson.decimal128 import Decimal128

from ..storage.attached import PerServer
from ..values.errors import ServerError
from ..values.order import type_name

__all__ = ["LogVerbosity", "log_verbosity_of", "COMPONENTS"]

#: ``(short name, parent)`` of every component but ``default``, in mongod's order.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("accessControl", "default"), ("assert", "default"), ("command", "default"),
    ("control", "default"), ("executor", "default"), ("geo", "default"),
    ("globalIndex", "default"), ("index", "default"), ("network", "default"),
    ("processHealth", "default"), ("query", "default"), ("replication", "default"),
    ("election", "replication"), ("heartbeats", "replication"),
    ("initialSync", "replication"), ("rollback", "replication"), ("sharding", "default"),
    ("rangeDeleter", "sharding"), ("shardingCatalogRefresh", "sharding"),
    ("migration", "sharding"), ("reshard", "sharding"), ("migrationPerf", "sharding"),
    ("storage", "default"), ("recovery", "storage"), ("journal", "storage"),
    ("wt", "storage"), ("wtBackup", "wt"), ("wtCheckpoint", "wt"), ("wtCompact", "wt"),
    ("wtEviction", "wt"), ("wtHS", "wt"), ("wtRecovery", "wt"), ("wtRTS", "wt"),
    ("wtSalvage", "wt"), ("wtTiered", "wt"), ("wtTimestamp", "wt"),
    ("wtTransaction", "wt"), ("wtVerify", "wt"), ("wtWriteLog", "wt"),
    ("write", "default"), ("ftdc", "default"), ("asio", "network"), ("bridge", "network"),
    ("connectionPool", "network"), ("tracking", "default"), ("transaction", "default"),
    ("tenantMigration", "default"), ("test", "default"), ("resourceConsumption", "default"),
)
_PARENT = dict(COMPONENTS)


def _dotted(component: str) -> str:
    """``LogComponent::getDottedName``: the short name behind its ancestors' (none
    for ``default`` and its children)."""
    parent = _PARENT.get(component)
    if parent is None or parent == "default":
        return component
    return f"{_dotted(parent)}.{component}"


def _coerced(value: Any, parent: str, field: str) -> int:
    """``tryCoerceVerbosity``: an integer >= -1."""
    prefix = f"Expected {_dotted(parent)}.{field}"
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal128):
        value = float(value.to_decimal())
    if isinstance(value, float):
        if not math.isfinite(value):
            reason = "Unable to coerce NaN/Inf to integral type"
        elif not -2**31 <= value < 2**31:
            reason = "Out of bounds coercing to integral value"
        else:
            reason = ""
        if reason:
            raise ServerError(2, f"{prefix} to be safely cast to integer, but could not: "
                                 f"{reason}")
        value = int(value)
    elif not isinstance(value, int):
        raise ServerError(2, f"{prefix} to be safely cast to integer, but could not: "
                             "Unable to coerce value to integral type")
    elif not -2**31 <= value < 2**31:
        raise ServerError(2, f"{prefix} to be safely cast to integer, but could not: "
                             "Out of bounds coercing to integral value")
    if value < -1:
        raise ServerError(2, f"{prefix} to be greater than or equal to -1, but found {value}")
    return value


class LogVerbosity:
    """One server's component verbosity levels (``default`` 0, the others -1)."""

    def __init__(self) -> None:
        self.levels: dict[str, int] = {"default": 0, **{name: -1 for name, _ in COMPONENTS}}

    def document(self) -> dict[str, Any]:
        """``logComponentVerbosity`` as ``getParameter`` shows it."""
        def node(component: str) -> dict[str, Any]:
            shown: dict[str, Any] = {"verbosity": self.levels[component]}
            for child, parent in COMPONENTS:
                if parent == component:
                    shown[child] = node(child)
            return shown
        return node("default")

    def parse(self, settings: Any) -> list[tuple[str, int]]:
        """``parseLogComponentSettings``: the ``(component, level)`` changes ``settings``
        asks for (nothing changed yet)."""
        changes: list[tuple[str, int]] = []

        def walk(obj: Mapping, parent: str) -> None:
            for name, value in obj.items():
                if name == "verbosity":
                    changes.append((parent, _coerced(value, parent, name)))
                    continue
                if _PARENT.get(name) != parent:
                    raise ServerError(2, f"Invalid component name {_dotted(parent)}.{name}")
                if isinstance(value, (int, float, Decimal128)):
                    changes.append((name, _coerced(value, parent, name)))
                elif isinstance(value, Mapping):
                    walk(value, name)
                else:
                    raise ServerError(2, f"Invalid type {type_name(value)}for component "
                                         f"{_dotted(parent)}.{name}")

        walk(settings, "default")
        return changes

    def apply(self, settings: Any) -> None:
        for component, level in self.parse(settings):
            self.levels[component] = level

    def set_log_level(self, value: Any) -> None:
        """``setParameter: {logLevel: n}``: the default component's verbosity."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)) or value < 0:
            raise ServerError(2, f"Invalid value for logLevel: {value}")
        self.levels["default"] = int(value)


#: ``log_verbosity_of(server)``: the server's log component verbosity levels.
log_verbosity_of: PerServer[LogVerbosity] = PerServer(LogVerbosity)
