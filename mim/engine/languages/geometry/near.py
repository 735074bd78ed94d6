"""``$near`` / ``$nearSphere``: the query point and its distance bounds
(``GeoNearExpression::parseFrom``), and distances from it.

Units follow the server: a GeoJSON point measures in meters on the earth
sphere (6378.1 km); a legacy pair measures in radians with ``$nearSphere``
and in the plane's own units with ``$near`` (a ``2d`` index).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...values.errors import ServerError, bad_value
from ...values.order import is_number
from ...values.render import render, render_document
from .shapes import (FLAT, GeoError, Geometry, is_valid_lng_lat, number, parse_point,
                     parse_stored, simple_point)
from .sphere import EARTH_RADIUS_METERS, angle as _angle, to_vector

__all__ = ["NearQuery", "parse_near", "NEAR_OPERATORS"]

NEAR_OPERATORS = ("$near", "$nearSphere", "$geoNear")


@dataclass
class NearQuery:
    """A parsed near query: ``point`` (flat legacy pair or GeoJSON point),
    ``spherical`` ($nearSphere), bounds in the query's units."""

    point: Geometry
    spherical: bool
    min_distance: float = 0.0
    max_distance: float = math.inf

    @property
    def bounded(self) -> bool:
        return self.min_distance > 0.0 or self.max_distance != math.inf

    @property
    def geojson(self) -> bool:
        return self.point.crs != FLAT

    @property
    def radians(self) -> bool:
        """Distances in radians (a legacy pair with $nearSphere)."""
        return self.spherical and not self.geojson

    @property
    def flat(self) -> bool:
        return not self.spherical and not self.geojson

    def distance(self, geometry: Geometry) -> float:
        """The distance from the query point to ``geometry`` in the query's units
        (``inf`` when it cannot be measured, e.g. a legacy point off the globe)."""
        if self.flat:
            point = geometry.flat_point()
            if point is None:
                return math.inf
            x, y = self.point.flat
            return math.hypot(point[0] - x, point[1] - y)
        on_sphere = geometry.on_sphere()
        if on_sphere is None or on_sphere.crs != "sphere":
            return math.inf
        angle = on_sphere.distance(self._vector())
        return angle if self.radians else angle * EARTH_RADIUS_METERS

    def value_distance(self, name: str, value: Any) -> float:
        """The distance to a stored value (``inf`` when it is no usable geometry)."""
        simple = simple_point(value)
        if simple is not None:
            x, y, geojson = simple
            if self.flat:
                px, py = self.point.flat
                return math.hypot(x - px, y - py)
            if not geojson and not is_valid_lng_lat(x, y):
                return math.inf
            angle = _angle(to_vector(x, y), self._vector())
            return angle if self.radians else angle * EARTH_RADIUS_METERS
        try:
            return self.distance(parse_stored(name, value))
        except GeoError:
            return math.inf

    def _vector(self) -> Any:
        vector = self.__dict__.get("_centre")
        if vector is None:
            vector = self.__dict__["_centre"] = to_vector(*self.point.flat)
        return vector

    def in_range(self, distance: float) -> bool:
        return self.min_distance <= distance <= self.max_distance


def _check_distance(name: str, value: Any, code_type: int, code_sign: int) -> float:
    if not is_number(value) or isinstance(value, bool):
        raise ServerError(code_type, f"{name} must be a number")
    distance = number(value)
    if not distance >= 0.0:
        raise ServerError(code_sign, f"{name} must be non-negative")
    return distance


def _legacy(ops: Mapping) -> NearQuery | None:
    """``parseLegacyQuery``: ``{$near: [x, y] | [x, y, max], $maxDistance: …}``."""
    found: NearQuery | None = None
    minimum, maximum = 0.0, math.inf
    for name, value in ops.items():
        if name in NEAR_OPERATORS:
            if not isinstance(value, (Mapping, list)):
                return None
            point = None
            try:
                point = NearQuery(parse_point(value), name == "$nearSphere")
            except GeoError:
                items = value if isinstance(value, list) else list(value.values())
                if len(items) == 3 and all(is_number(i) and not isinstance(i, bool)
                                           for i in items):
                    point = NearQuery(Geometry("legacy", FLAT, (number(items[0]),
                                                                number(items[1]))),
                                      name == "$nearSphere")
                    maximum = number(items[2])
            if point is not None:
                if not maximum >= 0.0:
                    raise ServerError(18522, "max distance must be non-negative")
                found = point
        elif name == "$minDistance":
            minimum = _check_distance(name, value, 16893, 16894)
        elif name == "$maxDistance":
            maximum = _check_distance(name, value, 16895, 16896)
        elif name == "$uniqueDocs":
            continue
        else:
            raise ServerError(34413, f"invalid argument in geo near query: {name}")
    if found is not None:
        found.min_distance, found.max_distance = minimum, maximum
    return found


def _valid_bound(value: float) -> bool:
    return value >= 0.0 and math.isfinite(value)


def _geojson(ops: Mapping) -> NearQuery:
    """``parseNewQuery``: ``{$near: {$geometry: <Point>, $minDistance, $maxDistance}}``."""
    if not ops:
        raise bad_value("empty geo near query object")
    items = list(ops.items())
    name, argument = items[0]
    if len(items) > 1:
        extra_name, extra = items[1]
        raise bad_value("geo near accepts just one argument when querying for a GeoJSON point. "
                        f"Extra field found: {extra_name}: {render(extra)}")
    if not isinstance(argument, (Mapping, list)):
        raise bad_value("geo near query argument is not an object")
    if name not in NEAR_OPERATORS:
        raise bad_value(f"invalid geo near query operator: {name}")
    query: NearQuery | None = None
    minimum, maximum = 0.0, math.inf
    fields = argument.items() if isinstance(argument, Mapping) else \
        ((str(i), v) for i, v in enumerate(argument))
    for field, value in fields:
        if field == "$geometry":
            if isinstance(value, (Mapping, list)):
                try:
                    point = parse_point(value)
                except GeoError as exc:
                    raise bad_value(f"invalid point in geo near query $geometry argument: "
                                    f"{_render_object(value)}  {exc.reason}") from None
                if point.crs == FLAT:
                    raise bad_value(f"$near requires geojson point, given "
                                    f"{_render_object(value)}")
                query = NearQuery(point, name == "$nearSphere")
        elif field in ("$minDistance", "$maxDistance"):
            if not is_number(value) or isinstance(value, bool):
                raise bad_value(f"{field} must be a number")
            bound = number(value)
            if not _valid_bound(bound):
                raise bad_value(f"{field} must be non-negative")
            if field == "$minDistance":
                minimum = bound
            else:
                maximum = bound
        else:
            raise bad_value(f"invalid argument in geo near query: {field}")
    if query is None:
        raise bad_value("$geometry is required for geo near query")
    query.min_distance, query.max_distance = minimum, maximum
    return query


def _render_object(value: Any) -> str:
    if isinstance(value, list):
        return render_document({str(i): v for i, v in enumerate(value)})
    return render_document(value)


def parse_near(ops: Mapping) -> NearQuery:
    """``GeoNearExpression::parseFrom`` of a field's whole operator document."""
    query = _legacy(ops)
    if query is None:
        query = _geojson(ops)
    if query.spherical and query.point.crs == FLAT \
            and not is_valid_lng_lat(*query.point.flat):
        raise bad_value("Legacy point is out of bounds for spherical query")
    return query
