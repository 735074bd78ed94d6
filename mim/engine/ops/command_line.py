"""``getCmdLineOpts``: how the server was started.

mongod answers ``{argv: [...], parsed: {...}}``, ``parsed`` in its configuration
file's shape (``net.bindIp``, ``net.port``, ``security.authorization``…).  The
wire server records what it was started with; an in-process server was started by
no command line, so it answers the program name and nothing parsed."""

from __future__ import annotations

import threading
from typing import Any

from ..storage.attached import PerServer

__all__ = ["CommandLine", "command_line_of"]


class CommandLine:
    """The ``argv`` and ``parsed`` options of one server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.argv: list[str] = ["mim"]
        self.parsed: dict[str, Any] = {}

    def record(self, argv: list[str] | None = None, **sections: dict[str, Any]) -> None:
        """Record the command line (``argv``) and merge ``parsed`` sections into it."""
        with self._lock:
            if argv is not None:
                self.argv = list(argv)
            for name, options in sections.items():
                self.parsed.setdefault(name, {}).update(options)

    def document(self) -> dict:
        with self._lock:
            return {"argv": list(self.argv),
                    "parsed": {name: dict(options) for name, options in self.parsed.items()}}


#: ``command_line_of(server)``: how an engine server was started.
command_line_of: PerServer[CommandLine] = PerServer(CommandLine)
