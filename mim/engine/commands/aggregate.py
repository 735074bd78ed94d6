"""``aggregate``: runs :func:`mim.engine.ops.aggregate.run_pipeline` behind a cursor."""

from __future__ import annotations

from collections.abc import Mapping

from ..ops.aggregate import run_pipeline
from ..ops.changestreams import STANDALONE_ERROR, is_change_stream, open_change_stream
from ..ops.cursors import DEFAULT_FIRST_BATCH
from ..values.errors import ServerError
from ..storage.store import Server
from .registry import command
from .arguments import bypass_validation, cursor_batch_size, optional, optional_bool, type_name
from .cursors import cursor_reply
from .explain import explain_aggregate


@command("mapReduce", "mapreduce")
def cmd_map_reduce(server: Server, db: str, cmd: Mapping) -> dict:
    """``mapReduce`` exists on a 7.0 mongod (deprecated), but its map, reduce
    and finalize functions are JavaScript, which mim never runs: refused as
    ``$where``, ``$function`` and ``$accumulator`` are (238 NotImplemented)."""
    raise ServerError(238, "mapReduce is not supported by mim: it runs JavaScript, which mim "
                           "never evaluates")


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
    allow_disk_use = optional_bool(cmd, "allowDiskUse")
    pipeline = cmd.get("pipeline")
    if pipeline is None:
        raise ServerError(40414, "BSON field 'aggregate.pipeline' is missing but a required "
                                 "field")
    if not isinstance(pipeline, list):
        raise ServerError(14, f"BSON field 'aggregate.pipeline' is the wrong type "
                              f"'{type_name(pipeline)}', expected type 'array'")
    if cmd.get("explain"):
        return explain_aggregate(server, db, coll, cmd)
    if "cursor" not in cmd:
        raise ServerError(9, "The 'cursor' option is required, except for aggregate with the "
                             "explain argument")
    batch_size = cursor_batch_size(cmd, "aggregate")
    if is_change_stream(pipeline):
        return _open_change_stream(server, db, coll, pipeline, batch_size)
    docs = list(run_pipeline(server, db, coll, pipeline,
                             let=optional(cmd, "let", dict, "object", "aggregate"),
                             hint=cmd.get("hint"),
                             bypass_validation=bypass_validation(cmd, "aggregate"),
                             allow_disk_use=allow_disk_use is not False,
                             collation=cmd.get("collation")))
    ns = f"{db}.{coll}" if coll is not None else f"{db}.$cmd.aggregate"
    return cursor_reply(server, ns, docs,
                         DEFAULT_FIRST_BATCH if batch_size is None else batch_size)


def _open_change_stream(server: Server, db: str, coll: str | None, pipeline: list,
                        batch_size: int | None) -> dict:
    """An ``aggregate`` whose pipeline starts with ``$changeStream``: a change stream
    cursor that stays open (its first batch holds what is already there, usually
    nothing); a standalone refuses it (40573)."""
    if server.replica_set_name is None:  # mim serve --standalone
        raise ServerError(*STANDALONE_ERROR)
    tail = open_change_stream(server, db, coll, pipeline)
    docs = tail.fetch(batch_size or None) if batch_size != 0 else []
    ns = f"{db}.{coll}" if coll is not None else f"{db}.$cmd.aggregate"
    return cursor_reply(server, ns, docs, None, tail=tail)
