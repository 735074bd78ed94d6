"""``$out``, ``$merge`` and ``findAndModify`` with time-series collections, as 7.0
answers them (both faces).

Expected values: the manual's time-series limitations ("Changed in version 7.0.3:
You can use the $out aggregation stage to write documents to a time series
collection"; "$merge cannot add data to a time series collection"; "$merge can
move data from a time series collection"), ``document_source_out.cpp``
(``validateTimeseries``: codes 7268700-7268703; the existing target keeps its
options), ``jstests/core/timeseries/timeseries_out.js`` and ``catalog_raii.cpp``
(a time-series view refuses the collection lock findAndModify takes, 166).
"""

from __future__ import annotations

import datetime

import pytest
from pymongo.errors import OperationFailure

UTC = datetime.timezone.utc
T0 = datetime.datetime(2021, 5, 18, tzinfo=UTC)


def _source(db):
    db.source.insert_many([{"_id": i, "time": T0 + datetime.timedelta(minutes=i),
                            "tags": {"host": i % 2}, "v": i} for i in range(4)])
    return db.source


def _spec(**timeseries):
    return {"db": "test", "coll": "out", "timeseries": timeseries}


def _failure(run):
    with pytest.raises(OperationFailure) as failed:
        run()
    return failed.value.code, failed.value.details["errmsg"]


def test_out_creates_a_time_series_collection(db):
    source = _source(db)
    source.aggregate([{"$out": _spec(timeField="time", metaField="tags")}])
    info = next(db.list_collections(filter={"name": "out"}))
    assert info["type"] == "timeseries"
    assert info["options"]["timeseries"] == {
        "timeField": "time", "metaField": "tags", "granularity": "seconds",
        "bucketMaxSpanSeconds": 3600}
    assert sorted(d["v"] for d in db.out.find()) == [0, 1, 2, 3]
    assert [ix["name"] for ix in db.out.list_indexes()] == ["tags_1_time_1"]


def test_out_with_bucketing_options(db):
    _source(db).aggregate([{"$out": _spec(timeField="time", bucketMaxSpanSeconds=100,
                                          bucketRoundingSeconds=100)}])
    assert db.out.options()["timeseries"] == {"timeField": "time", "bucketRoundingSeconds": 100,
                                              "bucketMaxSpanSeconds": 100}


def test_out_replaces_a_time_series_collection_keeping_its_options(db):
    source = _source(db)
    source.aggregate([{"$out": _spec(timeField="time", metaField="tags")}])
    db.command("collMod", "out", expireAfterSeconds=360)
    db.out.create_index("v")
    later = datetime.datetime(2099, 9, 30, 3, 24, tzinfo=UTC)
    source.aggregate([{"$set": {"time": later}}, {"$out": _spec(timeField="time")}])
    assert db.out.count_documents({"time": later}) == 4
    assert db.out.count_documents({}) == 4
    options = db.out.options()
    assert options["expireAfterSeconds"] == 360
    assert options["timeseries"]["metaField"] == "tags"
    assert "v_1" in db.out.index_information()
    # a plain $out into it replaces the measurements too, the collection stays time-series
    source.aggregate([{"$match": {"v": {"$lt": 2}}}, {"$out": "out"}])
    assert db.out.count_documents({}) == 2
    assert next(db.list_collections(filter={"name": "out"}))["type"] == "timeseries"


def test_out_measurements_may_share_an_id(db):
    db.twins.insert_many([{"_id": 1, "time": T0, "k": "a"}, {"_id": 2, "time": T0, "k": "b"}])
    db.twins.aggregate([{"$set": {"_id": 7}}, {"$out": _spec(timeField="time")}])
    assert sorted(d["k"] for d in db.out.find({"_id": 7})) == ["a", "b"]


def test_out_timeseries_errors_are_the_servers(db):
    source = _source(db)
    source.aggregate([{"$out": _spec(timeField="time", metaField="tags")}])
    db.create_collection("view_out", viewOn="source", pipeline=[])
    cases = [
        ({"db": "test", "coll": "source", "timeseries": {"timeField": "time"}},
         (7268700, "Cannot create a time-series collection from a non time-series collection.")),
        (_spec(timeField="v"),
         (7268701, "Time field inputted does not match the time field of the existing "
                   "time-series collection.")),
        (_spec(timeField="time", metaField="v"),
         (7268702, "Meta field inputted does not match the time field of the existing "
                   "time-series collection.")),
        ({"db": "test", "coll": "view_out", "timeseries": {"timeField": "time"}},
         (7268703, "Cannot create a time-series collection from a non time-series view.")),
        ({"db": "test", "coll": "new", "timeseries": {"timeField": "time", "invalid": 1}},
         (40415, "BSON field '$out.timeseries.invalid' is an unknown field.")),
        ({"db": "test", "coll": "new", "timeseries": "time"},
         (14, "BSON field '$out.timeseries' is the wrong type 'string', expected type "
              "'object'")),
        ({"db": "test", "coll": "new", "timeseries": {"timeField": "time", "metaField": "time"}},
         (72, "'metaField' cannot be the same as 'timeField'")),
    ]
    for out, expected in cases:
        assert _failure(lambda: list(source.aggregate([{"$out": out}]))) == expected
    assert "new" not in db.list_collection_names()
    assert db.out.count_documents({}) == 4 and db.source.count_documents({}) == 4


def test_out_of_a_measurement_without_a_date_leaves_nothing(db):
    source = _source(db)
    code, message = _failure(lambda: list(source.aggregate(
        [{"$unset": "time"}, {"$out": _spec(timeField="time")}])))
    assert (code, message) == (2, "'time' must be present and contain a valid BSON UTC "
                                  "datetime value")
    assert "out" not in db.list_collection_names()


def test_merge_from_a_time_series_collection_works(db):
    _source(db).aggregate([{"$out": _spec(timeField="time", metaField="tags")}])
    db.out.aggregate([{"$project": {"_id": "$v", "v": 1}}, {"$merge": "plain"}])
    assert sorted(d["_id"] for d in db.plain.find()) == [0, 1, 2, 3]


def test_merge_cannot_update_a_time_series_collection(db):
    source = _source(db)
    source.aggregate([{"$out": _spec(timeField="time", metaField="tags")}])
    for stage in ({"$merge": "out"},
                  {"$merge": {"into": "out", "whenMatched": "replace"}},
                  {"$merge": {"into": "out", "whenMatched": "keepExisting"}}):
        assert _failure(lambda: list(source.aggregate([stage]))) == \
            (72, "Cannot perform a non-multi update on a time-series collection")
    assert _failure(lambda: list(source.aggregate([{"$merge": {"into": "out", "on": "v"}}]))) \
        == (51183, "Cannot find index to verify that join fields will be unique")
    assert db.out.count_documents({}) == 4


def test_merge_inserts_measurements_when_it_only_inserts(db):
    source = _source(db)
    source.aggregate([{"$out": _spec(timeField="time", metaField="tags")}])
    source.aggregate([{"$merge": {"into": "out", "whenMatched": "fail",
                                  "whenNotMatched": "insert"}}])
    assert db.out.count_documents({}) == 8  # no _id index: the same _ids are new measurements
    assert db.out.count_documents({"_id": 0}) == 2


@pytest.mark.parametrize("call", ["find_one_and_delete", "find_one_and_update",
                                  "find_one_and_replace"])
def test_find_and_modify_is_refused_by_70(db, call):
    _source(db).aggregate([{"$out": _spec(timeField="time", metaField="tags")}])
    args = {"find_one_and_delete": ({"tags.host": 0},),
            "find_one_and_update": ({"tags.host": 0}, {"$set": {"tags.x": 1}}),
            "find_one_and_replace": ({"tags.host": 0}, {"time": T0})}[call]
    assert _failure(lambda: getattr(db.out, call)(*args)) == \
        (166, "Taking test.out lock for timeseries is not allowed")
    assert db.out.count_documents({}) == 4
