"""``aggregate``: runs :func:`mim.engine.ops.aggregate.run_pipeline` behind a cursor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import bson

from ..ops import crud
from ..ops.aggregate import run_pipeline
from ..ops.changestreams import STANDALONE_ERROR, is_change_stream, open_change_stream
from ..ops.cursors import DEFAULT_FIRST_BATCH
from ..values.errors import ServerError
from ..storage.store import ENGINE_CODEC, Server
from .registry import command
from .arguments import bypass_validation, cursor_batch_size, optional, optional_bool, type_name
from .cursors import cursor_reply
from .explain import explain_aggregate


#: ``$_internalJsEmit``'s refusal on a server without a script engine (the map step)
_NO_SCRIPT_ENGINE_TO_MAP = (31246, "Cannot run server-side javascript without the javascript "
                                   "engine enabled")


@command("mapReduce", "mapreduce")
def cmd_map_reduce(server: Server, db: str, cmd: Mapping) -> dict:
    """``mapReduce`` (deprecated in 7.0) runs as an aggregation whose map step
    evaluates the map function (``$_internalJsEmit``).  Its functions are
    JavaScript, which mim never runs, so it answers as ``mongod --noscripting``:
    the first document reaching the map step fails (31246); with no document to
    map (an empty or missing collection, a query matching nothing) the output
    is empty — inline, or an ``out`` collection written as ``$out``/``$merge``
    would write it."""
    name = cmd[next(iter(cmd))]
    for field in ("map", "reduce", "out"):
        if field not in cmd:
            raise ServerError(40414, f"BSON field 'MapReduce.{field}' is missing but a "
                                     f"required field")
    query = optional(cmd, "query", Mapping, "object", "MapReduce") or {}
    if not isinstance(name, str):
        raise ServerError(73, f"collection name has invalid type {type_name(name)}")
    out = {"replace": cmd["out"]} if isinstance(cmd["out"], str) else cmd["out"]
    if not isinstance(out, Mapping):
        raise ServerError(13606, "'out' has to be a string or an object")
    mode, target = next(iter(out.items()), (None, None))
    if mode not in ("replace", "merge", "reduce", "inline") or \
            mode != "inline" and not isinstance(target, str):
        raise ServerError(13522, "please specify one of [replace|merge|reduce|inline] in 'out' "
                                 "object")
    if crud.count(server, db, name, query, limit=1, javascript=False):
        raise ServerError(*_NO_SCRIPT_ENGINE_TO_MAP)
    if mode == "inline":
        return {"results": [], "ok": 1.0}
    out_db = out.get("db", db)
    into = {"db": out_db, "coll": target}
    stage = {"$out": into} if mode == "replace" else \
        {"$merge": {"into": {"db": out_db, "coll": target}, "whenMatched": "replace",
                    "whenNotMatched": "insert"}}
    cmd_aggregate(server, db, {"aggregate": name, "pipeline": [{"$match": dict(query)}, stage],
                               "cursor": {}})
    result: Any = target if "db" not in out else {"db": out_db, "collection": target}
    return {"result": result, "ok": 1.0}


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
        _check_change_stream_read_concern(cmd)
        return _open_change_stream(server, db, coll, pipeline, batch_size)
    _check_write_stage_read_concern(cmd, pipeline)
    ns = f"{db}.{coll}" if coll is not None else f"{db}.$cmd.aggregate"
    counted = _count_documents(server, db, coll, pipeline, cmd)
    if counted is not None:
        return cursor_reply(server, ns, counted,
                            DEFAULT_FIRST_BATCH if batch_size is None else batch_size)
    docs = list(run_pipeline(server, db, coll, pipeline,
                             let=optional(cmd, "let", dict, "object", "aggregate"),
                             hint=cmd.get("hint"),
                             bypass_validation=bypass_validation(cmd, "aggregate"),
                             allow_disk_use=allow_disk_use is not False,
                             collation=cmd["collation"] if "collation" in cmd else None))
    # a pipeline learns it has ended only by asking for one more document
    return cursor_reply(server, ns, docs,
                         DEFAULT_FIRST_BATCH if batch_size is None else batch_size,
                         open_at_end=True)


#: what may stand between the ``$match`` and the ``$group`` of a ``count_documents``
_COUNT_MIDDLES = ([], ["$skip"], ["$limit"], ["$skip", "$limit"])
#: the ``$group`` stage that ends pymongo's ``count_documents`` pipeline
_COUNT_GROUP = {"$group": {"_id": 1, "n": {"$sum": 1}}}


def _count_documents(server: Server, db: str, coll: str | None, pipeline: list,
                     cmd: Mapping) -> list[bytes] | None:
    """pymongo's ``count_documents`` pipeline (``$match``, an optional ``$skip`` and
    ``$limit`` of plain valid counts, then ``{$group: {_id: 1, n: {$sum: 1}}}``)
    answered by the collection's count, which matches without materialising the
    documents: the same one document (none when nothing matches).  Any other
    shape (or a value a stage would refuse) runs as a pipeline."""
    if coll is None or "let" in cmd or not 2 <= len(pipeline) <= 4 \
            or pipeline[-1] != _COUNT_GROUP:
        return None
    group = pipeline[-1]["$group"]
    if type(group["_id"]) is not int or type(group["n"]["$sum"]) is not int:
        return None  # 1.0 or true: equal, but the answer's types would differ
    first = pipeline[0]
    if type(first) is not dict or len(first) != 1 or type(first.get("$match")) is not dict:
        return None
    middle = pipeline[1:-1]
    names = [next(iter(stage)) if type(stage) is dict and len(stage) == 1 else None
             for stage in middle]
    if names not in _COUNT_MIDDLES:
        return None
    values = {name: stage[name] for name, stage in zip(names, middle)}
    skip, limit = values.get("$skip", 0), values.get("$limit", 0)
    if type(skip) is not int or skip < 0 or type(limit) is not int or limit < 0 \
            or ("$limit" in values and limit == 0):
        return None  # the stage refuses it, in its own words
    n = crud.count(server, db, coll, first["$match"], skip=skip, limit=limit,
                   hint=cmd.get("hint"), collation=cmd.get("collation"), javascript=False)
    return [bson.encode({"_id": 1, "n": n}, codec_options=ENGINE_CODEC)] if n else []


def _unsupported_read_concern(level: str, reason: str) -> ServerError:
    """InvalidOptions as the command layer words a read concern a pipeline refuses."""
    return ServerError(72, f'Command aggregate does not support {{ readConcern: {{ level: '
                           f'"{level}" }} }} :: caused by :: {reason}')


def _check_write_stage_read_concern(cmd: Mapping, pipeline: list) -> None:
    """$out and $merge refuse a ``linearizable`` read (their LiteParsed
    ``supportsReadConcern``)."""
    read_concern = cmd.get("readConcern")
    if not isinstance(read_concern, Mapping) or read_concern.get("level") != "linearizable":
        return
    last = pipeline[-1] if pipeline else None
    stage = next(iter(last), None) if isinstance(last, Mapping) and len(last) == 1 else None
    if stage in ("$out", "$merge"):
        raise _unsupported_read_concern(
            "linearizable", f"{stage} cannot be used with a 'linearizable' read concern level")


def _check_change_stream_read_concern(cmd: Mapping) -> None:
    """A change stream reads at ``majority`` only: any other explicit level fails
    (the ``$changeStream`` stage's ``supportsReadConcern``; server jstest
    change_stream_require_majority_read_concern), with the context the command
    layer gives a read concern a command does not support."""
    read_concern = cmd.get("readConcern")
    level = read_concern.get("level") if isinstance(read_concern, Mapping) else None
    if level is not None and level != "majority":
        raise _unsupported_read_concern(
            level, f"Aggregation stage $changeStream cannot run with a readConcern other than "
                   f"'majority'. Current readConcern: {level}")


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
