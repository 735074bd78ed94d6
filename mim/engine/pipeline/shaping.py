"""Stages that compute fields: $project $addFields $set $unset."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..values.errors import ServerError
from ..languages.expressions import compile_expression
from ..languages.expressions.compiler import is_constant
from ..values.order import MISSING, type_name
from .registry import pipeline_stage
from ..languages.metadata import carry_metadata
from ..languages.expressions.compiler import constant

INCLUDE, EXCLUDE = "include", "exclude"


def _is_flag(value: Any) -> bool:
    return isinstance(value, bool) or (isinstance(value, (int, float)) and not
                                       isinstance(value, bool))


def _parse_tree(spec: Mapping, ctx: Any, stage: str, prefix: str = "") -> dict:
    """Projection spec -> nested tree of INCLUDE / EXCLUDE / evaluator."""
    tree: dict[str, Any] = {}
    for path, value in spec.items():
        if not isinstance(path, str) or not path:
            raise ServerError(40352, f"Invalid {stage} :: caused by :: FieldPath cannot be "
                                     "constructed with empty string")
        if path == "$" or path.endswith(".$") or ".$." in path:
            # projection_parser.cpp: positional projection is a find-only feature
            raise ServerError(31324, f"Invalid {stage} :: caused by :: Cannot use positional "
                                     "projection in aggregation projection")
        if path.startswith("$"):
            raise ServerError(16410, f"Invalid {stage} :: caused by :: FieldPath field names may "
                                     "not start with '$'. Consider using $getField or "
                                     "$setField.")
        parts = path.split(".")
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ServerError(31250, f"Invalid {stage} :: caused by :: Path collision at "
                                         f"{prefix}{path}")
            node = child
        last = parts[-1]
        if last in node:
            raise ServerError(31250, f"Invalid {stage} :: caused by :: Path collision at "
                                     f"{prefix}{path}")
        if _is_flag(value):
            node[last] = INCLUDE if value else EXCLUDE
        elif isinstance(value, Mapping) and value and not next(iter(value)).startswith("$"):
            node[last] = _parse_tree(value, ctx, stage, prefix + path + ".")
        else:
            node[last] = compile_expression(value, ctx.expressions)
    return tree


def _mode(tree: dict, stage: str, top: bool = True) -> str | None:
    mode = None
    for key, value in tree.items():
        if top and key == "_id" and value in (INCLUDE, EXCLUDE):
            continue
        if isinstance(value, dict):
            sub = _mode(value, stage, False)
        elif value == INCLUDE or callable(value):
            sub = INCLUDE
        else:
            sub = EXCLUDE
        if sub is None:
            continue
        if mode is None:
            mode = sub
        elif mode != sub:
            if sub == EXCLUDE:
                raise ServerError(31254, f"Invalid {stage} :: caused by :: Cannot do exclusion "
                                         f"on field {key} in inclusion projection")
            raise ServerError(31253, f"Invalid {stage} :: caused by :: Cannot do inclusion on "
                                     f"field {key} in exclusion projection")
    return mode


def _include(doc: Mapping, tree: dict, variables: dict) -> dict:
    out: dict = {}
    for key, value in doc.items():
        node = tree.get(key)
        if node is INCLUDE or node == INCLUDE:
            out[key] = value
        elif isinstance(node, dict):
            if isinstance(value, Mapping):
                out[key] = _include(value, node, variables)
            elif isinstance(value, list):
                out[key] = _include_array(value, node, variables)
    for key, node in tree.items():
        if callable(node):
            result = node(variables)
            if result is not MISSING:
                out[key] = result
        elif isinstance(node, dict) and key not in out and _has_computed(node):
            out[key] = _include({}, node, variables)
    return out


def _include_array(array: list, tree: dict, variables: dict) -> list:
    out = []
    for element in array:
        if isinstance(element, Mapping):
            out.append(_include(element, tree, variables))
        elif isinstance(element, list):
            out.append(_include_array(element, tree, variables))
        elif _has_computed(tree):
            out.append(_include({}, tree, variables))
    return out


def _has_computed(tree: dict) -> bool:
    return any(callable(v) or (isinstance(v, dict) and _has_computed(v)) for v in tree.values())


def _exclude(doc: Mapping, tree: dict) -> dict:
    out = {}
    for key, value in doc.items():
        node = tree.get(key)
        if node == EXCLUDE:
            continue
        if isinstance(node, dict):
            if isinstance(value, Mapping):
                value = _exclude(value, node)
            elif isinstance(value, list):
                value = [_exclude(e, node) if isinstance(e, Mapping) else e for e in value]
        out[key] = value
    return out


@pipeline_stage("$project", allowed_in_update=True)
def compile_project(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(15969, "$project specification must be an object")
    if not arg:
        raise ServerError(51272, "Invalid $project :: caused by :: projection specification "
                                 "must have at least one field")
    tree = _parse_tree(arg, ctx, "$project")
    mode = _mode(tree, "$project")
    id_node = tree.get("_id")
    if mode is None:
        mode = INCLUDE if id_node == INCLUDE and len(tree) == 1 else EXCLUDE
    if mode == EXCLUDE:
        return lambda docs, variables: (_carried(variables, d, _exclude(d, tree)) for d in docs)
    drop_id = id_node == EXCLUDE
    if id_node is None:
        tree["_id"] = INCLUDE
    if drop_id:
        del tree["_id"]

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        for doc in docs:
            out = _include(doc, tree, {**variables, "ROOT": doc, "CURRENT": doc})
            if "_id" in out and next(iter(out)) != "_id":
                out = {"_id": out.pop("_id"), **out}
            carry_metadata(variables, doc, out)
            yield out

    return run


def _add_fields(doc: Mapping, tree: dict, variables: dict) -> dict:
    out = dict(doc)
    for key, node in tree.items():
        if callable(node):
            value = node(variables)
            if value is MISSING:
                out.pop(key, None)
            else:
                out[key] = value
        else:
            current = out.get(key)
            if isinstance(current, Mapping):
                out[key] = _add_fields(current, node, variables)
            elif isinstance(current, list):
                out[key] = [_add_fields(e, node, variables) if isinstance(e, Mapping)
                            else _add_fields({}, node, variables) for e in current]
            else:
                out[key] = _add_fields({}, node, variables)
    return out


def _flags_to_constants(tree: dict) -> dict:
    out = {}
    for key, node in tree.items():
        if isinstance(node, dict):
            out[key] = _flags_to_constants(node)
        elif node in (INCLUDE, EXCLUDE) and not callable(node):
            raise ServerError(40272, "Invalid $addFields :: caused by :: inclusion and exclusion "
                                     "are not allowed in $addFields")
        else:
            out[key] = node
    return out if out else {k: constant(v) for k, v in tree.items()}


@pipeline_stage("$addFields", "$set", allowed_in_update=True)
def compile_add_fields(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(40272, f"{ctx.stage_name or '$addFields'} specification stage must "
                                 f"be an object, got {type_name(arg)}")
    tree = _parse_fields(arg, ctx)

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        for doc in docs:
            out = _add_fields(doc, tree, {**variables, "ROOT": doc, "CURRENT": doc})
            carry_metadata(variables, doc, out)
            yield out

    return run


def _parse_fields(spec: Mapping, ctx: Any) -> dict:
    """$addFields spec -> tree of evaluators (numbers and booleans are literal values)."""
    tree: dict[str, Any] = {}
    for path, value in spec.items():
        if path.startswith("$"):
            raise ServerError(16410, "Invalid $addFields :: caused by :: FieldPath field names "
                                     "may not start with '$'. Consider using $getField or "
                                     "$setField.")
        parts = path.split(".")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, Mapping) and value and not next(iter(value)).startswith("$"):
            node[parts[-1]] = _parse_fields(value, ctx)
        else:
            node[parts[-1]] = compile_expression(value, ctx.expressions)
    return tree


@pipeline_stage("$unset", allowed_in_update=True)
def compile_unset(arg: Any, ctx: Any):
    fields = [arg] if isinstance(arg, str) else arg
    if not isinstance(fields, list) or not fields or \
            not all(isinstance(f, str) for f in fields):
        raise ServerError(31002, "$unset specification must be a string or an array containing "
                                 "only string values")
    if any(not f for f in fields):
        raise ServerError(40352, "Invalid $unset :: caused by :: FieldPath cannot be constructed "
                                 "with empty string")
    return compile_project({f: 0 for f in fields}, ctx)


__all__ = ["is_constant", "_flags_to_constants"]


def _carried(variables: dict, old: dict, new: dict) -> dict:
    carry_metadata(variables, old, new)
    return new
