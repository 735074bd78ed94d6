"""The stage table of the aggregation pipeline.

``STAGES`` maps a stage name (``"$match"``) to its compiler
``compile(arg, ctx) -> Stage``; a :data:`Stage` is a function
``run(documents, variables) -> iterable of documents`` that never mutates its
input documents.  ``UNSUPPORTED_STAGES`` names the stages MongoDB has and mim
does not run yet (using one raises code 238 naming it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..values.errors import ServerError

Stage = Callable[[Iterable[dict], dict], Iterable[dict]]
StageCompiler = Callable[[Any, Any], Stage]

STAGES: dict[str, StageCompiler] = {}
FAMILIES: dict[str, str] = {}

UNSUPPORTED_STAGES: dict[str, str] = {
    "$geoNear": "geospatial queries are planned with the geo issue",
    "$search": "Atlas Search is not part of MongoDB server",
    "$changeStream": "change streams are planned with the change-stream issue",
}


def pipeline_stage(*names: str) -> Callable[[StageCompiler], StageCompiler]:
    def register(fn: StageCompiler) -> StageCompiler:
        family = fn.__module__.rsplit(".", 1)[-1]
        for name in names:
            STAGES[name] = fn
            FAMILIES[name] = family
        return fn

    return register


def unsupported_stage(name: str) -> ServerError:
    return ServerError(238, f"{name} is not supported by mim: {UNSUPPORTED_STAGES[name]}")
