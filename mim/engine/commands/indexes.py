"""Index commands: createIndexes, listIndexes, dropIndexes, over the
collection's :class:`~mim.engine.indexes.IndexCatalog`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import bson

from .. import catalog
from ..errors import ServerError
from ..store import ENGINE_CODEC, Server
from . import command
from .arguments import collection_name, cursor_batch_size, render_value, type_name
from .cursors import cursor_reply

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
        raise ServerError(9, f"Error in specification {render_value(document)} :: caused by :: "
                             f"The 'key' field is a required property of an index "
                             f"specification")
    if "name" not in document:
        raise ServerError(9, f"Error in specification {render_value(document)} :: caused by :: "
                             f"The 'name' field is a required property of an index "
                             f"specification")
    key = document["key"]
    if not isinstance(key, Mapping):
        raise ServerError(14, f"Error in specification {render_value(document)} :: caused by :: "
                              f"The field 'key' must be an object, but got "
                              f"{type_name(key)}")
    if not key:
        raise ServerError(67, "Index keys cannot be empty.")
    if not isinstance(document["name"], str):
        raise ServerError(14, f"The field 'name' must be a string, but got "
                              f"{type_name(document['name'])}")
    if not document["name"]:
        raise ServerError(67, "Index name cannot be empty.")
    for field, direction in key.items():
        numeric = isinstance(direction, (int, float)) and not isinstance(direction, bool)
        if numeric and direction == 0 or not numeric and not isinstance(direction, str) \
                or isinstance(direction, bool):
            raise ServerError(67, f"Values in the index key pattern can only be of numeric "
                                  f"type, or be a special index type string, got: {field}: "
                                  f"{render_value(direction)}")
        if isinstance(direction, str) and direction not in _INDEX_DIRECTIONS:
            raise ServerError(67, f"Unknown index plugin '{direction}'")
        if isinstance(direction, str) and direction != "hashed":
            raise ServerError(238, f"'{direction}' indexes are not supported by mim yet")
    for option in document:
        if option not in _INDEX_OPTIONS and option != "key":
            raise ServerError(197, f"The field '{option}' is not valid for an index "
                                   f"specification. Specification: {render_value(document)}")
    collation = document.get("collation")
    if collation is not None and dict(collation) != {"locale": "simple"}:
        raise ServerError(238, "collation other than the simple collation is not supported "
                               "by mim yet")
    spec: dict[str, Any] = {"v": 2, "key": dict(key), "name": document["name"]}
    spec.update((k, v) for k, v in document.items() if k not in ("v", "key", "name", "ns"))
    return spec


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
    name = collection_name(cmd, "listIndexes")
    with server.lock:
        coll = server.get_collection(db, name)
        if coll is None:
            raise ServerError(26, f"ns does not exist: {db}.{name}")
        specs = coll.indexes.list()
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
