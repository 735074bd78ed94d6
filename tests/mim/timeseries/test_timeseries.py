"""Time-series collections, as MongoDB 7.0 answers them (both faces).

Expected values come from the manual's time-series pages and the server's
own tests (``jstests/core/timeseries/timeseries_create_collection.js``:
which option combinations are refused and with which code) and sources
(``create_command.cpp``, ``timeseries_options.cpp``, ``timeseries_update``:
the messages).
"""

from __future__ import annotations

import datetime

import pytest
from pymongo.errors import OperationFailure, WriteError


UTC = datetime.timezone.utc
T0 = datetime.datetime(2021, 5, 18, 0, 0, tzinfo=UTC)
INVALID_OPTIONS, TYPE_MISMATCH, UNKNOWN_FIELD, NAMESPACE_EXISTS = 72, 14, 40415, 48


def _create(db, name="weather", **options):
    return db.command("create", name, **options)


def _infos(db):
    return {info["name"]: info for info in db.list_collections()}


def test_a_time_series_collection_is_listed_with_its_buckets(db):
    _create(db, timeseries={"timeField": "timestamp", "metaField": "metadata",
                            "granularity": "hours"})
    infos = _infos(db)
    assert infos["weather"]["type"] == "timeseries"
    assert infos["weather"]["options"] == {"timeseries": {
        "timeField": "timestamp", "metaField": "metadata", "granularity": "hours",
        "bucketMaxSpanSeconds": 60 * 60 * 24 * 30}}
    assert infos["system.buckets.weather"]["type"] == "collection"
    assert infos["system.buckets.weather"]["options"]["clusteredIndex"] is True


def test_defaults_the_server_fills_in(db):
    _create(db, timeseries={"timeField": "t"})
    assert db.weather.options() == {"timeseries": {"timeField": "t", "granularity": "seconds",
                                                   "bucketMaxSpanSeconds": 3600}}


def test_custom_bucketing_parameters(db):
    _create(db, timeseries={"timeField": "t", "bucketMaxSpanSeconds": 600,
                            "bucketRoundingSeconds": 600})
    settings = db.weather.options()["timeseries"]
    assert settings["bucketMaxSpanSeconds"] == settings["bucketRoundingSeconds"] == 600
    assert "granularity" not in settings


def test_creation_is_idempotent_for_identical_options(db):
    spec = {"timeField": "time", "metaField": "meta", "granularity": "minutes"}
    _create(db, timeseries=spec)
    assert _create(db, timeseries=spec)["ok"] == 1
    with pytest.raises(OperationFailure) as failed:
        _create(db, timeseries={"timeField": "time"})
    assert failed.value.code == NAMESPACE_EXISTS


@pytest.mark.parametrize("timeseries, code", [
    ("", TYPE_MISMATCH),
    ({"timeField": 100}, TYPE_MISMATCH),
    ({"timeField": "time", "metaField": 100}, TYPE_MISMATCH),
    ({"timeField": "time", "invalidOption": {}}, UNKNOWN_FIELD),
    ({"timeField": "sub.time"}, INVALID_OPTIONS),
    ({"timeField": "time", "metaField": "sub.meta"}, INVALID_OPTIONS),
    ({"timeField": "time", "metaField": "time"}, INVALID_OPTIONS),
    ({"timeField": "time", "metaField": "_id"}, INVALID_OPTIONS),
    ({"timeField": "time", "metaField": "meta", "bucketMaxSpanSeconds": 10}, INVALID_OPTIONS),
    ({"timeField": "time", "metaField": "meta", "granularity": "minutes",
      "bucketMaxSpanSeconds": 3600}, INVALID_OPTIONS),
    ({"timeField": "time", "bucketMaxSpanSeconds": 100, "bucketRoundingSeconds": 50},
     INVALID_OPTIONS),
])
def test_invalid_timeseries_options(db, timeseries, code):
    with pytest.raises(OperationFailure) as failed:
        _create(db, timeseries=timeseries)
    assert failed.value.code == code
    assert "weather" not in db.list_collection_names()


def test_the_messages_are_the_servers(db):
    with pytest.raises(OperationFailure, match=r"^test\.weather: 'timeField' must be a "
                                               r"top-level field and not contain a '\.'"):
        _create(db, timeseries={"timeField": "a.b"})
    with pytest.raises(OperationFailure, match="'metaField' cannot be the same as 'timeField'"):
        _create(db, timeseries={"timeField": "t", "metaField": "t"})
    with pytest.raises(OperationFailure, match="not configurable to a value other than the "
                                               "default of 86400 for the provided granularity"):
        _create(db, timeseries={"timeField": "t", "granularity": "minutes",
                                "bucketMaxSpanSeconds": 3600})


@pytest.mark.parametrize("options", [
    {"capped": True, "size": 100}, {"capped": True, "max": 100}, {"autoIndexId": True},
    {"idIndex": {"key": {"_id": 1}, "name": "_id_"}}, {"validator": {}},
    {"validationLevel": "off"}, {"validationAction": "warn"}, {"clusteredIndex": True},
])
def test_options_not_allowed_with_timeseries(db, options):
    with pytest.raises(OperationFailure) as failed:
        _create(db, timeseries={"timeField": "time"}, **options)
    assert failed.value.code == INVALID_OPTIONS
    assert f"test.weather: 'timeseries' is not allowed with '{next(iter(options))}'" in \
        str(failed.value)


@pytest.mark.parametrize("expire, code", [(-10, INVALID_OPTIONS), ("", TYPE_MISMATCH)])
def test_expire_after_seconds_is_checked(db, expire, code):
    with pytest.raises(OperationFailure) as failed:
        _create(db, timeseries={"timeField": "time"}, expireAfterSeconds=expire)
    assert failed.value.code == code


def test_a_measurement_needs_a_date_in_the_time_field(db):
    _create(db, timeseries={"timeField": "timestamp"})
    for bad in ({"temp": 1}, {"timestamp": "2021-05-18", "temp": 1}, {"timestamp": 1621296000}):
        with pytest.raises(WriteError) as failed:
            db.weather.insert_one(bad)
        assert failed.value.code == 2
        assert failed.value.details["errmsg"] == \
            "'timestamp' must be present and contain a valid BSON UTC datetime value"
    assert db.weather.count_documents({}) == 0


def _readings(db):
    _create(db, timeseries={"timeField": "timestamp", "metaField": "metadata",
                            "granularity": "hours"})
    db.weather.insert_many([
        {"metadata": {"sensorId": 5578, "type": "temperature"},
         "timestamp": T0 + datetime.timedelta(hours=h), "temp": 12 + h} for h in range(4)
    ] + [{"metadata": {"sensorId": 5579, "type": "temperature"},
          "timestamp": T0, "temp": 20}])


def test_measurements_are_queried_and_aggregated_like_documents(db):
    _readings(db)
    assert db.weather.count_documents({"metadata.sensorId": 5578}) == 4
    assert [d["temp"] for d in db.weather.find({"temp": {"$gte": 14}}).sort("temp", 1)] == \
        [14, 15, 20]
    found = db.weather.find_one({"metadata.sensorId": 5579})
    assert isinstance(found["_id"], type(db.weather.find_one()["_id"]))  # an ObjectId is made
    averages = list(db.weather.aggregate([
        {"$group": {"_id": "$metadata.sensorId", "avg": {"$avg": "$temp"}}},
        {"$sort": {"_id": 1}}]))
    assert averages == [{"_id": 5578, "avg": 13.5}, {"_id": 5579, "avg": 20.0}]


def test_the_meta_and_time_index_and_no_id_index(db):
    _readings(db)
    indexes = list(db.weather.list_indexes())
    assert [(ix["name"], dict(ix["key"])) for ix in indexes] == \
        [("metadata_1_timestamp_1", {"metadata": 1, "timestamp": 1})]
    _create(db, "plain", timeseries={"timeField": "t"})
    assert list(db.plain.list_indexes()) == []


def test_updates_follow_the_70_rules(db):
    _readings(db)
    cases = [
        (lambda: db.weather.update_one({"metadata.sensorId": 5578},
                                       {"$set": {"metadata.type": "t"}}),
         "Cannot perform a non-multi update on a time-series collection"),
        (lambda: db.weather.update_many({"metadata.sensorId": 5578},
                                        {"$set": {"metadata.type": "t"}}, upsert=True),
         "Cannot perform an upsert on a time-series collection"),
        (lambda: db.weather.update_many({"temp": 12}, {"$set": {"metadata.type": "t"}}),
         "Cannot perform an update or delete on a time-series collection when querying on a "
         "field that is not the metaField 'metadata'"),
        (lambda: db.weather.update_many({"metadata.sensorId": 5578}, {"$set": {"temp": 0}}),
         "Cannot perform an update on a time-series collection which updates a field that is "
         "not the metaField 'metadata'"),
        (lambda: db.weather.update_many({"$expr": {"$eq": ["$temp", 12]}},
                                        {"$set": {"metadata.type": "t"}}),
         "Cannot use $expr when performing an update or delete on a time-series collection"),
        (lambda: db.weather.update_many({"metadata.sensorId": 5578},
                                        [{"$set": {"metadata.type": "t"}}]),
         "Cannot perform an update on a time-series collection using a pipeline update"),
    ]
    for run, message in cases:
        with pytest.raises(WriteError) as failed:
            run()
        assert (failed.value.code, failed.value.details["errmsg"]) == (INVALID_OPTIONS, message)
    result = db.weather.update_many({"metadata.sensorId": 5578},
                                    {"$set": {"metadata.type": "temp"}})
    assert result.modified_count == 4
    assert db.weather.count_documents({"metadata.type": "temp"}) == 4


def test_updates_need_a_meta_field(db):
    _create(db, timeseries={"timeField": "t"})
    db.weather.insert_one({"t": T0, "v": 1})
    with pytest.raises(WriteError, match="does not have a metaField"):
        db.weather.update_many({}, {"$set": {"v": 2}})


def test_deletes_take_any_filter_in_70(db):
    _readings(db)
    assert db.weather.delete_many({"temp": {"$lt": 14}}).deleted_count == 2
    assert db.weather.delete_one({"metadata.sensorId": 5579}).deleted_count == 1
    assert db.weather.count_documents({}) == 2


def test_expire_after_seconds_removes_old_measurements(engine, db):
    _create(db, timeseries={"timeField": "t"}, expireAfterSeconds=3600)
    now = datetime.datetime.now(UTC)
    db.weather.insert_many([{"t": now - datetime.timedelta(hours=2), "v": "old"},
                            {"t": now, "v": "new"}])
    engine.expire_ttl()
    assert [d["v"] for d in db.weather.find()] == ["new"]
    assert db.weather.options()["expireAfterSeconds"] == 3600


# reading system.buckets.<name> directly: test_buckets.py


def test_expire_after_seconds_alone_needs_timeseries_or_clustered(db):
    with pytest.raises(OperationFailure) as failed:
        _create(db, "plain", expireAfterSeconds=10)
    assert failed.value.code == INVALID_OPTIONS
    assert "'expireAfterSeconds' is only supported on time-series collections or when the " \
           "'clusteredIndex' option is specified" in str(failed.value)

# $out and $merge with time-series collections: test_outputs.py
