"""Geospatial indexes: ``2dsphere`` and ``2d`` specifications and the checks
their key generation makes on every document written.

A ``2dsphere`` index files each document's points under cells of a
latitude/longitude grid, so that ``$near`` with a limit visits the nearest
cells first; a ``2d`` index keeps no entries (near queries on it measure every
document).  A write is refused exactly when the server could not generate its keys:
16755 for a geometry a ``2dsphere`` index cannot extract, 16804/13026/13027/
13067/13068 for a ``2d`` index's malformed or out-of-range locations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Callable

from ..languages.geometry import GeoError, STRICT_SPHERE, number_text, parse_stored
from ..languages.geometry.regions import two_d_locations
from ..values.errors import ServerError
from ..values.order import MISSING, is_number, type_name
from ..values.paths import walk
from ..values.render import render, render_document

__all__ = ["is_geo_key", "fix_geo_spec", "geo_key_checker", "S2_INDEX_VERSION", "grid_cell",
           "GRID_DEGREES", "GRID_ROWS", "GRID_COLUMNS", "ANYWHERE"]

#: the 2dsphere index version createIndexes fills in (S2_INDEX_VERSION_3)
S2_INDEX_VERSION = 3
_S2_VERSIONS = (1, 2, 3)


def is_geo_key(key: Mapping[str, Any]) -> bool:
    return any(direction in ("2dsphere", "2d") for direction in key.values())


def _numeric(value: Any) -> float:
    return float(value.to_decimal()) if hasattr(value, "to_decimal") else float(value)


#: S2::kAvgEdge's derivative (s2.cc): a level-k cell's edge averages this * 2**-k radians
_AVG_EDGE_DERIV = 1.459213746386106
_EARTH_RADIUS_METERS = 6378.1 * 1000


def _closest_level(meters: float) -> int:
    """``S2::kAvgEdge.GetClosestLevel(meters / earth radius)``."""
    value = math.sqrt(2) * meters / _EARTH_RADIUS_METERS
    level = math.ceil(math.log2(_AVG_EDGE_DERIV / value))
    return max(0, min(30, level))


def _check_levels(spec: Mapping[str, Any], version: int) -> None:
    """``initialize2dsphereParams``: the covering levels (16747, 16748, 16749)."""
    if "finestIndexedLevel" not in spec and "coarsestIndexedLevel" not in spec:
        return
    if version <= 2:
        finest, coarsest = _closest_level(500.0), _closest_level(100.0 * 1000)
    else:
        finest, coarsest = _closest_level(110.0), _closest_level(2000 * 1000.0)
    for name in ("finestIndexedLevel", "coarsestIndexedLevel"):
        if name in spec and (not is_number(spec[name]) or isinstance(spec[name], bool)):
            raise ServerError(14, f'Expected field "{name}" to have numeric type, but found '
                                  f"{type_name(spec[name])}")
    finest = int(_numeric(spec.get("finestIndexedLevel", finest)))
    coarsest = int(_numeric(spec.get("coarsestIndexedLevel", coarsest)))
    if coarsest < 0:
        raise ServerError(16747, "coarsestIndexedLevel must be >= 0")
    if finest > 30:
        raise ServerError(16748, "finestIndexedLevel must be <= 30")
    if finest < coarsest:
        raise ServerError(16749, "finestIndexedLevel must be >= coarsestIndexedLevel")


def _fix_2dsphere(spec: dict[str, Any]) -> dict[str, Any]:
    """``2dsphereIndexVersion`` defaults to 3; versions 1–3 exist (17395 otherwise)."""
    version = spec.get("2dsphereIndexVersion", S2_INDEX_VERSION)
    _check_levels(spec, int(_numeric(version)) if is_number(version)
                  and not isinstance(version, bool) and math.isfinite(_numeric(version))
                  else S2_INDEX_VERSION)
    if "2dsphereIndexVersion" in spec:
        version = spec["2dsphereIndexVersion"]
        if not is_number(version) or isinstance(version, bool):
            raise ServerError(14, "The field '2dsphereIndexVersion' must be a number, but got "
                                  f"{render(version)}")
        number = int(_numeric(version)) if math.isfinite(_numeric(version)) else 0
        if number not in _S2_VERSIONS:
            raise ServerError(17395, f"unsupported geo index version {{ 2dsphereIndexVersion : "
                                     f"{number} }}, only support versions: [1,2,3]")
        if number == 1:
            raise ServerError(238, "2dsphereIndexVersion 1 is not supported by mim: version 1 "
                                   "indexes only simple geometries, which is not emulated")
        return spec
    fixed = dict(spec)
    fixed["2dsphereIndexVersion"] = S2_INDEX_VERSION
    return fixed


def _two_d_parameter(spec: Mapping[str, Any], name: str, default: float) -> float:
    if name not in spec:
        return default
    value = spec[name]
    if not is_number(value) or isinstance(value, bool):
        raise ServerError(72, f"wrong type for '{name}' field, expected number, found "
                              f"{name}: {render(value)}")
    return _numeric(value)


def _fix_2d(spec: dict[str, Any]) -> dict[str, Any]:
    """``parse2dParams`` and ``GeoHashConverter::parseParameters`` (2d index options)."""
    geo_field = None
    others = 0
    for field, direction in spec["key"].items():
        if direction == "2d":
            if geo_field is not None:
                raise ServerError(16800, "can't have 2 geo fields")
            if others:
                raise ServerError(16801, "2d has to be first in index")
            geo_field = field
        else:
            others += 1
    bits = _two_d_parameter(spec, "bits", 26)
    low = _two_d_parameter(spec, "min", -180.0)
    high = _two_d_parameter(spec, "max", 180.0)
    if not 1 <= int(bits) <= 32:
        raise ServerError(72, f"bits for hash must be > 0 and <= 32, but {int(bits)} bits were "
                             "specified")
    if not low < high:
        raise ServerError(72, f"region for hash must be valid and have positive area, but "
                             f"[{number_text(low)}, {number_text(high)}] was specified")
    return spec


def fix_geo_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a geo index spec, or the server's error."""
    if spec.get("unique"):
        raise ServerError(238, "unique geo indexes are not supported by mim")
    kinds = set(spec["key"].values())
    if "2dsphere" in kinds:
        for direction in spec["key"].values():
            if direction != "2dsphere" and not is_number(direction):
                raise ServerError(16750, f"Expect field value to be either 2dsphere, 1 or -1 in "
                                         f"the 2dsphere index, found: {render(direction)}")
        return _fix_2dsphere(spec)
    return _fix_2d(spec)


#: a 2dsphere index files each point under a cell of this many degrees of
#: latitude and longitude (about 11 km); ``$near`` visits cells ring by ring
GRID_DEGREES = 0.1
GRID_ROWS = 1800
GRID_COLUMNS = 3600
#: the cell of a geometry that is not a point (visited by every near search)
ANYWHERE = -1


def grid_cell(lng: float, lat: float) -> tuple[int, int]:
    """The ``(row, column)`` of a longitude/latitude in the near-search grid."""
    row = min(int((lat + 90.0) / GRID_DEGREES), GRID_ROWS - 1)
    column = int((lng + 180.0) / GRID_DEGREES) % GRID_COLUMNS
    return row, column


def _s2_keys(spec: Mapping[str, Any]) -> Callable[[Mapping], list[tuple]]:
    """``keys(doc)``: one ``(field number, row, column)`` per indexed point (a
    geometry that is no point: ``(field number, ANYWHERE, ANYWHERE)``), raising
    16755 for what the server could not index."""
    paths = [(i, tuple(field.split("."))) for i, (field, kind) in enumerate(spec["key"].items())
             if kind == "2dsphere"]

    def keys(doc: Mapping) -> list[tuple]:
        found: list[tuple] = []
        for number, parts in paths:
            for value in walk(doc, parts):
                if value is MISSING or value is None or value == []:
                    continue  # not indexed: 2dsphere v2+ indexes are sparse
                try:
                    geometry = parse_stored(parts[-1], value)
                    if geometry.crs == STRICT_SPHERE:
                        raise GeoError("can't index geometry with strict winding order")
                    on_sphere = geometry.on_sphere()
                    if on_sphere is None:
                        raise GeoError(f"can't project geometry into spherical CRS: "
                                       f"{render(value)}")
                except GeoError as exc:
                    raise ServerError(16755, f"Can't extract geo keys: {render_document(doc)}  "
                                             f"{exc.reason}") from None
                point = geometry.flat_point()
                key = (number, *grid_cell(*point)) if point is not None \
                    else (number, ANYWHERE, ANYWHERE)
                if key not in found:
                    found.append(key)
        return found

    return keys


def _two_d_checker(spec: Mapping[str, Any]) -> Callable[[Mapping], list]:
    field = next(f for f, kind in spec["key"].items() if kind == "2d")
    parts = tuple(field.split("."))
    low = _two_d_parameter(spec, "min", -180.0)
    high = _two_d_parameter(spec, "max", 180.0)

    def check(doc: Mapping) -> list:
        for value in walk(doc, parts):
            for location in two_d_locations(value):
                if not isinstance(location, (Mapping, list)):
                    raise ServerError(16804, "location object expected, location array not in "
                                             "correct format")
                _check_location(doc, location, low, high)
        return []  # a 2d index keeps no entries: near queries on it measure every document

    return check


def _check_location(doc: Mapping, location: Any, low: float, high: float) -> None:
    """``GeoHashConverter::hash(obj, src)``."""
    items = location if isinstance(location, list) else list(location.values())
    cause = f" :: caused by :: {render_document(doc)}"
    if not items:
        raise ServerError(13067, f"geo field is empty{cause}")
    if len(items) < 2:
        raise ServerError(13068, f"geo field only has 1 element{cause}")
    x, y = items[0], items[1]
    if not all(is_number(v) and not isinstance(v, bool) for v in (x, y)):
        raise ServerError(13026, "geo values must be 'legacy coordinate pairs' for 2d indexes"
                                 f"{cause}")
    x, y = _numeric(x), _numeric(y)
    if not (low <= x <= high and low <= y <= high):
        raise ServerError(13027, f"point not in interval of [ {number_text(low)}, "
                                 f"{number_text(high)} ]{cause}")


def geo_key_checker(spec: Mapping[str, Any]) -> Callable[[Mapping], list] | None:
    """``keys(doc)``: the document's entries in a geo index, raising the error
    generating the server's keys would raise (None: not a geo index)."""
    kinds = set(spec["key"].values())
    if "2dsphere" in kinds:
        return _s2_keys(spec)
    if "2d" in kinds:
        return _two_d_checker(spec)
    return None
