"""Stages that read other collections: $lookup $unionWith $facet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..values.errors import ServerError
from ..languages.expressions import compile_expression
from ..languages.expressions.coercion import expr_equal
from ..languages.expressions.compiler import validate_variable_name
from ..values.paths import leaf_candidates, split_path
from ..values.order import MISSING, sort_key, type_name
from .basic import _set_path
from .compiler import compile_pipeline
from .registry import pipeline_stage
from ..languages.expressions.compiler import path_value


def _local_keys(value: Any) -> list:
    if isinstance(value, list):
        return value if value else [None]
    return [None if value is MISSING else value]


def _key_index(foreign: list[dict], parts: tuple[str, ...], key_of: Any = sort_key) -> dict:
    """sort key -> the foreign documents (in natural order) an equality lookup finds
    under it: each value at the path (arrays: the elements), missing as null
    (``key_of``: the operation collation's key, if any)."""
    index: dict = {}
    for doc in foreign:
        keys = set()
        for leaf in leaf_candidates(doc, parts):
            keys.add(key_of(None if leaf is MISSING else leaf))
        if not keys:
            keys.add(key_of(None))
        for key in keys:
            index.setdefault(key, []).append(doc)
    return index


@pipeline_stage("$lookup")
def compile_lookup(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(9, "the $lookup stage specification must be an object")
    allowed = ("from", "localField", "foreignField", "as", "let", "pipeline")
    for key in arg:
        if key not in allowed:
            raise ServerError(9, f"unknown argument to $lookup: {key}")
    if "as" not in arg:
        raise ServerError(9, "must specify 'as' field for a $lookup")
    as_field = arg["as"]
    source = arg.get("from")
    if isinstance(source, Mapping):
        source = source.get("coll")
    if source is not None and not isinstance(source, str):
        raise ServerError(9, f"$lookup 'from' field must be a string, but found "
                             f"{type_name(source)}")
    has_fields = "localField" in arg or "foreignField" in arg
    if has_fields and not ("localField" in arg and "foreignField" in arg):
        raise ServerError(9, "$lookup requires both or neither of 'localField' and "
                             "'foreignField' to be specified")
    if not has_fields and "pipeline" not in arg:
        raise ServerError(9, "$lookup requires either 'pipeline' or both 'localField' and "
                             "'foreignField' to be specified")
    if source is None and "pipeline" not in arg:
        raise ServerError(9, "must specify 'from' field for a $lookup")
    let_fns = {}
    for name, spec in (arg.get("let") or {}).items():
        validate_variable_name(name, for_write=True)
        let_fns[name] = compile_expression(spec, ctx.expressions)
    sub = None
    if "pipeline" in arg:
        inner = ctx.sub_pipeline(source).with_variables(list(ctx.expressions.variables)
                                                        + list(let_fns))
        inner.collection = source
        sub = compile_pipeline(arg["pipeline"], inner)
    local_parts = tuple(arg["localField"].split(".")) if has_fields else ()
    foreign_parts = split_path(arg["foreignField"]) if has_fields else ()
    catalog = ctx.catalog
    collation = ctx.expressions.collation
    key_of = sort_key if collation is None else collation.sort_key

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        foreign = catalog.documents(source) if source is not None else []
        by_key = _key_index(foreign, foreign_parts, key_of) if has_fields else None
        for doc in docs:
            candidates = foreign
            if has_fields:
                local = path_value(doc, local_parts)
                keys = {key_of(k) for k in _local_keys(local)}
                if len(keys) == 1:
                    candidates = by_key.get(next(iter(keys)), ())
                else:
                    positions = set()
                    for key in keys:
                        positions.update(id(f) for f in by_key.get(key, ()))
                    candidates = [f for f in foreign if id(f) in positions]
            if sub is not None:
                scope = {**variables, "ROOT": doc, "CURRENT": doc}
                inner_vars = {**variables}
                for name, fn in let_fns.items():
                    inner_vars[name] = fn(scope)
                candidates = list(sub(candidates, inner_vars))
            yield _set_path(doc, tuple(as_field.split(".")), list(candidates))

    return run


@pipeline_stage("$unionWith")
def compile_union_with(arg: Any, ctx: Any):
    if isinstance(arg, str):
        source, stages = arg, None
    elif isinstance(arg, Mapping):
        for key in arg:
            if key not in ("coll", "pipeline"):
                raise ServerError(40415, f"BSON field '$unionWith.{key}' is an unknown field.")
        source, stages = arg.get("coll"), arg.get("pipeline")
        if source is None and stages is None:
            raise ServerError(40414, "BSON field '$unionWith.coll' is missing but a required "
                                     "field")
    else:
        raise ServerError(ErrorCode.FAILED_TO_PARSE, "the $unionWith stage specification must "
                                                     "be an object or string")
    sub = None
    if stages is not None:
        sub = compile_pipeline(stages, ctx.sub_pipeline(source))
    catalog = ctx.catalog

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        yield from docs
        foreign = catalog.documents(source) if source is not None else []
        yield from (sub(foreign, variables) if sub is not None else foreign)

    return run


class ErrorCode:
    FAILED_TO_PARSE = 9


@pipeline_stage("$facet")
def compile_facet(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping) or not arg:
        raise ServerError(40169, "the $facet specification must be a non-empty object")
    facets = []
    for name, stages in arg.items():
        if not isinstance(stages, list):
            raise ServerError(40170, f"arguments to $facet must be arrays, {name} is type "
                                     f"{type_name(stages)}")
        for stage in stages:
            if isinstance(stage, Mapping) and next(iter(stage), None) in (
                    "$facet", "$out", "$merge", "$indexStats", "$collStats", "$geoNear",
                    "$changeStream"):
                raise ServerError(40600, f"{next(iter(stage))} is not allowed to be used "
                                         "within a $facet stage")
        facets.append((name, compile_pipeline(stages, ctx.sub_pipeline(ctx.collection))))

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        rows = list(docs)
        return [{name: list(pipe(rows, variables)) for name, pipe in facets}]

    return run


__all__ = ["expr_equal"]
