"""The aggregation pipeline: stages compiled once, run over an iterable of documents.

    from mim.engine.pipeline import compile_pipeline, PipelineContext, ListCatalog
    run = compile_pipeline([{"$match": {...}}, {"$group": {...}}], PipelineContext(catalog))
    results = list(run(documents, {"NOW": ...}))

``run_pipeline(server, db, collection, pipeline, let=..., hint=...)`` is the
command-level entry point the client's ``aggregate`` calls; it returns the
result documents as BSON bytes.  ``STAGES`` is the stage registry.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import bson

from ..values.errors import ServerError
from . import (basic, buckets, combining, densify, graph, group, outputs, shaping,  # noqa: F401
               stats, windows)
from .context import Catalog, ListCatalog, PipelineContext
from .registry import FAMILIES, STAGES, UNSUPPORTED_STAGES, pipeline_stage, unsupported_stage

__all__ = ["compile_pipeline", "run_pipeline", "PipelineContext", "ListCatalog", "Catalog",
           "STAGES", "FAMILIES", "UNSUPPORTED_STAGES", "pipeline_stage", "ServerCatalog"]


def compile_pipeline(stages: Sequence[Any], ctx: PipelineContext | None = None):
    """Validate and compile ``stages``; return ``run(documents, variables) -> iterable``."""
    ctx = ctx if ctx is not None else PipelineContext()
    if not isinstance(stages, (list, tuple)):
        raise ServerError(14, "'pipeline' option must be specified as an array")
    compiled = []
    for position, stage in enumerate(stages):
        if not isinstance(stage, Mapping):
            raise ServerError(14, "Each element of the 'pipeline' array must be an object")
        if len(stage) != 1:
            raise ServerError(40323, "A pipeline stage specification object must contain "
                                     "exactly one field.")
        name, arg = next(iter(stage.items()))
        compiler = STAGES.get(name)
        if compiler is None:
            if name in UNSUPPORTED_STAGES:
                raise unsupported_stage(name)
            raise ServerError(40324, f"Unrecognized pipeline stage name: '{name}'")
        if name in ("$out", "$merge") and position != len(stages) - 1:
            raise ServerError(40601, f"{name} can only be the final stage in the pipeline")
        ctx.position = position
        compiled.append(compiler(arg, ctx))
    # a $sort directly followed by $limit keeps only the top k
    limits: dict[int, int] = {}
    for i, (fn, stage) in enumerate(zip(compiled, stages)):
        if getattr(fn, "is_sort", False) and i + 1 < len(stages) and \
                next(iter(stages[i + 1])) == "$limit":
            limits[i] = int(next(iter(stages[i + 1].values())))

    def run(documents: Iterable[dict], variables: dict | None = None,
            start: int = 0) -> Iterable[dict]:
        """Run the stages from ``start`` (earlier ones already applied by the caller)."""
        variables = dict(variables or {})
        if "NOW" not in variables:
            now = datetime.datetime.now(datetime.timezone.utc)
            variables["NOW"] = now.replace(microsecond=now.microsecond // 1000 * 1000)
        stream: Iterable[dict] = documents
        for i in range(start, len(compiled)):
            fn = compiled[i]
            if i in limits:
                stream = fn(stream, {**variables, "__sort_limit__": limits[i]})
            else:
                stream = fn(stream, variables)
        return stream

    return run


class ServerCatalog:
    """The :class:`Catalog` of one database of a :class:`~mim.engine.storage.store.Server`."""

    def __init__(self, server: Any, db: str) -> None:
        self.server = server
        self.db = db

    def documents(self, name: str, db: str | None = None) -> list[dict]:
        from ..ops.views import resolve
        resolved = resolve(self.server, db or self.db, name)
        if resolved is not None:
            from ..storage.store import decode_shadow
            return [decode_shadow(raw) for raw in
                    run_pipeline(self.server, db or self.db, resolved[0], resolved[1])]
        coll = self.server.get_collection(db or self.db, name)
        return [] if coll is None else [s.doc for s in coll.documents.values()]

    def replace_collection(self, name: str, documents: list[dict],
                           db: str | None = None) -> None:
        from ..ops.crud import prepare_new_document
        from ..storage.store import validate_collection_name, validate_database_name
        db = db or self.db
        validate_database_name(db)
        validate_collection_name(name, db)
        prepared = [prepare_new_document(dict(d)) for d in documents]
        coll = self.server.get_collection(db, name, create=True)
        old = list(coll.documents.values())
        coll.clear()
        try:
            for raw, shadow in prepared:
                coll.insert(raw, shadow)
        except ServerError as exc:
            # $out leaves the target untouched when the new contents fail an index
            coll.clear()
            for stored in old:
                coll.insert(stored.raw, stored.doc)
            raise ServerError(exc.code, exc.errmsg, **exc.extra) from None

    def merge_target(self, name: str, db: str | None = None) -> Any:
        from .outputs import StoreTarget
        return StoreTarget(self.server, db or self.db, name)

    def collection_data(self, name: str) -> Any:
        return self.server.get_collection(self.db, name)


def _leading_source(coll: Any, pipeline: list, let_values: dict, hint: Any):
    """Documents for the pipeline's start through the planner, and how many leading
    stages they already account for: a first ``$match`` (and a following ``$sort``
    an index serves) are answered by the collection's indexes."""
    from ..languages.matcher import MatchContext, compile_filter
    from ..planner import plan_find
    first = next(iter(pipeline[0])) if pipeline else None
    node = None
    consumed = 0
    if first == "$match":
        node = compile_filter(pipeline[0]["$match"], MatchContext(variables=dict(let_values)))
        consumed = 1
    sort = None
    if len(pipeline) > consumed and next(iter(pipeline[consumed])) == "$sort":
        sort = pipeline[consumed]["$sort"]
    if node is None:
        if hint is None and sort is None:
            return None, 0
        node = compile_filter({}, MatchContext())
    planned = plan_find(coll, node, sort, 0, hint)
    if planned is None:
        if consumed == 0:
            return None, 0
        from ..ops.crud import matching
        return [s.doc for s in matching(coll, node, hint)], consumed
    docs = [s.doc for s in planned.documents()]
    if sort is not None and planned.sorted:
        consumed += 1
    return docs, consumed


def run_pipeline(server: Any, db: str, collection: str | None, pipeline: Sequence[Any], *,
                 let: Mapping | None = None, hint: Any = None) -> list[bytes]:
    """Run an ``aggregate`` command; return the result documents as BSON bytes.

    ``hint`` must name an index of the collection (code 2 otherwise); a first
    ``$match``/``$sort`` uses the planner's indexes.
    """
    from ..languages.expressions import ExpressionContext, compile_expression
    from ..storage.store import ENGINE_CODEC
    catalog = ServerCatalog(server, db)
    let_values: dict = {}
    if let:
        for name, spec in let.items():
            let_values[name] = compile_expression(spec, ExpressionContext())({"ROOT": {}})
    ctx = PipelineContext(catalog, let_values, collection=collection)
    if collection is None:
        first = next(iter(pipeline[0])) if pipeline and isinstance(pipeline[0], Mapping) else None
        if first not in ("$documents", "$listLocalSessions"):
            raise ServerError(73, "{aggregate: 1} is not valid for '"
                                  f"{first}'; a collection is required.")
    stages = list(pipeline)
    if collection is not None:
        from ..ops.views import resolve
        resolved = resolve(server, db, collection)
        if resolved is not None:
            # a view: its (chained) pipeline runs first, on the backing collection
            collection, view_stages = resolved
            stages = view_stages + stages
            ctx = PipelineContext(catalog, let_values, collection=collection)
    run = compile_pipeline(stages, ctx)
    with server.lock:
        coll = server.get_collection(db, collection) if collection is not None else None
        if hint is not None and coll is not None:
            coll.indexes.resolve_hint(hint)
        source: Any = None
        start = 0
        if coll is not None:
            source, start = _leading_source(coll, stages, let_values, hint)
            if source is None:
                source = [s.doc for s in coll.documents.values()]
        elif source is None:
            source = []
        results = list(run(source, let_values, start))
    return [bson.encode(doc, codec_options=ENGINE_CODEC) for doc in results]
