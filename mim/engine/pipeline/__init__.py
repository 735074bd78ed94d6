"""The aggregation pipeline: stages compiled once, run over an iterable of documents.

    from mim.engine.pipeline import compile_pipeline, PipelineContext, ListCatalog
    run = compile_pipeline([{"$match": {...}}, {"$group": {...}}], PipelineContext(catalog))
    results = list(run(documents, {"NOW": ...}))

Running a pipeline on a server's collection (views, the planner for a leading
``$match``, ``$out``/``$merge`` into stored collections) is an operation:
:func:`mim.engine.ops.aggregate.run_pipeline`.  ``STAGES`` is the stage registry.
"""

from __future__ import annotations

from . import (basic, buckets, combining, densify, geo_near, graph, group,  # noqa: F401
               outputs, shaping, stats, windows)
from .compiler import compile_pipeline
from .context import Catalog, ListCatalog, PipelineContext
from .registry import FAMILIES, STAGES, UNSUPPORTED_STAGES, pipeline_stage, unsupported_stage

__all__ = ["compile_pipeline", "PipelineContext", "ListCatalog", "Catalog",
           "STAGES", "FAMILIES", "UNSUPPORTED_STAGES", "pipeline_stage"]
