"""Geospatial query operators: ``$geoWithin`` (``$within``), ``$geoIntersects``,
``$near``, ``$nearSphere`` (and ``$geoNear`` in a query).

``$geoWithin``/``$geoIntersects`` need no index: each document's value is
parsed as the server parses stored geometry and tested against the query
shape (a value that is no geometry matches nothing).  ``$near`` needs the
collection's geo index on its field: the compiling command puts a
``geo_indexes`` lookup in the :class:`MatchContext` (the collection's index
specs, or :data:`NO_COLLECTION`); without one — a ``$match`` stage, a
validator, ``count_documents`` — ``$near`` is refused as on the server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...values.errors import ServerError, bad_value
from ...values.order import MISSING
from ...values.paths import walk
from ...values.render import render_document
from ..geometry import GeoError, NearQuery, matches_intersection, parse_near, parse_stored, \
    region_of_query, two_d_locations
from .context import MatchContext
from .nodes import AndNode, LeafNode, MatchNode, NorNode, NotNode, OrNode
from .registry import document_operator, field_operator

__all__ = ["GEO_OPERAND_SYNTAX", "near_sort_key", "geo_index_specs", "NearNode", "find_near_node", "check_near_placement", "with_near_placement", "NearQueryRoot", "NEAR_NOT_ALLOWED",
           "near_not_allowed", "unable_to_find_index", "NO_COLLECTION"]

#: the shapes and bounds parsed inside the geo operators (for the coverage table)
GEO_OPERAND_SYNTAX = ("$box", "$center", "$centerSphere", "$geometry", "$polygon",
                      "$maxDistance", "$minDistance")

#: what a ``geo_indexes`` lookup answers for a collection that does not exist
NO_COLLECTION = object()

NEAR_NOT_ALLOWED = ("$geoNear, $near, and $nearSphere are not allowed in this context, as these "
                    "operators require sorting geospatial data. If you do not need sort, "
                    "consider using $geoWithin instead. Check out "
                    "https://dochub.mongodb.org/core/near-sort-operation and "
                    "https://dochub.mongodb.org/core/nearSphere-sort-operationfor more details.")


def near_not_allowed() -> ServerError:
    return ServerError(5626500, NEAR_NOT_ALLOWED)


def unable_to_find_index(namespace: str) -> ServerError:
    return ServerError(291, f"error processing query: ns={namespace} planner returned error :: "
                            "caused by :: unable to find index for $geoNear query")


def _field_name(path: str) -> str:
    return path.rsplit(".", 1)[-1] if path else ""


def _geo_predicate(path: str, test: Any) -> Any:
    name = _field_name(path)

    def predicate(value: Any) -> bool:
        if not isinstance(value, (Mapping, list)):
            return False
        try:
            geometry = parse_stored(name, value)
        except GeoError:
            return False
        return test(geometry)

    return predicate


def _region(operator: str, arg: Any) -> Any:
    try:
        return region_of_query(operator, arg, render_document({operator: arg}))
    except GeoError as exc:
        raise bad_value(exc.reason) from None


@field_operator("$geoWithin")
def compile_geo_within(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    region = _region("$geoWithin", arg)
    return LeafNode(path, "$geoWithin", arg, _geo_predicate(path, region.contains))


@field_operator("$within")
def compile_within(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    """The deprecated spelling of ``$geoWithin`` (it accepts several shapes: the last wins)."""
    region = _region("$within", arg)
    return LeafNode(path, "$within", arg, _geo_predicate(path, region.contains))


@field_operator("$geoIntersects")
def compile_geo_intersects(path: str, arg: Any, ctx: MatchContext) -> MatchNode:
    query = _region("$geoIntersects", arg)
    return LeafNode(path, "$geoIntersects", arg,
                    _geo_predicate(path, lambda g: matches_intersection(query, g)))


class NearNode(MatchNode):
    """A compiled ``$near``/``$nearSphere``: matches documents within its distance
    bounds; ``distance(doc)`` orders them.  ``index`` is the geo index spec
    answering it (None: the collection does not exist)."""

    __slots__ = ("path", "parts", "query", "index", "two_d", "operator", "argument",
                 "planning_error")

    def __init__(self, path: str, query: NearQuery, index: Mapping | None, operator: str,
                 argument: Mapping) -> None:
        self.path = path
        self.parts = tuple(path.split("."))
        self.query = query
        self.index = index
        self.two_d = index is not None and index["key"].get(path) == "2d"
        self.operator = operator
        self.argument = argument
        #: no index can answer it (raised once the query is known valid)
        self.planning_error: ServerError | None = None
        self.matches = (lambda doc: False) if index is None else self._in_range

    def _in_range(self, doc: Mapping) -> bool:
        distance = self.distance(doc)
        if not self.query.bounded:
            return distance != math.inf  # only documents with a location are near
        return self.query.in_range(distance)

    def distance(self, doc: Mapping) -> float:
        """The nearest of the document's locations, in the query's units."""
        query = self.query
        name = self.parts[-1]
        best = math.inf
        for value in walk(doc, self.parts):
            if value is MISSING or value is None:
                continue
            for candidate in (_two_d_candidates(value) if self.two_d else (value,)):
                distance = query.value_distance(name, candidate)
                if distance < best:
                    best = distance
        return best

    def nearest_location(self, doc: Mapping) -> Any:
        """The stored value of the document's nearest location (``includeLocs``)."""
        best, chosen = math.inf, None
        for raw, location in self.raw_locations(doc):
            d = self.query.distance(location)
            if d < best:
                best, chosen = d, raw
        return chosen

    def raw_locations(self, doc: Mapping) -> list:
        name = self.parts[-1]
        found = []
        for value in walk(doc, self.parts):
            if value is MISSING or value is None:
                continue
            candidates = _two_d_candidates(value) if self.two_d else [value]
            for candidate in candidates:
                try:
                    found.append((candidate, parse_stored(name, candidate)))
                except GeoError:
                    continue
        return found


def _two_d_candidates(value: Any) -> list:
    """The locations a 2d index reads from a field value (others are skipped here;
    the index refuses them at write time)."""
    return [c for c in two_d_locations(value) if isinstance(c, (Mapping, list))]


def _choose_index(specs: list[Mapping], path: str, query: NearQuery) -> Mapping | None:
    """The geo index on ``path`` that can answer the near query (as the planner)."""
    two_d = next((s for s in specs if s["key"].get(path) == "2d"), None)
    sphere = next((s for s in specs if s["key"].get(path) == "2dsphere"), None)
    if query.geojson:
        return sphere
    if query.spherical:
        return sphere or two_d
    # a flat centroid ($near with a legacy pair): only a 2d index answers it
    # (QueryPlannerIXSelect: 2dsphere needs a SPHERE centroid)
    return two_d


@document_operator("$near", "$nearSphere", "$geoNear")
def compile_near(path: str, ops: Mapping, ctx: MatchContext) -> MatchNode:
    query = parse_near(ops)
    if ctx.in_elem_match or not ctx.top_level:
        raise bad_value("geoNear must be top-level expr")
    if ctx.geo_indexes is None:
        raise near_not_allowed()
    specs = ctx.geo_indexes()
    operator = next(iter(ops))
    if specs is NO_COLLECTION:
        return NearNode(path, query, None, operator, ops)
    ctx.near_nodes.append(path)
    try:
        index = _choose_index(specs, path, query)
        if index is None:
            raise unable_to_find_index(ctx.namespace)
    except ServerError as exc:
        # planning comes after the query's validation: raised by check_near_placement
        node = NearNode(path, query, None, operator, ops)
        node.planning_error = exc
        return node
    return NearNode(path, query, index, operator, ops)


def geo_index_specs(data: Any) -> Any:
    """What a ``geo_indexes`` lookup answers for a collection's data: the specs
    of its ``2d``/``2dsphere`` indexes (:data:`NO_COLLECTION` when it does not exist)."""
    if data is None:
        return NO_COLLECTION
    return [index.spec for index in data.indexes.indexes()
            if any(kind in ("2d", "2dsphere") for kind in index.spec["key"].values())]


def _near_nodes(node: MatchNode, found: list[tuple[NearNode, bool]], nested: bool) -> None:
    if isinstance(node, NearNode):
        found.append((node, nested))
    for child in node.children():
        _near_nodes(child, found, nested or isinstance(node, (OrNode, NorNode, NotNode)))


def check_near_placement(root: MatchNode, has_text: bool) -> NearNode | None:
    """``CanonicalQuery::isValid``'s near rules; the query's one near node."""
    found: list[tuple[NearNode, bool]] = []
    _near_nodes(root, found, False)
    if not found:
        return None
    if len(found) > 1:
        raise bad_value("Too many geoNear expressions")
    node, nested = found[0]
    if nested:
        raise bad_value("geoNear must be top-level expr")
    if has_text:
        raise bad_value("text and geoNear not allowed in same query")
    if node.planning_error is not None:
        raise node.planning_error
    return node


class NearQueryRoot(AndNode):
    """The root of a collection query holding a near node, so that commands
    find it without walking the tree (queries without one pay nothing)."""

    __slots__ = ("near",)

    def __init__(self, node: MatchNode, near: NearNode) -> None:
        super().__init__([node])
        self.near = near


def find_near_node(root: MatchNode | None) -> NearNode | None:
    """The near node of a query compiled against a collection, if any."""
    return root.near if isinstance(root, NearQueryRoot) else None


def with_near_placement(node: MatchNode, ctx: MatchContext, has_text: bool) -> MatchNode:
    """``node`` checked for near placement and marked as a near query (when it is one)."""
    if not ctx.near_nodes:
        return node
    return NearQueryRoot(node, check_near_placement(node, has_text))


def near_sort_key(near: NearNode, then: Any) -> Any:
    """The order of a near query's results: by ``then`` (a sort's key) if given,
    by distance from the query point otherwise and among ties."""
    distance = near.distance
    if then is None:
        return distance
    return lambda doc: (then(doc), distance(doc))
