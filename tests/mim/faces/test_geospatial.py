"""Geospatial queries on both faces: the manual's ``places`` examples
($near, $geoNear, $geoWithin, $geoIntersects), 2dsphere / 2d index rules and
the server's errors (messages from geoparser.cpp, expression_geo.cpp,
canonical_query.cpp, document_source_geo_near.cpp, hash.cpp).

Expected distances are computed here with the haversine formula on the
server's earth radius (6378.1 km), independently of mim's implementation.
"""

from __future__ import annotations

import math
import random

import pytest
from pymongo.errors import OperationFailure, WriteError

EARTH_RADIUS_KM = 6378.1

PLACES = [
    {"_id": 1, "name": "Central Park", "location": {"type": "Point", "coordinates": [-73.97, 40.77]},
     "category": "Parks"},
    {"_id": 2, "name": "Sara D. Roosevelt Park",
     "location": {"type": "Point", "coordinates": [-73.9928, 40.7193]}, "category": "Parks"},
    {"_id": 3, "name": "Polo Grounds", "location": {"type": "Point", "coordinates": [-73.9375, 40.8303]},
     "category": "Stadiums"},
]


def haversine_m(a: list, b: list) -> float:
    lng1, lat1, lng2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + \
        math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * 1000 * math.asin(math.sqrt(h))


@pytest.fixture
def places(coll):
    coll.insert_many([dict(doc) for doc in PLACES])
    coll.create_index([("location", "2dsphere")])
    return coll


def point(lng: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lng, lat]}


def error_of(fn) -> OperationFailure:
    with pytest.raises(OperationFailure) as info:
        fn()
    return info.value


# -- indexes ---------------------------------------------------------------------------


def test_2dsphere_index_is_listed_with_its_version(places):
    info = places.index_information()["location_2dsphere"]
    assert info["key"] == [("location", "2dsphere")]
    assert info["2dsphereIndexVersion"] == 3


def test_compound_2dsphere_and_2d_options(coll):
    coll.create_index([("loc", "2dsphere"), ("category", 1)], **{"2dsphereIndexVersion": 2})
    coll.create_index([("xy", "2d")], bits=20, min=-500, max=500)
    info = coll.index_information()
    assert info["loc_2dsphere_category_1"]["2dsphereIndexVersion"] == 2
    assert (info["xy_2d"]["bits"], info["xy_2d"]["min"], info["xy_2d"]["max"]) == (20, -500, 500)


@pytest.mark.parametrize("keys, options, code, message", [
    ([("a", "2d"), ("b", "2d")], {}, 16800, "can't have 2 geo fields"),
    ([("b", 1), ("a", "2d")], {}, 16801, "2d has to be first in index"),
    ([("a", "2d")], {"bits": 33}, 72, "bits for hash must be > 0 and <= 32, but 33 bits were "
                                      "specified"),
    ([("a", "2d")], {"min": 10, "max": 10}, 72, "region for hash must be valid and have positive "
                                                "area, but [10, 10] was specified"),
    ([("a", "2dsphere")], {"coarsestIndexedLevel": -1}, 16747, "coarsestIndexedLevel must be >= 0"),
    ([("a", "2dsphere")], {"finestIndexedLevel": 31}, 16748, "finestIndexedLevel must be <= 30"),
    ([("a", "2dsphere")], {"finestIndexedLevel": 3, "coarsestIndexedLevel": 5}, 16749,
     "finestIndexedLevel must be >= coarsestIndexedLevel"),
    ([("a", "2dsphere")], {"2dsphereIndexVersion": 4}, 17395,
     "unsupported geo index version { 2dsphereIndexVersion : 4 }, only support versions: [1,2,3]"),
])
def test_invalid_geo_index_options(coll, keys, options, code, message):
    failure = error_of(lambda: coll.create_index(keys, **options))
    assert failure.code == code
    assert message in failure.details["errmsg"]


@pytest.mark.parametrize("doc, reason", [
    ({"_id": 10, "location": [200, 0]},
     "can't project geometry into spherical CRS: [ 200, 0 ]"),
    ({"_id": 10, "location": {"type": "Point"}},
     "Point must be an array or object, instead got type missing"),
    ({"_id": 10, "location": {"type": "Point", "coordinates": [0, 100]}},
     "Longitude/latitude is out of bounds, lng: 0 lat: 100"),
    ({"_id": 10, "location": "here"}, 'geo element must be an array or object: location: "here"'),
    ({"_id": 10, "location": {"type": "Polygon",
                              "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}},
     "Loop is not valid: [ [ 0, 0 ], [ 1, 1 ], [ 1, 0 ], [ 0, 1 ], [ 0, 0 ] ] Edge 0 crosses "
     "edge 2"),
    ({"_id": 10, "location": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0]]]}},
     "Loop is not closed, first vertex does not equal last vertex: [ [ 0, 0 ], [ 1, 1 ], "
     "[ 1, 0 ] ]"),
    ({"_id": 10, "location": {"type": "LineString", "coordinates": [[0, 0]]}},
     "GeoJSON LineString must have at least 2 vertices, instead got 1 vertices: [ [ 0, 0 ] ]"),
    ({"_id": 10, "location": {"type": "Square", "coordinates": [0, 0]}},
     'unknown GeoJSON type: { type: "Square", coordinates: [ 0, 0 ] }'),
])
def test_insert_refuses_geometry_a_2dsphere_index_cannot_extract(places, doc, reason):
    failure = error_of(lambda: places.insert_one(doc))
    assert isinstance(failure, WriteError)
    assert failure.code == 16755
    assert failure.details["errmsg"].startswith("Can't extract geo keys: { _id: 10, ")
    assert failure.details["errmsg"].endswith("  " + reason)
    assert places.count_documents({}) == 3


def test_2dsphere_indexes_are_sparse(places):
    places.insert_many([{"_id": 20}, {"_id": 21, "location": None}, {"_id": 22, "location": []}])
    assert places.count_documents({}) == 6


def test_index_build_fails_on_existing_bad_geometry(coll):
    coll.insert_one({"_id": 1, "loc": {"type": "Point", "coordinates": [0, 91]}})
    failure = error_of(lambda: coll.create_index([("loc", "2dsphere")]))
    assert failure.code == 16755
    assert coll.index_information().keys() == {"_id_"}


def test_2d_index_refuses_bad_locations(coll):
    coll.create_index([("pos", "2d")])
    failure = error_of(lambda: coll.insert_one({"_id": 1, "pos": [200, 0]}))
    assert failure.code == 13027
    assert failure.details["errmsg"] == ("point not in interval of [ -180, 180 ] :: caused by :: "
                                         "{ _id: 1, pos: [ 200, 0 ] }")
    # a first element that is no number makes the value a list of locations (get2DKeys)
    assert error_of(lambda: coll.insert_one({"_id": 2, "pos": ["a", 0]})).code == 16804
    assert error_of(lambda: coll.insert_one({"_id": 2, "pos": [["a", 0]]})).code == 13026
    assert error_of(lambda: coll.insert_one({"_id": 3, "pos": point(0, 0)})).code == 16804
    coll.insert_one({"_id": 4, "pos": {"x": 1, "y": 2}})
    assert coll.count_documents({}) == 1


# -- $near / $nearSphere ------------------------------------------------------------------


def test_manual_near_with_min_and_max_distance(places):
    origin = [-73.9667, 40.78]
    found = list(places.find({"location": {"$near": {"$geometry": point(*origin),
                                                      "$minDistance": 1000,
                                                      "$maxDistance": 5000}}}))
    expected = [p["_id"] for p in sorted(PLACES, key=lambda p: haversine_m(
        origin, p["location"]["coordinates"]))
        if 1000 <= haversine_m(origin, p["location"]["coordinates"]) <= 5000]
    assert [doc["_id"] for doc in found] == expected == [1]


def test_near_orders_by_distance_and_combines_with_other_conditions(places):
    origin = [-73.99279, 40.719296]
    by_distance = sorted(PLACES, key=lambda p: haversine_m(origin, p["location"]["coordinates"]))
    found = places.find({"location": {"$near": {"$geometry": point(*origin)}}})
    assert [doc["_id"] for doc in found] == [p["_id"] for p in by_distance]
    parks = places.find({"category": "Parks",
                         "location": {"$nearSphere": {"$geometry": point(*origin)}}})
    assert [doc["_id"] for doc in parks] == [p["_id"] for p in by_distance
                                             if p["category"] == "Parks"]
    limited = places.find({"location": {"$near": {"$geometry": point(*origin)}}}).limit(1)
    assert [doc["_id"] for doc in limited] == [by_distance[0]["_id"]]


def test_near_sphere_with_legacy_point_measures_radians(places):
    origin = [-73.9667, 40.78]
    radius = 2000 / (EARTH_RADIUS_KM * 1000)
    found = places.find({"location": {"$nearSphere": origin, "$maxDistance": radius}})
    assert [doc["_id"] for doc in found] == [1]


def test_near_on_a_2d_index_is_planar(coll):
    coll.create_index([("pos", "2d")])
    coll.insert_many([{"_id": 1, "pos": [3, 4]}, {"_id": 2, "pos": [1, 1]},
                      {"_id": 3, "pos": {"x": 10, "y": 0}}])
    assert [d["_id"] for d in coll.find({"pos": {"$near": [0, 0]}})] == [2, 1, 3]
    assert [d["_id"] for d in coll.find({"pos": {"$near": [0, 0], "$maxDistance": 5}})] == [2, 1]
    assert [d["_id"] for d in coll.find({"pos": {"$near": [0, 0, 2]}})] == [2]


def test_near_needs_a_geo_index(coll):
    coll.insert_one({"loc": point(0, 0)})
    failure = error_of(lambda: list(coll.find({"loc": {"$near": {"$geometry": point(0, 0)}}})))
    assert failure.code == 291
    assert failure.details["errmsg"].endswith("unable to find index for $geoNear query")


def test_legacy_near_needs_a_2d_index(places):
    # $near with a legacy pair has a flat centroid, which a 2dsphere index cannot answer
    failure = error_of(lambda: list(places.find({"location": {"$near": [-73.97, 40.77]}})))
    assert failure.code == 291


def test_near_on_a_missing_collection_finds_nothing(db):
    assert list(db.nowhere.find({"loc": {"$near": [0, 0]}})) == []


@pytest.mark.parametrize("filter, code, message", [
    ({"location": {"$near": 123}}, 2, "near must be first in: { $near: 123 }"),
    ({"location": {"$near": {}}}, 2, "$geometry is required for geo near query"),
    ({"location": {"$near": {"$geometry": point(0, 0), "$minDistance": -1}}}, 2,
     "$minDistance must be non-negative"),
    ({"location": {"$near": {"$geometry": point(0, 0), "$maxDistance": "10"}}}, 2,
     "$maxDistance must be a number"),
    ({"location": {"$near": {"$geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}}},
     2, "Expected geojson geometry with type Point, but got type LineString"),
    ({"location": {"$near": {"$geometry": {"type": "Point", "coordinates": ["0", "0"]}}}}, 2,
     "Point must only contain numeric elements, instead got type string"),
    ({"$or": [{"location": {"$near": [0, 0]}}, {"a": 1}]}, 2, "geoNear must be top-level expr"),
    ({"a": {"$elemMatch": {"b": {"$near": [0, 0]}}}}, 2, "geoNear must be top-level expr"),
    ({"location": {"$near": [0, 0]}, "other": {"$near": [0, 0]}}, 2,
     "Too many geoNear expressions"),
])
def test_invalid_near_queries(places, filter, code, message):
    failure = error_of(lambda: list(places.find(filter)))
    assert failure.code == code
    assert message in failure.details["errmsg"]


def test_count_documents_with_near_suggests_geo_within(places):
    failure = error_of(lambda: places.count_documents({"location": {"$near": [0, 0]}}))
    assert failure.code == 5626500
    assert "consider using $geoWithin instead" in failure.details["errmsg"]
    failure = error_of(lambda: list(places.aggregate(
        [{"$match": {"location": {"$nearSphere": [0, 0]}}}])))
    assert failure.code == 5626500


# -- $geoNear ----------------------------------------------------------------------------------


def test_manual_geo_near_with_query_and_include_locs(places):
    found = list(places.aggregate([{"$geoNear": {
        "near": point(-73.99279, 40.719296), "distanceField": "dist.calculated",
        "maxDistance": 2, "query": {"category": "Parks"}, "includeLocs": "dist.location",
        "spherical": True}}]))
    assert len(found) == 1 and found[0]["name"] == "Sara D. Roosevelt Park"
    # the manual's documented output
    assert found[0]["dist"]["calculated"] == pytest.approx(0.9539931676365992, rel=1e-9)
    assert found[0]["dist"]["location"] == point(-73.9928, 40.7193)


def test_geo_near_orders_and_multiplies_distances(places):
    origin = [-73.98142, 40.71782]
    found = list(places.aggregate([
        {"$geoNear": {"near": point(*origin), "distanceField": "km", "spherical": True,
                      "distanceMultiplier": 0.001, "minDistance": 1000}},
        {"$project": {"_id": 1, "km": 1}}]))
    expected = sorted((haversine_m(origin, p["location"]["coordinates"]) / 1000, p["_id"])
                      for p in PLACES
                      if haversine_m(origin, p["location"]["coordinates"]) >= 1000)
    assert [d["_id"] for d in found] == [e[1] for e in expected]
    for doc, (km, _) in zip(found, expected):
        assert doc["km"] == pytest.approx(km, rel=1e-6)


def test_geo_near_key_chooses_among_indexes(places):
    places.create_index([("other", "2dsphere")])
    failure = error_of(lambda: list(places.aggregate(
        [{"$geoNear": {"near": point(0, 0), "distanceField": "d"}}])))
    assert failure.code == 27
    assert "There is more than one 2dsphere index on" in failure.details["errmsg"]
    found = places.aggregate([{"$geoNear": {"near": point(-73.97, 40.77), "distanceField": "d",
                                            "key": "location", "spherical": True}},
                              {"$limit": 1}])
    assert [d["_id"] for d in found] == [1]


@pytest.mark.parametrize("pipeline, code", [
    ([{"$match": {}}, {"$geoNear": {"near": [0, 0], "distanceField": "d"}}], 40602),
    ([{"$geoNear": {"distanceField": "d"}}], 5860400),
    ([{"$geoNear": {"near": [0, 0]}}], 16606),
    ([{"$geoNear": {"near": [0, 0], "distanceField": "d", "limit": 5}}], 50858),
    ([{"$geoNear": {"near": [0, 0], "distanceField": "d", "num": 5}}], 50857),
    ([{"$geoNear": {"near": [0, 0], "distanceField": "d", "maxDistance": "x"}}], 14),
    ([{"$geoNear": {"near": [0, 0], "distanceField": "d", "key": ""}}], 2),
])
def test_invalid_geo_near_stages(places, pipeline, code):
    assert error_of(lambda: list(places.aggregate(pipeline))).code == code


def test_geo_near_without_a_geo_index(coll):
    coll.insert_one({"loc": [0, 0]})
    failure = error_of(lambda: list(coll.aggregate(
        [{"$geoNear": {"near": [0, 0], "distanceField": "d"}}])))
    assert (failure.code, failure.details["errmsg"]) == (
        27, "$geoNear requires a 2d or 2dsphere index, but none were found")


# -- $geoWithin / $geoIntersects ---------------------------------------------------------------


def test_geo_within_center_sphere_uses_radians(places):
    origin = [-73.97, 40.77]
    radius_km = 7
    found = places.find({"location": {"$geoWithin": {
        "$centerSphere": [origin, radius_km / EARTH_RADIUS_KM]}}})
    expected = {p["_id"] for p in PLACES
                if haversine_m(origin, p["location"]["coordinates"]) <= radius_km * 1000}
    assert {d["_id"] for d in found} == expected
    assert places.count_documents({"location": {"$geoWithin": {
        "$centerSphere": [origin, radius_km / EARTH_RADIUS_KM]}}}) == len(expected)


def test_geo_within_polygon_with_a_hole(coll):
    coll.insert_many([{"_id": 1, "p": point(1, 1)}, {"_id": 2, "p": point(3, 2.5)},
                      {"_id": 3, "p": point(10, 10)}, {"_id": 4, "p": [4, 1.5]}])
    shape = {"type": "Polygon", "coordinates": [[[0, 0], [3, 6], [6, 1], [0, 0]],
                                                [[2, 2], [3, 3], [4, 2], [2, 2]]]}
    found = coll.find({"p": {"$geoWithin": {"$geometry": shape}}})
    assert sorted(d["_id"] for d in found) == [1, 4]


def test_polygon_edges_are_geodesics(coll):
    # the great circle through (±10°, 60°) peaks at atan(tan 60° / cos 10°) = 60.38° at 0°
    coll.insert_many([{"_id": 1, "p": point(0, 60.2)}, {"_id": 2, "p": point(0, 60.5)}])
    shape = {"type": "Polygon", "coordinates": [[[-10, 50], [10, 50], [10, 60], [-10, 60],
                                                 [-10, 50]]]}
    assert [d["_id"] for d in coll.find({"p": {"$geoWithin": {"$geometry": shape}}})] == [1]


def test_polygon_across_the_antimeridian(coll):
    coll.insert_many([{"_id": 1, "p": point(179.5, 1)}, {"_id": 2, "p": point(-175, -5)},
                      {"_id": 3, "p": point(0, 0)}])
    shape = {"type": "Polygon", "coordinates": [[[170, -10], [-170, -10], [-170, 10],
                                                 [170, 10], [170, -10]]]}
    found = coll.find({"p": {"$geoIntersects": {"$geometry": shape}}})
    assert sorted(d["_id"] for d in found) == [1, 2]


def test_big_polygon_with_strict_winding(coll):
    coll.insert_many([{"_id": 1, "p": point(0.5, 0.5)}, {"_id": 2, "p": point(100, 40)}])
    # clockwise around a small square: the interior is everything else on the globe
    shape = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]],
             "crs": {"type": "name",
                     "properties": {"name": "urn:x-mongodb:crs:strictwinding:EPSG:4326"}}}
    assert [d["_id"] for d in coll.find({"p": {"$geoWithin": {"$geometry": shape}}})] == [2]


def test_geo_intersects_lines_and_polygons(coll):
    coll.insert_many([
        {"_id": 1, "g": {"type": "LineString", "coordinates": [[-5, 0.5], [5, 0.5]]}},
        {"_id": 2, "g": {"type": "LineString", "coordinates": [[-5, 5], [5, 5]]}},
        {"_id": 3, "g": {"type": "Polygon", "coordinates": [[[-1, -1], [2, -1], [2, 2], [-1, 2],
                                                             [-1, -1]]]}},
        {"_id": 4, "g": {"type": "MultiPoint", "coordinates": [[20, 20], [0.5, 0.5]]}},
        {"_id": 5, "g": {"type": "GeometryCollection", "geometries": [point(30, 30)]}},
    ])
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    found = coll.find({"g": {"$geoIntersects": {"$geometry": square}}})
    assert sorted(d["_id"] for d in found) == [1, 3, 4]
    within = coll.find({"g": {"$geoWithin": {"$geometry": square}}})
    assert [d["_id"] for d in within] == []


def test_legacy_shapes(coll):
    coll.insert_many([{"_id": 1, "p": [1, 1]}, {"_id": 2, "p": {"x": 4, "y": 4}},
                      {"_id": 3, "p": point(0.5, 0.5)}, {"_id": 4, "p": [9, 9]}])
    assert sorted(d["_id"] for d in coll.find({"p": {"$geoWithin": {"$box": [[0, 0], [5, 5]]}}})) \
        == [1, 2, 3]
    assert sorted(d["_id"] for d in coll.find(
        {"p": {"$geoWithin": {"$polygon": [[0, 0], [2, 0], [0, 2]]}}})) == [1, 3]
    assert sorted(d["_id"] for d in coll.find(
        {"p": {"$geoWithin": {"$center": [[0, 0], 2]}}})) == [1, 3]


@pytest.mark.parametrize("operator, message", [
    ({"$geoWithin": 123}, "geometry must be an object"),
    ({"$geoWithin": {}}, "geo query doesn't have any geometry"),
    ({"$geoWithin": {"$geometry": point(0, 0)}}, "$within not supported with provided geometry"),
    ({"$geoWithin": {"$geometry": {"type": "Polygon", "coordinates": []}}},
     "Polygon has no loops."),
    ({"$geoWithin": {"$geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0, 0]]]}}},
     "Loop must have at least 3 different vertices, 0 unique vertices were provided"),
    ({"$geoWithin": {"$geometry": {"type": "Polygon", "coordinates": [
        [[0, 0], [1, 1], [1, 0], [0, 0]], [[2, 2], [3, 3], [3, 2], [2, 2]]]}}},
     "Secondary loops not contained by first exterior loop - secondary loops must be holes:"),
    ({"$geoWithin": {"$geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0],
                                                                        [0, 0]]],
                                   "crs": {"type": "x"}}}},
     'GeoJSON CRS must have field "type": "name"'),
    ({"$geoWithin": {"$geometry": {}}}, "unknown GeoJSON type: {}"),
    ({"$geoWithin": {"$box": [0, 0]}}, "Point must be an array or object, instead got type int"),
    ({"$geoWithin": {"$center": [[0, 0]]}}, "Radius must be a non-negative number: EOO"),
    ({"$geoWithin": {"$polygon": []}}, "Polygon must have at least 3 points, instead got 0 "
                                       "vertices"),
    ({"$geoWithin": {"$centerSphere": [[0, 0], 1], "$center": [[0, 0], 1]}},
     "$geoWithin doesn't accept multiple shapes"),
])
def test_invalid_geo_within_queries(coll, operator, message):
    failure = error_of(lambda: list(coll.find({"p": operator})))
    assert failure.code == 2
    assert message in failure.details["errmsg"]


def test_explain_shows_the_geo_near_stage(places, coll):
    plan = places.find({"location": {"$near": {"$geometry": point(-73.97, 40.77)}}}) \
        .limit(2).explain()
    assert plan["queryPlanner"]["winningPlan"]["stage"] == "LIMIT"
    near = plan["queryPlanner"]["winningPlan"]["inputStage"]
    assert (near["stage"], near["indexName"], near["keyPattern"]) == (
        "GEO_NEAR_2DSPHERE", "location_2dsphere", {"location": "2dsphere"})
    assert plan["executionStats"]["nReturned"] == 2
    flat = coll.database.flat
    flat.create_index([("pos", "2d")])
    flat.insert_one({"pos": [0, 0]})
    stage = flat.find({"pos": {"$near": [0, 0]}}).explain()["queryPlanner"]["winningPlan"]
    assert stage["stage"] == "GEO_NEAR_2D"


def test_near_in_updates_and_deletes_filters_by_distance(places):
    origin = [-73.9667, 40.78]
    result = places.update_many({"location": {"$near": {"$geometry": point(*origin),
                                                         "$maxDistance": 5000}}},
                                {"$set": {"close": True}})
    assert result.modified_count == 1
    assert places.find_one({"close": True})["_id"] == 1


def test_update_to_an_invalid_geometry_changes_nothing(places):
    failure = error_of(lambda: places.update_one(
        {"_id": 1}, {"$set": {"location.coordinates": [-73.97, 140.77]}}))
    assert failure.code == 16755
    assert "Longitude/latitude is out of bounds, lng: -73.97 lat: 140.77" in \
        failure.details["errmsg"]
    assert places.find_one({"_id": 1})["location"] == point(-73.97, 40.77)


def test_geo_within_matches_array_elements(coll):
    coll.insert_many([{"_id": 1, "stops": [point(50, 50), point(0.5, 0.5)]},
                      {"_id": 2, "stops": [point(50, 50)]}])
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    assert [d["_id"] for d in coll.find({"stops": {"$geoWithin": {"$geometry": square}}})] == [1]


def test_single_document_writes_take_the_nearest(places):
    near = {"location": {"$near": {"$geometry": point(-73.9375, 40.83)}}}
    assert places.find_one_and_update(near, {"$set": {"hit": 1}})["_id"] == 3
    places.update_one(near, {"$set": {"again": 1}})
    assert places.find_one({"again": 1})["_id"] == 3
    places.delete_one(near)
    assert sorted(d["_id"] for d in places.find()) == [1, 2]


def test_near_refuses_natural_order(places):
    near = {"location": {"$near": {"$geometry": point(0, 0)}}}
    failure = error_of(lambda: list(places.find(near).sort("$natural", 1)))
    assert failure.details["errmsg"] == "geoNear expression not allowed with $natural sort order"
    failure = error_of(lambda: list(places.find(near).hint([("$natural", 1)])))
    assert failure.details["errmsg"] == "geoNear expression not allowed with $natural hint"


# jstests/core/index/geo/geo_s2weirdpolys.js: boundary points are within; malformed holes
_SQUARE = [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]


@pytest.fixture
def weird(coll):
    coll.create_index([("geo", "2dsphere")])
    coll.insert_many([{"_id": "center", "geo": point(0.5, 0.5)},
                      {"_id": "edge", "geo": point(0, 0.5)},
                      {"_id": "corner", "geo": point(0, 0)}])
    return coll


def test_points_on_the_boundary_are_within(weird):
    shape = {"type": "Polygon", "coordinates": [_SQUARE]}
    assert weird.count_documents({"geo": {"$within": {"$geometry": shape}}}) == 3


@pytest.mark.parametrize("holes, reason", [
    ([[[0.4, 0.9], [0.4, 1.1], [0.5, 1.1], [0.5, 0.9], [0.4, 0.9]]],
     "Secondary loops not contained by first exterior loop - secondary loops must be holes"),
    ([[[0.2, 0.6], [0.2, 0.9], [0.6, 0.9], [0.6, 0.6], [0.2, 0.6]],
      [[0.5, 0.4], [0.5, 0.7], [0.8, 0.7], [0.8, 0.4], [0.5, 0.4]]],
     "Polygon isn't valid: Loop 1 crosses loop 2"),
    ([[[0.1, 0.1], [0.1, 0.9], [0.9, 0.9], [0.9, 0.1], [0.1, 0.1]],
      [[0.2, 0.2], [0.2, 0.8], [0.8, 0.8], [0.8, 0.2], [0.2, 0.2]]],
     "Polygon interior loops cannot be nested"),
    ([[[0, 0], [0.1, 0.9], [1, 1], [0.9, 0.1], [0, 0]]],
     "Loop 1 shares more than one vertex with its parent loop 0"),
])
def test_malformed_holes_are_refused(weird, holes, reason):
    shape = {"type": "Polygon", "coordinates": [_SQUARE, *holes]}
    failure = error_of(lambda: weird.insert_one({"geo": shape}))
    assert failure.code == 16755 and reason in failure.details["errmsg"]
    failure = error_of(lambda: list(weird.find({"geo": {"$within": {"$geometry": shape}}})))
    assert failure.code == 2 and reason in failure.details["errmsg"]


def test_the_first_ring_must_be_the_exterior(weird):
    shape = {"type": "Polygon", "coordinates": [
        [[0.1, 0.1], [0.1, 0.9], [0.9, 0.9], [0.9, 0.1], [0.1, 0.1]], _SQUARE]}
    assert error_of(lambda: weird.insert_one({"geo": shape})).code == 16755


def test_geo_near_metadata_is_carried_not_left_missing(places):
    # the metadata the server attaches after $geoNear (DocumentSourceGeoNearCursor)
    found = list(places.aggregate([
        {"$geoNear": {"near": point(0, 0), "distanceField": "d", "spherical": True}},
        {"$project": {"m": {"$meta": "geoNearDistance"}}}]))
    assert [doc["m"] for doc in found] == [
        pytest.approx(haversine_m([0, 0], place["location"]["coordinates"]))
        for place in sorted(PLACES, key=lambda p: haversine_m([0, 0],
                                                              p["location"]["coordinates"]))]


def test_near_within_max_distance_through_the_grid_equals_measuring_every_document(coll):
    # without a limit, a $maxDistance bounds the cells the grid visits; a hint of the
    # index makes mim measure every document instead: both give the same documents in
    # the same order (antimeridian, pole and equator centres)
    rng = random.Random(9)
    coll.insert_many([{"_id": i, "loc": point(rng.uniform(-180, 180), rng.uniform(-90, 90))}
                      for i in range(400)] +
                     [{"_id": 1000 + i, "loc": point(rng.uniform(179.5, 180),
                                                      rng.uniform(-0.5, 0.5))}
                      for i in range(40)])
    coll.create_index([("loc", "2dsphere")])
    for centre in ([-179.99, 0.0], [0, 89.95], [10, -45], [179.95, 0.02]):
        for bounds in ({"$maxDistance": 80_000}, {"$maxDistance": 3_000_000},
                       {"$maxDistance": 3_000_000, "$minDistance": 50_000}):
            query = {"loc": {"$near": {"$geometry": point(*centre), **bounds}}}
            measured = [d["_id"] for d in coll.find(query).hint([("loc", "2dsphere")])]
            assert [d["_id"] for d in coll.find(query)] == measured, (centre, bounds)


def test_nearest_through_the_grid_equals_measuring_every_document(coll):
    rng = random.Random(5)
    docs = [{"_id": i, "loc": point(rng.uniform(-180, 180), rng.uniform(-90, 90)),
             "k": i % 3} for i in range(300)]
    docs += [{"_id": 1000 + i, "loc": point(rng.uniform(179.9, 180), rng.uniform(-0.1, 0.1)),
              "k": i % 3} for i in range(30)]
    docs += [{"_id": 2000, "loc": {"type": "LineString", "coordinates": [[170, 0], [-170, 1]]},
              "k": 0}, {"_id": 2001, "loc": [-179.95, 0.05], "k": 1}]
    coll.insert_many(docs)
    coll.create_index([("loc", "2dsphere"), ("k", 1)])
    for centre in ([-179.99, 0.0], [0, 89.95], [10, -45], [179.95, 0.02]):
        for extra in ({}, {"k": 1}):
            for bounds in ({}, {"$maxDistance": 3_000_000}, {"$minDistance": 1000}):
                query = {"loc": {"$near": {"$geometry": point(*centre), **bounds}}, **extra}
                everything = [d["_id"] for d in coll.find(query)]
                for limit in (1, 7, 40):
                    assert [d["_id"] for d in coll.find(query).limit(limit)] == \
                        everything[:limit], (centre, extra, bounds, limit)
                assert [d["_id"] for d in coll.find(query).skip(3).limit(5)] == everything[3:8]
