"""The geometry layer on its own: spherical distances and containment as S2
models them (geodesic edges, loops normalised to the smaller region), checked
against values derived by hand here (haversine, the latitude a great circle
reaches: tan(lat_max) = tan(lat) / cos(half the longitude span))."""

from __future__ import annotations

import math

import pytest

from mim.engine.languages.geometry import EARTH_RADIUS_METERS, GeoError, parse_stored
from mim.engine.languages.geometry.near import parse_near
from mim.engine.languages.geometry.shapes import parse_geojson
from mim.engine.languages.geometry.sphere import angle, to_vector


def haversine(a: tuple, b: tuple) -> float:
    lng1, lat1, lng2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + \
        math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * math.asin(math.sqrt(h))


@pytest.mark.parametrize("a, b", [
    ((0, 0), (0, 1)), ((179.5, 10), (-179.5, 10)), ((-73.97, 40.77), (2.35, 48.85)),
    ((0, 89.9), (180, 89.9)), ((10, -45), (-170, 45)),
])
def test_distances_agree_with_haversine(a, b):
    assert angle(to_vector(*a), to_vector(*b)) == pytest.approx(haversine(a, b), abs=1e-12)


def test_near_distance_in_meters_uses_6378_1_km():
    query = parse_near({"$near": {"$geometry": {"type": "Point", "coordinates": [0, 0]}}})
    stored = parse_stored("loc", {"type": "Point", "coordinates": [1, 0]})
    assert query.distance(stored) == pytest.approx(math.radians(1) * 6378100, rel=1e-12)
    assert EARTH_RADIUS_METERS == 6378100


def test_a_ring_around_the_pole_holds_the_pole_and_bulges_between_vertices():
    ring = {"type": "Polygon", "coordinates": [[[0, 80], [90, 80], [180, 80], [-90, 80],
                                                [0, 80]]]}
    polygon = parse_geojson(ring)
    peak = math.degrees(math.atan(math.tan(math.radians(80)) / math.cos(math.radians(45))))
    assert peak == pytest.approx(82.89, abs=0.01)
    assert polygon.contains_point(to_vector(0, 90))
    assert polygon.contains_point(to_vector(45, peak + 0.3))
    assert not polygon.contains_point(to_vector(45, peak - 0.3))
    assert polygon.contains_point(to_vector(0, 80.5))
    assert not polygon.contains_point(to_vector(0, -90))


def test_winding_order_does_not_matter_for_an_ordinary_polygon():
    counter = parse_geojson({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1],
                                                                 [0, 0]]]})
    clockwise = parse_geojson({"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1],
                                                                   [1, 0], [0, 0]]]})
    for polygon in (counter, clockwise):
        assert polygon.contains_point(to_vector(0.5, 0.5))
        assert not polygon.contains_point(to_vector(-100, -20))


def test_distance_to_a_line_is_to_its_nearest_point():
    line = parse_stored("g", {"type": "LineString", "coordinates": [[-1, 0], [1, 0]]})
    # a point 1° north of the middle of an equatorial segment is 1° away
    assert line.distance(to_vector(0, 1)) == pytest.approx(math.radians(1), rel=1e-12)
    # beyond its end, the distance is to the end point
    assert line.distance(to_vector(3, 0)) == pytest.approx(math.radians(2), rel=1e-12)


@pytest.mark.parametrize("value, reason", [
    ({"type": "Point", "coordinates": [181, 0]}, "Longitude/latitude is out of bounds, lng: 181 lat: 0"),
    ({"type": "MultiPoint", "coordinates": []}, "MultiPoint coordinates must have at least 1 element"),
    ({"type": "GeometryCollection", "geometries": [{"type": "GeometryCollection",
                                                    "geometries": []}]},
     'GeometryCollections cannot be nested: { type: "GeometryCollection", geometries: [] }'),
    ({"type": "Point", "coordinates": [0, 0], "crs": {"type": "name",
                                                      "properties": {"name": "EPSG:3857"}}},
     "Unknown CRS name: EPSG:3857"),
    ([1, float("nan")], "Point coordinates must be finite numbers"),
])
def test_parser_reasons(value, reason):
    with pytest.raises(GeoError) as info:
        parse_stored("g", value)
    assert info.value.reason == reason
