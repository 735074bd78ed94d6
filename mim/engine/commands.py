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
from bson.raw_bson import RawBSONDocument

from . import catalog, crud
from .cursors import DEFAULT_FIRST_BATCH, registry_of
from .errors import ServerError
from .store import ENGINE_CODEC, Server, decode_shadow

__all__ = ["run_command", "COMMANDS", "command", "BUILD_INFO", "hello_reply", "DRIVER_FIELDS",
           "validate_index_spec"]

#: Fields drivers add to any command; every handler accepts and ignores them.
DRIVER_FIELDS = frozenset({
    "$db", "lsid", "$clusterTime", "txnNumber", "$readPreference", "apiVersion", "apiStrict",
    "apiDeprecationErrors", "writeConcern", "readConcern", "comment", "autocommit",
    "startTransaction", "maxTimeMS", "$audit", "$client", "$configServerState", "mayBypassWriteBlocking",
})

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
    """Run one command document against database ``db``; the reply, or ServerError."""
    if not cmd:
        raise ServerError(59, "no such command: ''")
    name = next(iter(cmd))
    handler = COMMANDS.get(name) or COMMANDS.get(name.lower() if name.lower() in (
        "ismaster", "buildinfo") else name)
    if handler is None:
        raise ServerError(59, f"no such command: '{name}'")
    if cmd.get("startTransaction") is not None:
        # what a standalone mongod answers: mim has no multi-document transactions (yet)
        raise ServerError(20, "Transaction numbers are only allowed on a replica set member "
                              "or mongos")
    if "collation" in cmd:
        _check_collation(cmd["collation"])
    return handler(server, db, cmd)


def _check_collation(collation: Any) -> None:
    """mim compares strings by code point only: any other collation is refused
    rather than silently ignored (the collation issue will lift this)."""
    if collation is None:
        return
    if not isinstance(collation, Mapping):
        raise ServerError(14, f"BSON field 'collation' is the wrong type "
                              f"'{_bson_type_name(collation)}', expected type 'object'")
    if dict(collation) != {"locale": "simple"}:
        raise ServerError(238, "collation other than the simple collation is not supported "
                               "by mim yet")


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
    reply = hello_reply(legacy=True)
    if cmd.get("helloOk"):
        reply["helloOk"] = True
    return reply


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


@command("hostInfo")
def cmd_host_info(server: Server, db: str, cmd: Mapping) -> dict:
    import platform
    return {"system": {"currentTime": datetime.datetime.now(datetime.timezone.utc),
                       "hostname": platform.node(), "cpuAddrSize": 64,
                       "numCores": os.cpu_count() or 1, "cpuArch": platform.machine()},
            "os": {"type": platform.system(), "name": platform.platform(),
                   "version": platform.release()},
            "extra": {}, "ok": 1.0}


@command("getLog")
def cmd_get_log(server: Server, db: str, cmd: Mapping) -> dict:
    if db != "admin":
        raise ServerError(13, "getLog may only be run against the admin database.")
    if cmd["getLog"] == "*":
        return {"names": ["global", "startupWarnings"], "ok": 1.0}
    return {"totalLinesWritten": 0, "log": [], "ok": 1.0}


@command("listCommands")
def cmd_list_commands(server: Server, db: str, cmd: Mapping) -> dict:
    return {"commands": {name: {"help": (fn.__doc__ or "").strip().splitlines()[0]
                                if fn.__doc__ else ""}
                         for name, fn in sorted(COMMANDS.items())},
            "ok": 1.0}


@command("endSessions")
def cmd_end_sessions(server: Server, db: str, cmd: Mapping) -> dict:
    return {"ok": 1.0}


# -- catalog -------------------------------------------------------------------


@command("create")
def cmd_create(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "create")
    catalog.create_collection(server, db, name, {k: v for k, v in cmd.items()
                                                 if k != "create" and k not in DRIVER_FIELDS})
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
    flt = _optional(cmd, "filter", dict, "object")
    infos = catalog.list_collections(server, db, flt, bool(cmd.get("nameOnly", False)))
    raws = [bson.encode(info, codec_options=ENGINE_CODEC) for info in infos]
    return _cursor_reply(server, f"{db}.$cmd.listCollections", raws,
                         _cursor_batch_size(cmd, "listCollections"))


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
                              _scale(cmd, "collStats"))


@command("validate")
def cmd_validate(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "validate")
    with server.lock:
        coll = server.get_collection(db, name)
        if coll is None:
            raise ServerError(26, f"Collection '{db}.{name}' does not exist to validate.")
        n_records = len(coll)
        n_indexes = len(coll.indexes.list())
    return {"ns": f"{db}.{name}", "nInvalidDocuments": 0, "nNonCompliantDocuments": 0,
            "nrecords": n_records, "nIndexes": n_indexes, "valid": True, "repaired": False,
            "warnings": [], "errors": [], "extraIndexEntries": [], "missingIndexEntries": [],
            "corruptRecords": [], "ok": 1.0}


@command("dbStats")
def cmd_db_stats(server: Server, db: str, cmd: Mapping) -> dict:
    return catalog.db_stats(server, db, _scale(cmd, "dbStats"))


def _scale(cmd: Mapping, command_name: str) -> int:
    scale = _number(cmd, "scale", command_name)
    if scale is None:
        return 1
    if scale < 1:
        raise ServerError(51024, f"BSON field 'scale' value must be >= 1, actual value "
                                 f"'{scale}'")
    return scale


# -- CRUD ----------------------------------------------------------------------


@command("find")
def cmd_find(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "find")
    flt = _optional(cmd, "filter", dict, "object", "find")
    projection = _optional(cmd, "projection", dict, "object", "find")
    skip = _non_negative(cmd, "skip", "find")
    limit = _non_negative(cmd, "limit", "find")
    batch_size = _batch_size(cmd, "find")
    sort = _optional(cmd, "sort", dict, "object", "find")
    docs = crud.find(server, db, name, flt, projection=projection, sort=sort,
                     skip=skip, limit=limit, hint=cmd.get("hint"), let=cmd.get("let"))
    if cmd.get("tailable"):
        with server.lock:
            collection = server.get_collection(db, name)
            capped = bool(collection is not None and collection.options.get("capped"))
        if not capped:
            raise ServerError(2, f"error processing query: ns={db}.{name} :: caused by :: "
                                 f"tailable cursor requested on non capped collection")
    first_batch = DEFAULT_FIRST_BATCH if batch_size is None else batch_size
    return _cursor_reply(server, f"{db}.{name}", docs, first_batch,
                         single_batch=bool(cmd.get("singleBatch", False)))


@command("count")
def cmd_count(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "count")
    query = _optional(cmd, "query", dict, "object", "count")
    skip = _non_negative(cmd, "skip", "count")
    limit = _number(cmd, "limit", "count") or 0
    n = crud.count(server, db, name, query, skip=skip, limit=limit, hint=cmd.get("hint"))
    return {"n": n, "ok": 1.0}


@command("distinct")
def cmd_distinct(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "distinct")
    values = crud.distinct(server, db, name, cmd.get("key"), cmd.get("query"))
    return {"values": values, "ok": 1.0}


@command("insert")
def cmd_insert(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "insert")
    reply = crud.insert(server, db, name, _statements(cmd, "documents", "insert"),
                        bool(cmd.get("ordered", True)))
    reply["ok"] = 1.0
    return reply


@command("update")
def cmd_update(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "update")
    reply = crud.update(server, db, name, _statements(cmd, "updates", "update"),
                        bool(cmd.get("ordered", True)), _optional(cmd, "let", dict, "object"))
    reply["ok"] = 1.0
    return reply


@command("delete")
def cmd_delete(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "delete")
    reply = crud.delete(server, db, name, _statements(cmd, "deletes", "delete"),
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


# -- cursors -------------------------------------------------------------------


def _cursor_reply(server: Server, ns: str, documents: list[bytes], batch_size: int | None,
                  single_batch: bool = False) -> dict:
    """``{cursor: {firstBatch, id, ns}}``; what is left waits for ``getMore``."""
    first, cursor_id = registry_of(server).open(ns, documents, batch_size, single_batch)
    return {"cursor": {"firstBatch": first, "id": bson.Int64(cursor_id), "ns": ns}, "ok": 1.0}


@command("getMore")
def cmd_get_more(server: Server, db: str, cmd: Mapping) -> dict:
    cursor_id = cmd["getMore"]
    if not isinstance(cursor_id, int) or isinstance(cursor_id, bool):
        raise ServerError(14, f"BSON field 'getMore.getMore' is the wrong type "
                              f"'{_bson_type_name(cursor_id)}', expected type 'long'")
    if "collection" not in cmd:
        raise ServerError(40414, "BSON field 'getMore.collection' is missing but a required "
                                 "field")
    collection = cmd["collection"]
    if not isinstance(collection, str):
        raise ServerError(14, f"BSON field 'getMore.collection' is the wrong type "
                              f"'{_bson_type_name(collection)}', expected type 'string'")
    batch_size = _batch_size(cmd, "getMore")
    ns = f"{db}.{collection}"
    docs, next_id = registry_of(server).get_more(int(cursor_id), ns, batch_size or None)
    return {"cursor": {"nextBatch": docs, "id": bson.Int64(next_id), "ns": ns}, "ok": 1.0}


@command("killCursors")
def cmd_kill_cursors(server: Server, db: str, cmd: Mapping) -> dict:
    collection = _collection_name(cmd, "killCursors")
    ids = cmd.get("cursors")
    if not isinstance(ids, list):
        raise ServerError(40414 if ids is None else 14,
                          "BSON field 'killCursors.cursors' is missing but a required field"
                          if ids is None else
                          f"BSON field 'killCursors.cursors' is the wrong type "
                          f"'{_bson_type_name(ids)}', expected type 'array'")
    for index, cursor_id in enumerate(ids):
        if not isinstance(cursor_id, int) or isinstance(cursor_id, bool):
            raise ServerError(14, f"BSON field 'killCursors.cursors.{index}' is the wrong type "
                                  f"'{_bson_type_name(cursor_id)}', expected type 'long'")
    reply: dict[str, Any] = dict(registry_of(server).kill(f"{db}.{collection}",
                                                          [int(i) for i in ids]))
    reply = {k: [bson.Int64(i) for i in v] for k, v in reply.items()}
    reply["ok"] = 1.0
    return reply


# -- aggregation ---------------------------------------------------------------


@command("aggregate")
def cmd_aggregate(server: Server, db: str, cmd: Mapping) -> dict:
    target = cmd["aggregate"]
    if target == 1 and not isinstance(target, bool):
        coll: str | None = None
    elif isinstance(target, str):
        coll = target
    else:
        raise ServerError(2, "Invalid command format: the 'aggregate' field must specify a "
                             "collection name or 1")
    pipeline = cmd.get("pipeline")
    if pipeline is None:
        raise ServerError(40414, "BSON field 'aggregate.pipeline' is missing but a required "
                                 "field")
    if not isinstance(pipeline, list):
        raise ServerError(14, f"BSON field 'aggregate.pipeline' is the wrong type "
                              f"'{_bson_type_name(pipeline)}', expected type 'array'")
    if cmd.get("explain"):
        return _explain_aggregate(server, db, coll, cmd)
    if "cursor" not in cmd:
        raise ServerError(9, "The 'cursor' option is required, except for aggregate with the "
                             "explain argument")
    batch_size = _cursor_batch_size(cmd, "aggregate")
    run_pipeline = _pipeline_runner()
    docs = list(run_pipeline(server, db, coll, pipeline, let=cmd.get("let"),
                             hint=cmd.get("hint")))
    ns = f"{db}.{coll}" if coll is not None else f"{db}.$cmd.aggregate"
    return _cursor_reply(server, ns, docs,
                         DEFAULT_FIRST_BATCH if batch_size is None else batch_size)


def _pipeline_runner() -> Callable[..., Any]:
    try:
        from .pipeline import run_pipeline
    except ModuleNotFoundError as exc:
        if exc.name != __name__.rpartition(".")[0] + ".pipeline":
            raise
        raise ServerError(238, "aggregate is not available in this build of mim") from None
    return run_pipeline


def _explain_aggregate(server: Server, db: str, coll: str | None, cmd: Mapping) -> dict:
    ns = f"{db}.{coll}" if coll is not None else f"{db}.$cmd.aggregate"
    pipeline = list(cmd.get("pipeline") or [])
    first = pipeline[0] if pipeline else {}
    flt = first.get("$match", {}) if isinstance(first, Mapping) else {}
    if not isinstance(flt, Mapping):
        flt = {}
    planner = _explain_query(server, db, coll, flt, "queryPlanner", cmd.get("let"),
                             {"hint": cmd.get("hint")})["queryPlanner"] if coll is not None \
        else {"namespace": ns, "winningPlan": {"stage": "EOF"}, "rejectedPlans": []}
    planner["namespace"] = ns
    return {"explainVersion": "1",
            "stages": [{"$cursor": {"queryPlanner": planner}}] +
                      [dict(stage) for stage in pipeline[1 if "$match" in first else 0:]],
            "serverInfo": _server_info(), "command": dict(cmd), "ok": 1.0}


# -- indexes -------------------------------------------------------------------

_INDEX_DIRECTIONS = ("hashed", "text", "2dsphere", "2d")
_INDEX_OPTIONS = frozenset({
    "name", "unique", "sparse", "partialFilterExpression", "expireAfterSeconds", "hidden",
    "background", "collation", "v", "weights", "default_language", "language_override",
    "textIndexVersion", "2dsphereIndexVersion", "bits", "min", "max", "bucketSize",
    "wildcardProjection", "storageEngine", "dropDups", "ns"})


def validate_index_spec(document: Mapping[str, Any]) -> dict[str, Any]:
    """An index specification as ``createIndexes`` receives it, checked and put in
    the server's shape (``v``, ``key``, ``name``, then the options)."""
    if not isinstance(document, Mapping):
        raise ServerError(14, "The field 'indexes' must be an array of objects")
    if "key" not in document:
        raise ServerError(9, f"Error in specification {_render(document)} :: caused by :: "
                             f"The 'key' field is a required property of an index "
                             f"specification")
    if "name" not in document:
        raise ServerError(9, f"Error in specification {_render(document)} :: caused by :: "
                             f"The 'name' field is a required property of an index "
                             f"specification")
    key = document["key"]
    if not isinstance(key, Mapping):
        raise ServerError(14, f"Error in specification {_render(document)} :: caused by :: "
                              f"The field 'key' must be an object, but got "
                              f"{_bson_type_name(key)}")
    if not key:
        raise ServerError(67, "Index keys cannot be empty.")
    if not isinstance(document["name"], str):
        raise ServerError(14, f"The field 'name' must be a string, but got "
                              f"{_bson_type_name(document['name'])}")
    if not document["name"]:
        raise ServerError(67, "Index name cannot be empty.")
    for field, direction in key.items():
        numeric = isinstance(direction, (int, float)) and not isinstance(direction, bool)
        if numeric and direction == 0 or not numeric and not isinstance(direction, str) \
                or isinstance(direction, bool):
            raise ServerError(67, f"Values in the index key pattern can only be of numeric "
                                  f"type, or be a special index type string, got: {field}: "
                                  f"{_render(direction)}")
        if isinstance(direction, str) and direction not in _INDEX_DIRECTIONS:
            raise ServerError(67, f"Unknown index plugin '{direction}'")
        if isinstance(direction, str) and direction != "hashed":
            raise ServerError(238, f"'{direction}' indexes are not supported by mim yet")
    for option in document:
        if option not in _INDEX_OPTIONS and option != "key":
            raise ServerError(197, f"The field '{option}' is not valid for an index "
                                   f"specification. Specification: {_render(document)}")
    collation = document.get("collation")
    if collation is not None and dict(collation) != {"locale": "simple"}:
        raise ServerError(238, "collation other than the simple collation is not supported "
                               "by mim yet")
    spec: dict[str, Any] = {"v": 2, "key": dict(key), "name": document["name"]}
    spec.update((k, v) for k, v in document.items() if k not in ("v", "key", "name", "ns"))
    return spec


@command("createIndexes")
def cmd_create_indexes(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "createIndexes")
    indexes = cmd.get("indexes")
    if indexes is None:
        raise ServerError(40414, "BSON field 'createIndexes.indexes' is missing but a "
                                 "required field")
    if not isinstance(indexes, list):
        raise ServerError(14, f"BSON field 'createIndexes.indexes' is the wrong type "
                              f"'{_bson_type_name(indexes)}', expected type 'array'")
    if not indexes:
        raise ServerError(2, "Must specify at least one index to create")
    specs = [validate_index_spec(doc) for doc in indexes]
    with server.lock:
        created_collection = server.get_collection(db, name) is None
        if created_collection:
            catalog.create_collection(server, db, name)
        coll = server.get_collection(db, name)
        before = len(coll.indexes.list())
        created: list[str] = []
        try:
            for spec in specs:
                if coll.indexes.create(spec):
                    created.append(spec["name"])
        except ServerError:
            for index_name in reversed(created):  # all or nothing, as on the server
                coll.indexes.drop(index_name)
            if created_collection:
                server.get_database(db).drop_collection(name)
            raise
        after = len(coll.indexes.list())
    reply: dict[str, Any] = {"numIndexesBefore": before, "numIndexesAfter": after,
                             "createdCollectionAutomatically": created_collection}
    if not created:
        reply["note"] = "all indexes already exist"
    reply["ok"] = 1.0
    return reply


@command("listIndexes")
def cmd_list_indexes(server: Server, db: str, cmd: Mapping) -> dict:
    name = _collection_name(cmd, "listIndexes")
    with server.lock:
        coll = server.get_collection(db, name)
        if coll is None:
            raise ServerError(26, f"ns does not exist: {db}.{name}")
        specs = coll.indexes.list()
    raws = [bson.encode(spec, codec_options=ENGINE_CODEC) for spec in specs]
    return _cursor_reply(server, f"{db}.{name}", raws, _cursor_batch_size(cmd, "listIndexes"))


@command("dropIndexes", "deleteIndexes")
def cmd_drop_indexes(server: Server, db: str, cmd: Mapping) -> dict:
    command_name = next(iter(cmd))
    name = _collection_name(cmd, command_name)
    if "index" not in cmd:
        raise ServerError(40414, f"BSON field '{command_name}.index' is missing but a required "
                                 f"field")
    target = cmd["index"]
    with server.lock:
        coll = server.get_collection(db, name)
        if coll is None:
            raise ServerError(26, f"ns not found {db}.{name}")
        before = len(coll.indexes.list())
        if isinstance(target, list):
            for index_name in target:  # all named indexes must exist before any is dropped
                if not isinstance(index_name, str):
                    raise ServerError(14, "dropIndexes 'index' array elements must be strings")
                if index_name not in {s["name"] for s in coll.indexes.list()}:
                    raise ServerError(27, f"index not found with name [{index_name}]")
            for index_name in target:
                coll.indexes.drop(index_name)
        elif isinstance(target, (str, Mapping)):
            coll.indexes.drop(target)
        else:
            raise ServerError(14, f"BSON field '{command_name}.index' is the wrong type "
                                  f"'{_bson_type_name(target)}', expected types '[string, "
                                  f"object]'")
    reply: dict[str, Any] = {"nIndexesWas": before}
    if target == "*":
        reply["msg"] = "non-_id indexes dropped for collection"
    reply["ok"] = 1.0
    return reply


# -- explain -------------------------------------------------------------------

_EXPLAIN_VERBOSITY = ("queryPlanner", "executionStats", "allPlansExecution")


def _server_info() -> dict:
    return {"host": "mim", "port": 27017, "version": VERSION, "gitVersion": "mim"}


def _query_planner(server: Server, db: str, coll: str | None, flt: Any, hint: Any) -> dict:
    """``queryPlanner`` of explain: the plan the engine's index catalog chose."""
    plan: dict[str, Any] = {"stage": "COLLSCAN", "filter": dict(flt or {}),
                            "direction": "forward"}
    with server.lock:
        collection = server.get_collection(db, coll) if coll is not None else None
        if collection is not None and hint is not None:
            collection.indexes.resolve_hint(hint)
    return {"namespace": f"{db}.{coll}", "indexFilterSet": False, "parsedQuery": dict(flt or {}),
            "winningPlan": plan, "rejectedPlans": []}


@command("explain")
def cmd_explain(server: Server, db: str, cmd: Mapping) -> dict:
    inner = cmd["explain"]
    if not isinstance(inner, Mapping) or not inner:
        raise ServerError(14, f"BSON field 'explain.explain' is the wrong type "
                              f"'{_bson_type_name(inner)}', expected type 'object'")
    verbosity = cmd.get("verbosity", "allPlansExecution")
    if verbosity not in _EXPLAIN_VERBOSITY:
        raise ServerError(2, f"Enumeration value '{verbosity}' for field 'explain.verbosity' "
                             f"is not a valid value.")
    name = next(iter(inner))
    if name == "aggregate":
        coll = inner["aggregate"] if isinstance(inner["aggregate"], str) else None
        return _explain_aggregate(server, db, coll, inner)
    if name not in ("find", "count", "distinct", "update", "delete", "findAndModify",
                    "findandmodify"):
        if name not in COMMANDS:
            raise ServerError(59, f"no such command: '{name}'")
        raise ServerError(115, f"Explain for {name} is not supported")
    coll = _collection_name(inner, name)
    if name == "find":
        flt = inner.get("filter")
    elif name in ("count", "findAndModify", "findandmodify"):
        flt = inner.get("query")
    elif name == "distinct":
        flt = inner.get("query")
    else:
        statements = inner.get("updates" if name == "update" else "deletes") or [{}]
        flt = statements[0].get("q")
    if flt is not None and not isinstance(flt, Mapping):
        raise ServerError(14, f"BSON field '{name}.{'filter' if name == 'find' else 'query'}' "
                              f"is the wrong type '{_bson_type_name(flt)}', expected type "
                              f"'object'")
    options: dict[str, Any] = {"hint": inner.get("hint")}
    if name == "find":
        options.update(projection=inner.get("projection"), sort=inner.get("sort"),
                       skip=_non_negative(inner, "skip", "find"),
                       limit=_non_negative(inner, "limit", "find"))
    elif name in ("findAndModify", "findandmodify"):
        options.update(sort=inner.get("sort"), limit=1)
    reply = _explain_query(server, db, coll, flt, verbosity, inner.get("let"), options)
    reply["command"] = {k: v for k, v in inner.items() if k not in DRIVER_FIELDS}
    reply["command"]["$db"] = db
    reply["serverInfo"] = _server_info()
    reply["serverParameters"] = {}
    reply["ok"] = 1.0
    return reply


def _explain_query(server: Server, db: str, coll: str, flt: Mapping | None, verbosity: str,
                   let: Mapping | None, options: dict[str, Any]) -> dict[str, Any]:
    """``queryPlanner`` (and ``executionStats``) of a query on ``db.coll``."""
    try:
        from .planner import explain_find
    except ModuleNotFoundError as exc:  # an engine without a planner: every query scans
        if exc.name != __name__.rpartition(".")[0] + ".planner":
            raise
        explain_find = None
    skip = options.get("skip", 0)
    limit = options.get("limit", 0)
    if explain_find is not None:
        from .matcher import MatchContext, compile_filter
        node = compile_filter(flt, MatchContext(variables=dict(let or {})))
        with server.lock:
            reply = explain_find(server.get_collection(db, coll), f"{db}.{coll}", node, flt,
                                 verbosity=verbosity, **options)
        reply.pop("ok", None)
        return reply
    reply: dict[str, Any] = {"explainVersion": "1",
                             "queryPlanner": _query_planner(server, db, coll, flt,
                                                            options.get("hint"))}
    if verbosity != "queryPlanner":
        started = time.perf_counter()
        returned = len(crud.find(server, db, coll, flt, skip=skip, limit=limit,
                                 hint=options.get("hint"), let=let))
        with server.lock:
            collection = server.get_collection(db, coll)
            total = len(collection) if collection is not None else 0
        stage = dict(reply["queryPlanner"]["winningPlan"])
        stage.update({"nReturned": returned, "docsExamined": total})
        reply["executionStats"] = {
            "executionSuccess": True, "nReturned": returned,
            "executionTimeMillis": int((time.perf_counter() - started) * 1000),
            "totalKeysExamined": 0, "totalDocsExamined": total, "executionStages": stage}
        if verbosity == "allPlansExecution":
            reply["executionStats"]["allPlansExecution"] = []
    return reply


# -- argument checking -----------------------------------------------------------

_TYPE_WORDS = {dict: "object", list: "array", str: "string", bool: "bool"}


def _render(value: Any) -> str:
    from .render import render
    return render(value)


def _optional(cmd: Mapping, field: str, kind: type, expected: str,
              command_name: str | None = None) -> Any:
    """``cmd[field]`` if present and not null, type-checked as the server does."""
    value = cmd.get(field)
    if value is None:
        return None
    if not isinstance(value, kind):
        owner = command_name or next(iter(cmd))
        raise ServerError(14, f"BSON field '{owner}.{field}' is the wrong type "
                              f"'{_bson_type_name(value)}', expected type '{expected}'")
    return value


def _number(cmd: Mapping, field: str, command_name: str, owner: str | None = None) -> int | None:
    value = cmd.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) and \
            type(value).__name__ != "Decimal128":
        raise ServerError(14, f"BSON field '{owner or command_name}.{field}' is the wrong type "
                              f"'{_bson_type_name(value)}', expected types '[long, int, "
                              f"decimal, double]'")
    number = int(float(str(value))) if type(value).__name__ == "Decimal128" else int(value)
    return number


def _non_negative(cmd: Mapping, field: str, command_name: str, owner: str | None = None) -> int:
    number = _number(cmd, field, command_name, owner)
    if number is None:
        return 0
    if number < 0:
        raise ServerError(51024, f"BSON field '{field}' value must be >= 0, actual value "
                                 f"'{number}'")
    return number


def _statements(cmd: Mapping, field: str, command_name: str) -> list:
    """A write command's statements: a non-empty array of documents."""
    if field not in cmd:
        raise ServerError(40414, f"BSON field '{command_name}.{field}' is missing but a "
                                 f"required field")
    value = cmd[field]
    if not isinstance(value, list):
        raise ServerError(14, f"BSON field '{command_name}.{field}' is the wrong type "
                              f"'{_bson_type_name(value)}', expected type 'array'")
    if not value or len(value) > 100000:
        raise ServerError(16, f"Write batch sizes must be between 1 and 100000. Got "
                              f"{len(value)} operations.")
    for index, statement in enumerate(value):
        if not isinstance(statement, (Mapping, bytes)):
            raise ServerError(14, f"BSON field '{command_name}.{field}.{index}' is the wrong "
                                  f"type '{_bson_type_name(statement)}', expected type "
                                  f"'object'")
        if field != "documents":
            _check_collation(statement.get("collation"))
            for key in ("q", "u") if field == "updates" else ("q",):
                if key not in statement:
                    raise ServerError(40414, f"BSON field '{command_name}.{field}.{key}' is "
                                             f"missing but a required field")
            q = statement["q"]
            if not isinstance(q, Mapping):
                raise ServerError(14, f"BSON field '{command_name}.{field}.q' is the wrong "
                                      f"type '{_bson_type_name(q)}', expected type 'object'")
    return value


def _batch_size(cmd: Mapping, command_name: str) -> int | None:
    if cmd.get("batchSize") is None:
        return None
    return _non_negative(cmd, "batchSize", command_name)


def _cursor_batch_size(cmd: Mapping, command_name: str) -> int | None:
    """``cursor.batchSize`` of aggregate/listCollections/listIndexes (None = no limit)."""
    cursor = cmd.get("cursor")
    if cursor is None:
        return None
    if not isinstance(cursor, Mapping):
        raise ServerError(14, f"BSON field '{command_name}.cursor' is the wrong type "
                              f"'{_bson_type_name(cursor)}', expected type 'object'")
    return _batch_size(cursor, command_name) if "batchSize" in cursor else None
