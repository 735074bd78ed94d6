"""Reading ``system.buckets.<name>`` directly (both faces).

Expected shapes and rules: the server's ``src/mongo/db/timeseries/README.md``
(bucket schema: ``_id`` with the rounded minimum time, ``control.version: 1``,
``control.min``/``max``, ``meta``, ``data`` by measurement index ``"0"``, ``"1"``…),
``jstests/core/timeseries/timeseries_min_max.js`` (field-wise minimum and maximum,
the metaField left out, sparse fields, schema changes open a new bucket, numbers
compared across types), ``timeseries_bucket_limit_time_range.js`` (measurements
two hours apart with the default granularity: two buckets) and
``timeseries_bucket_limit_count.js`` (1000 measurements a bucket), and
``createBucketsIndexSpecFromTimeseriesIndexSpec`` (the buckets' index keys).
"""

from __future__ import annotations

import datetime

import pytest
from bson.int64 import Int64
from bson.decimal128 import Decimal128
from pymongo.errors import OperationFailure, WriteError

T0 = datetime.datetime(2021, 5, 18, 0, 0, 30)


def _weather(db, **options):
    db.create_collection("weather", timeseries={"timeField": "time", "metaField": "meta",
                                                **options})
    return db.weather, db["system.buckets.weather"]


def test_one_bucket_in_the_servers_shape(db):
    coll, buckets = _weather(db)
    coll.insert_many([{"_id": 1, "time": T0, "meta": {"sensor": 5, "kind": "t"}, "temp": 12},
                      {"_id": 2, "time": T0 + datetime.timedelta(minutes=5),
                       "meta": {"kind": "t", "sensor": 5}, "temp": 11, "wind": 3}])
    [bucket] = list(buckets.find())
    assert list(bucket) == ["_id", "control", "meta", "data"]
    rounded = datetime.datetime(2021, 5, 18, 0, 0)  # "seconds" rounds to the minute
    assert bucket["_id"].generation_time.replace(tzinfo=None) == rounded
    assert bucket["control"] == {
        "version": 1,
        "min": {"_id": 1, "time": rounded, "temp": 11, "wind": 3},
        "max": {"_id": 2, "time": T0 + datetime.timedelta(minutes=5), "temp": 12, "wind": 3}}
    assert bucket["meta"] == {"kind": "t", "sensor": 5}  # normalised: fields sorted
    assert list(bucket["meta"]) == ["kind", "sensor"]
    assert bucket["data"] == {
        "_id": {"0": 1, "1": 2},
        "time": {"0": T0, "1": T0 + datetime.timedelta(minutes=5)},
        "temp": {"0": 12, "1": 11},
        "wind": {"1": 3}}  # the first measurement has no wind: its index is left out


def test_each_meta_value_has_its_buckets_and_no_meta_no_field(db):
    coll, buckets = _weather(db)
    coll.insert_many([{"time": T0, "meta": "a"}, {"time": T0, "meta": "b"},
                      {"time": T0, "meta": "a"}, {"time": T0}])
    found = list(buckets.find({}, {"meta": 1, "n": {"$size": {"$objectToArray":
                                                               "$data.time"}}}))
    assert [(b.get("meta", "-"), b["n"]) for b in found] == [("a", 2), ("b", 1), ("-", 1)]


def test_a_bucket_spans_at_most_bucket_max_span_seconds(db):
    coll, buckets = _weather(db)  # seconds: one hour
    coll.insert_many([{"_id": i, "time": datetime.datetime(2020, 11, 13, 1 + 2 * i), "x": i}
                      for i in range(2)])
    assert buckets.count_documents({}) == 2
    assert [b["control"]["min"]["x"] for b in buckets.find()] == [0, 1]
    coll2 = db.create_collection("hourly", timeseries={"timeField": "time",
                                                       "granularity": "hours"})
    coll2.insert_many([{"time": datetime.datetime(2020, 11, 13, 1 + 2 * i)} for i in range(2)])
    [bucket] = list(db["system.buckets.hourly"].find())
    assert bucket["control"]["min"]["time"] == datetime.datetime(2020, 11, 13)  # day rounding


def test_a_bucket_holds_at_most_1000_measurements(db):
    coll, buckets = _weather(db)
    coll.insert_many([{"time": T0, "i": i} for i in range(1100)])
    sizes = [len(b["data"]["i"]) for b in buckets.find()]
    assert sizes == [1000, 100]


def test_an_earlier_measurement_opens_a_new_bucket(db):
    coll, buckets = _weather(db)
    coll.insert_many([{"time": T0 + datetime.timedelta(minutes=10)}, {"time": T0}])
    assert buckets.count_documents({}) == 2


def test_min_and_max_as_timeseries_min_max_js(db):
    coll, buckets = _weather(db)
    projection = {"control.min._id": 0, "control.max._id": 0, "control.min.time": 0,
                  "control.max.time": 0}

    def last(doc):
        coll.insert_one({"time": T0, **doc})
        bucket = list(buckets.find({}, projection))[-1]
        return bucket["control"]["min"], bucket["control"]["max"]

    assert last({"meta": 1}) == ({}, {})  # the metadata field is not considered
    db.weather.drop()
    coll, buckets = _weather(db)
    assert last({"a": {"x": 1, "y": 2}, "b": [1, 2]}) == \
        ({"a": {"x": 1, "y": 2}, "b": [1, 2]}, {"a": {"x": 1, "y": 2}, "b": [1, 2]})
    assert last({"a": {"x": 2, "y": 1}, "b": [2, 1]}) == \
        ({"a": {"x": 1, "y": 1}, "b": [1, 1]}, {"a": {"x": 2, "y": 2}, "b": [2, 2]})
    db.weather.drop()
    coll, buckets = _weather(db)
    # not both objects or both arrays: a schema change, a new bucket each time
    assert last({"a": 1}) == ({"a": 1}, {"a": 1})
    assert last({"a": {"b": 1}}) == ({"a": {"b": 1}}, {"a": {"b": 1}})
    assert last({"a": []}) == ({"a": []}, {"a": []})
    assert buckets.count_documents({}) == 3
    db.weather.drop()
    coll, buckets = _weather(db)
    assert last({"a": 1, "c": 1}) == ({"a": 1, "c": 1}, {"a": 1, "c": 1})
    assert last({"b": 2}) == ({"a": 1, "c": 1, "b": 2}, {"a": 1, "c": 1, "b": 2})
    assert last({"c": 3, "d": 3}) == ({"a": 1, "c": 1, "b": 2, "d": 3},
                                      {"a": 1, "c": 3, "b": 2, "d": 3})
    db.weather.drop()
    coll, buckets = _weather(db)
    assert last({"a": 1.5}) == ({"a": 1.5}, {"a": 1.5})
    assert last({"a": Int64(2)}) == ({"a": 1.5}, {"a": 2})
    assert last({"a": 1}) == ({"a": 1}, {"a": 2})
    assert last({"a": Decimal128("2.5")}) == ({"a": 1}, {"a": Decimal128("2.5")})


def test_queries_count_distinct_and_aggregate_read_the_buckets(db):
    coll, buckets = _weather(db)
    coll.insert_many([{"time": T0, "meta": m, "v": i} for i, m in enumerate("aab")])
    assert buckets.count_documents({"meta": "a"}) == 1
    assert buckets.estimated_document_count() == 2
    assert sorted(buckets.distinct("meta")) == ["a", "b"]
    assert [b["meta"] for b in buckets.find({"control.max.v": {"$gte": 2}})] == ["b"]
    counts = list(buckets.aggregate([{"$project": {"_id": 0, "meta": 1,
                                                   "n": {"$size": {"$objectToArray":
                                                                   "$data.v"}}}}]))
    assert counts == [{"meta": "a", "n": 2}, {"meta": "b", "n": 1}]
    # and another pipeline can look them up
    joined = list(coll.aggregate([{"$limit": 1}, {"$lookup": {
        "from": "system.buckets.weather", "pipeline": [], "as": "b"}},
        {"$project": {"_id": 0, "n": {"$size": "$b"}}}]))
    assert joined == [{"n": 2}]


def test_the_buckets_of_nothing_are_empty(db):
    assert list(db["system.buckets.nothing"].find()) == []
    assert db["system.buckets.nothing"].count_documents({}) == 0


def test_the_buckets_indexes(db):
    coll, buckets = _weather(db)
    coll.create_index([("time", -1)])
    coll.create_index([("meta.site", 1), ("temp", -1)])
    listed = list(buckets.list_indexes())
    keys = [(ix["name"], dict(ix["key"])) for ix in listed]
    assert keys == [("meta_1_time_1", {"meta": 1, "control.min.time": 1,
                                       "control.max.time": 1}),
                    ("time_-1", {"control.max.time": -1, "control.min.time": -1}),
                    ("meta.site_1_temp_-1", {"meta.site": 1, "control.max.temp": -1,
                                             "control.min.temp": -1})]
    assert [("originalSpec" in ix) for ix in listed] == [False, False, True]
    assert dict(listed[2]["originalSpec"]["key"]) == {"meta.site": 1, "temp": -1}


def test_writing_the_buckets_is_refused(db):
    coll, buckets = _weather(db)
    coll.insert_one({"time": T0})
    for write in (lambda: buckets.delete_many({}),
                  lambda: buckets.update_many({}, {"$set": {"x": 1}})):
        with pytest.raises(WriteError) as failed:
            write()
        assert failed.value.code == 238
    for write in (lambda: buckets.find_one_and_delete({}), lambda: buckets.insert_one({})):
        with pytest.raises(OperationFailure) as failed:
            write()
        assert failed.value.code == 238
    assert coll.count_documents({}) == 1
