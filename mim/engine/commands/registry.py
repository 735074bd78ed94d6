"""The command table: ``COMMANDS`` maps a command name to its handler
``handler(server, db, command) -> reply``; families register with ``@command``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..storage.store import Server
from ..values.registry import Registry

__all__ = ["COMMANDS", "DRIVER_FIELDS", "CommandHandler", "command", "ALIASES"]

CommandHandler = Callable[[Server, str, Mapping[str, Any]], dict]
COMMANDS: Registry[CommandHandler] = Registry("command")

#: Fields drivers add to any command; every handler accepts and ignores them.
DRIVER_FIELDS = frozenset({
    "$db", "lsid", "$clusterTime", "txnNumber", "$readPreference", "apiVersion", "apiStrict",
    "apiDeprecationErrors", "writeConcern", "readConcern", "comment", "autocommit",
    "startTransaction", "maxTimeMS", "$audit", "$client", "$configServerState",
    "mayBypassWriteBlocking",
})


#: every name of a command, by each of its names (``Command::hasAlias``: the
#: failCommand fail point's ``failCommands`` matches a command by any of them)
ALIASES: dict[str, tuple[str, ...]] = {}


def command(*names: str) -> Callable[[CommandHandler], CommandHandler]:
    """Register a handler ``handler(server, db, command) -> reply`` under ``names``."""
    for name in names:
        ALIASES[name] = names
    return COMMANDS.register(*names)
