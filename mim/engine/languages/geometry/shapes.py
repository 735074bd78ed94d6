"""Geometries as the server parses them (``geoparser.cpp``,
``geometry_container.cpp``): GeoJSON objects and legacy coordinate pairs,
with the server's validation messages.

A :class:`Geometry` is a union of points, polylines and polygons on the
sphere (a ``GeometryCollection`` simply holds several), or one flat legacy
point.  Every parser raises :class:`GeoError` carrying the server's reason;
callers wrap it in the error code of their context (2 BadValue in a query,
16755 at insert into a 2dsphere index).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...values.order import MISSING, is_number, type_name
from ...values.render import render
from .sphere import Loop, Vector, angle, arc_distance, arcs_cross, normalised_loop, \
    point_on_arc, to_vector

__all__ = ["simple_point", "GeoError", "Geometry", "Polygon", "FLAT", "SPHERE", "STRICT_SPHERE",
           "parse_stored", "parse_geojson", "parse_flat_point", "number", "number_text",
           "element_text", "is_valid_lng_lat"]

FLAT = "flat"
SPHERE = "sphere"
STRICT_SPHERE = "strict"

_CRS84 = "urn:ogc:def:crs:OGC:1.3:CRS84"
_EPSG_4326 = "EPSG:4326"
STRICT_WINDING = "urn:x-mongodb:crs:strictwinding:EPSG:4326"

GEOJSON_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                 "MultiPolygon", "GeometryCollection")


class GeoError(Exception):
    """A geometry the server refuses; ``reason`` is its Status message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def number(value: Any) -> float:
    """A BSON number as a double (Decimal128 included)."""
    return float(value.to_decimal()) if hasattr(value, "to_decimal") else float(value)


def number_text(value: float) -> str:
    """A double as C++ streams print it (six significant digits: ``200``, ``1.5``)."""
    return f"{value:g}"


def element_text(name: str, value: Any) -> str:
    """``BSONElement::toString()`` with its field name: ``loc: "x"``."""
    return f"{name}: {render(value)}"


def _type_of(value: Any) -> str:
    return "missing" if value is MISSING else type_name(value)


def is_valid_lng_lat(lng: float, lat: float) -> bool:
    return -180.0 <= lng <= 180.0 and -90.0 <= lat <= 90.0


def _values(container: Any) -> list:
    if isinstance(container, list):
        return container
    return list(container.values())


def parse_flat_point(value: Any, extra_allowed: bool = False) -> tuple[float, float]:
    """``parseFlatPoint``: ``[x, y]`` or ``{a: x, b: y}``."""
    if not isinstance(value, (list, Mapping)):
        raise GeoError(f"Point must be an array or object, instead got type {_type_of(value)}")
    items = _values(value)
    for i in (0, 1):
        item = items[i] if len(items) > i else MISSING
        if not is_number(item) or isinstance(item, bool):
            raise GeoError(f"Point must only contain numeric elements, instead got type "
                           f"{_type_of(item)}")
    if not extra_allowed and len(items) > 2:
        raise GeoError("Point must only contain two numeric elements")
    x, y = number(items[0]), number(items[1])
    if not (math.isfinite(x) and math.isfinite(y)):
        raise GeoError("Point coordinates must be finite numbers")
    return x, y


def _sphere_vector(lng: float, lat: float) -> Vector:
    if not is_valid_lng_lat(lng, lat):
        raise GeoError(f"Longitude/latitude is out of bounds, lng: {number_text(lng)} lat: "
                       f"{number_text(lat)}")
    return to_vector(lng, lat)


def _coordinate(value: Any) -> tuple[float, float, Vector]:
    if not isinstance(value, list):
        raise GeoError(f"GeoJSON coordinates must be an array, instead got type "
                       f"{_type_of(value)}")
    lng, lat = parse_flat_point(value, True)
    return lng, lat, _sphere_vector(lng, lat)


def _coordinates(value: Any) -> list[tuple[float, float, Vector]]:
    if not isinstance(value, list):
        raise GeoError(f"GeoJSON coordinates must be an array of coordinates, instead got type "
                       f"{_type_of(value)}")
    return [_coordinate(item) for item in value]


def _without_repeats(points: list) -> list:
    kept = points[:1]
    for point in points[1:]:
        if (point[0], point[1]) != (kept[-1][0], kept[-1][1]):
            kept.append(point)
    return kept


class Polygon:
    """A shell loop and its holes (each normalised to the smaller region),
    or one big loop taken in its given winding (strict winding CRS)."""

    __slots__ = ("shell", "holes")

    def __init__(self, shell: Loop, holes: list[Loop]) -> None:
        self.shell = shell
        self.holes = holes

    def contains(self, p: Vector) -> bool:
        return self.shell.contains(p) and not any(h.contains(p, boundary=False)
                                                  for h in self.holes)

    def loops(self) -> list[Loop]:
        return [self.shell, *self.holes]

    def crosses(self, a: Vector, b: Vector) -> bool:
        return any(loop.crosses(a, b) for loop in self.loops())

    def distance(self, p: Vector) -> float:
        if self.contains(p):
            return 0.0
        return min(loop.distance(p) for loop in self.loops())


def _loop_points(value: Any) -> list[tuple[float, float, Vector]]:
    points = _coordinates(value)
    if not points:
        raise GeoError(f"Loop has no vertices: {render(value)}")
    if (points[0][0], points[0][1]) != (points[-1][0], points[-1][1]):
        raise GeoError(f"Loop is not closed, first vertex does not equal last vertex: "
                       f"{render(value)}")
    points = _without_repeats(points)[:-1]
    return points


def _check_loop(loop: Loop, value: Any) -> None:
    duplicate = loop.duplicate_vertex()
    if duplicate is not None:
        raise GeoError(f"Loop is not valid: {render(value)} Duplicate vertices at "
                       f"{duplicate[0]} and {duplicate[1]}")
    crossing = loop.self_crossing()
    if crossing is not None:
        raise GeoError(f"Loop is not valid: {render(value)} Edge {crossing[0]} crosses edge "
                       f"{crossing[1]}")


def _polygon(value: Any) -> Polygon:
    if not isinstance(value, list):
        raise GeoError(f"Polygon coordinates must be an array, instead got type "
                       f"{_type_of(value)}")
    loops: list[Loop] = []
    for ring in value:
        points = _loop_points(ring)
        if len(points) < 3:
            raise GeoError(f"Loop must have at least 3 different vertices, {len(points)} unique "
                           f"vertices were provided: {render(ring)}")
        loop = Loop([p[2] for p in points])
        _check_loop(loop, ring)
        if loop.big:
            loop = normalised_loop(loop.vertices)
        if loops and not all(loops[0].contains(v) for v in loop.vertices):
            raise GeoError("Secondary loops not contained by first exterior loop - secondary "
                           f"loops must be holes: {render(ring)} first loop: {render(value[0])}")
        loops.append(loop)
    if not loops:
        raise GeoError("Polygon has no loops.")
    _check_loops_together(loops, value)
    return Polygon(loops[0], loops[1:])


def _check_loops_together(loops: list[Loop], value: Any) -> None:
    """What ``S2Polygon::IsValid``/``IsNormalized`` and GeoJSON's one level of
    holes refuse once each loop is valid on its own."""
    for i in range(len(loops)):
        for j in range(i + 1, len(loops)):
            if any(loops[j].crosses(a, b) for a, b in loops[i].edges()):
                raise GeoError(f"Polygon isn't valid: Loop {i} crosses loop {j} {render(value)}")
    shell = loops[0].vertices
    for k, hole in enumerate(loops[1:], start=1):
        shared = sum(1 for v in hole.vertices if any(angle(v, w) < 1e-15 for w in shell))
        if shared > 1:
            raise GeoError(f"Loop {k} shares more than one vertex with its parent loop 0: "
                           f"{render(value)}")
    holes = loops[1:]
    for i, outer in enumerate(holes):
        for j, inner in enumerate(holes):
            if i != j and all(outer.contains(v, boundary=False) for v in inner.vertices):
                raise GeoError(f"Polygon interior loops cannot be nested: {render(value)}")


def _big_polygon(value: Any) -> Polygon:
    if not isinstance(value, list):
        raise GeoError(f"Coordinates of polygon must be an array, instead got type "
                       f"{_type_of(value)}")
    if len(value) != 1:
        raise GeoError(f"Only one simple loop is allowed in a big polygon, instead provided "
                       f"{len(value)} loops: {render(value)}")
    points = _loop_points(value[0])
    if len(points) < 3:
        raise GeoError(f"Loop must have at least 3 different vertices, {len(points)} unique "
                       f"vertices were provided: {render(value)}")
    loop = Loop([p[2] for p in points])
    _check_loop(loop, value)
    return Polygon(loop, [])


def _line(value: Any) -> list[Vector]:
    points = _without_repeats(_coordinates(value))
    if len(points) < 2:
        raise GeoError(f"GeoJSON LineString must have at least 2 vertices, instead got "
                       f"{len(points)} vertices: {render(value)}")
    vectors = [p[2] for p in points]
    for i in range(len(vectors) - 1):
        if angle(vectors[i], vectors[i + 1]) > math.pi - 1e-12:
            raise GeoError(f"GeoJSON LineString is not valid: Vertices {i} and {i + 1} are "
                           f"antipodal {render(value)}")
    return vectors


def _crs(obj: Mapping, allow_strict: bool = False) -> str:
    if "crs" not in obj:
        return SPHERE
    crs = obj["crs"]
    if not isinstance(crs, (Mapping, list)):
        raise GeoError(f"GeoJSON CRS must be an object, instead got type {_type_of(crs)}")
    crs = crs if isinstance(crs, Mapping) else {}
    if crs.get("type") != "name":
        raise GeoError('GeoJSON CRS must have field "type": "name"')
    properties = crs.get("properties", MISSING)
    if not isinstance(properties, (Mapping, list)):
        raise GeoError('CRS must have field "properties" which is an object, instead got type '
                       f"{_type_of(properties)}")
    name = properties.get("name", MISSING) if isinstance(properties, Mapping) else MISSING
    if not isinstance(name, str):
        raise GeoError('In CRS, "properties.name" must be a string, instead got type '
                       f"{_type_of(name)}")
    if name in (_CRS84, _EPSG_4326):
        return SPHERE
    if name == STRICT_WINDING:
        if not allow_strict:
            raise GeoError("Strict winding order CRS is only supported by polygon")
        return STRICT_SPHERE
    raise GeoError(f"Unknown CRS name: {name}")


class Geometry:
    """A parsed geometry: ``kind`` is its GeoJSON type (``"legacy"`` for a
    coordinate pair); ``flat`` the planar ``(x, y)`` of a point."""

    __slots__ = ("kind", "crs", "flat", "points", "lines", "polygons")

    def __init__(self, kind: str, crs: str, flat: tuple[float, float] | None = None,
                 points: list[Vector] | None = None, lines: list[list[Vector]] | None = None,
                 polygons: list[Polygon] | None = None) -> None:
        self.kind = kind
        self.crs = crs
        self.flat = flat
        self.points = points or []
        self.lines = lines or []
        self.polygons = polygons or []

    # -- projections ------------------------------------------------------------------

    def on_sphere(self) -> "Geometry | None":
        """This geometry on the sphere (a legacy point in lng/lat bounds), or None."""
        if self.crs != FLAT:
            return self
        x, y = self.flat
        if not is_valid_lng_lat(x, y):
            return None
        return Geometry("Point", SPHERE, self.flat, [to_vector(x, y)])

    def flat_point(self) -> tuple[float, float] | None:
        """The planar point of a (legacy or GeoJSON) point, None for other shapes."""
        return self.flat if self.kind in ("legacy", "Point") else None

    # -- predicates on the sphere ---------------------------------------------------------

    def contains_point(self, p: Vector) -> bool:
        return any(polygon.contains(p) for polygon in self.polygons)

    def distance(self, p: Vector) -> float:
        """The smallest angle from ``p`` to any part (S2Distance::minDistanceRad)."""
        best = math.inf
        for q in self.points:
            best = min(best, angle(p, q))
        for line in self.lines:
            for a, b in zip(line, line[1:]):
                best = min(best, arc_distance(p, a, b))
        for polygon in self.polygons:
            best = min(best, polygon.distance(p))
        return best

    def vertices(self) -> list[Vector]:
        found = list(self.points)
        for line in self.lines:
            found.extend(line)
        for polygon in self.polygons:
            found.extend(polygon.shell.vertices)
        return found

    def edges(self) -> list[tuple[Vector, Vector]]:
        found = []
        for line in self.lines:
            found.extend(zip(line, line[1:]))
        for polygon in self.polygons:
            for loop in polygon.loops():
                found.extend(loop.edges())
        return found


def _point_geometry(obj: Mapping) -> Geometry:
    if "type" in obj and obj["type"] != "Point":
        raise GeoError(f"Expected geojson geometry with type Point, but got type "
                       f"{_type_label(obj)}")
    _crs(obj)
    x, y = parse_flat_point(obj.get("coordinates", MISSING), True)
    return Geometry("Point", SPHERE, (x, y), [_sphere_vector(x, y)])


def _type_label(obj: Mapping) -> str:
    kind = obj.get("type")
    return kind if kind in GEOJSON_TYPES else "Unknown"


def _multi_points(obj: Mapping) -> Geometry:
    _crs(obj)
    points = _coordinates(obj.get("coordinates", MISSING))
    if not points:
        raise GeoError("MultiPoint coordinates must have at least 1 element")
    return Geometry("MultiPoint", SPHERE, points=[p[2] for p in points])


def _multi_parts(obj: Mapping, kind: str, parse_part: Any) -> list:
    """The parts of a MultiLineString/MultiPolygon: a non-empty array, each parsed."""
    _crs(obj)
    coordinates = obj.get("coordinates", MISSING)
    if not isinstance(coordinates, list):
        raise GeoError(f"{kind} coordinates must be an array, instead got type "
                       f"{_type_of(coordinates)}")
    parts = [parse_part(item) for item in coordinates]
    if not parts:
        raise GeoError(f"{kind} coordinates must have at least 1 element")
    return parts


def _multi_lines(obj: Mapping) -> Geometry:
    return Geometry("MultiLineString", SPHERE, lines=_multi_parts(obj, "MultiLineString", _line))


def _multi_polygons(obj: Mapping) -> Geometry:
    return Geometry("MultiPolygon", SPHERE,
                    polygons=_multi_parts(obj, "MultiPolygon", _polygon))


def _line_geometry(obj: Mapping) -> Geometry:
    _crs(obj)
    return Geometry("LineString", SPHERE, lines=[_line(obj.get("coordinates", MISSING))])


def _polygon_geometry(obj: Mapping) -> Geometry:
    crs = _crs(obj, allow_strict=True)
    coordinates = obj.get("coordinates", MISSING)
    if crs == STRICT_SPHERE:
        return Geometry("Polygon", STRICT_SPHERE, polygons=[_big_polygon(coordinates)])
    return Geometry("Polygon", SPHERE, polygons=[_polygon(coordinates)])


def _collection(obj: Mapping) -> Geometry:
    geometries = obj.get("geometries", MISSING)
    if not isinstance(geometries, list):
        raise GeoError(f"GeometryCollection geometries must be an array, instead got type "
                       f"{_type_of(geometries)}")
    if not geometries:
        raise GeoError("GeometryCollection geometries must have at least 1 element")
    union = Geometry("GeometryCollection", SPHERE)
    for i, item in enumerate(geometries):
        if not isinstance(item, Mapping):
            raise GeoError(f'Element {i} of "geometries" must be an object, instead got type '
                           f"{_type_of(item)}: {render(item)}")
        kind = item.get("type")
        if kind not in GEOJSON_TYPES:
            raise GeoError(f"Unknown GeoJSON type: {render(item)}")
        if kind == "GeometryCollection":
            raise GeoError(f"GeometryCollections cannot be nested: {render(item)}")
        part = _GEOJSON_PARSERS[kind](item)
        union.points.extend(part.points)
        union.lines.extend(part.lines)
        union.polygons.extend(part.polygons)
    return union


_GEOJSON_PARSERS = {
    "Point": _point_geometry, "LineString": _line_geometry, "Polygon": _polygon_geometry,
    "MultiPoint": _multi_points, "MultiLineString": _multi_lines,
    "MultiPolygon": _multi_polygons, "GeometryCollection": _collection,
}


def parse_geojson(obj: Mapping) -> Geometry:
    """``GeometryContainer::parseFromGeoJSON``."""
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in _GEOJSON_PARSERS:
        raise GeoError(f"unknown GeoJSON type: {render(obj)}")
    return _GEOJSON_PARSERS[kind](obj)


def _is_legacy(value: Any) -> bool:
    if isinstance(value, list):
        return True
    first = next(iter(value.values()), MISSING) if value else MISSING
    return is_number(first) and not isinstance(first, bool)


def simple_point(value: Any) -> tuple[float, float, bool] | None:
    """``(x, y, geojson)`` of the commonest stored shapes — ``{type: "Point",
    coordinates: [x, y]}`` and ``[x, y]`` with plain numbers — without building
    a :class:`Geometry`; None for anything else (then parse it fully).  A
    GeoJSON point is returned only within longitude/latitude bounds."""
    if type(value) is dict:
        if len(value) != 2 or value.get("type") != "Point":
            return None
        coordinates = value.get("coordinates")
        if type(coordinates) is not list or len(coordinates) != 2:
            return None
        x, y = coordinates
        if type(x) not in (int, float) or type(y) not in (int, float):
            return None
        if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
            return None
        return float(x), float(y), True
    if type(value) is list and len(value) == 2:
        x, y = value
        if type(x) not in (int, float) or type(y) not in (int, float):
            return None
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        return float(x), float(y), False
    return None


def parse_stored(name: str, value: Any) -> Geometry:
    """``GeometryContainer::parseFromStorage``: a document's geo value
    (``name`` is its field name, shown in the reason)."""
    simple = simple_point(value)
    if simple is not None:
        x, y, geojson = simple
        if geojson:
            return Geometry("Point", SPHERE, (x, y), [to_vector(x, y)])
        return Geometry("legacy", FLAT, (x, y))
    if not isinstance(value, (list, Mapping)):
        raise GeoError(f"geo element must be an array or object: {element_text(name, value)}")
    if _is_legacy(value):
        return Geometry("legacy", FLAT, parse_flat_point(value, True))
    return parse_geojson(value)


def parse_point(value: Any, stored: bool = False) -> Geometry:
    """``parsePoint``: a legacy pair or a GeoJSON point (``$near``, ``$geoNear``)."""
    if not isinstance(value, (list, Mapping)):
        raise GeoError(f"Point must be an array or object, instead got type {_type_of(value)}")
    if _is_legacy(value):
        return Geometry("legacy", FLAT, parse_flat_point(value, stored))
    return _point_geometry(value)


def legacy_point_in_bounds(geometry: Geometry) -> bool:
    return geometry.crs != FLAT or is_valid_lng_lat(*geometry.flat)


# -- relations between two spherical geometries --------------------------------------------


def intersects(a: Geometry, b: Geometry) -> bool:
    """Whether two spherical geometries share a point (``$geoIntersects``)."""
    for p in a.points:
        if _touches_point(b, p):
            return True
    for p in b.points:
        if _touches_point(a, p):
            return True
    a_edges = a.edges()
    b_edges = b.edges()
    for e in a_edges:
        for f in b_edges:
            if arcs_cross(e[0], e[1], f[0], f[1]):
                return True
    for line in a.lines:
        if any(_touches_point(b, v) for v in line):
            return True
    for line in b.lines:
        if any(_touches_point(a, v) for v in line):
            return True
    for polygon in a.polygons:
        if any(_touches_point(b, v) for v in polygon.shell.vertices):
            return True
    for polygon in b.polygons:
        if any(_touches_point(a, v) for v in polygon.shell.vertices):
            return True
    return False


def _touches_point(geometry: Geometry, p: Vector) -> bool:
    for q in geometry.points:
        if angle(p, q) < 1e-10:
            return True
    for line in geometry.lines:
        for a, b in zip(line, line[1:]):
            if point_on_arc(p, a, b):
                return True
    return geometry.contains_point(p)


def within_polygons(region: Geometry, geometry: Geometry) -> bool:
    """Whether ``geometry`` lies inside the union of ``region``'s polygons: each
    part inside one polygon, crossing none of its edges, enclosing none of its holes."""
    parts: list[tuple[list[Vector], list[tuple[Vector, Vector]], Any]] = []
    for p in geometry.points:
        parts.append(([p], [], None))
    for line in geometry.lines:
        parts.append((line, list(zip(line, line[1:])), None))
    for polygon in geometry.polygons:
        parts.append((polygon.shell.vertices, list(polygon.shell.edges()), polygon))
    if not parts:
        return False
    for vertices, edges, own in parts:
        if not any(_part_within(container, vertices, edges, own)
                   for container in region.polygons):
            return False
    return True


def _part_within(container: Polygon, vertices: list[Vector],
                 edges: list[tuple[Vector, Vector]], own: Polygon | None) -> bool:
    if not all(container.contains(v) for v in vertices):
        return False
    if any(container.crosses(a, b) for a, b in edges):
        return False
    if own is not None:
        for hole in container.holes:
            if own.contains(hole.vertices[0]):
                return False
    return True
