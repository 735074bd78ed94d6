"""Log component verbosity: the ``logLevel`` and ``logComponentVerbosity`` server
parameters (what mongosh's ``db.setLogLevel()`` / ``db.getLogComponents()`` run).

The components and their hierarchy are mongod 7.0's (``logv2/log_component.h``);
the document ``getParameter`` shows and the settings ``setParameter`` takes are
``getLogComponentVerbosity`` / ``parseLogComponentSettings``'s: the default
component's ``verbosity`` at the root, every other component an object with its
``verbosity`` (-1: inherit the parent's) and its children.  The default
component's level is the server log's verbosity (``mim serve -v``: 1, as
``mongod -v``); each component's effective level decides which of its debug lines
the log keeps (and, for ``command``, whether every operation is logged).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bson.decimal128 import Decimal128

from ..storage.attached import PerServer
from ..storage.log import log_of
from ..storage.store import Server
from ..values.errors import ServerError
from ..values.order import type_name

__all__ = ["LogVerbosity", "log_verbosity_of", "COMPONENTS"]

#: ``(short name, log name, parent)`` of every component but ``default``, in mongod's
#: order (``MONGO_EXPAND_LOGV2_COMPONENT``).
_COMPONENT_TABLE: tuple[tuple[str, str, str], ...] = (
    ("accessControl", "ACCESS", "default"), ("assert", "ASSERT", "default"),
    ("command", "COMMAND", "default"), ("control", "CONTROL", "default"),
    ("executor", "EXECUTOR", "default"), ("geo", "GEO", "default"),
    ("globalIndex", "GBL_IDX", "default"), ("index", "INDEX", "default"),
    ("network", "NETWORK", "default"), ("processHealth", "HEALTH", "default"),
    ("query", "QUERY", "default"), ("replication", "REPL", "default"),
    ("election", "ELECTION", "replication"), ("heartbeats", "REPL_HB", "replication"),
    ("initialSync", "INITSYNC", "replication"), ("rollback", "ROLLBACK", "replication"),
    ("sharding", "SHARDING", "default"), ("rangeDeleter", "RDELETER", "sharding"),
    ("shardingCatalogRefresh", "SH_REFR", "sharding"), ("migration", "MIGRATE", "sharding"),
    ("reshard", "RESHARD", "sharding"), ("migrationPerf", "MIG_PERF", "sharding"),
    ("storage", "STORAGE", "default"), ("recovery", "RECOVERY", "storage"),
    ("journal", "JOURNAL", "storage"), ("wt", "WT", "storage"),
    ("wtBackup", "WTBACKUP", "wt"), ("wtCheckpoint", "WTCHKPT", "wt"),
    ("wtCompact", "WTCMPCT", "wt"), ("wtEviction", "WTEVICT", "wt"), ("wtHS", "WTHS", "wt"),
    ("wtRecovery", "WTRECOV", "wt"), ("wtRTS", "WTRTS", "wt"), ("wtSalvage", "WTSLVG", "wt"),
    ("wtTiered", "WTTIER", "wt"), ("wtTimestamp", "WTTS", "wt"),
    ("wtTransaction", "WTTXN", "wt"), ("wtVerify", "WTVRFY", "wt"),
    ("wtWriteLog", "WTWRTLOG", "wt"), ("write", "WRITE", "default"),
    ("ftdc", "FTDC", "default"), ("asio", "ASIO", "network"),
    ("bridge", "BRIDGE", "network"), ("tracking", "TRACKING", "default"),
    ("transaction", "TXN", "default"), ("tenantMigration", "TENANT_M", "default"),
    ("connectionPool", "CONNPOOL", "network"), ("test", "TEST", "default"),
    ("resourceConsumption", "RES_CONS", "default"),
)
#: ``(short name, parent)`` of every component but ``default``, in mongod's order.
COMPONENTS: tuple[tuple[str, str], ...] = tuple((name, parent)
                                                for name, _log, parent in _COMPONENT_TABLE)
_PARENT = dict(COMPONENTS)
_LOG_NAME = {name: log for name, log, _parent in _COMPONENT_TABLE}


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
    """One server's component verbosity levels: ``default`` is the server log's
    verbosity, the others start at -1 (inherit)."""

    def __init__(self, server: Server) -> None:
        self.log = log_of(server)
        self._own: dict[str, int] = {name: -1 for name, _ in COMPONENTS}

    @property
    def levels(self) -> dict[str, int]:
        """Every component's own level (``default``'s included)."""
        return {"default": self.log.verbosity, **self._own}

    def _set(self, component: str, level: int) -> None:
        if component == "default":
            self.log.verbosity = level
        else:
            self._own[component] = level

    def _effective(self, component: str) -> int:
        """A component's level, or its nearest ancestor's that has one."""
        while component != "default" and self._own[component] < 0:
            component = _PARENT[component]
        return self.log.verbosity if component == "default" else self._own[component]

    def _publish(self) -> None:
        """Tell the log each component's effective level (those set, and below them)."""
        self.log.levels = {_LOG_NAME[name]: self._effective(name) for name, _ in COMPONENTS
                           if self._effective(name) != self.log.verbosity}

    def document(self) -> dict[str, Any]:
        """``logComponentVerbosity`` as ``getParameter`` shows it."""
        levels = self.levels

        def node(component: str) -> dict[str, Any]:
            shown: dict[str, Any] = {"verbosity": levels[component]}
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
            self._set(component, level)
        self._publish()

    def set_log_level(self, value: Any) -> None:
        """``setParameter: {logLevel: n}``: the default component's verbosity."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)) or value < 0:
            raise ServerError(2, f"Invalid value for logLevel: {value}")
        self._set("default", int(value))
        self._publish()


#: ``log_verbosity_of(server)``: the server's log component verbosity levels.
log_verbosity_of: PerServer[LogVerbosity] = PerServer(LogVerbosity, with_server=True)
