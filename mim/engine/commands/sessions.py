"""Session commands (``startSession``, ``refreshSessions``, ``endSessions``,
``killSessions``, ``killAllSessions``, ``killAllSessionsByPattern``), over the
session cache of
:mod:`mim.engine.ops.sessions`, as a 7.0 standalone answers them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson.binary import Binary

from ..ops import sessions
from ..values.errors import ServerError
from ..storage.store import Server
from .registry import command
from .arguments import type_name


def _lsids(cmd: Mapping, name: str, idl: str) -> list[Binary]:
    value = cmd[name]
    if not isinstance(value, list):
        raise ServerError(14, f"BSON field '{idl}.{name}' is the wrong type "
                              f"'{type_name(value)}', expected type 'array'")
    return [sessions.parse_lsid(lsid, f"{idl}.{name}") for lsid in value]


@command("startSession")
def cmd_start_session(server: Server, db: str, cmd: Mapping) -> dict:
    lsid = sessions.new_lsid()
    sessions.registry(server).vivify(lsid["id"])
    return {"id": lsid, "timeoutMinutes": sessions.TIMEOUT_MINUTES, "ok": 1.0}


@command("refreshSessions")
def cmd_refresh_sessions(server: Server, db: str, cmd: Mapping) -> dict:
    sessions.registry(server).refresh(
        _lsids(cmd, "refreshSessions", "RefreshSessionsCmdFromClient"))
    return {"ok": 1.0}


@command("endSessions")
def cmd_end_sessions(server: Server, db: str, cmd: Mapping) -> dict:
    sessions.registry(server).end(_lsids(cmd, "endSessions", "EndSessionsCmdFromClient"))
    return {"ok": 1.0}


@command("killSessions")
def cmd_kill_sessions(server: Server, db: str, cmd: Mapping) -> dict:
    # kills the sessions' operations and cursors (mim has none running); the cached
    # sessions stay until they end, as on a server
    _lsids(cmd, "killSessions", "KillSessionsCmdFromClient")
    return {"ok": 1.0}


def _array_of_documents(cmd: Mapping, name: str, idl: str) -> list:
    value = cmd[name]
    if not isinstance(value, list):
        raise ServerError(14, f"BSON field '{idl}.{name}' is the wrong type "
                              f"'{type_name(value)}', expected type 'array'")
    for item in value:
        if not isinstance(item, Mapping):
            raise ServerError(14, f"BSON field '{idl}.{name}' is the wrong type "
                                  f"'{type_name(item)}', expected type 'object'")
    return value


@command("killAllSessions")
def cmd_kill_all_sessions(server: Server, db: str, cmd: Mapping) -> dict:
    _array_of_documents(cmd, "killAllSessions", "KillAllSessionsCmd")
    return {"ok": 1.0}


@command("killAllSessionsByPattern")
def cmd_kill_all_sessions_by_pattern(server: Server, db: str, cmd: Mapping) -> dict:
    _array_of_documents(cmd, "killAllSessionsByPattern", "KillAllSessionsByPatternCmd")
    return {"ok": 1.0}


def _transaction_of(server: Server, db: str, name: str) -> Any:
    transaction = getattr(server, "transaction", None)
    if transaction is None:
        # reached without txnNumber (with one, admit() found the transaction)
        raise ServerError(125, f"{name} must be run within a transaction",
                          codeName="CommandFailed")
    if db != "admin":
        raise ServerError(13, f"{name} may only be run against the admin database.")
    return transaction


@command("commitTransaction")
def cmd_commit_transaction(server: Server, db: str, cmd: Mapping) -> dict:
    """Commit the session's transaction; a retried commit of a committed one succeeds."""
    transaction = _transaction_of(server, db, "commitTransaction")
    if transaction.state != "committed":
        transaction.commit()
    return {"ok": 1.0}


@command("abortTransaction")
def cmd_abort_transaction(server: Server, db: str, cmd: Mapping) -> dict:
    transaction = _transaction_of(server, db, "abortTransaction")
    transaction.abort()
    return {"ok": 1.0}
