"""Index commands: createIndexes, listIndexes, dropIndexes, over the
collection's :class:`~mim.engine.index.indexes.IndexCatalog`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import bson

from ..ops import catalog
from ..values.errors import ServerError
from ..index.specs import KNOWN_OPTIONS, normalise_index_spec
from ..storage.store import ENGINE_CODEC, Server
from .registry import command
from .arguments import collection_name, cursor_batch_size, type_name
from .cursors import cursor_reply
from ..ops.views import check_not_view
from ..ops.timeseries import is_timeseries
from ..ops.timeseries_buckets import BUCKETS_PREFIX, bucket_index_specs

def validate_index_spec(document: Mapping[str, Any]) -> dict[str, Any]:
    """An index specification as ``createIndexes`` receives it, checked and put in
    the server's shape (``v``, ``key``, ``name``, then the options)."""
    if not isinstance(document, Mapping):
        raise ServerError(14, "The field 'indexes' must be an array of objects")
    return normalise_index_spec(document)


@command("createIndexes")
def cmd_create_indexes(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "createIndexes")
    indexes = cmd.get("indexes")
    if indexes is None:
        raise ServerError(40414, "BSON field 'createIndexes.indexes' is missing but a "
                                 "required field")
    if not isinstance(indexes, list):
        raise ServerError(14, f"BSON field 'createIndexes.indexes' is the wrong type "
                              f"'{type_name(indexes)}', expected type 'array'")
    if not indexes:
        raise ServerError(2, "Must specify at least one index to create")
    quorum = _commit_quorum(server, cmd)
    if cmd.get("ignoreUnknownIndexOptions"):
        # the options createIndexes does not know are dropped instead of refused
        indexes = [{k: v for k, v in spec.items() if k in KNOWN_OPTIONS}
                   if isinstance(spec, Mapping) else spec for spec in indexes]
    reply = catalog.create_indexes(server, db, name, list(indexes))
    if quorum is not None and reply.get("note") != "all indexes already exist":
        # a replica set's two-phase index build reports its commit quorum
        reply = {**{k: v for k, v in reply.items() if k != "ok"}, "commitQuorum": quorum,
                 "ok": reply["ok"]}
    return reply


def _commit_quorum(server: Server, cmd: Mapping) -> Any:
    """The index build's commit quorum (``parseAndGetCommitQuorum``): the one given, or
    ``votingMembers`` on a replica set; a standalone takes none."""
    if "commitQuorum" not in cmd:
        return "votingMembers" if server.is_replica_set else None
    if not server.is_replica_set:
        raise ServerError(2, "Standalones can't specify commitQuorum")
    quorum = cmd["commitQuorum"]
    if quorum in ("majority", "votingMembers") or (
            type(quorum) is int and quorum in (0, 1)):
        return quorum  # what a one-node set can satisfy
    raise ServerError(238, f"commitQuorum {quorum!r} is not supported by mim (a one-node "
                           f"replica set takes 'majority', 'votingMembers', 0 or 1)")


@command("listIndexes")
def cmd_list_indexes(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "listIndexes")
    with server.lock:
        coll = server.get_collection(db, name)
        if coll is None and name.startswith(BUCKETS_PREFIX):
            source = server.get_collection(db, name[len(BUCKETS_PREFIX):])
            if is_timeseries(source):
                specs = bucket_index_specs(source)  # type: ignore[arg-type]
                raws = [bson.encode(spec, codec_options=ENGINE_CODEC) for spec in specs]
                return cursor_reply(server, f"{db}.{name}", raws,
                                    cursor_batch_size(cmd, "listIndexes"))
        if coll is None:
            check_not_view(server, db, name)
            raise ServerError(26, f"ns does not exist: {db}.{name}")
        specs = catalog.listed_indexes(coll)
    raws = [bson.encode(spec, codec_options=ENGINE_CODEC) for spec in specs]
    return cursor_reply(server, f"{db}.{name}", raws, cursor_batch_size(cmd, "listIndexes"))


@command("dropIndexes", "deleteIndexes")
def cmd_drop_indexes(server: Server, db: str, cmd: Mapping) -> dict:
    command_name = next(iter(cmd))
    name = collection_name(cmd, command_name)
    if "index" not in cmd:
        raise ServerError(40414, f"BSON field '{command_name}.index' is missing but a required "
                                 f"field")
    target = cmd["index"]
    with server.lock:
        server.await_unheld((db, name))  # behind a transaction that wrote there
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
                                  f"'{type_name(target)}', expected types '[string, "
                                  f"object]'")
    reply: dict[str, Any] = {"nIndexesWas": before}
    if target == "*":
        reply["msg"] = "non-_id indexes dropped for collection"
    reply["ok"] = 1.0
    return reply


@command("reIndex")
def cmd_re_index(server: Server, db: str, cmd: Mapping) -> dict:
    """``reIndex`` (``CmdReIndex``): a replica-set member refuses it; a standalone
    rebuilds every index of the collection.  mim's indexes never fall out of step
    with their documents, so the rebuild leaves them as they were and the reply
    lists them as the server's index builder does."""
    name = collection_name(cmd, "reIndex")
    if server.is_replica_set:
        raise ServerError(20, f"reIndex is only allowed on a standalone mongod instance. Cannot "
                              f"reIndex '{db}.{name}' while replication is active")
    with server.lock:
        database = server.databases.get(db)
        if database is not None and name not in database.collections \
                and database.views.get(name) is not None:
            raise ServerError(166, "can't re-index a view")
        coll = server.get_collection(db, name)
        if coll is None:
            raise ServerError(26, "collection does not exist")
        specs = catalog.listed_indexes(coll)
    return {"nIndexesWas": bson.Int64(len(specs)), "nIndexes": len(specs), "indexes": specs,
            "ok": 1.0}
