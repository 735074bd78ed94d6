"""Query geometries: the shapes of ``$geoWithin``/``$geoIntersects`` and the
centre of ``$near``/``$nearSphere``/``$geoNear`` (``GeometryContainer::
parseFromQuery``, ``GeoExpression``, ``GeoNearExpression``), with the
server's messages.

Flat shapes (``$box``, ``$polygon``, ``$center``) hold planar points only:
a GeoJSON line or polygon never lies in one, as on the server, where a
spherical geometry cannot be projected to the plane.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...values.order import MISSING, is_number
from ...values.render import render
from .shapes import (FLAT, SPHERE, STRICT_SPHERE, GeoError, Geometry, element_text,
                     intersects, number, parse_flat_point, parse_geojson, parse_point,
                     parse_stored, within_polygons, _sphere_vector)
from .sphere import Vector, angle

__all__ = ["Region", "parse_region", "region_of_query", "stored_geometries",
           "two_d_locations"]


class Region:
    """A ``$geoWithin`` shape: ``contains(geometry)`` for one stored geometry."""

    crs = SPHERE

    def contains(self, geometry: Geometry) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


class PolygonRegion(Region):
    """GeoJSON Polygon / MultiPolygon / the polygons of a GeometryCollection;
    a big polygon (strict winding CRS) may cover more than a hemisphere."""

    def __init__(self, geometry: Geometry) -> None:
        self.geometry = geometry

    def contains(self, geometry: Geometry) -> bool:
        on_sphere = geometry.on_sphere()
        if on_sphere is None or on_sphere.crs == STRICT_SPHERE:
            return False
        return within_polygons(self.geometry, on_sphere)


class CapRegion(Region):
    """``$centerSphere``: a spherical cap, radius in radians."""

    def __init__(self, center: Vector, radius: float) -> None:
        self.center = center
        self.radius = radius

    def contains(self, geometry: Geometry) -> bool:
        on_sphere = geometry.on_sphere()
        if on_sphere is None or on_sphere.crs == STRICT_SPHERE:
            return False
        vertices = on_sphere.vertices()
        return bool(vertices) and all(angle(self.center, v) <= self.radius for v in vertices)


class BoxRegion(Region):
    crs = FLAT

    def __init__(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        self.low = (min(a[0], b[0]), min(a[1], b[1]))
        self.high = (max(a[0], b[0]), max(a[1], b[1]))

    def contains(self, geometry: Geometry) -> bool:
        point = geometry.flat_point()
        return point is not None and self.low[0] <= point[0] <= self.high[0] \
            and self.low[1] <= point[1] <= self.high[1]


class CircleRegion(Region):
    """``$center``: a planar circle."""

    crs = FLAT

    def __init__(self, center: tuple[float, float], radius: float) -> None:
        self.center = center
        self.radius = radius

    def contains(self, geometry: Geometry) -> bool:
        point = geometry.flat_point()
        return point is not None and math.hypot(point[0] - self.center[0],
                                                point[1] - self.center[1]) <= self.radius


class FlatPolygonRegion(Region):
    """``$polygon``: a planar polygon (closed implicitly), its boundary included."""

    crs = FLAT

    def __init__(self, points: list[tuple[float, float]]) -> None:
        self.points = points

    def contains(self, geometry: Geometry) -> bool:
        point = geometry.flat_point()
        if point is None:
            return False
        x, y = point
        inside = False
        pts = self.points
        for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
            cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
            if cross == 0 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2):
                return True  # on an edge
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside


def _radius(value: Any) -> float:
    if value is MISSING or not is_number(value) or isinstance(value, bool) \
            or not number(value) >= 0:
        shown = "EOO" if value is MISSING else render(value)
        raise GeoError(f"Radius must be a non-negative number: {shown}")
    return number(value)


def _items(value: Mapping | list) -> list:
    return list(value) if isinstance(value, list) else list(value.values())


def _circle_parts(value: Any) -> tuple[tuple[float, float], float]:
    items = _items(value)
    center = parse_flat_point(items[0] if items else MISSING)
    return center, len(items)


def parse_region(specifier: str, value: Any) -> tuple[str, Any]:
    """``GeometryContainer::parseFromQuery`` for one ``$geoWithin``/``$geoIntersects``
    specifier: ``("region", Region)`` or ``("geometry", Geometry)``."""
    if specifier not in ("$box", "$center", "$polygon", "$centerSphere", "$geometry") \
            or not isinstance(value, (Mapping, list)):
        raise GeoError(f"unknown geo specifier: {element_text(specifier, value)}")
    items = _items(value)
    if specifier == "$box":
        first = parse_flat_point(items[0] if items else MISSING)
        second = parse_flat_point(items[1] if len(items) > 1 else MISSING)
        return "region", BoxRegion(first, second)
    if specifier == "$polygon":
        points = [parse_flat_point(item) for item in items]
        if len(points) < 3:
            raise GeoError(f"Polygon must have at least 3 points, instead got {len(points)} "
                           f"vertices")
        return "region", FlatPolygonRegion(points)
    if specifier in ("$center", "$centerSphere"):
        center = parse_flat_point(items[0] if items else MISSING)
        vector = _sphere_vector(*center) if specifier == "$centerSphere" else None
        radius = _radius(items[1] if len(items) > 1 else MISSING)
        if len(items) > 2:
            raise GeoError("Only 2 fields allowed for circular region, but more were provided")
        if vector is not None:
            return "region", CapRegion(vector, radius)
        return "region", CircleRegion(center, radius)
    if isinstance(value, list) or (items and is_number(items[0])
                                   and not isinstance(items[0], bool)):
        return "geometry", parse_point(value)
    return "geometry", parse_geojson(value)


def region_of_query(operator: str, argument: Any, rendered: str) -> Any:
    """``GeoExpression::parseFrom`` of ``{operator: argument}``: a :class:`Region`
    for ``$geoWithin``/``$within``, a spherical :class:`Geometry` for ``$geoIntersects``.
    ``rendered`` is the query object as the server prints it in messages."""
    if not isinstance(argument, Mapping):
        raise GeoError("geometry must be an object")
    parsed: tuple[str, Any] | None = None
    for specifier, value in argument.items():
        if parsed is not None and operator == "$geoWithin":
            raise GeoError(f"$geoWithin doesn't accept multiple shapes "
                           f"{element_text(operator, argument)}")
        if specifier == "$uniqueDocs":
            continue
        parsed = parse_region(specifier, value)
    if parsed is None:
        raise GeoError("geo query doesn't have any geometry")
    kind, shape = parsed
    if operator in ("$geoWithin", "$within"):
        if kind == "region":
            return shape
        if not shape.polygons:
            raise GeoError(f"$within not supported with provided geometry: {rendered}")
        return PolygonRegion(shape)
    # $geoIntersects: always answered on the sphere
    if kind == "region":
        raise GeoError(f"$geoIntersect not supported with provided geometry: {rendered}")
    on_sphere = shape.on_sphere()
    if on_sphere is None:
        raise GeoError(f"$geoIntersect not supported with provided geometry: {rendered}")
    return on_sphere


def matches_intersection(query: Geometry, geometry: Geometry) -> bool:
    on_sphere = geometry.on_sphere()
    if on_sphere is None or on_sphere.crs == STRICT_SPHERE:
        return False
    return intersects(query, on_sphere)


def stored_geometries(value: Any, name: str) -> list[Geometry]:
    """The geometries a document's value holds for a geo predicate (an
    unparsable value matches nothing, as ``GeoMatchExpression`` does)."""
    try:
        return [parse_stored(name, value)]
    except GeoError:
        return []


def two_d_locations(value: Any) -> list[Any]:
    """The locations a ``2d`` index takes from a field value (``get2DKeys``'
    grammar: ``loc | [loc, …] | {k: loc, …}``; empty locations are skipped).
    Elements that are not locations are returned as they are for the caller
    to refuse."""
    if not isinstance(value, (Mapping, list)) or not value:
        return []
    items = _items(value)
    if is_number(items[0]) and not isinstance(items[0], bool):
        return [value]
    return [item for item in items if not (isinstance(item, (Mapping, list)) and not item)]
