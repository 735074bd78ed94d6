"""Update pipelines: ``[{$set: …}, {$unset: …}, …]``, parsed by the one
aggregation pipeline parser (:func:`mim.engine.pipeline.compile_pipeline`).

As the server's ``PipelineExecutor`` does, the stages are the aggregation stages
themselves; only those whose constraints allow it may appear (``$addFields``/``$set``,
``$project``, ``$unset``, ``$replaceRoot``/``$replaceWith``; any other is code 72).
The result replaces the document; ``_id`` is restored when the pipeline dropped
it and may not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..languages.matcher.nodes import MatchNode
from ..pipeline import STAGES, UNSUPPORTED_STAGES, PipelineContext, compile_pipeline
from ..values.errors import ServerError
from ..values.render import render
from .numeric import identical
from .storage import validate_document
from .tree import CompiledUpdate

__all__ = ["compile_pipeline_update", "PipelineUpdate"]


class PipelineUpdate(CompiledUpdate):
    def __init__(self, run: Any, variables: Mapping[str, Any]) -> None:
        self.run = run
        self.variables = dict(variables)

    def apply(self, doc: dict, *, query: MatchNode | None = None,
              is_insert: bool = False) -> None:
        result: dict = next(iter(self.run([doc], self.variables)))
        if "_id" in doc and "_id" not in result:
            result = {"_id": doc["_id"], **result}
        # ObjectReplaceExecutor::applyReplacementUpdate: storage validation
        # (top-level '$' names allowed), then the immutable '_id'
        validate_document(result, allow_top_level_dollar=True)
        if "_id" in doc:
            if not identical(result["_id"], doc["_id"]):
                raise ServerError(66, f"After applying the update, the (immutable) field '_id' "
                                      f"was found to have been altered to _id: "
                                      f"{render(result['_id'])}")
        if result is not doc:
            items = list(result.items())
            doc.clear()
            doc.update(items)
        if is_insert and "_id" in doc and next(iter(doc)) != "_id":
            id_value = doc.pop("_id")
            items = list(doc.items())
            doc.clear()
            doc["_id"] = id_value
            doc.update(items)


def lite_parse(stages: list) -> None:
    """What the server checks of an update pipeline when it parses the command (its
    ``LiteParsedPipeline``): objects of one known stage each.  Failing here fails
    the whole command, not one statement."""
    for spec in stages:
        if not isinstance(spec, Mapping):
            raise ServerError(14, "Each element of the 'pipeline' array must be an object")
        if len(spec) != 1:
            raise ServerError(40323, "A pipeline stage specification object must contain "
                                     "exactly one field.")
        name = next(iter(spec))
        if name not in STAGES and name not in UNSUPPORTED_STAGES:
            raise ServerError(40324, f"Unrecognized pipeline stage name: '{name}'")


def compile_pipeline_update(stages: list, variables: Mapping[str, Any],
                            collation: Any = None) -> PipelineUpdate:
    """Compile an update pipeline: every stage parsed and checked before any document
    (expressions compare strings by ``collation``, if any)."""
    run = compile_pipeline(stages, PipelineContext(variables=variables.keys(), for_update=True,
                                                   collation=collation))
    return PipelineUpdate(run, variables)
