"""$graphLookup: a breadth-first search over another collection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bson.int64 import Int64

from ..values.errors import ServerError
from ..languages.expressions import compile_expression
from ..languages.matcher import compile_filter
from ..languages.matcher.context import MatchContext
from ..values.paths import leaf_candidates, split_path
from ..values.order import MISSING, sort_key, type_name
from .basic import _set_path
from .registry import pipeline_stage

_REQUIRED = "$graphLookup requires 'from', 'as', 'startWith', 'connectFromField', and " \
            "'connectToField' to be specified."


def _values_at(doc: Mapping, parts: tuple[str, ...]) -> list:
    """Every value at a path, arrays expanded (as the server visits them)."""
    out = []
    for leaf in leaf_candidates(doc, parts):
        if leaf is MISSING:
            continue
        if isinstance(leaf, list):
            out.extend(leaf)
        else:
            out.append(leaf)
    return out


def _match_keys(doc: Mapping, parts: tuple[str, ...], key_of: Any = sort_key) -> set:
    """Keys under which a frontier value finds ``doc`` ({field: {$in: [...]}} semantics;
    ``key_of``: the operation collation's key, if any)."""
    keys = set()
    for leaf in leaf_candidates(doc, parts):
        if leaf is MISSING:
            continue
        keys.add(key_of(leaf))
        if isinstance(leaf, list):
            for element in leaf:
                keys.add(key_of(element))
    return keys


@pipeline_stage("$graphLookup")
def compile_graph_lookup(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(40327, "the $graphLookup stage specification must be an object")
    source = as_field = from_field = to_field = depth_field = None
    start_fn = None
    max_depth = None
    restrict = None
    for key, value in arg.items():
        if key == "startWith":
            start_fn = compile_expression(value, ctx.expressions)
        elif key == "maxDepth":
            if isinstance(value, bool) or not isinstance(value, (int, float)) and \
                    type_name(value) not in ("long", "decimal"):
                raise ServerError(40100, f"maxDepth must be numeric, found type: "
                                         f"{type_name(value)}")
            number = float(str(value)) if type_name(value) == "decimal" else value
            if number < 0:
                raise ServerError(40101, f"maxDepth requires a nonnegative argument, found: "
                                         f"{int(number)}")
            if number != int(number):
                raise ServerError(40102, f"maxDepth could not be represented as a long long: "
                                         f"{int(number)}")
            max_depth = int(number)
        elif key == "restrictSearchWithMatch":
            if not isinstance(value, Mapping):
                raise ServerError(40185, f"restrictSearchWithMatch must be an object, found "
                                         f"{type_name(value)}")
            try:
                restrict = compile_filter(value, MatchContext(
                    collation=ctx.expressions.collation, javascript=False)).matches
            except ServerError as exc:
                raise ServerError(exc.code, "Failed to parse 'restrictSearchWithMatch' option to "
                                            f"$graphLookup :: caused by :: {exc.errmsg}") from None
        elif key in ("from", "as", "connectFromField", "connectToField", "depthField"):
            if key == "from" and isinstance(value, Mapping):
                value = value.get("coll")
            if not isinstance(value, str):
                raise ServerError(40103, f"expected string as argument for {key}, found: "
                                         f"{type_name(value)}")
            if key == "from":
                source = value
            elif key == "as":
                as_field = value
            elif key == "connectFromField":
                from_field = value
            elif key == "connectToField":
                to_field = value
            else:
                depth_field = value
        else:
            raise ServerError(40104, f"Unknown argument to $graphLookup: {key}")
    if not source or not as_field or start_fn is None or not from_field or not to_field:
        raise ServerError(40105, _REQUIRED)
    from_parts = split_path(from_field)
    to_parts = split_path(to_field)
    as_parts = tuple(as_field.split("."))
    depth_parts = tuple(depth_field.split(".")) if depth_field else None
    catalog = ctx.catalog
    collation = ctx.expressions.collation
    key_of = sort_key if collation is None else collation.sort_key

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        by_key: dict | None = None
        for doc in docs:
            if by_key is None:
                by_key = {}
                for foreign in catalog.documents(source):
                    if restrict is not None and not restrict(foreign):
                        continue
                    for key in _match_keys(foreign, to_parts, key_of):
                        by_key.setdefault(key, []).append(foreign)
            start = start_fn({**variables, "ROOT": doc, "CURRENT": doc})
            frontier = start if isinstance(start, list) else [start]
            visited: dict = {}
            queried: set = set()
            depth = 0
            while frontier and (max_depth is None or depth <= max_depth):
                next_frontier = []
                for value in frontier:
                    key = key_of(None if value is MISSING else value)
                    if key in queried:
                        continue
                    queried.add(key)
                    for found in by_key.get(key, ()):
                        id_key = sort_key(found.get("_id"))
                        if id_key in visited:
                            continue
                        result = found
                        if depth_parts is not None:
                            result = _set_path(found, depth_parts, Int64(depth))
                        visited[id_key] = result
                        next_frontier.extend(_values_at(found, from_parts))
                frontier = next_frontier
                depth += 1
            yield _set_path(doc, as_parts, list(visited.values()))

    return run
