"""``$currentOp`` and the ``currentOp`` command: the operations in progress.

mim runs one command at a time under the server lock, so the only operation in
progress while ``$currentOp`` runs is the aggregate that asks; idle connections,
sessions and cursors have nothing to show.  The options are parsed and checked
as ``document_source_current_op.cpp`` does.
"""

from __future__ import annotations

import datetime
import itertools
import socket
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ..ops.fsync_lock import fsync_lock_of
from ..values.errors import ServerError
from ..languages.matcher import compile_filter
from ..pipeline.registry import pipeline_stage
from ..storage.store import Server
from .registry import command
from .arguments import type_name

#: $currentOp's boolean options (all FailedToParse when not a bool)
CURRENT_OP_OPTIONS = ("idleConnections", "idleSessions", "allUsers", "localOps", "truncateOps",
                      "idleCursors", "backtrace")

_opids = itertools.count(1)


def parse_current_op(arg: Any) -> dict[str, bool]:
    if not isinstance(arg, Mapping):
        raise ServerError(9, f"$currentOp options must be specified in an object, but found: "
                             f"{type_name(arg)}")
    options: dict[str, bool] = {}
    for name, value in arg.items():
        if name not in CURRENT_OP_OPTIONS:
            raise ServerError(9, f"Unrecognized option '{name}' in $currentOp stage.")
        if not isinstance(value, bool):
            raise ServerError(9, f"The '{name}' parameter of the $currentOp stage must be a "
                                 f"boolean value, but found: {type_name(value)}")
        options[name] = value
    return options


def current_operation(command_document: Mapping[str, Any], ns: str,
                      server: Server | None) -> dict[str, Any]:
    """The document describing the operation that is running now (``host``: the
    machine's name and the server's port, as mongod's ``getHostNameCachedAndPort``)."""
    port = server.port if server is not None else 27017
    return {
        "type": "op", "host": f"{socket.gethostname()}:{port}", "desc": "conn", "active": True,
        "currentOpTime": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="milliseconds"),
        "opid": next(_opids), "secs_running": 0, "microsecs_running": 0, "op": "command",
        "ns": ns, "command": dict(command_document), "numYields": 0,
        "locks": {}, "waitingForLock": False, "lockStats": {},
        "waitingForFlowControl": False, "flowControlStats": {},
    }


#: the ``op`` of a CRUD command in ``currentOp`` (any other command: ``"command"``)
_OP_OF_COMMAND = {"insert": "insert", "update": "update", "delete": "remove", "find": "query",
                  "getMore": "getmore"}


def waiting_operations(server: Server | None) -> list[dict[str, Any]]:
    """The writes waiting for the fsync lock, as ``currentOp`` shows them: active, with
    ``waitingForLock: true`` and how long they have waited."""
    if server is None or not server.fsync_locked:
        return []
    shown = []
    for db, cmd, started, opid in fsync_lock_of(server).waiting_now():
        name = next(iter(cmd), "")
        target = cmd.get(name)
        ns = f"{db}.{target}" if isinstance(target, str) and target else f"{db}.$cmd"
        waited = time.monotonic() - started
        op = current_operation(cmd, ns, server)
        op.update(opid=opid, secs_running=int(waited), microsecs_running=int(waited * 1e6),
                  op=_OP_OF_COMMAND.get(name, "command"), waitingForLock=True)
        shown.append(op)
    return shown


@pipeline_stage("$currentOp", collectionless=True)
def compile_current_op(arg: Any, ctx: Any):
    options = parse_current_op(arg)
    db = getattr(ctx.catalog, "db", None)
    if ctx.collection is not None or db != "admin":
        raise ServerError(73, "$currentOp must be run against the 'admin' database with "
                              "{aggregate: 1}")
    if ctx.position != 0 or ctx.nested:
        raise ServerError(40602, "$currentOp is only valid as the first stage in a pipeline")
    stage = {"$currentOp": dict(options)}

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        server = getattr(ctx.catalog, "server", None)
        return [current_operation({"aggregate": 1, "pipeline": [stage], "cursor": {},
                                   "$db": "admin"}, "admin.$cmd.aggregate", server),
                *waiting_operations(server)]

    run.is_source = True  # type: ignore[attr-defined]
    return run


@command("currentOp")
def cmd_current_op(server: Server, db: str, cmd: Mapping) -> dict:
    """``currentOp``: ``$all``/``$ownOps`` pick whose operations, every other field
    is a filter on them (``CurrentOpCommand``)."""
    if db != "admin":
        raise ServerError(13, "currentOp may only be run against the admin database.")
    filter_spec = {k: v for k, v in cmd.items()
                   if k not in ("currentOp", "$all", "$ownOps", "$db", "lsid", "$clusterTime",
                                "$readPreference", "comment", "maxTimeMS", "apiVersion",
                                "apiStrict", "apiDeprecationErrors")}
    node = compile_filter(filter_spec)
    ops = [op for op in [current_operation({"currentOp": 1, "$db": "admin"}, "admin.$cmd",
                                             server), *waiting_operations(server)]
           if node.matches(op)]
    reply: dict[str, Any] = {"inprog": ops}
    if server.fsync_locked:  # (CurrentOpCommand::appendToResponse)
        reply["fsyncLock"] = True
        reply["info"] = "use db.fsyncUnlock() to terminate the fsync write/snapshot lock"
    reply["ok"] = 1.0
    return reply
