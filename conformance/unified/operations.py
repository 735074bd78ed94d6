"""Every unified-format operation the runner knows, mapped to pymongo 4 calls.

``OPERATIONS[(kind, name)]`` is a function ``(ctx, target, arguments) -> result``
where *kind* is the target's entity kind (``collection``, ``database``, ``client``,
``session``, ``bucket``, ``cursor``, ``testRunner``).  Arguments arrive as the
format spells them (camelCase) and are renamed to pymongo's keyword arguments here,
in one table per family, so an unknown argument fails loudly instead of being dropped.
"""

from __future__ import annotations

import time

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

from pymongo import (DeleteMany, DeleteOne, InsertOne, ReplaceOne, ReturnDocument, UpdateMany,
                     UpdateOne)

from .entities import read_preference, transaction_options

if TYPE_CHECKING:
    from .runner import RunContext

__all__ = ["OPERATIONS", "Unsupported", "kwargs_of", "write_model"]

Operation = Callable[["RunContext", Any, dict[str, Any]], Any]
OPERATIONS: dict[tuple[str, str], Operation] = {}


class Unsupported(NotImplementedError):
    """An operation or argument the runner cannot express with pymongo 4's API."""


#: how long iterateUntilDocumentOrError waits for a change stream's next event
ITERATE_SECONDS = 10.0


def operation(kind: str, *names: str) -> Callable[[Operation], Operation]:
    def register(fn: Operation) -> Operation:
        for name in names:
            OPERATIONS[(kind, name)] = fn
        return fn
    return register


# -- arguments ---------------------------------------------------------------------

_COMMON = {"session": "session", "comment": "comment", "hint": "hint", "collation": "collation",
           "let": "let", "upsert": "upsert", "projection": "projection", "sort": "sort",
           "arrayFilters": "array_filters",
           "bypassDocumentValidation": "bypass_document_validation",
           "returnDocument": "return_document", "ordered": "ordered", "filter": "filter",
           "skip": "skip", "limit": "limit"}
_FIND = dict(_COMMON, batchSize="batch_size", maxTimeMS="max_time_ms",
             allowDiskUse="allow_disk_use",
             noCursorTimeout="no_cursor_timeout", showRecordId="show_record_id",
             returnKey="return_key", min="min", max="max", singleBatch="single_batch")
# aggregate and count options travel as command fields (pymongo's **kwargs)
_COMMAND_KW = dict(_COMMON, batchSize="batchSize", maxTimeMS="maxTimeMS",
                   allowDiskUse="allowDiskUse", bypassDocumentValidation="bypassDocumentValidation")


def _sort_list(sort: Any) -> Any:
    if isinstance(sort, Mapping):
        return list(sort.items())
    return sort


def call(target: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """``target.method(*args, **kwargs)``, failing as :class:`Unsupported` when the
    class has no such method (mim's attribute access returns sub-collections and
    databases for unknown names, so ``hasattr`` cannot tell)."""
    if getattr(type(target), method, None) is None:
        raise Unsupported(f"{type(target).__module__}.{type(target).__name__} has no "
                          f"method {method}()")
    return getattr(target, method)(*args, **kwargs)


def kwargs_of(ctx: "RunContext", args: Mapping[str, Any], table: Mapping[str, str],
              skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Rename the format's arguments to pymongo's, resolving ``session`` entities."""
    out: dict[str, Any] = {}
    for key, value in args.items():
        if key in skip:
            continue
        if key == "rawData":
            raise Unsupported("rawData (timeseries raw buckets) has no pymongo 4 argument")
        if key not in table:
            raise Unsupported(f"argument {key!r} is not mapped for this operation")
        if key == "session":
            value = ctx.entities[value]
        elif key == "sort":
            value = _sort_list(value)
        elif key == "returnDocument":
            value = ReturnDocument.AFTER if value == "After" else ReturnDocument.BEFORE
        out[table[key]] = value
    return out


# -- collection: reads --------------------------------------------------------------

@operation("collection", "find")
def _find(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return list(call(coll, "find", **kwargs_of(ctx, args, _FIND)))


@operation("collection", "createFindCursor")
def _create_find_cursor(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "find", **kwargs_of(ctx, args, _FIND))


@operation("collection", "findOne")
def _find_one(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "find_one", **kwargs_of(ctx, args, _FIND))


@operation("collection", "aggregate")
@operation("database", "aggregate")
def _aggregate(ctx: "RunContext", target: Any, args: dict[str, Any]) -> Any:
    kwargs = kwargs_of(ctx, args, dict(_COMMAND_KW, pipeline="pipeline"))
    return list(call(target, "aggregate", **kwargs))


@operation("collection", "countDocuments")
def _count_documents(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "count_documents", **kwargs_of(ctx, args, _COMMAND_KW))


@operation("collection", "estimatedDocumentCount")
def _estimated_document_count(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "estimated_document_count", **kwargs_of(ctx, args, _COMMAND_KW))


@operation("collection", "distinct")
def _distinct(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "distinct", **kwargs_of(ctx, args, dict(_COMMAND_KW, fieldName="key")))


# -- collection: writes ---------------------------------------------------------------

@operation("collection", "insertOne")
def _insert_one(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "insert_one", **kwargs_of(ctx, args, dict(_COMMON, document="document")))


@operation("collection", "insertMany")
def _insert_many(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "insert_many", **kwargs_of(ctx, args, dict(_COMMON, documents="documents")))


_WRITE = dict(_COMMON, update="update", replacement="replacement")


@operation("collection", "updateOne")
def _update_one(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "update_one", **kwargs_of(ctx, args, _WRITE))


@operation("collection", "updateMany")
def _update_many(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "update_many", **kwargs_of(ctx, args, _WRITE))


@operation("collection", "replaceOne")
def _replace_one(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "replace_one", **kwargs_of(ctx, args, _WRITE))


@operation("collection", "deleteOne")
def _delete_one(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "delete_one", **kwargs_of(ctx, args, _WRITE))


@operation("collection", "deleteMany")
def _delete_many(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "delete_many", **kwargs_of(ctx, args, _WRITE))


@operation("collection", "findOneAndDelete")
def _find_one_and_delete(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "find_one_and_delete", **kwargs_of(ctx, args, _WRITE))


@operation("collection", "findOneAndReplace")
def _find_one_and_replace(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "find_one_and_replace", **kwargs_of(ctx, args, _WRITE))


@operation("collection", "findOneAndUpdate")
def _find_one_and_update(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "find_one_and_update", **kwargs_of(ctx, args, _WRITE))


_BULK_MODELS: dict[str, tuple[type, dict[str, str]]] = {
    "insertOne": (InsertOne, {"document": "document"}),
    "updateOne": (UpdateOne, {"filter": "filter", "update": "update", "upsert": "upsert",
                              "arrayFilters": "array_filters", "collation": "collation",
                              "hint": "hint", "sort": "sort"}),
    "updateMany": (UpdateMany, {"filter": "filter", "update": "update", "upsert": "upsert",
                                "arrayFilters": "array_filters", "collation": "collation",
                                "hint": "hint"}),
    "replaceOne": (ReplaceOne, {"filter": "filter", "replacement": "replacement",
                                "upsert": "upsert", "collation": "collation", "hint": "hint",
                                "sort": "sort"}),
    "deleteOne": (DeleteOne, {"filter": "filter", "collation": "collation", "hint": "hint"}),
    "deleteMany": (DeleteMany, {"filter": "filter", "collation": "collation", "hint": "hint"}),
}


def write_model(request: Mapping[str, Any]) -> Any:
    """One ``bulkWrite`` request document as a ``pymongo.operations`` model."""
    name, spec = next(iter(request.items()))
    model, table = _BULK_MODELS[name]
    kwargs = {}
    for key, value in spec.items():
        if key not in table:
            raise Unsupported(f"bulkWrite {name} argument {key!r} is not mapped")
        kwargs[table[key]] = _sort_list(value) if key == "sort" else value
    return model(**kwargs)


@operation("collection", "bulkWrite")
def _bulk_write(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    requests = [write_model(r) for r in args["requests"]]
    return call(coll, "bulk_write", requests, **kwargs_of(ctx, args, _COMMON, skip=("requests",)))


# -- collection: indexes and management ------------------------------------------------

@operation("collection", "createIndex")
def _create_index(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    args = dict(args)
    keys = list(args.pop("keys").items())
    session = args.pop("session", None)
    if "rawData" in args:
        raise Unsupported("rawData (timeseries raw buckets) has no pymongo 4 argument")
    return call(coll, "create_index", keys,
                session=ctx.entities[session] if session else None, **args)


@operation("collection", "dropIndex")
def _drop_index(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    kwargs = kwargs_of(ctx, args, dict(_COMMON, name="index_or_name"))
    return call(coll, "drop_index", **kwargs)


@operation("collection", "dropIndexes")
def _drop_indexes(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "drop_indexes", **kwargs_of(ctx, args, _COMMON))


@operation("collection", "listIndexes")
def _list_indexes(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return list(call(coll, "list_indexes", **kwargs_of(ctx, args, _COMMON)))


@operation("collection", "listIndexNames")
def _list_index_names(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return [index["name"] for index in call(coll, "list_indexes", **kwargs_of(ctx, args, _COMMON))]


@operation("collection", "rename")
def _rename(ctx: "RunContext", coll: Any, args: dict[str, Any]) -> Any:
    return call(coll, "rename", **kwargs_of(ctx, args, dict(_COMMON, to="new_name",
                                                   dropTarget="dropTarget")))


@operation("collection", "createChangeStream")
@operation("database", "createChangeStream")
@operation("client", "createChangeStream")
def _watch(ctx: "RunContext", target: Any, args: dict[str, Any]) -> Any:
    table = dict(_COMMON, pipeline="pipeline", fullDocument="full_document",
                 fullDocumentBeforeChange="full_document_before_change",
                 batchSize="batch_size", showExpandedEvents="show_expanded_events",
                 resumeAfter="resume_after", startAfter="start_after",
                 startAtOperationTime="start_at_operation_time", maxAwaitTimeMS="max_await_time_ms")
    return call(target, "watch", **kwargs_of(ctx, args, table))


# -- database ------------------------------------------------------------------------

@operation("database", "createCollection")
def _create_collection(ctx: "RunContext", db: Any, args: dict[str, Any]) -> Any:
    args = dict(args)
    name = args.pop("collection")
    session = args.pop("session", None)
    return call(db, "create_collection", name,
                session=ctx.entities[session] if session else None, **args)


@operation("database", "dropCollection")
def _drop_collection(ctx: "RunContext", db: Any, args: dict[str, Any]) -> Any:
    args = dict(args)
    name = args.pop("collection")
    return call(db, "drop_collection", name, **kwargs_of(ctx, args, _COMMON))


@operation("database", "listCollections")
def _list_collections(ctx: "RunContext", db: Any, args: dict[str, Any]) -> Any:
    table = dict(_COMMON, batchSize="batchSize")
    return list(call(db, "list_collections", **kwargs_of(ctx, args, table)))


@operation("database", "listCollectionNames")
def _list_collection_names(ctx: "RunContext", db: Any, args: dict[str, Any]) -> Any:
    return call(db, "list_collection_names", **kwargs_of(ctx, args, _COMMON))


@operation("database", "modifyCollection")
def _modify_collection(ctx: "RunContext", db: Any, args: dict[str, Any]) -> Any:
    args = dict(args)
    command = {"collMod": args.pop("collection"), **args}
    return call(db, "command", command)


def _command_kwargs(ctx: "RunContext", args: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if "session" in args:
        kwargs["session"] = ctx.entities[args["session"]]
    if "readPreference" in args:
        kwargs["read_preference"] = read_preference(args["readPreference"])
    return kwargs


@operation("database", "runCommand")
def _run_command(ctx: "RunContext", db: Any, args: dict[str, Any]) -> Any:
    return call(db, "command", args["command"], **_command_kwargs(ctx, args))


@operation("database", "createCommandCursor")
def _cursor_command(ctx: "RunContext", db: Any, args: dict[str, Any]) -> Any:
    # the operation's batchSize is for the getMores (the command carries its own):
    # a find has no 'cursor' field, and 7.0 refuses unknown fields (40415)
    command = dict(args["command"])
    cursor = call(db, "cursor_command", command, **_command_kwargs(ctx, args))
    return cursor


@operation("database", "runCursorCommand")
def _run_cursor_command(ctx: "RunContext", db: Any, args: dict[str, Any]) -> Any:
    return list(_cursor_command(ctx, db, args))


# -- client ---------------------------------------------------------------------------

@operation("client", "listDatabases")
def _list_databases(ctx: "RunContext", client: Any, args: dict[str, Any]) -> Any:
    return list(call(client, "list_databases", **kwargs_of(ctx, args, _COMMON)))


@operation("client", "listDatabaseNames")
def _list_database_names(ctx: "RunContext", client: Any, args: dict[str, Any]) -> Any:
    return call(client, "list_database_names", **kwargs_of(ctx, args, _COMMON))


_CLIENT_BULK_EXTRA = {"namespace": "namespace"}


@operation("client", "clientBulkWrite")
def _client_bulk_write(ctx: "RunContext", client: Any, args: dict[str, Any]) -> Any:
    models = []
    for request in args["models"]:
        name, spec = next(iter(request.items()))
        model, table = _BULK_MODELS[name]
        table = dict(table, **_CLIENT_BULK_EXTRA)
        unknown = set(spec) - set(table)
        if unknown:
            raise Unsupported(f"clientBulkWrite {name} arguments {sorted(unknown)}")
        models.append(model(**{table[k]: _sort_list(v) if k == "sort" else v
                               for k, v in spec.items()}))
    table = dict(_COMMON, verboseResults="verbose_results", writeConcern="write_concern")
    kwargs = kwargs_of(ctx, args, table, skip=("models",))
    if "write_concern" in kwargs:
        from .entities import write_concern
        kwargs["write_concern"] = write_concern(kwargs["write_concern"])
    return call(client, "bulk_write", models, **kwargs)


# -- cursors and change streams -----------------------------------------------------------

@operation("cursor", "iterateUntilDocumentOrError", "iterateOnce")
def _iterate(ctx: "RunContext", cursor: Any, args: dict[str, Any]) -> Any:
    if type(cursor).__name__.endswith("ChangeStream"):
        # a driver's runner waits as long as the test lets it; a change that never
        # comes fails the test instead of hanging the run
        deadline = time.monotonic() + ITERATE_SECONDS
        while time.monotonic() < deadline:
            document = call(cursor, "try_next")
            if document is not None:
                return document
        raise AssertionError(f"no change event within {ITERATE_SECONDS} s")
    return next(cursor)


@operation("cursor", "close")
def _close(ctx: "RunContext", cursor: Any, args: dict[str, Any]) -> Any:
    return call(cursor, "close")


# -- sessions ------------------------------------------------------------------------

@operation("session", "startTransaction")
def _start_transaction(ctx: "RunContext", session: Any, args: dict[str, Any]) -> Any:
    return call(session, "start_transaction", **transaction_options(args))


@operation("session", "commitTransaction")
def _commit_transaction(ctx: "RunContext", session: Any, args: dict[str, Any]) -> Any:
    return call(session, "commit_transaction")


@operation("session", "abortTransaction")
def _abort_transaction(ctx: "RunContext", session: Any, args: dict[str, Any]) -> Any:
    return call(session, "abort_transaction")


@operation("session", "endSession")
def _end_session(ctx: "RunContext", session: Any, args: dict[str, Any]) -> Any:
    return call(session, "end_session")


@operation("session", "getSnapshotTime")
def _get_snapshot_time(ctx: "RunContext", session: Any, args: dict[str, Any]) -> Any:
    return session._snapshot_time  # pymongo exposes it only privately


@operation("session", "withTransaction")
def _with_transaction(ctx: "RunContext", session: Any, args: dict[str, Any]) -> Any:
    args = dict(args)
    callback_ops = args.pop("callback")

    def callback(_session: Any) -> None:
        for op in callback_ops:
            ctx.run_operation(op)

    return call(session, "with_transaction", callback, **transaction_options(args))


# -- GridFS buckets -------------------------------------------------------------------

def _bytes(value: Any) -> bytes:
    if isinstance(value, Mapping) and "$$hexBytes" in value:
        return bytes.fromhex(value["$$hexBytes"])
    return bytes(value)


@operation("bucket", "upload")
def _upload(ctx: "RunContext", bucket: Any, args: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    if "chunkSizeBytes" in args:
        kwargs["chunk_size_bytes"] = args["chunkSizeBytes"]
    if "metadata" in args:
        kwargs["metadata"] = args["metadata"]
    return call(bucket, "upload_from_stream", args["filename"], _bytes(args["source"]), **kwargs)


@operation("bucket", "download")
def _download(ctx: "RunContext", bucket: Any, args: dict[str, Any]) -> Any:
    return call(bucket, "open_download_stream", args["id"]).read()


@operation("bucket", "downloadByName")
def _download_by_name(ctx: "RunContext", bucket: Any, args: dict[str, Any]) -> Any:
    return call(bucket, "open_download_stream_by_name", args["filename"],
                                               revision=args.get("revision", -1)).read()


@operation("bucket", "delete")
def _delete(ctx: "RunContext", bucket: Any, args: dict[str, Any]) -> Any:
    return call(bucket, "delete", args["id"])


@operation("bucket", "deleteByName")
def _delete_by_name(ctx: "RunContext", bucket: Any, args: dict[str, Any]) -> Any:
    return call(bucket, "delete_by_name", args["filename"])


@operation("bucket", "rename")
def _rename_file(ctx: "RunContext", bucket: Any, args: dict[str, Any]) -> Any:
    return call(bucket, "rename", args["id"], args["newFilename"])


@operation("bucket", "renameByName")
def _rename_by_name(ctx: "RunContext", bucket: Any, args: dict[str, Any]) -> Any:
    return call(bucket, "rename_by_name", args["filename"], args["newFilename"])


# -- the test runner itself -----------------------------------------------------------------

@operation("testRunner", "failPoint")
def _fail_point(ctx: "RunContext", _: Any, args: dict[str, Any]) -> Any:
    """Set a fail point with the test's client (``configureFailPoint`` on admin)."""
    command = args["failPoint"]
    ctx.entities[args["client"]].admin.command(command)
    ctx.fail_points.append(command["configureFailPoint"])


@operation("testRunner", "createEntities")
def _create_entities(ctx: "RunContext", _: Any, args: dict[str, Any]) -> Any:
    ctx.entities.create(args["entities"])


def _collection_names(ctx: "RunContext", args: dict[str, Any]) -> list[str]:
    return ctx.internal_client()[args["databaseName"]].list_collection_names()


@operation("testRunner", "assertCollectionExists")
def _assert_collection_exists(ctx: "RunContext", _: Any, args: dict[str, Any]) -> Any:
    if args["collectionName"] not in _collection_names(ctx, args):
        raise AssertionError(f"collection {args['databaseName']}.{args['collectionName']} "
                             f"does not exist")


@operation("testRunner", "assertCollectionNotExists")
def _assert_collection_not_exists(ctx: "RunContext", _: Any, args: dict[str, Any]) -> Any:
    if args["collectionName"] in _collection_names(ctx, args):
        raise AssertionError(f"collection {args['databaseName']}.{args['collectionName']} "
                             f"exists")


def _index_names(ctx: "RunContext", args: dict[str, Any]) -> list[str]:
    coll = ctx.internal_client()[args["databaseName"]][args["collectionName"]]
    return [index["name"] for index in call(coll, "list_indexes")]


@operation("testRunner", "assertIndexExists")
def _assert_index_exists(ctx: "RunContext", _: Any, args: dict[str, Any]) -> Any:
    if args["indexName"] not in _index_names(ctx, args):
        raise AssertionError(f"index {args['indexName']} does not exist")


@operation("testRunner", "assertIndexNotExists")
def _assert_index_not_exists(ctx: "RunContext", _: Any, args: dict[str, Any]) -> Any:
    if args["indexName"] in _index_names(ctx, args):
        raise AssertionError(f"index {args['indexName']} exists")


@operation("testRunner", "assertSessionTransactionState")
def _assert_session_transaction_state(ctx: "RunContext", _: Any, args: dict[str, Any]) -> Any:
    session = ctx.entities[args["session"]]
    state = getattr(getattr(session, "_transaction", None), "state", None)
    # pymongo's _TxnState: plain integers (NONE=1 … ABORTED=6), or an enum elsewhere
    name = {1: "none", 2: "starting", 3: "in_progress", 4: "committed",
            5: "committed_empty", 6: "aborted"}.get(state) if type(state) is int \
        else getattr(state, "name", str(state)).lower()
    expected = {"none": "none", "starting": "starting", "in_progress": "in_progress",
                "committed": "committed", "aborted": "aborted"}[args["state"]]
    if name is None or expected not in name:
        raise AssertionError(f"session transaction state is {name}, expected {args['state']}")
