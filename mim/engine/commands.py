"""Database commands by name: the server's command dispatcher.

``run_command(server, db, command)`` takes a command document (first key =
command name) and returns the server's reply, or raises
:class:`~mim.engine.errors.ServerError`.  ``Database.command`` and the wire
server both go through here, so they answer alike.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import bson

from . import catalog, crud
from .errors import ServerError
from .store import ENGINE_CODEC, Server, decode_shadow

__all__ = ["run_command", "COMMANDS", "command", "BUILD_INFO", "hello_reply"]

CommandHandler = Callable[[Server, str, Mapping[str, Any]], dict]
COMMANDS: dict[str, CommandHandler] = {}

VERSION = "7.0.0"
MAX_WIRE_VERSION = 21  # MongoDB 7.0
_STARTED = time.time()

BUILD_INFO: dict[str, Any] = {
    "version": VERSION,
    "gitVersion": "mim",
    "versionArray": [7, 0, 0, 0],
    "bits": 64,
    "debug": False,
    "maxBsonObjectSize": 16 * 1024 * 1024,
    "storageEngines": ["mim"],
    "javascriptEngine": "none",
    "modules": [],
    "ok": 1.0,
}


def command(*names: str) -> Callable[[CommandHandler], CommandHandler]:
    def register(fn: CommandHandler) -> CommandHandler:
        for name in names:
            COMMANDS[name] = fn
        return fn
    return register


def run_command(server: Server, db: str, cmd: Mapping[str, Any]) -> dict:
    if not cmd:
        raise ServerError(59, "no such command: ''")
    name = next(iter(cmd))
    handler = COMMANDS.get(name) or COMMANDS.get(name.lower() if name.lower() in (
        "ismaster", "buildinfo") else name)
    if handler is None:
        raise ServerError(59, f"no such command: '{name}'")
    return handler(server, db, cmd)


def _collection_name(cmd: Mapping[str, Any], name: str) -> str:
    value = cmd[name]
    if not isinstance(value, str):
        raise ServerError(2, f"collection name has invalid type {_bson_type_name(value)}")
    return value


def _bson_type_name(value: Any) -> str:
    from .values import type_name
    return type_name(value)


# -- diagnostics ---------------------------------------------------------------


@command("ping")
def cmd_ping(server: Server, db: str, cmd: Mapping) -> dict:
    return {"ok": 1.0}


@command("buildInfo", "buildinfo")
def cmd_build_info(server: Server, db: str, cmd: Mapping) -> dict:
    return dict(BUILD_INFO)


def hello_reply(legacy: bool = False) -> dict:
    reply: dict[str, Any] = {
        "isWritablePrimary": True,
        "topologyVersion": {"processId": bson.ObjectId(b"mimmimmimmim"), "counter": 0},
        "maxBsonObjectSize": 16 * 1024 * 1024,
        "maxMessageSizeBytes": 48000000,
        "maxWriteBatchSize": 100000,
        "localTime": datetime.datetime.now(datetime.timezone.utc),
        "logicalSessionTimeoutMinutes": 30,
        "connectionId": 1,
        "minWireVersion": 0,
        "maxWireVersion": MAX_WIRE_VERSION,
        "readOnly": False,
        "ok": 1.0,
    }
    if legacy:
        reply = {"ismaster": True, **{k: v for k, v in reply.items()
                                      if k != "isWritablePrimary"}}
    return reply


@command("hello")
def cmd_hello(server: Server, db: str, cmd: Mapping) -> dict:
    return hello_reply()


@command("isMaster", "ismaster")
def cmd_is_master(server: Server, db: str, cmd: Mapping) -> dict:
    return hello_reply(legacy=True)


@command("serverStatus")
def cmd_server_status(server: Server, db: str, cmd: Mapping) -> dict:
    now = time.time()
    return {
        "host": "mim",
        "version": VERSION,
        "process": "mim",
        "pid": os.getpid(),
        "uptime": float(int(now - _STARTED)),
        "uptimeMillis": int((now - _STARTED) * 1000),
        "localTime": datetime.datetime.now(datetime.timezone.utc),
        "connections": {"current": 1, "available": 1000, "totalCreated": 1},
        "storageEngine": {"name": "mim"},
        "ok": 1.0,
    }


@command("connectionStatus")
def cmd_connection_status(server: Server, db: str, cmd: Mapping) -> dict:
    return {"authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []}, "ok": 1.0}


@command("getParameter")
def cmd_get_parameter(server: Server, db: str, cmd: Mapping) -> dict:
    return {"featureCompatibilityVersion": {"version": "7.0"}, "ok": 1.0}


@command("getCmdLineOpts")
def cmd_get_cmd_line_opts(server: Server, db: str, cmd: Mapping) -> dict:
    return {"argv": ["mim"], "parsed": {}, "ok": 1.0}


@command("endSessions")
def cmd_end_sessions(server: Server, db: str, cmd: Mapping) -> dict:
    return {"ok": 1.0}


# -- catalog -------------------------------------------------------------------


@command("create")
def cmd_create(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "create")
    catalog.create_collection(server, db, name, {k: v for k, v in cmd.items() if k != "create"})
    return {"ok": 1.0}


@command("drop")
def cmd_drop(server: Server, db: str, cmd: Mapping) -> dict:
    return catalog.drop_collection(server, db, _collection_name(cmd, "drop"))


@command("dropDatabase")
def cmd_drop_database(server: Server, db: str, cmd: Mapping) -> dict:
    server.drop_database(db)
    return {"dropped": db, "ok": 1.0}


@command("listCollections")
def cmd_list_collections(server: Server, db: str, cmd: Mapping) -> dict:
    infos = catalog.list_collections(server, db, cmd.get("filter"),
                                     bool(cmd.get("nameOnly", False)))
    return {"cursor": {"id": 0, "ns": f"{db}.$cmd.listCollections", "firstBatch": infos},
            "ok": 1.0}


@command("listDatabases")
def cmd_list_databases(server: Server, db: str, cmd: Mapping) -> dict:
    if db != "admin":
        raise ServerError(13, "listDatabases may only be run against the admin database.")
    reply = catalog.list_databases(server, bool(cmd.get("nameOnly", False)))
    flt = cmd.get("filter")
    if flt:
        from .matcher import compile_filter
        node = compile_filter(flt)
        reply["databases"] = [d for d in reply["databases"] if node.matches(d)]
    return reply


@command("renameCollection")
def cmd_rename_collection(server: Server, db: str, cmd: Mapping) -> dict:
    if db != "admin":
        raise ServerError(13, "renameCollection may only be run against the admin database.")
    catalog.rename_collection(server, cmd["renameCollection"], cmd["to"],
                              bool(cmd.get("dropTarget", False)))
    return {"ok": 1.0}


@command("collStats")
def cmd_coll_stats(server: Server, db: str, cmd: Mapping) -> dict:
    return catalog.coll_stats(server, db, _collection_name(cmd, "collStats"),
                              int(cmd.get("scale", 1)))


@command("dbStats")
def cmd_db_stats(server: Server, db: str, cmd: Mapping) -> dict:
    return catalog.db_stats(server, db, int(cmd.get("scale", 1)))


# -- CRUD ----------------------------------------------------------------------


@command("find")
def cmd_find(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "find")
    docs = crud.find(server, db, name, cmd.get("filter"), projection=cmd.get("projection"),
                     sort=cmd.get("sort"), skip=int(cmd.get("skip", 0)),
                     limit=int(cmd.get("limit", 0)), hint=cmd.get("hint"), let=cmd.get("let"))
    return {"cursor": {"firstBatch": [decode_shadow(d) for d in docs], "id": 0,
                       "ns": f"{db}.{name}"}, "ok": 1.0}


@command("count")
def cmd_count(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "count")
    n = crud.count(server, db, name, cmd.get("query"), skip=int(cmd.get("skip", 0)),
                   limit=int(cmd.get("limit", 0)), hint=cmd.get("hint"))
    return {"n": n, "ok": 1.0}


@command("distinct")
def cmd_distinct(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "distinct")
    values = crud.distinct(server, db, name, cmd.get("key"), cmd.get("query"))
    return {"values": values, "ok": 1.0}


@command("insert")
def cmd_insert(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "insert")
    reply = crud.insert(server, db, name, list(cmd.get("documents", [])),
                        bool(cmd.get("ordered", True)))
    reply["ok"] = 1.0
    return reply


@command("update")
def cmd_update(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "update")
    reply = crud.update(server, db, name, list(cmd.get("updates", [])),
                        bool(cmd.get("ordered", True)), cmd.get("let"))
    reply["ok"] = 1.0
    return reply


@command("delete")
def cmd_delete(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "delete")
    reply = crud.delete(server, db, name, list(cmd.get("deletes", [])),
                        bool(cmd.get("ordered", True)))
    reply["ok"] = 1.0
    return reply


@command("findAndModify", "findandmodify")
def cmd_find_and_modify(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, next(iter(cmd)))
    reply = crud.find_and_modify(
        server, db, name, query=cmd.get("query"), sort=cmd.get("sort"),
        remove=bool(cmd.get("remove", False)), update=cmd.get("update"),
        new=bool(cmd.get("new", False)), fields=cmd.get("fields"),
        upsert=bool(cmd.get("upsert", False)), array_filters=cmd.get("arrayFilters"),
        hint=cmd.get("hint"), let=cmd.get("let"))
    value = reply["value"]
    reply["value"] = decode_shadow(value) if value is not None else None
    reply["ok"] = 1.0
    return reply


def decode_engine(raw: bytes) -> dict:
    return bson.decode(raw, ENGINE_CODEC)
