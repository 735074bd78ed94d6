"""Catalog commands: create, drop, dropDatabase, listCollections, listDatabases,
renameCollection, collStats, dbStats, validate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import bson

from ..ops import catalog
from ..ops.oplog import check_oplog_drop
from ..values.errors import ServerError
from ..values.order import type_name
from ..storage.store import ENGINE_CODEC, Server
from .registry import DRIVER_FIELDS, command
from .arguments import collection_name, cursor_batch_size, optional, scale, true_value
from .cursors import cursor_reply
from ..languages.matcher import compile_filter

@command("create")
def cmd_create(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "create")
    catalog.create_collection(server, db, name, {k: v for k, v in cmd.items()
                                                 if k != "create" and k not in DRIVER_FIELDS})
    return {"ok": 1.0}


@command("drop")
def cmd_drop(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "drop")
    check_oplog_drop(server, db, name)
    return catalog.drop_collection(server, db, name)


@command("dropDatabase")
def cmd_drop_database(server: Server, db: str, cmd: Mapping) -> dict:
    with server.lock:
        server.await_unheld((db, None))  # behind a transaction that wrote there
        server.drop_database(db)
    return {"dropped": db, "ok": 1.0}


@command("listCollections")
def cmd_list_collections(server: Server, db: str, cmd: Mapping) -> dict:
    flt = optional(cmd, "filter", dict, "object")
    infos = catalog.list_collections(server, db, flt, bool(cmd.get("nameOnly", False)))
    raws = [bson.encode(info, codec_options=ENGINE_CODEC) for info in infos]
    return cursor_reply(server, f"{db}.$cmd.listCollections", raws,
                         cursor_batch_size(cmd, "listCollections"))


@command("listDatabases")
def cmd_list_databases(server: Server, db: str, cmd: Mapping) -> dict:
    if db != "admin":
        raise ServerError(13, "listDatabases may only be run against the admin database.")
    reply = catalog.list_databases(server, bool(cmd.get("nameOnly", False)))
    flt = cmd.get("filter")
    if flt:
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


def _capped_size(cmd: Mapping, command_name: str) -> int:
    """The required numeric ``size`` of ``convertToCapped``/``cloneCollectionAsCapped``."""
    if "size" not in cmd:
        raise ServerError(40414, f"BSON field '{command_name}.size' is missing but a required "
                                 f"field")
    size = cmd["size"]
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        raise ServerError(14, f"BSON field '{command_name}.size' is the wrong type "
                              f"'{type_name(size)}', expected types '[long, int, decimal, "
                              f"double]'")
    return int(size)


@command("cloneCollectionAsCapped")
def cmd_clone_collection_as_capped(server: Server, db: str, cmd: Mapping) -> dict:
    source = collection_name(cmd, "cloneCollectionAsCapped")
    if "toCollection" not in cmd:
        raise ServerError(40414, "BSON field 'cloneCollectionAsCapped.toCollection' is missing "
                                 "but a required field")
    target = cmd["toCollection"]
    if not isinstance(target, str):
        raise ServerError(14, f"BSON field 'cloneCollectionAsCapped.toCollection' is the wrong "
                              f"type '{type_name(target)}', expected type 'string'")
    catalog.clone_collection_as_capped(server, db, source, target,
                                       _capped_size(cmd, "cloneCollectionAsCapped"))
    return {"ok": 1.0}


@command("convertToCapped")
def cmd_convert_to_capped(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "convertToCapped")
    catalog.convert_to_capped(server, db, name, _capped_size(cmd, "convertToCapped"))
    return {"ok": 1.0}


@command("collStats", "collstats")
def cmd_coll_stats(server: Server, db: str, cmd: Mapping) -> dict:
    return catalog.coll_stats(server, db, collection_name(cmd, "collStats"),
                              scale(cmd, "collStats"))


#: option pairs the validate command refuses together (``validate.cpp``), in its order
_VALIDATE_CONFLICTS = (("background", "full"), ("background", "enforceFastCount"))
_REPAIR_CONFLICTS = ("background", "enforceFastCount", "checkBSONConformance")


def check_validate_options(server: Server, cmd: Mapping) -> None:
    """validate's option checks, made before the collection is looked at: full,
    enforceFastCount and repair need a foreground scan, repair a standalone, metadata
    stands alone (72 InvalidOptions, the server's messages)."""
    on = {field: true_value(cmd, field) for field in (
        "background", "full", "enforceFastCount", "checkBSONConformance", "repair",
        "metadata")}
    for first, second in _VALIDATE_CONFLICTS:
        if on[first] and on[second]:
            raise ServerError(72, f"Running the validate command with both {{ {first}: true }}"
                                  f" and {{ {second}: true }} is not supported.")
    if "checkBSONConformance" in cmd and not on["checkBSONConformance"] and (
            on["full"] or on["enforceFastCount"]):
        raise ServerError(72, "Cannot explicitly set 'checkBSONConformance: false' with full "
                              "validation set.")
    if on["repair"]:
        for other in _REPAIR_CONFLICTS:
            if on[other]:
                raise ServerError(72, f"Running the validate command with both {{ {other}: "
                                      f"true }} and {{ repair: true }} is not supported.")
        if server.is_replica_set:
            raise ServerError(72, "Running the validate command with { repair: true } can only "
                                  "be performed in standalone mode.")
    if on["metadata"] and any(on[field] for field in (
            "background", "full", "enforceFastCount", "checkBSONConformance", "repair")):
        raise ServerError(72, "Running the validate command with { metadata: true } is not "
                              "supported with any other options")


@command("validate")
def cmd_validate(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "validate")
    check_validate_options(server, cmd)
    with server.lock:
        coll = server.get_collection(db, name)
        if coll is None:
            raise ServerError(26, f"Collection '{db}.{name}' does not exist to validate.")
        n_records = len(coll)
        names = [spec["name"] for spec in coll.indexes.list()]
        # the keys each index holds (a multikey index more than one per document)
        keys_per_index = {index: len(coll.indexes.by_name(index)) for index in names}
    reply: dict[str, Any] = {"ns": f"{db}.{name}", "nInvalidDocuments": 0,
                             "nNonCompliantDocuments": 0, "nrecords": n_records,
                             "nIndexes": len(names), "keysPerIndex": keys_per_index}
    if true_value(cmd, "full"):  # (_reportValidationResults: indexDetails for full only)
        reply["indexDetails"] = {index: {"valid": True} for index in names}
    reply.update({"valid": True, "repaired": False, "warnings": [], "errors": [],
                  "extraIndexEntries": [], "missingIndexEntries": [], "corruptRecords": [],
                  "ok": 1.0})
    return reply


@command("dbStats", "dbstats")
def cmd_db_stats(server: Server, db: str, cmd: Mapping) -> dict:
    return catalog.db_stats(server, db, scale(cmd, "dbStats"))
