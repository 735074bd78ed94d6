"""Database commands by name: the server's command dispatcher.

``run_command(server, db, command)`` takes a command document (first key =
command name) and returns the server's reply, or raises
:class:`~mim.engine.values.errors.ServerError`.  ``Database.command`` and the wire
server both go through here, so they answer alike.

One module per family, as in the server's ``src/mongo/db/commands/``:
:mod:`.diagnostics` (hello, buildInfo, serverStatus…), :mod:`.catalog`
(create, drop, listCollections…), :mod:`.crud` (find, insert, update…),
:mod:`.cursors` (getMore, killCursors), :mod:`.aggregate`, :mod:`.indexes`
(createIndexes, listIndexes, dropIndexes), :mod:`.explain`; argument
checking shared by all of them lives in :mod:`.arguments`.  A handler is
registered with ``@command("name")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..values.errors import ServerError
from ..storage.store import Server

__all__ = ["run_command", "COMMANDS", "command", "BUILD_INFO", "hello_reply", "DRIVER_FIELDS",
           "validate_index_spec", "VERSION", "MAX_WIRE_VERSION"]

CommandHandler = Callable[[Server, str, Mapping[str, Any]], dict]
COMMANDS: dict[str, CommandHandler] = {}

#: Fields drivers add to any command; every handler accepts and ignores them.
DRIVER_FIELDS = frozenset({
    "$db", "lsid", "$clusterTime", "txnNumber", "$readPreference", "apiVersion", "apiStrict",
    "apiDeprecationErrors", "writeConcern", "readConcern", "comment", "autocommit",
    "startTransaction", "maxTimeMS", "$audit", "$client", "$configServerState",
    "mayBypassWriteBlocking",
})


def command(*names: str) -> Callable[[CommandHandler], CommandHandler]:
    def register(fn: CommandHandler) -> CommandHandler:
        for name in names:
            COMMANDS[name] = fn
        return fn
    return register


def run_command(server: Server, db: str, cmd: Mapping[str, Any]) -> dict:
    """Run one command document against database ``db``; the reply, or ServerError."""
    if not cmd:
        raise ServerError(59, "no such command: ''")
    name = next(iter(cmd))
    handler = COMMANDS.get(name) or COMMANDS.get(name.lower() if name.lower() in (
        "ismaster", "buildinfo") else name)
    if handler is None:
        raise ServerError(59, f"no such command: '{name}'")
    if "lsid" in cmd or "txnNumber" in cmd or "startTransaction" in cmd or "readConcern" in cmd:
        # session fields, as a standalone mongod takes them (no transactions, no snapshots)
        admit_session(server, name, cmd)
    if "collation" in cmd:
        check_collation(cmd["collation"])
    return handler(server, db, cmd)


# the families register their handlers on import
from . import aggregate, catalog, crud, cursors, diagnostics, explain, indexes  # noqa: E402,F401
from . import collmod  # noqa: E402,F401
from . import sessions  # noqa: E402,F401
from .arguments import check_collation  # noqa: E402
from ..ops.sessions import admit as admit_session  # noqa: E402
from .diagnostics import BUILD_INFO, MAX_WIRE_VERSION, VERSION, hello_reply  # noqa: E402
from .indexes import validate_index_spec  # noqa: E402
