"""$bucketAuto and $graphLookup through Collection.aggregate (MongoDB manual examples)."""

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from pymongo.errors import OperationFailure

D = Decimal128

ARTWORK = [
    {"_id": 1, "title": "The Pillars of Society", "artist": "Grosz", "year": 1926,
     "price": D("199.99")},
    {"_id": 2, "title": "Melancholy III", "artist": "Munch", "year": 1902, "price": D("280.00")},
    {"_id": 3, "title": "Dancer", "artist": "Miro", "year": 1925, "price": D("76.04")},
    {"_id": 4, "title": "The Great Wave off Kanagawa", "artist": "Hokusai",
     "price": D("167.30")},
    {"_id": 5, "title": "The Persistence of Memory", "artist": "Dali", "year": 1931,
     "price": D("483.00")},
    {"_id": 6, "title": "Composition VII", "artist": "Kandinsky", "year": 1913,
     "price": D("385.00")},
    {"_id": 7, "title": "The Scream", "artist": "Munch", "price": D("159.00")},
    {"_id": 8, "title": "Blue Flower", "artist": "O'Keefe", "year": 1918, "price": D("118.42")},
]


def code_of(coll, pipeline):
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate(pipeline))
    return info.value.code


def test_bucket_auto_manual_example(db):
    db.artwork.insert_many(ARTWORK)
    out = list(db.artwork.aggregate([{"$bucketAuto": {"groupBy": "$price", "buckets": 4}}]))
    assert out == [
        {"_id": {"min": D("76.04"), "max": D("159.00")}, "count": 2},
        {"_id": {"min": D("159.00"), "max": D("199.99")}, "count": 2},
        {"_id": {"min": D("199.99"), "max": D("385.00")}, "count": 2},
        {"_id": {"min": D("385.00"), "max": D("483.00")}, "count": 2},
    ]


def test_bucket_auto_output_and_missing_group_key(db):
    db.artwork.insert_many(ARTWORK)
    out = list(db.artwork.aggregate([{"$bucketAuto": {
        "groupBy": "$year", "buckets": 3,
        "output": {"count": {"$sum": 1}, "years": {"$push": "$year"}}}}]))
    # two documents have no year: missing groups as null, which sorts first;
    # buckets hold round(8 / 3) = 3 documents, the last one the rest
    assert out == [
        {"_id": {"min": None, "max": 1913}, "count": 3, "years": [1902]},
        {"_id": {"min": 1913, "max": 1926}, "count": 3, "years": [1913, 1918, 1925]},
        {"_id": {"min": 1926, "max": 1931}, "count": 2, "years": [1926, 1931]}]


def test_bucket_auto_equal_values_stay_together_and_more_buckets_than_docs(db):
    db.c.insert_many([{"v": v} for v in [1, 1, 1, 2, 3]])
    out = list(db.c.aggregate([{"$bucketAuto": {"groupBy": "$v", "buckets": 2}}]))
    # approx size round(5/2)=3: the three 1s fill bucket one; the last bucket takes the rest
    assert out == [{"_id": {"min": 1, "max": 2}, "count": 3},
                   {"_id": {"min": 2, "max": 3}, "count": 2}]
    out = list(db.c.aggregate([{"$bucketAuto": {"groupBy": "$v", "buckets": 10}}]))
    assert [b["count"] for b in out] == [3, 1, 1]


def test_bucket_auto_granularity(db):
    db.c.insert_many([{"v": v} for v in range(1, 11)])
    out = list(db.c.aggregate([{"$bucketAuto": {"groupBy": "$v", "buckets": 2,
                                                "granularity": "1-2-5"}}]))
    # 1..5 fill the first bucket; its max rounds up to 10, absorbing 6..9
    assert out == [{"_id": {"min": 0.5, "max": 10.0}, "count": 9},
                   {"_id": {"min": 10.0, "max": 20.0}, "count": 1}]
    out = list(db.c.aggregate([{"$bucketAuto": {"groupBy": "$v", "buckets": 2,
                                                "granularity": "POWERSOF2"}}]))
    assert out[0]["_id"] == {"min": 0.5, "max": 8}
    assert out[0]["count"] == 7


def test_bucket_auto_errors(db):
    db.c.insert_many([{"v": -1}, {"v": "x"}])
    assert code_of(db.c, [{"$bucketAuto": {"groupBy": "$v"}}]) == 40246
    assert code_of(db.c, [{"$bucketAuto": {"groupBy": "$v", "buckets": 0}}]) == 40243
    assert code_of(db.c, [{"$bucketAuto": {"groupBy": "$v", "buckets": "2"}}]) == 40241
    assert code_of(db.c, [{"$bucketAuto": {"groupBy": "$v", "buckets": 1.5}}]) == 40242
    assert code_of(db.c, [{"$bucketAuto": {"groupBy": "$v", "buckets": 2, "x": 1}}]) == 40245
    assert code_of(db.c, [{"$bucketAuto": {"groupBy": "v", "buckets": 2}}]) == 40239
    assert code_of(db.c, [{"$bucketAuto": {"groupBy": "$v", "buckets": 2,
                                           "granularity": "R7"}}]) == 40257
    assert code_of(db.c, [{"$match": {"v": "x"}}, {"$bucketAuto": {
        "groupBy": "$v", "buckets": 2, "granularity": "R5"}}]) == 40258
    assert code_of(db.c, [{"$match": {"v": -1}}, {"$bucketAuto": {
        "groupBy": "$v", "buckets": 2, "granularity": "R5"}}]) == 40260


EMPLOYEES = [
    {"_id": 1, "name": "Dev"},
    {"_id": 2, "name": "Eliot", "reportsTo": "Dev"},
    {"_id": 3, "name": "Ron", "reportsTo": "Eliot"},
    {"_id": 4, "name": "Andrew", "reportsTo": "Eliot"},
    {"_id": 5, "name": "Asya", "reportsTo": "Ron"},
    {"_id": 6, "name": "Dan", "reportsTo": "Andrew"},
]

AIRPORTS = [
    {"_id": 0, "airport": "JFK", "connects": ["BOS", "ORD"]},
    {"_id": 1, "airport": "BOS", "connects": ["JFK", "PWM"]},
    {"_id": 2, "airport": "ORD", "connects": ["JFK"]},
    {"_id": 3, "airport": "PWM", "connects": ["BOS", "LHR"]},
    {"_id": 4, "airport": "LHR", "connects": ["PWM"]},
]


def test_graph_lookup_reporting_hierarchy(db):
    db.employees.insert_many(EMPLOYEES)
    out = list(db.employees.aggregate([{"$graphLookup": {
        "from": "employees", "startWith": "$reportsTo", "connectFromField": "reportsTo",
        "connectToField": "name", "as": "reportingHierarchy"}}]))
    by_id = {d["_id"]: sorted(e["name"] for e in d["reportingHierarchy"]) for d in out}
    assert by_id == {1: [], 2: ["Dev"], 3: ["Dev", "Eliot"], 4: ["Dev", "Eliot"],
                     5: ["Dev", "Eliot", "Ron"], 6: ["Andrew", "Dev", "Eliot"]}
    # the found documents are whole documents of the foreign collection
    assert {"_id": 1, "name": "Dev"} in out[1]["reportingHierarchy"]


def test_graph_lookup_max_depth_and_depth_field(db):
    db.airports.insert_many(AIRPORTS)
    db.travelers.insert_many([{"_id": 1, "name": "Dev", "nearestAirport": "JFK"},
                              {"_id": 2, "name": "Eliot", "nearestAirport": "JFK"},
                              {"_id": 3, "name": "Jeff", "nearestAirport": "BOS"}])
    out = list(db.travelers.aggregate([{"$graphLookup": {
        "from": "airports", "startWith": "$nearestAirport", "connectFromField": "connects",
        "connectToField": "airport", "maxDepth": 2, "depthField": "numConnections",
        "as": "destinations"}}]))
    dev = {d["airport"]: d["numConnections"] for d in out[0]["destinations"]}
    assert dev == {"JFK": Int64(0), "BOS": Int64(1), "ORD": Int64(1), "PWM": Int64(2)}
    assert all(type(v) is Int64 for v in dev.values())
    jeff = {d["airport"]: d["numConnections"] for d in out[2]["destinations"]}
    assert jeff == {"BOS": 0, "JFK": 1, "PWM": 1, "ORD": 2, "LHR": 2}
    out = list(db.travelers.aggregate([{"$match": {"_id": 1}}, {"$graphLookup": {
        "from": "airports", "startWith": "$nearestAirport", "connectFromField": "connects",
        "connectToField": "airport", "maxDepth": 0, "as": "d"}}]))
    assert [d["airport"] for d in out[0]["d"]] == ["JFK"]


def test_graph_lookup_restrict_search_and_null_start(db):
    db.airports.insert_many(AIRPORTS)
    db.t.insert_many([{"_id": 1, "at": "JFK"}, {"_id": 2}, {"_id": 3, "at": ["LHR", "ORD"]}])
    out = list(db.t.aggregate([{"$graphLookup": {
        "from": "airports", "startWith": "$at", "connectFromField": "connects",
        "connectToField": "airport", "as": "d",
        "restrictSearchWithMatch": {"airport": {"$ne": "BOS"}}}}]))
    assert sorted(d["airport"] for d in out[0]["d"]) == ["JFK", "ORD"]
    assert out[1]["d"] == []
    # an array startWith starts from each element
    assert sorted(d["airport"] for d in out[2]["d"]) == ["JFK", "LHR", "ORD", "PWM"]


def test_graph_lookup_errors(db):
    db.c.insert_one({"a": 1})
    base = {"from": "x", "startWith": "$a", "connectFromField": "a", "connectToField": "b",
            "as": "o"}
    assert code_of(db.c, [{"$graphLookup": {k: v for k, v in base.items() if k != "as"}}]) \
        == 40105
    assert code_of(db.c, [{"$graphLookup": {**base, "maxDepth": -1}}]) == 40101
    assert code_of(db.c, [{"$graphLookup": {**base, "maxDepth": "1"}}]) == 40100
    assert code_of(db.c, [{"$graphLookup": {**base, "maxDepth": 1.5}}]) == 40102
    assert code_of(db.c, [{"$graphLookup": {**base, "bogus": 1}}]) == 40104
    assert code_of(db.c, [{"$graphLookup": {**base, "as": 1}}]) == 40103
    assert code_of(db.c, [{"$graphLookup": {**base, "restrictSearchWithMatch": 1}}]) == 40185
