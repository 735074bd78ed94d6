"""Index management through the pymongo API: ``create_index(es)``,
``drop_index(es)``, ``list_indexes`` and ``explain``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import bson
from bson.son import SON
from pymongo.operations import IndexModel

from .boundary import raise_server_error, to_engine
from .cursor import CommandCursor, index_list
from .engine.values.errors import ServerError
from .engine.commands import run_command
from .engine.ops import catalog
from .engine.storage.store import ENGINE_CODEC
from .engine.commands.explain import explain_query
from .engine.ops.collations import operation_collation
from .engine.commands.fields import check_fields

if TYPE_CHECKING:
    from .collection import Collection
    from .cursor import Cursor


def index_model(keys: Any, **kwargs: Any) -> IndexModel:
    return IndexModel(keys, **kwargs)


def _index_document(model: Any) -> dict[str, Any]:
    document = model.document if isinstance(model, IndexModel) else model
    if not isinstance(document, Mapping):
        raise TypeError(f"{model!r} is not an instance of pymongo.operations.IndexModel")
    return dict(document)


def create_indexes(collection: "Collection", models: list[Any], **options: Any) -> list[str]:
    """``createIndexes``: all the indexes are created, or none (and a collection
    created for them is dropped again), as on the server.  ``options`` are the
    command's own fields (``commitQuorum``, …), checked as the server checks them."""
    documents = [_index_document(m) for m in models]
    try:
        check_fields("createIndexes", {"createIndexes": collection.name, **options})
        options.pop("maxTimeMS", None)
        options.pop("commitQuorum", None)  # one data-bearing member: any quorum is met
        if options:
            raise ServerError(238, f"createIndexes option {next(iter(options))!r} is not "
                                   f"supported by mim's in-process client")
    except ServerError as exc:
        raise_server_error(exc)
    # encoded as pymongo encodes the command: a key pymongo cannot send (a NUL
    # in a field name, say) raises InvalidDocument here, before the server
    converted = to_engine(collection.codec_options, indexes=documents)["indexes"]
    try:
        catalog.create_indexes(collection._server, collection.database.name, collection.name,
                               converted)
    except ServerError as exc:
        raise_server_error(exc)
    return [d["name"] for d in documents]


def drop_index(collection: "Collection", index_or_name: Any, **kwargs: Any) -> None:
    """``dropIndexes``; "ns not found" (26) is one of pymongo's allowable errors here.
    (A key list goes to the server as a key pattern, where pymongo would send the
    name it generates: tests/mim/indexes rely on the key-pattern answers.)"""
    if isinstance(index_or_name, IndexModel):
        index_or_name = index_or_name.document["name"]
    name = index_or_name
    if not isinstance(name, str):
        name = dict(index_list(name))
    command = {"dropIndexes": collection.name, "index": name, **kwargs}
    try:
        check_fields("dropIndexes", command)
        left = [key for key in kwargs if key not in ("maxTimeMS", "comment")]
        if left:
            raise ServerError(238, f"dropIndexes option {left[0]!r} is not "
                                   f"supported by mim's in-process client")
        run_command(collection._server, collection.database.name, command)
    except ServerError as exc:
        if exc.code == 26:
            return  # "ns not found" is one of pymongo's allowable errors here
        raise_server_error(exc)


def list_indexes(collection: "Collection") -> CommandCursor:
    """``listIndexes``, run as the command a driver sends; as pymongo does, a
    collection that does not exist lists no index (NamespaceNotFound, 26)."""
    options = collection.codec_options.with_options(document_class=SON)
    try:
        reply = run_command(collection._server, collection.database.name,
                            {"listIndexes": collection.name, "cursor": {}})
    except ServerError as exc:
        if exc.code != 26:
            raise_server_error(exc)
        return CommandCursor(collection, [], options)
    return CommandCursor(collection, [doc.raw for doc in reply["cursor"]["firstBatch"]], options)


def explain_find(collection: "Collection", cursor: "Cursor") -> dict:
    """``Cursor.explain()``: the find's plan and execution statistics."""
    args = cursor._engine_arguments()
    hint = args.get("hint")
    server = collection._server
    db, name = collection.database.name, collection.name
    options = {"hint": hint, "projection": args.get("projection"), "sort": args.get("sort"),
               "skip": cursor._skip, "limit": cursor._limit}
    try:
        if cursor._collation is not None or server.default_collations:
            options["collation"] = operation_collation(server, db, name, cursor._collation)
        reply = explain_query(server, db, name, args.get("filter"), "allPlansExecution",
                              args.get("let"), options)
    except ServerError as exc:
        raise_server_error(exc)
    reply["command"] = {"find": collection.name, "filter": args.get("filter") or {},
                        "$db": collection.database.name}
    raw = bson.encode(reply, codec_options=ENGINE_CODEC)
    return bson.decode(raw, collection.codec_options)
