"""The server log in mongod's structured JSON format (MongoDB 4.4+ "Log Messages").

Each line is one JSON object::

    {"t":{"$date":"2026-12-07T00:52:10.123+00:00"},"s":"I","c":"NETWORK","id":22943,
     "ctx":"listener","msg":"Connection accepted","attr":{"remote":"127.0.0.1:50312", …}}

``s`` is the severity (``F``, ``E``, ``W``, ``I``, ``D1``…``D5``), ``c`` the
component, ``id`` the message's stable number, ``ctx`` the thread (``conn7``,
``listener``…).  Every engine keeps the last 1024 lines in RAM, as mongod's
``global`` RamLog does, and its startup warnings in ``startupWarnings``; that
is what the ``getLog`` command returns.  A sink (a file, stdout) gets each line
as it is written; debug lines are kept only up to the configured verbosity.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any, Callable

from bson import json_util

from .attached import PerServer

__all__ = ["ServerLog", "log_of", "RAM_LOG_NAMES"]

RAM_LOG_NAMES = ("global", "startupWarnings")
_GLOBAL_LINES = 1024
_RELAXED = json_util.RELAXED_JSON_OPTIONS


def _json_default(value: Any) -> Any:
    return json.loads(json_util.dumps(value, json_options=_RELAXED))


def _timestamp(now: datetime.datetime) -> str:
    local = now.astimezone()
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    offset = local.strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}"


class ServerLog:
    """One server's log: RAM logs for ``getLog`` and an optional sink."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._global: deque[str] = deque(maxlen=_GLOBAL_LINES)
        self._startup_warnings: deque[str] = deque(maxlen=_GLOBAL_LINES)
        self.total_lines = 0
        #: called with each line (without newline); None keeps lines in RAM only
        self.sink: Callable[[str], None] | None = None
        #: ``-v`` count: debug lines of level ≤ verbosity are kept
        self.verbosity = 0
        #: a component's own level where it has one (its log name, ``"COMMAND"``…:
        #: ``logComponentVerbosity``), else :attr:`verbosity` applies
        self.levels: dict[str, int] = {}

    def level_of(self, component: str) -> int:
        """The verbosity that decides which debug lines of ``component`` are kept."""
        return self.levels.get(component, self.verbosity)

    def write(self, severity: str, component: str, message_id: int, ctx: str, msg: str,
              attr: Mapping[str, Any] | None = None, startup_warning: bool = False,
              now: datetime.datetime | None = None) -> str | None:
        """Log one line; returns it (None when its debug level is above the verbosity)."""
        if severity.startswith("D") and int(severity[1:] or 1) > self.level_of(component):
            return None
        entry: dict[str, Any] = {
            "t": {"$date": _timestamp(now or datetime.datetime.now(datetime.timezone.utc))},
            "s": severity, "c": component, "id": message_id, "ctx": ctx, "msg": msg}
        if attr:
            entry["attr"] = dict(attr)
        if startup_warning:
            entry["tags"] = ["startupWarnings"]
        line = json.dumps(entry, separators=(",", ":"), default=_json_default,
                          ensure_ascii=False)
        with self._lock:
            self._global.append(line)
            if startup_warning:
                self._startup_warnings.append(line)
            self.total_lines += 1
            sink = self.sink
            if sink is not None:
                sink(line)
        return line

    def lines(self, name: str) -> list[str]:
        """The lines of RAM log ``name`` (``global`` or ``startupWarnings``)."""
        with self._lock:
            return list(self._global if name == "global" else self._startup_warnings)

    def lines_written(self, name: str) -> int:
        with self._lock:
            return self.total_lines if name == "global" else len(self._startup_warnings)


#: ``log_of(server)``: the log of an engine server (created on first use).
log_of: PerServer[ServerLog] = PerServer(ServerLog)
