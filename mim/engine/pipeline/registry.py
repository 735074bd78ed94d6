"""The stage table of the aggregation pipeline.

``STAGES`` maps a stage name (``"$match"``) to its compiler
``compile(arg, ctx) -> Stage``; a :data:`Stage` is a function
``run(documents, variables) -> iterable of documents`` that never mutates its
input documents.  ``UNSUPPORTED_STAGES`` names the stages MongoDB has and mim
does not run yet (using one raises code 238 naming it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..values.errors import ServerError
from ..values.registry import Registry

Stage = Callable[[Iterable[dict], dict], Iterable[dict]]
StageCompiler = Callable[[Any, Any], Stage]



@dataclass(frozen=True)
class StageConstraints:
    """What a stage says about where it may appear (the server's
    ``DocumentSource::constraints()``); checked by the one pipeline parser."""

    #: may appear in an update pipeline (``[{$set: …}]`` in an update)
    allowed_in_update: bool = False
    #: must be the pipeline's last stage ($out, $merge: code 40601)
    must_be_last: bool = False
    #: writes to a collection (refused in a view definition: code 167)
    writes: bool = False
    #: produces documents without reading a collection (``{aggregate: 1}``;
    #: refused in a view definition: code 73)
    collectionless: bool = False


STAGES: Registry[StageCompiler] = Registry("pipeline stage")
FAMILIES: dict[str, str] = STAGES.families
CONSTRAINTS: dict[str, StageConstraints] = {}

UNSUPPORTED_STAGES: dict[str, str] = {
    "$search": "Atlas Search is not part of MongoDB server",
    "$currentOp": "mim runs every operation to completion under one lock",
    "$listSessions": "the config.system.sessions collection is not kept",
    "$planCacheStats": "mim keeps no plan cache",
    "$searchMeta": "Atlas Search is not part of MongoDB server",
    "$listSearchIndexes": "Atlas Search is not part of MongoDB server",
    "$vectorSearch": "Atlas Vector Search is not part of MongoDB server",
}


def pipeline_stage(*names: str, **constraints: bool) -> Callable[[StageCompiler], StageCompiler]:
    """Register a stage compiler under ``names`` with its :class:`StageConstraints`."""
    declared = StageConstraints(**constraints)

    def register(fn: StageCompiler) -> StageCompiler:
        for name in names:
            STAGES.add(name, fn)
            CONSTRAINTS[name] = declared
        return fn

    return register


def constraints(name: str) -> StageConstraints:
    """The constraints of a known stage (an unsupported one has none set)."""
    return CONSTRAINTS.get(name, _NONE)


_NONE = StageConstraints()


def unsupported_stage(name: str) -> ServerError:
    return ServerError(238, f"{name} is not supported by mim: {UNSUPPORTED_STAGES[name]}")
