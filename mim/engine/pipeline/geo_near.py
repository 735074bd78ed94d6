"""``$geoNear``: documents nearest first, with their distance (and location).

The stage becomes a near query on its ``key`` field (or the collection's one
``2d`` index, else its one ``2dsphere`` index) combined with ``query``, as
the server's ``DocumentSourceGeoNear::asNearQuery`` does; distances are in
the near query's units times ``distanceMultiplier``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ..languages.matcher import compile_filter
from ..languages.matcher.context import MatchContext
from ..languages.metadata import GEO_NEAR_DISTANCES, GEO_NEAR_POINTS, Deferred
from ..languages.matcher.geo import NearNode, check_near_placement, geo_index_specs
from ..values.errors import ServerError, bad_value, type_mismatch
from ..values.order import is_number, type_name
from .registry import pipeline_stage


def _number_option(options: Mapping, name: str) -> float | None:
    if name not in options:
        return None
    value = options[name]
    if not is_number(value) or isinstance(value, bool):
        raise type_mismatch(f"{name} must be a number")
    number = float(value.to_decimal()) if hasattr(value, "to_decimal") else float(value)
    if not number >= 0:
        raise bad_value(f"{name} must be nonnegative")
    return number


def _field_path(name: str, value: str) -> str:
    if not value:
        raise ServerError(40352, "FieldPath cannot be constructed with empty string")
    if value.startswith("$"):
        raise ServerError(16410, "FieldPath field names may not start with '$'. Consider using "
                                 "$getField or $setField.")
    return value


def _key_field(specs: list[Mapping], namespace: str) -> str:
    """``extractGeoNearFieldFromIndexes``: the one 2d index, else the one 2dsphere index."""
    for kind in ("2d", "2dsphere"):
        found = [s for s in specs if kind in s["key"].values()]
        if len(found) > 1:
            raise ServerError(27, f"There is more than one {kind} index on {namespace}; unsure "
                                  f"which to use for $geoNear")
        if found:
            return next(f for f, d in found[0]["key"].items() if d == kind)
    raise ServerError(27, "$geoNear requires a 2d or 2dsphere index, but none were found")


def _set_path(doc: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    target = doc
    for part in parts[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = {}
            target[part] = child
        target = child
    target[parts[-1]] = value


@pipeline_stage("$geoNear")
def compile_geo_near(arg: Any, ctx: Any):
    if ctx.position != 0:
        raise ServerError(40602, "$geoNear is only valid as the first stage in a pipeline.")
    if not isinstance(arg, Mapping):
        raise ServerError(10065, f"invalid parameter: expected an object ($geoNear)")
    options = arg
    if "collation" in options:
        raise ServerError(40227, "$geoNear does not accept the 'collation' parameter. Instead, "
                                 "specify a collation for the entire aggregation command.")
    if "limit" in options:
        raise ServerError(50858, "$geoNear no longer supports the 'limit' parameter. Use a "
                                 "$limit stage instead.")
    if "num" in options:
        raise ServerError(50857, "$geoNear no longer supports the 'num' parameter. Use a "
                                 "$limit stage instead.")
    if "start" in options:
        raise ServerError(50856, "$geoNear no longer supports the 'start' argument.")
    if "near" not in options:
        raise ServerError(5860400, "$geoNear requires a 'near' argument")
    near = options["near"]
    if not isinstance(options.get("distanceField"), str):
        raise ServerError(16606, "$geoNear requires a 'distanceField' option as a String")
    distance_field = _field_path("distanceField", options["distanceField"])
    max_distance = _number_option(options, "maxDistance")
    min_distance = _number_option(options, "minDistance")
    multiplier = _number_option(options, "distanceMultiplier")
    query = options.get("query", {})
    if "query" in options and not isinstance(query, Mapping):
        raise type_mismatch("query must be an object")
    spherical = _truthy(options.get("spherical", False))
    include_locs = None
    if "includeLocs" in options:
        if not isinstance(options["includeLocs"], str):
            raise ServerError(16607, "$geoNear requires that 'includeLocs' option is a String")
        include_locs = _field_path("includeLocs", options["includeLocs"])
    key = None
    if "key" in options:
        key = options["key"]
        if not isinstance(key, str):
            raise type_mismatch(f"$geoNear parameter 'key' must be of type string but found "
                                f"type: {type_name(key)}")
        if not key:
            raise bad_value("$geoNear parameter 'key' cannot be the empty string")
    if not isinstance(near, (Mapping, list)):
        raise ServerError(5860401, "$geoNear requires near argument to be a GeoJSON object or a "
                                   "legacy point(array)")
    near_ops: dict[str, Any] = {"$nearSphere" if spherical else "$near": near}
    if min_distance is not None:
        near_ops["$minDistance"] = min_distance
    if max_distance is not None:
        near_ops["$maxDistance"] = max_distance
    # the query may not hold a near operator of its own
    query_matches = compile_filter(dict(query), MatchContext(
        variables={n: None for n in ctx.expressions.variables},
        collation=ctx.expressions.collation, javascript=False)).matches
    data = ctx.catalog.collection_data(ctx.collection) if ctx.collection else None
    namespace = getattr(data, "full_name", ctx.collection or "")
    specs = geo_index_specs(data)
    if data is None:
        return lambda docs, variables: iter(())
    field = key if key is not None else _key_field(specs, namespace)
    combined = {**dict(query), field: near_ops}
    node = compile_filter(combined, MatchContext(
        variables={n: None for n in ctx.expressions.variables},
        geo_indexes=lambda: specs, namespace=namespace, collation=ctx.expressions.collation,
        javascript=False))
    near_node: NearNode = check_near_placement(node, False)
    scale = 1.0 if multiplier is None else multiplier
    in_range = near_node.query.in_range
    distance_of = near_node.distance

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        # the metadata tables exist before any later stage copies the variables
        distances = variables[GEO_NEAR_DISTANCES] = {}
        points = variables[GEO_NEAR_POINTS] = {}
        return _nearest_first(docs, distances, points)

    def _nearest_first(docs: Iterable[dict], distances: dict, points: dict) -> Iterable[dict]:
        ranked = []
        for doc in docs:
            distance = distance_of(doc)
            if distance != math.inf and in_range(distance) and query_matches(doc):
                ranked.append((distance, len(ranked), doc))
        ranked.sort(key=lambda item: (item[0], item[1]))
        for distance, _, doc in ranked:
            out = dict(doc)
            _set_path(out, distance_field, distance * scale if math.isfinite(distance)
                      else distance)
            # the metadata is the unscaled distance and the nearest stored location
            # (DocumentSourceGeoNearCursor::transformDoc scales only the field)
            if include_locs is not None:
                location = near_node.nearest_location(doc)
                _set_path(out, include_locs, location)
                points[id(out)] = (out, location)
            else:
                points[id(out)] = (out, Deferred(near_node.nearest_location, doc))
            distances[id(out)] = (out, distance)
            yield out

    return run


def _truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if is_number(value):
        return (value.to_decimal() if hasattr(value, "to_decimal") else value) != 0
    return True
