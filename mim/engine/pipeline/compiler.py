"""Compiling a pipeline: every stage parsed and validated through the stage table
before any document is read; the result runs the stages over a stream."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..values.deadline import checked
from ..values.errors import ServerError
from ..values.limits import check_bson_depth, check_pipeline_length
from .context import PipelineContext
from .registry import STAGES, UNSUPPORTED_STAGES, constraints, unsupported_stage

__all__ = ["compile_pipeline"]


def _unchanged(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
    """A stage whose work the next one does (an ``$unwind`` a ``$group`` unwinds itself)."""
    return docs


def compile_pipeline(stages: Sequence[Any], ctx: PipelineContext | None = None):
    """Validate and compile ``stages``; return ``run(documents, variables) -> iterable``."""
    ctx = ctx if ctx is not None else PipelineContext()
    if not isinstance(stages, (list, tuple)):
        raise ServerError(14, "'pipeline' option must be specified as an array")
    check_pipeline_length(stages)
    check_bson_depth(stages)
    compiled = []
    for position, stage in enumerate(stages):
        if not isinstance(stage, Mapping):
            raise ServerError(14, "Each element of the 'pipeline' array must be an object")
        if len(stage) != 1:
            raise ServerError(40323, "A pipeline stage specification object must contain "
                                     "exactly one field.")
        name, arg = next(iter(stage.items()))
        compiler = STAGES.get(name)
        if ctx.for_update and not constraints(name).allowed_in_update and (
                compiler is not None or name in UNSUPPORTED_STAGES):
            raise ServerError(72, f"{name} is not allowed to be used within an update")
        if compiler is None:
            if name in UNSUPPORTED_STAGES:
                raise unsupported_stage(name)
            raise ServerError(40324, f"Unrecognized pipeline stage name: '{name}'")
        if constraints(name).must_be_last and position != len(stages) - 1:
            raise ServerError(40601, f"{name} can only be the final stage in the pipeline")
        ctx.position = position
        ctx.stage_name = name
        compiled.append(compiler(arg, ctx))
    # an $unwind whose next stage can unwind its input itself (a $group of top-level
    # fields, ``over_unwound`` answering None when it cannot) makes no document at
    # all; one whose next stage keeps none of its documents reuses one per input document
    for i in range(len(compiled) - 1):
        unwinds = getattr(compiled[i], "unwinds", None)
        over_unwound = getattr(compiled[i + 1], "over_unwound", None)
        fused = over_unwound(unwinds) if unwinds is not None and over_unwound is not None \
            else None
        if fused is not None:
            compiled[i], compiled[i + 1] = _unchanged, fused
            continue
        in_place = getattr(compiled[i], "in_place", None)
        if in_place is not None and getattr(compiled[i + 1], "keeps_no_documents", False):
            compiled[i] = in_place
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
        stream: Iterable[dict] = checked(documents)
        for i in range(start, len(compiled)):
            fn = compiled[i]
            if i in limits:
                stream = fn(stream, {**variables, "__sort_limit__": limits[i]})
            else:
                stream = fn(stream, variables)
            stream = checked(stream)  # maxTimeMS: every stage's output is checked
        return stream

    return run
