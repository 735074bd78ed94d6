"""Stages that write their results to a collection: $out and $merge."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bson.objectid import ObjectId

from ..values.errors import ServerError
from ..languages.expressions import compile_expression
from ..languages.expressions.compiler import path_value
from ..values.order import MISSING, sort_key, type_name
from .compiler import compile_pipeline
from .context import with_id
from .registry import constraints, pipeline_stage


@pipeline_stage("$out", must_be_last=True, writes=True)
def compile_out(arg: Any, ctx: Any):
    if isinstance(arg, Mapping):
        for key in arg:
            if key not in ("db", "coll", "timeseries"):
                raise ServerError(40415, f"BSON field '$out.{key}' is an unknown field.")
        timeseries = arg.get("timeseries")
        if "timeseries" in arg and not isinstance(timeseries, Mapping):
            raise ServerError(14, f"BSON field '$out.timeseries' is the wrong type "
                                  f"'{type_name(timeseries)}', expected type 'object'")
        if "coll" not in arg:
            raise ServerError(40414, "BSON field '$out.coll' is missing but a required field")
        if "db" not in arg:
            raise ServerError(40414, "BSON field '$out.db' is missing but a required field")
        for key in ("db", "coll"):
            if not isinstance(arg[key], str):
                raise ServerError(13111, f"BSON field '$out.{key}' is the wrong type "
                                         f"'{type_name(arg[key])}', expected type 'string'")
        db, target = arg["db"], arg["coll"]
    elif isinstance(arg, str):
        db, target, timeseries = None, arg, None
    else:
        raise ServerError(16990, f"$out only supports a string or object argument, not "
                                 f"{type_name(arg)}")
    if not target:
        raise ServerError(73, "Invalid collection name: ")
    catalog = ctx.catalog

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        if timeseries is None:
            catalog.replace_collection(target, docs, db)
        else:  # a time-series target (7.0.3+): the catalog checks and creates it
            catalog.replace_collection(target, docs, db, timeseries=timeseries)
        return []

    run.is_output = True  # type: ignore[attr-defined]
    return run


# ---------------------------------------------------------------------------
# $merge
# ---------------------------------------------------------------------------

_MATCHED_MODES = ("replace", "keepExisting", "merge", "fail")
_NOT_MATCHED_MODES = ("insert", "discard", "fail")


def _parse_on(value: Any) -> list[str]:
    if isinstance(value, str):
        fields = [value]
    elif isinstance(value, list) and value:
        fields = value
        if not all(isinstance(f, str) for f in fields):
            raise ServerError(51134, "Array passed as $merge 'on' option must only contain "
                                     "strings")
    elif isinstance(value, list):
        raise ServerError(51187, "If explicitly specifying $merge 'on', must include at least "
                                 "one field")
    else:
        raise ServerError(51186, "$merge 'on' field  must be either a string or an array of "
                                 f"strings, but found {type_name(value)}")
    if len(set(fields)) != len(fields):
        raise ServerError(31465, "Found a duplicate field in the $merge 'on' list")
    return fields


def _enum_error(field: str, value: Any) -> ServerError:
    return ServerError(2, f"Enumeration value '{value}' for field '{field}' is not a valid "
                          "value.")


@pipeline_stage("$merge", must_be_last=True, writes=True)
def compile_merge(arg: Any, ctx: Any):
    if isinstance(arg, str):
        arg = {"into": arg}
    if not isinstance(arg, Mapping):
        raise ServerError(51182, f"$merge only supports a string or object argument, not "
                                 f"{type_name(arg)}")
    for key in arg:
        if key not in ("into", "on", "let", "whenMatched", "whenNotMatched",
                       "targetCollectionVersion"):
            raise ServerError(40415, f"BSON field '$merge.{key}' is an unknown field.")
    if "into" not in arg:
        raise ServerError(40414, "BSON field '$merge.into' is missing but a required field")
    into = arg["into"]
    if isinstance(into, str):
        db, target = None, into
    elif isinstance(into, Mapping):
        for key in into:
            if key not in ("db", "coll"):
                raise ServerError(40415, f"BSON field 'into.{key}' is an unknown field.")
        db, target = into.get("db"), into.get("coll")
        if not isinstance(target, str) or (db is not None and not isinstance(db, str)):
            raise ServerError(13111, "BSON field 'into.coll' is the wrong type, expected type "
                                     "'string'")
    else:
        raise ServerError(51178, "$merge 'into' field  must be either a string or an object, "
                                 f"but found {type_name(into)}")
    if not target:
        raise ServerError(73, "Invalid collection name: ")
    explicit_on = "on" in arg
    on_fields = _parse_on(arg["on"]) if explicit_on else ["_id"]
    on_parts = [tuple(f.split(".")) for f in on_fields]
    matched = arg.get("whenMatched", "merge")
    not_matched = arg.get("whenNotMatched", "insert")
    update_pipeline = None
    if isinstance(matched, list):
        for stage in matched:
            name = next(iter(stage), None) if isinstance(stage, Mapping) else None
            # whenMatched is an update pipeline: its stages must allow it
            if not constraints(name).allowed_in_update:
                raise ServerError(72, f"{name} is not allowed to be used within an update")
        let_spec = arg.get("let", {"new": "$$ROOT"})
        if not isinstance(let_spec, Mapping):
            raise ServerError(14, "BSON field '$merge.let' is the wrong type "
                                  f"'{type_name(let_spec)}', expected type 'object'")
        let_fns = {name: compile_expression(spec, ctx.expressions)
                   for name, spec in let_spec.items()}
        if "new" not in let_fns:
            let_fns["new"] = compile_expression("$$ROOT", ctx.expressions)
        update_pipeline = compile_pipeline(
            matched, ctx.sub_pipeline(target).with_variables(
                list(ctx.expressions.variables) + list(let_fns)))
    elif matched not in _MATCHED_MODES:
        if matched == "pipeline" or not isinstance(matched, str):
            raise ServerError(51191, "Invalid whenMatched value")
        raise _enum_error("whenMatched", matched)
    elif "let" in arg:
        raise ServerError(51199, f"Cannot use 'let' variables with 'whenMatched: {matched}' mode")
    if not isinstance(not_matched, str) or not_matched not in _NOT_MATCHED_MODES:
        raise _enum_error("whenNotMatched", not_matched)
    catalog = ctx.catalog
    collation = ctx.expressions.collation

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        dest = catalog.merge_target(target, db, matched == "fail" and not_matched == "insert")
        # the default 'on' (_id) is taken as unique; given fields need a unique index
        # with the aggregation's collation (ensureFieldsUniqueOrResolveDocumentKey)
        if explicit_on and not dest.has_unique_index(on_fields, collation):
            raise ServerError(51183, "Cannot find index to verify that join fields will be "
                                     "unique")
        value_key = dest.value_key

        def merge_one(doc: dict) -> None:
            if on_fields == ["_id"] and "_id" not in doc:
                # the manual: a result without _id gets one generated (default 'on' only)
                doc = {"_id": ObjectId(), **doc}
            values = []
            for field, parts in zip(on_fields, on_parts):
                value = path_value(doc, parts)
                if value is MISSING or value is None or isinstance(value, list):
                    raise ServerError(51132, f"$merge write error: 'on' field '{field}' cannot "
                                             "be missing, null, undefined or an array")
                values.append(value)
            key = tuple(value_key(v) for v in values)
            handle = dest.find(on_parts, key)
            if handle is None:
                if not_matched == "insert":
                    dest.insert(with_id(doc))
                elif not_matched == "fail":
                    raise ServerError(13113, "$merge could not find a matching document in the "
                                             "target collection for at least one document in "
                                             "the source collection")
                return
            existing = dest.current(handle)
            if matched == "fail":
                dest.insert(with_id(doc))  # fails with the duplicate key error, as on the server
                return
            if matched == "keepExisting":
                return
            if matched == "replace":
                new = dict(doc)
            elif matched == "merge":
                new = dict(existing)
                new.update(doc)
            else:
                scope = {**variables, "ROOT": doc, "CURRENT": doc}
                inner = {**variables}
                for name, fn in let_fns.items():
                    inner[name] = fn(scope)
                new = next(iter(update_pipeline([dict(existing)], inner)))
            if "_id" not in new:
                new = {"_id": existing["_id"], **new}
            elif sort_key(new["_id"]) != sort_key(existing["_id"]):
                raise ServerError(66, "$merge failed to update the matching document, did you "
                                      "attempt to modify the _id or the shard key? :: caused by "
                                      ":: Performing an update on the path '_id' would modify "
                                      "the immutable field '_id'")
            elif next(iter(new)) != "_id":
                new = {"_id": new.pop("_id"), **new}
            dest.replace(handle, new)

        for doc in docs:
            dest.write(merge_one, doc)
        return []

    run.is_output = True  # type: ignore[attr-defined]
    return run
