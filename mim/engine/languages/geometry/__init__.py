"""Geospatial geometry in pure Python: GeoJSON and legacy shapes with the
server's validation, spherical predicates and distances as S2 computes them
(geodesic edges, earth radius 6378.1 km), planar ones for ``2d`` data."""

from .near import NEAR_OPERATORS, NearQuery, parse_near
from .regions import Region, matches_intersection, region_of_query, two_d_locations
from .shapes import (FLAT, SPHERE, STRICT_SPHERE, GeoError, Geometry, number_text,
                     parse_flat_point, parse_stored)
from .sphere import EARTH_RADIUS_METERS

__all__ = ["NEAR_OPERATORS", "NearQuery", "parse_near", "Region", "matches_intersection",
           "region_of_query", "two_d_locations", "FLAT", "SPHERE", "STRICT_SPHERE",
           "GeoError", "Geometry", "number_text", "parse_flat_point", "parse_stored",
           "EARTH_RADIUS_METERS"]
