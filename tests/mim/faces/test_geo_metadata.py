"""``{$meta: "geoNearDistance"}`` and ``{$meta: "geoNearPoint"}``: the distance and the
nearest location a near query attaches to each document it returns.

Server behaviour followed: a find whose filter holds ``$near``/``$nearSphere``
makes both available to its projection (``CanonicalQuery::isValid`` clears them
from the unavailable metadata only then); ``$geoNear`` attaches the unscaled
distance and the nearest stored location (``DocumentSourceGeoNearCursor::
transformDoc`` multiplies only the ``distanceField``); a query or pipeline that
cannot produce them answers 40218 "query requires $geoNear distance metadata, but
it is not available" (``DepsTracker::setNeedsMetadata``, names from
``DocumentMetadataFields::typeNameToDebugString``).  Expected distances are
haversine on the server's earth radius, 6378.1 km.
"""

from __future__ import annotations

import math

import pytest
from pymongo.errors import OperationFailure

from .test_geospatial import PLACES, haversine_m, point

ORIGIN = [-73.9667, 40.78]


@pytest.fixture
def places(coll):
    coll.insert_many([dict(doc) for doc in PLACES])
    coll.create_index([("location", "2dsphere")])
    return coll


def _by_distance() -> list[dict]:
    return sorted(PLACES, key=lambda p: haversine_m(ORIGIN, p["location"]["coordinates"]))


def _near() -> dict:
    return {"location": {"$near": {"$geometry": point(*ORIGIN)}}}


def error_of(fn) -> OperationFailure:
    with pytest.raises(OperationFailure) as info:
        fn()
    return info.value


def test_find_near_projects_the_distance_and_the_nearest_location(places):
    found = list(places.find(_near(), {"name": 1, "d": {"$meta": "geoNearDistance"},
                                       "p": {"$meta": "geoNearPoint"}}))
    expected = _by_distance()
    assert [doc["name"] for doc in found] == [p["name"] for p in expected]
    for doc, place in zip(found, expected):
        assert doc["d"] == pytest.approx(haversine_m(ORIGIN, place["location"]["coordinates"]))
        assert doc["p"] == place["location"]


def test_find_near_distance_inside_an_expression(places):
    # a real client's projection: meters to miles
    found = list(places.find(_near(), {"_id": 0, "name": 1, "miles": {
        "$multiply": [{"$meta": "geoNearDistance"}, 0.00062137119]}}))
    first = _by_distance()[0]
    assert found[0]["name"] == first["name"]
    assert found[0]["miles"] == pytest.approx(
        haversine_m(ORIGIN, first["location"]["coordinates"]) * 0.00062137119)


def test_meta_in_an_exclusion_projection_keeps_the_other_fields(places):
    found = list(places.find(_near(), {"category": 0, "d": {"$meta": "geoNearDistance"}}))
    assert set(found[0]) == {"_id", "name", "location", "d"}


def test_nearsphere_on_a_2d_index_gives_radians(coll):
    coll.create_index([("xy", "2d")])
    coll.insert_many([{"_id": 1, "xy": [0, 0]}, {"_id": 2, "xy": [0, 10]}])
    found = list(coll.find({"xy": {"$nearSphere": [0, 0]}},
                           {"d": {"$meta": "geoNearDistance"}, "p": {"$meta": "geoNearPoint"}}))
    assert [doc["_id"] for doc in found] == [1, 2]
    assert found[1]["d"] == pytest.approx(math.radians(10))
    assert found[1]["p"] == [0, 10]


@pytest.mark.parametrize("name, words", [("geoNearDistance", "$geoNear distance"),
                                         ("geoNearPoint", "$geoNear point")])
def test_find_without_near_refuses_the_metadata(places, name, words):
    for projection in ({"m": {"$meta": name}}, {"m": {"$add": [{"$meta": name}, 1]}}):
        failure = error_of(lambda: list(places.find({}, projection)))
        assert failure.code == 40218
        assert failure.details["errmsg"] == (f"query requires {words} metadata, but it is not "
                                             f"available")


def test_geo_near_stage_metadata_is_unscaled(places):
    found = list(places.aggregate([
        {"$geoNear": {"near": point(*ORIGIN), "distanceField": "km", "includeLocs": "loc",
                      "distanceMultiplier": 0.001}},
        {"$addFields": {"m": {"$meta": "geoNearDistance"}, "p": {"$meta": "geoNearPoint"}}}]))
    for doc in found:
        assert doc["m"] == pytest.approx(doc["km"] * 1000)
        assert doc["p"] == doc["loc"] == doc["location"]


def test_metadata_survives_reshaping_but_not_grouping(places):
    found = list(places.aggregate([
        {"$geoNear": {"near": point(*ORIGIN), "distanceField": "d"}},
        {"$project": {"name": 1}},
        {"$set": {"again": {"$meta": "geoNearDistance"}}}]))
    assert all(doc["again"] > 0 for doc in found)
    grouped = list(places.aggregate([
        {"$geoNear": {"near": point(*ORIGIN), "distanceField": "d"}},
        {"$group": {"_id": "$category"}},
        {"$project": {"m": {"$meta": "geoNearDistance"}}}]))
    assert grouped and all("m" not in doc for doc in grouped)


@pytest.mark.parametrize("name, words", [("geoNearDistance", "$geoNear distance"),
                                         ("geoNearPoint", "$geoNear point")])
def test_pipeline_without_geo_near_refuses_the_metadata(places, name, words):
    failure = error_of(lambda: list(places.aggregate([
        {"$match": {}}, {"$project": {"m": {"$meta": name}}}])))
    assert failure.code == 40218
    assert failure.details["errmsg"] == f"query requires {words} metadata, but it is not available"


def test_text_score_inside_a_find_expression(coll):
    coll.create_index([("s", "text")])
    coll.insert_many([{"_id": 1, "s": "coffee shop"}, {"_id": 2, "s": "coffee coffee"}])
    found = {doc["_id"]: doc for doc in coll.find(
        {"$text": {"$search": "coffee"}},
        {"score": {"$meta": "textScore"}, "plus": {"$add": [{"$meta": "textScore"}, 1]}})}
    assert all(doc["plus"] == doc["score"] + 1 for doc in found.values())
    failure = error_of(lambda: list(coll.find({}, {"plus": {"$add": [{"$meta": "textScore"},
                                                                      1]}})))
    assert failure.code == 40218


def test_sort_by_geo_near_distance_is_highest_first(places):
    # sort_pattern.cpp: every $meta sort key orders descending (geoNearDistance too)
    nearest_first = [p["_id"] for p in _by_distance()]
    found = places.find(_near(), {"_id": 1}).sort([("d", {"$meta": "geoNearDistance"})])
    assert [doc["_id"] for doc in found] == nearest_first[::-1]
    staged = places.aggregate([
        {"$geoNear": {"near": point(*ORIGIN), "distanceField": "d"}},
        {"$sort": {"m": {"$meta": "geoNearDistance"}}}])
    assert [doc["_id"] for doc in staged] == nearest_first[::-1]


def test_sort_by_geo_near_distance_needs_a_near_query(places):
    failure = error_of(lambda: list(places.find({}).sort([("d", {"$meta": "geoNearDistance"})])))
    assert (failure.code, failure.details["errmsg"]) == (
        40218, "query requires $geoNear distance metadata, but it is not available")
    failure = error_of(lambda: list(places.aggregate([
        {"$sort": {"d": {"$meta": "geoNearDistance"}}}])))
    assert failure.code == 40218


def test_geo_haystack_indexes_are_gone_since_5_0(coll):
    # index_key_validate.cpp: refused before anything else of the key is looked at
    failure = error_of(lambda: coll.create_index([("pos", "geoHaystack"), ("type", 1)],
                                                 bucketSize=1))
    assert failure.code == 67
    assert failure.details["errmsg"].endswith(
        ":: caused by :: GeoHaystack indexes cannot be created in version 5.0 and above")
    assert "pos_geoHaystack_type_1" not in coll.index_information()


def test_hinting_the_geo_index_of_a_geo_within_query(places):
    # the 2dsphere index serves $geoWithin/$geoIntersects on its field: hinted, the
    # answer is the unhinted one
    within = {"location": {"$geoWithin": {"$centerSphere": [ORIGIN, 5 / 6378.1]}}}
    hinted = places.find(within).hint([("location", "2dsphere")])
    assert sorted(d["_id"] for d in hinted) == sorted(d["_id"] for d in places.find(within))
    crossing = {"location": {"$geoIntersects": {"$geometry": point(-73.97, 40.77)}}}
    assert [d["_id"] for d in places.find(crossing).hint("location_2dsphere")] == [1]
