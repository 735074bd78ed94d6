"""Session commands (``startSession``, ``refreshSessions``, ``endSessions``,
``killSessions``, ``killAllSessions``, ``killAllSessionsByPattern``) and the
``$listLocalSessions`` stage, over the session cache of
:mod:`mim.engine.ops.sessions`, as a 7.0 standalone answers them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from bson.binary import Binary

from ..ops import sessions
from ..values.errors import ServerError
from ..pipeline.registry import pipeline_stage
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


# -- $listLocalSessions -----------------------------------------------------------------

def user_digest(user: str, db: str) -> Binary:
    """``getLogicalSessionUserDigestFor``: SHA-256 of "user@db" ("" without a user)."""
    text = "" if not user else f"{user}@{db}"
    return Binary(hashlib.sha256(text.encode()).digest(), 0)


def _list_sessions_spec(arg: Any, stage: str) -> list[Binary] | None:
    """The user digests a ``$listLocalSessions`` spec asks for (None: all users)."""
    if not isinstance(arg, Mapping):
        raise ServerError(14, f"{stage} options must be specified in an object, but found: "
                              f"{type_name(arg)}")
    all_users = False
    users = None
    for key, value in arg.items():
        if key == "allUsers":
            if not isinstance(value, bool):
                raise ServerError(14, f"BSON field '{stage}.allUsers' is the wrong type "
                                      f"'{type_name(value)}', expected type 'bool'")
            all_users = value
        elif key == "users":
            if not isinstance(value, list):
                raise ServerError(14, f"BSON field '{stage}.users' is the wrong type "
                                      f"'{type_name(value)}', expected type 'array'")
            users = []
            for user in value:
                if not isinstance(user, Mapping):
                    raise ServerError(14, f"BSON field '{stage}.users' is the wrong type "
                                          f"'{type_name(user)}', expected type 'object'")
                for field in ("user", "db"):
                    if field not in user:
                        raise ServerError(40414, f"BSON field 'ListSessionsUser.{field}' is "
                                                 "missing but a required field")
                    if not isinstance(user[field], str):
                        raise ServerError(14, f"BSON field 'ListSessionsUser.{field}' is the "
                                              f"wrong type '{type_name(user[field])}', "
                                              "expected type 'string'")
                users.append(user_digest(user["user"], user["db"]))
        else:
            raise ServerError(40415, f"BSON field '{stage}.{key}' is an unknown field.")
    if all_users and users:
        raise ServerError(11, f"{stage} may not specify {{allUsers:true}} and {{users:[...]}} "
                              "at the same time")
    if all_users:
        return None
    if not users:
        return [user_digest("", "")]  # implicitly, the current (unauthenticated) user
    return users


@pipeline_stage("$listLocalSessions", collectionless=True)
def compile_list_local_sessions(arg: Any, ctx: Any):
    if ctx.collection is not None and not ctx.nested:
        raise ServerError(73, "$listLocalSessions must be run against the database with "
                              "{aggregate: 1}, not a collection")
    uids = _list_sessions_spec(arg, "$listLocalSessions")
    if ctx.position != 0 or ctx.nested:
        raise ServerError(40602, "$listLocalSessions is only valid as the first stage in a "
                                 "pipeline")
    server = getattr(ctx.catalog, "server", None)

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        if server is None:
            return []
        return sessions.registry(server).records(uids)

    run.is_source = True  # type: ignore[attr-defined]
    return run


@command("commitTransaction", "abortTransaction")
def cmd_end_transaction(server: Server, db: str, cmd: Mapping) -> dict:
    # reached only without txnNumber (with one, admit() already answered 20)
    name = next(iter(cmd))
    raise ServerError(125, f"{name} must be run within a transaction", codeName="CommandFailed")
