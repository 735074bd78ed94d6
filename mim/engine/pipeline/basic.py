"""Stages that filter, order and reshape the stream: $match $limit $skip $sort
$count $sample $unwind $replaceRoot $replaceWith $documents $sortByCount $redact."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Mapping
from typing import Any

from bson.int64 import Int64

from ..values.errors import ServerError
from ..languages.expressions import compile_expression
from ..languages.expressions.coercion import is_integral64, is_numeric, to_long, value_repr
from ..languages.expressions.compiler import path_value
from ..languages.matcher import compile_filter
from ..languages.matcher.context import MatchContext
from ..languages.sorting import compile_sort, has_meta_sort, smallest
from ..languages.metadata import GEO_NEAR_DISTANCES, attached_metadata, text_score_of
from ..values.order import MISSING, type_name
from .registry import pipeline_stage
from ..languages.matcher.text import not_first_stage, text_index_spec
from .group import compile_group
from .memory import check_sort_memory


def _text_lookup(ctx: Any) -> Any:
    """Where ``$text`` finds its index: only a first stage on a collection has one."""
    if ctx.position != 0 or ctx.nested or ctx.collection is None:
        return not_first_stage
    return lambda: text_index_spec(ctx.catalog.collection_data(ctx.collection))


@pipeline_stage("$match")
def compile_match(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(15959, "the match filter must be an expression in an object")
    names = ctx.expressions.variables
    collation = ctx.expressions.collation
    node = compile_filter(arg, MatchContext(variables={n: None for n in names},
                                            text_index=_text_lookup(ctx), collation=collation,
                                            javascript=False))
    if not names:
        matches = node.matches
        return lambda docs, variables: (d for d in docs if matches(d))

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        # $expr binds variable values when compiled: recompile with this run's values
        bound = compile_filter(arg, MatchContext(variables={n: variables.get(n)
                                                            for n in names},
                                                 collation=collation,
                                                 javascript=False)).matches
        return (d for d in docs if bound(d))

    return run


def _count_arg(name: str, arg: Any, code_type: int, code_neg: int) -> int:
    if not is_numeric(arg) or not is_integral64(arg):
        raise ServerError(code_type, f"invalid argument to {name} stage: Cannot represent as a "
                                     f"64-bit integer: {name}: {value_repr(arg)}")
    return to_long(arg)


@pipeline_stage("$limit")
def compile_limit(arg: Any, ctx: Any):
    n = _count_arg("$limit", arg, 15957, 15958)
    if n <= 0:
        raise ServerError(15958, "the limit must be positive")
    return lambda docs, variables: itertools.islice(docs, n)


@pipeline_stage("$skip")
def compile_skip(arg: Any, ctx: Any):
    n = _count_arg("$skip", arg, 15972, 15956)
    if n < 0:
        raise ServerError(15956, f"invalid argument to $skip stage: Expected a non-negative "
                                 f"number in: $skip: {n}")
    return lambda docs, variables: itertools.islice(docs, n, None)


def _sort_score(variables: dict, doc: dict) -> float:
    score = text_score_of(variables, doc)
    if score is None:
        raise ServerError(40218, "query requires text score metadata, but it is not available")
    return 0.0 if score is ... else score


def _sort_distance(variables: dict, doc: dict) -> float:
    """The $geoNear distance a document carries; one without it (a $group output)
    sorts last, as a missing value sorts lowest in the descending metadata order."""
    distance = attached_metadata(variables, GEO_NEAR_DISTANCES, doc)
    return -math.inf if distance is None or distance is ... else distance


@pipeline_stage("$sort")
def compile_sort_stage(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(15973, "the $sort key specification must be an object")
    if not arg:
        raise ServerError(15976, "$sort stage must have at least one sort key")
    by_metadata = has_meta_sort(dict(arg))
    collation = ctx.expressions.collation
    key = None if by_metadata else compile_sort(dict(arg), collation=collation)
    bounded = not ctx.allow_disk_use

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        nonlocal key
        if by_metadata:
            key = compile_sort(dict(arg), {
                "textScore": lambda doc: _sort_score(variables, doc),
                "geoNearDistance": lambda doc: _sort_distance(variables, doc)}, collation)
        limit = variables.get("__sort_limit__")
        if limit:
            return smallest(docs, limit, key)
        if bounded:
            docs = list(docs)
            check_sort_memory(docs)
        return sorted(docs, key=key)

    run.is_sort = True  # type: ignore[attr-defined]
    return run


@pipeline_stage("$count")
def compile_count(arg: Any, ctx: Any):
    if not isinstance(arg, str):
        raise ServerError(40156, "the count field must be a non-empty string")
    if not arg:
        raise ServerError(40157, "the count field must be a non-empty string")
    if arg.startswith("$"):
        raise ServerError(40158, "the count field cannot be a $-prefixed path")
    if "." in arg:
        raise ServerError(40160, "the count field cannot contain '.'")

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        n = sum(1 for _ in docs)
        return [{arg: n if n < 2**31 else Int64(n)}] if n else []

    return run


@pipeline_stage("$sample")
def compile_sample(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(28745, "the $sample stage specification must be an object")
    size = MISSING
    for key, value in arg.items():
        if key != "size":
            raise ServerError(28748, f"unrecognized option to $sample: {key}")
        size = value
    if size is MISSING:
        raise ServerError(28749, "$sample stage must specify a size")
    if not is_numeric(size):
        raise ServerError(28746, "size argument to $sample must be a number")
    n = to_long(size)
    if n < 0:
        raise ServerError(28747, "size argument to $sample must not be negative")

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        pool = list(docs)
        return random.sample(pool, min(n, len(pool)))

    return run


@pipeline_stage("$unwind")
def compile_unwind(arg: Any, ctx: Any):
    index_field = None
    preserve = False
    if isinstance(arg, str):
        path = arg
    elif isinstance(arg, Mapping):
        path = MISSING
        for key, value in arg.items():
            if key == "path":
                if not isinstance(value, str):
                    raise ServerError(28808, f"expected a string as the path for $unwind stage, "
                                             f"got {type_name(value)}")
                path = value
            elif key == "preserveNullAndEmptyArrays":
                if not isinstance(value, bool):
                    raise ServerError(28809, "expected a boolean for the "
                                             "preserveNullAndEmptyArrays option to $unwind "
                                             f"stage, got {type_name(value)}")
                preserve = value
            elif key == "includeArrayIndex":
                if not isinstance(value, str):
                    raise ServerError(28810, "expected a non-empty string for the "
                                             "includeArrayIndex option to $unwind stage, got "
                                             f"{type_name(value)}")
                if not value or value.startswith("$"):
                    raise ServerError(28822, "includeArrayIndex option to $unwind stage should "
                                             f"not be prefixed with a '$': {value}")
                index_field = value
            else:
                raise ServerError(28811, f"unrecognized option to $unwind stage: {key}")
        if path is MISSING:
            raise ServerError(28812, "no path specified to $unwind stage")
    else:
        raise ServerError(15981, f"expected either a string or an object as specification for "
                                 f"$unwind stage, got {type_name(arg)}")
    if not path.startswith("$"):
        raise ServerError(28818, f"path option to $unwind stage should be prefixed with a '$': "
                                 f"{path}")
    parts = tuple(path[1:].split("."))

    def with_value(doc: dict, value: Any, index: Any) -> dict:
        out = _set_path(doc, parts, value)
        if index_field is not None:
            out = _set_path(out, (index_field,), index)
        return out

    top_level = parts[0] if len(parts) == 1 and index_field is None else None

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        for doc in docs:
            value = path_value(doc, parts)
            if isinstance(value, list):
                if top_level is not None:
                    # the common case: a top-level array, no index field
                    for element in value:
                        yield {**doc, top_level: element}
                    if value or not preserve:
                        continue
                if value:
                    for i, element in enumerate(value):
                        yield with_value(doc, element, Int64(i))
                elif preserve:
                    yield with_value(doc, MISSING, None)
            elif value is None or value is MISSING:
                if preserve:
                    yield with_value(doc, value, None) if index_field else doc
            else:
                yield with_value(doc, value, None) if index_field else doc

    if top_level is not None and not preserve:
        run.in_place = _unwind_in_place(top_level)  # type: ignore[attr-defined]
        #: the top-level field a next stage may unwind itself (``over_unwound``)
        run.unwinds = top_level  # type: ignore[attr-defined]
    return run


def _unwind_in_place(field: str):
    """``$unwind`` of a top-level field (no index field, nothing preserved) for a
    next stage that keeps no document it is handed (``keeps_no_documents``): one
    copy of each document, its field set to each element in turn, instead of one
    new document per element.  The same documents, seen one at a time."""

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        parts = (field,)
        for doc in docs:
            value = doc.get(field, MISSING) if type(doc) is dict else path_value(doc, parts)
            if type(value) is list:
                if value:
                    reused = {**doc}
                    for element in value:
                        reused[field] = element
                        yield reused
            elif isinstance(value, list):
                yield from ({**doc, field: element} for element in value)
            elif value is not None and value is not MISSING:
                yield doc

    return run


def _set_path(doc: Mapping, parts: tuple[str, ...], value: Any) -> dict:
    """A copy of ``doc`` with the dotted path set (MISSING removes the field)."""
    out = dict(doc)
    head = parts[0]
    if len(parts) == 1:
        if value is MISSING:
            out.pop(head, None)
        else:
            out[head] = value
        return out
    child = out.get(head)
    out[head] = _set_path(child if isinstance(child, Mapping) else {}, parts[1:], value)
    return out


def _new_root(name: str, fn, variables: dict, doc: dict) -> dict:
    value = fn({**variables, "ROOT": doc, "CURRENT": doc})
    if not isinstance(value, Mapping):
        raise ServerError(40228, f"{name} must evaluate to an object, but resulting "
                                 f"value was: {value_repr(value)}. Type of resulting value: "
                                 f"'{type_name(value)}'. Input document: {value_repr(doc)}")
    return dict(value)


@pipeline_stage("$replaceRoot", allowed_in_update=True)
def compile_replace_root(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(40229, f"expected an object as specification for $replaceRoot stage, "
                                 f"got {type_name(arg)}")
    # 7.0 parses the spec with the IDL (ReplaceRootSpec): unknown fields first, then required
    for key in arg:
        if key != "newRoot":
            raise ServerError(40415, f"BSON field '$replaceRoot.{key}' is an unknown field.")
    if "newRoot" not in arg:
        raise ServerError(40414, "BSON field '$replaceRoot.newRoot' is missing but a required "
                                 "field")
    fn = compile_expression(arg["newRoot"], ctx.expressions)
    return lambda docs, variables: (
        _new_root("'newRoot' expression ", fn, variables, d) for d in docs)


@pipeline_stage("$replaceWith", allowed_in_update=True)
def compile_replace_with(arg: Any, ctx: Any):
    fn = compile_expression(arg, ctx.expressions)
    return lambda docs, variables: (
        _new_root("'replacement document'", fn, variables, d) for d in docs)


@pipeline_stage("$changeStream", collectionless=True)
def compile_change_stream(arg: Any, ctx: Any):
    """A ``$changeStream`` the ``aggregate`` command did not open as a change
    stream (:mod:`mim.engine.ops.changestreams`) is not its pipeline's first stage."""
    raise ServerError(40602, "$changeStream is only valid as the first stage in a pipeline")


#: the stage that splits change events too large for one BSON document (7.0, 6.0.9)
SPLIT_LARGE_EVENT = "$changeStreamSplitLargeEvent"


def check_split_large_event_spec(arg: Any) -> None:
    """``DocumentSourceChangeStreamSplitLargeEvent::createFromBson``: an empty object."""
    if not isinstance(arg, Mapping) or arg:
        raise ServerError(7182800, "$changeStreamSplitLargeEvent spec should be an empty "
                                   "object")


@pipeline_stage(SPLIT_LARGE_EVENT)
def compile_change_stream_split_large_event(arg: Any, ctx: Any):
    """Outside a change stream (a change stream's pipeline hands this stage to
    :mod:`mim.engine.ops.changestreams`, which splits its events):
    ``ChangeStreamRequirement::kRequiresChangeStream``."""
    check_split_large_event_spec(arg)
    raise ServerError(20, f"{SPLIT_LARGE_EVENT} can only be used in a $changeStream pipeline")


@pipeline_stage("$documents", collectionless=True)
def compile_documents(arg: Any, ctx: Any):
    if ctx.position != 0 or ctx.collection is not None and not ctx.nested:
        raise ServerError(40602, "$documents is only valid as the first stage in a pipeline")
    fn = compile_expression(arg, ctx.expressions)

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        value = fn({**variables, "ROOT": {}, "CURRENT": {}})
        if not isinstance(value, list) or not all(isinstance(d, Mapping) for d in value):
            raise ServerError(5858203, "an array is expected")
        return [dict(d) for d in value]

    run.is_source = True  # type: ignore[attr-defined]
    return run


@pipeline_stage("$sortByCount")
def compile_sort_by_count(arg: Any, ctx: Any):
    if isinstance(arg, str) and not arg.startswith("$") or not isinstance(arg, (str, Mapping)):
        raise ServerError(40148, "the sortByCount field must be defined as a $-prefixed path or "
                                 "an expression")
    group = compile_group({"_id": arg, "count": {"$sum": 1}}, ctx)

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        return sorted(group(docs, variables), key=lambda d: -d["count"])

    return run


@pipeline_stage("$redact")
def compile_redact(arg: Any, ctx: Any):
    fn = compile_expression(arg, ctx.expressions.with_variables(["DESCEND", "PRUNE", "KEEP"]))

    def redact(value: Any, variables: dict) -> Any:
        scope = {**variables, "CURRENT": value, "DESCEND": "descend", "PRUNE": "prune",
                 "KEEP": "keep"}
        action = fn(scope)
        if action == "keep":
            return value
        if action == "prune":
            return MISSING
        if action != "descend":
            raise ServerError(17053, "$redact's expression should not return anything aside "
                                     "from the variables $$KEEP, $$DESCEND, and $$PRUNE, but "
                                     f"returned {value_repr(action)}")
        out = {}
        for key, field in value.items():
            if isinstance(field, Mapping):
                field = redact(field, variables)
                if field is MISSING:
                    continue
            elif isinstance(field, list):
                field = [r for r in (redact(e, variables) if isinstance(e, Mapping) else e
                                     for e in field) if r is not MISSING]
            out[key] = field
        return out

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        for doc in docs:
            out = redact(doc, {**variables, "ROOT": doc})
            if out is not MISSING:
                yield out

    return run


__all__ = ["_set_path"]


@pipeline_stage("$listSearchIndexes")
def compile_list_search_indexes(arg: Any, ctx: Any):
    """Atlas Search lives outside mongod: a 7.0 server refuses the stage."""
    raise ServerError(6047401, "$listSearchIndexes stage is only allowed on MongoDB Atlas")
