"""Update pipelines: ``[{$set: …}, {$unset: …}, …]`` evaluated with the
aggregation expression language.

Only ``$addFields``/``$set``, ``$project``, ``$unset`` and
``$replaceRoot``/``$replaceWith`` may appear.  The result replaces the
document; ``_id`` is restored when the pipeline dropped it and may not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bson.objectid import ObjectId

from ..values.errors import ServerError
from ..languages.matcher.compiler import is_operator_document
from ..languages.matcher.nodes import MatchNode
from ..values.render import render
from ..values.order import MISSING, type_name
from .compiler import CompiledUpdate
from .fields import copy_value
from .numeric import identical
from .storage import validate_document

__all__ = ["compile_pipeline_update", "PipelineUpdate", "UPDATE_STAGES"]

Stage = Callable[[dict, dict], dict]

#: aggregation stages that are not allowed in an update pipeline
_OTHER_STAGES = frozenset({
    "$match", "$group", "$sort", "$limit", "$skip", "$lookup", "$unwind", "$count", "$facet",
    "$bucket", "$bucketAuto", "$sortByCount", "$sample", "$out", "$merge", "$graphLookup",
    "$geoNear", "$redact", "$densify", "$fill", "$setWindowFields", "$unionWith",
    "$indexStats", "$collStats", "$currentOp", "$listSessions", "$listLocalSessions",
    "$planCacheStats", "$documents", "$changeStream", "$search", "$searchMeta",
    "$listSearchIndexes", "$vectorSearch",
})


def _expressions():
    try:
        from ..languages.expressions import ExpressionContext, compile_expression
    except ImportError:  # pragma: no cover - the package is developed separately
        raise ServerError(238, "update pipelines are not supported by mim yet: the "
                               "aggregation expression language is not available") from None
    return ExpressionContext, compile_expression


def document_string(value: Any) -> str:
    """A value as the aggregation layer prints it (``Document::toString``)."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {document_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(document_string(v) for v in value) + "]"
    if isinstance(value, ObjectId):
        return str(value)
    if value is MISSING:
        return "MISSING"
    return render(value)


class PipelineUpdate(CompiledUpdate):
    def __init__(self, stages: list[Stage], variables: Mapping[str, Any]) -> None:
        self.stages = stages
        self.variables = dict(variables)

    def apply(self, doc: dict, *, query: MatchNode | None = None,
              is_insert: bool = False) -> None:
        result: dict = doc
        for stage in self.stages:
            variables = dict(self.variables)
            variables["ROOT"] = result
            variables["CURRENT"] = result
            result = stage(result, variables)
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


def compile_pipeline_update(stages: list, variables: Mapping[str, Any]) -> PipelineUpdate:
    context_class, compile_expression = _expressions()
    ctx = context_class(variables.keys())
    compiled: list[Stage] = []
    for spec in stages:
        if not isinstance(spec, Mapping):
            raise ServerError(14, "Each element of the 'pipeline' array must be an object")
        if len(spec) != 1:
            raise ServerError(40323, "A pipeline stage specification object must contain "
                                     "exactly one field.")
        name, arg = next(iter(spec.items()))
        builder = UPDATE_STAGES.get(name)
        if builder is None:
            if name in _OTHER_STAGES:
                raise ServerError(72, f"{name} is not allowed to be used within an update")
            raise ServerError(40324, f"Unrecognized pipeline stage name: '{name}'")
        compiled.append(builder(name, arg, ctx, compile_expression, variables))
    return PipelineUpdate(compiled, variables)


# ---------------------------------------------------------------------------
# $addFields / $set
# ---------------------------------------------------------------------------

def _compile_fields(spec: Mapping, ctx: Any, compile_expression: Any) -> list:
    fields = []
    for path, value in spec.items():
        parts = path.split(".")
        if isinstance(value, Mapping) and value and not is_operator_document(value):
            fields.append((parts, _compile_fields(value, ctx, compile_expression)))
        else:
            fields.append((parts, compile_expression(value, ctx)))
    return fields


def _set_computed(target: Any, parts: list[str], compute: Any, variables: dict) -> Any:
    """Add a computed field below ``target`` (applied to each element of arrays,
    and replacing scalars by documents, as ``$addFields`` does)."""
    if isinstance(target, list):
        return [_set_computed(element, parts, compute, variables) for element in target]
    if not isinstance(target, dict):
        target = {}
    head = parts[0]
    if len(parts) > 1:
        target[head] = _set_computed(target.get(head, {}), parts[1:], compute, variables)
        return target
    if isinstance(compute, list):
        current = target.get(head, {})
        for sub_parts, sub in compute:
            current = _set_computed(current, sub_parts, sub, variables)
        target[head] = current
        return target
    value = compute(variables)
    if value is MISSING:
        target.pop(head, None)
    else:
        target[head] = copy_value(value)
    return target


def _add_fields_stage(name: str, arg: Any, ctx: Any, compile_expression: Any,
                      variables: Mapping) -> Stage:
    if not isinstance(arg, Mapping):
        raise ServerError(40272, f"{name} specification stage must be an object, got "
                                 f"{type_name(arg)}")
    fields = _compile_fields(arg, ctx, compile_expression)

    def add_fields(doc: dict, scope: dict) -> dict:
        out = copy_value(doc)
        scope["ROOT"] = scope["CURRENT"] = doc
        for parts, compute in fields:
            out = _set_computed(out, parts, compute, scope)
        return out

    return add_fields


# ---------------------------------------------------------------------------
# $unset / $project
# ---------------------------------------------------------------------------

def _remove_path(target: Any, parts: list[str]) -> None:
    if isinstance(target, list):
        for element in target:
            _remove_path(element, parts)
        return
    if not isinstance(target, dict) or parts[0] not in target:
        return
    if len(parts) == 1:
        del target[parts[0]]
    else:
        _remove_path(target[parts[0]], parts[1:])


def _unset_stage(name: str, arg: Any, ctx: Any, compile_expression: Any,
                 variables: Mapping) -> Stage:
    if isinstance(arg, str):
        paths = [arg]
    elif isinstance(arg, list):
        if not arg:
            raise ServerError(31119, "$unset specification must be a string or an array with "
                                     "at least one field")
        if not all(isinstance(p, str) for p in arg):
            raise ServerError(31120, "$unset specification must be a string or an array "
                                     "containing only string values")
        paths = list(arg)
    else:
        raise ServerError(31002, "$unset specification must be a string or an array")
    split = [p.split(".") for p in paths]

    def unset(doc: dict, scope: dict) -> dict:
        out = copy_value(doc)
        for parts in split:
            _remove_path(out, parts)
        return out

    return unset


def _project_stage(name: str, arg: Any, ctx: Any, compile_expression: Any,
                   variables: Mapping) -> Stage:
    """The aggregation ``$project`` stage (not the find projection: ``$slice``,
    ``$elemMatch`` and positional forms are what ``$project`` makes of them)."""
    from ..pipeline import STAGES, PipelineContext
    run = STAGES["$project"](arg, PipelineContext(variables=variables.keys()))

    def project(doc: dict, scope: dict) -> dict:
        return next(iter(run([doc], scope)))

    return project


# ---------------------------------------------------------------------------
# $replaceRoot / $replaceWith
# ---------------------------------------------------------------------------

def _replacement(compute: Any, what: str) -> Stage:
    def replace(doc: dict, scope: dict) -> dict:
        value = compute(scope)
        if not isinstance(value, Mapping):
            raise ServerError(40228, f"{what}  must evaluate to an object, but resulting value "
                                     f"was: {document_string(value)}. Type of resulting value: "
                                     f"'{type_name(value)}'. Input document: "
                                     f"{document_string(doc)}")
        return copy_value(dict(value))

    return replace


def _replace_root_stage(name: str, arg: Any, ctx: Any, compile_expression: Any,
                        variables: Mapping) -> Stage:
    if not isinstance(arg, Mapping):
        raise ServerError(40229, f"expected an object as specification for $replaceRoot "
                                 f"stage, got {type_name(arg)}")
    for key in arg:
        if key != "newRoot":
            raise ServerError(40415, f"BSON field '$replaceRoot.{key}' is an unknown field.")
    if "newRoot" not in arg:
        raise ServerError(40414, "BSON field '$replaceRoot.newRoot' is missing but a required "
                                 "field")
    return _replacement(compile_expression(arg["newRoot"], ctx), "'newRoot' expression")


def _replace_with_stage(name: str, arg: Any, ctx: Any, compile_expression: Any,
                        variables: Mapping) -> Stage:
    return _replacement(compile_expression(arg, ctx), "'replacement document'")


#: stage name -> builder(name, arg, ctx, compile_expression, variables)
UPDATE_STAGES: dict[str, Callable[..., Stage]] = {
    "$addFields": _add_fields_stage,
    "$set": _add_fields_stage,
    "$unset": _unset_stage,
    "$project": _project_stage,
    "$replaceRoot": _replace_root_stage,
    "$replaceWith": _replace_with_stage,
}
