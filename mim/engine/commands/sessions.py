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
    """Kill the listed sessions (all of them for an empty list): their transactions in
    progress are aborted; the cached sessions stay until they end, as on a server."""
    wanted = {bytes(u) for u in _lsids(cmd, "killSessions", "KillSessionsCmdFromClient")}
    sessions.registry(server).kill(
        lambda record: not wanted or bytes(record.id) in wanted)
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


def _user_digests(users: list, context: str) -> set[bytes]:
    """The session user digests of ``KillAllSessionsUser`` documents ({user, db})."""
    return {bytes(sessions.session_user_digest(user, context)) for user in users}


@command("killAllSessions")
def cmd_kill_all_sessions(server: Server, db: str, cmd: Mapping) -> dict:
    """Kill the sessions of the listed users (every session for an empty list): their
    transactions in progress are aborted (``killSessionsLocal``)."""
    users = _array_of_documents(cmd, "killAllSessions", "KillAllSessionsCmd")
    digests = _user_digests(users, "KillAllSessionsCmd.killAllSessions")
    sessions.registry(server).kill(
        lambda record: not digests or bytes(record.uid) in digests)
    return {"ok": 1.0}


def _matches_pattern(record: Any, pattern: Mapping) -> bool:
    """Whether a ``KillAllSessionsByPattern`` selects a session: by its ``lsid`` (the
    session's id) and/or ``uid`` (its user's digest); a pattern naming neither (only
    the ``users``/``roles`` it impersonates, or nothing) selects every session."""
    lsid = pattern.get("lsid")
    if isinstance(lsid, Mapping) and bytes(lsid.get("id", b"")) != bytes(record.id):
        return False
    uid = pattern.get("uid")
    return uid is None or bytes(uid) == bytes(record.uid)


@command("killAllSessionsByPattern")
def cmd_kill_all_sessions_by_pattern(server: Server, db: str, cmd: Mapping) -> dict:
    """Kill the sessions any pattern selects (every session for an empty list): their
    transactions in progress are aborted (``killSessionsLocal``)."""
    patterns = _array_of_documents(cmd, "killAllSessionsByPattern",
                                   "KillAllSessionsByPatternCmd")
    sessions.registry(server).kill(
        lambda record: not patterns or any(_matches_pattern(record, p) for p in patterns))
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
