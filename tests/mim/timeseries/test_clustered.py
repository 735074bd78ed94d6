"""Clustered collections and collMod of TTL / time-series settings (both faces).

Expected codes and messages are the server's (``validateClusteredIndexSpec``,
``validateCollectionOptions``, the ``create`` command, ``parseCollModRequest``,
``isTimeseriesGranularityValidAndUnchanged``); the listCollections/listIndexes
shapes are the manual's (clustered collections page).
"""

from __future__ import annotations

import datetime

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure

UTC = datetime.timezone.utc
CLUSTERED = {"key": {"_id": 1}, "unique": True}


def _info(db, name):
    return next(info for info in db.list_collections() if info["name"] == name)


def test_a_clustered_collection_in_the_catalog(db):
    db.create_collection("stocks", clusteredIndex={**CLUSTERED, "name": "stocks clustered key"})
    info = _info(db, "stocks")
    assert info["options"] == {"clusteredIndex": {"v": 2, "key": {"_id": 1},
                                                  "name": "stocks clustered key",
                                                  "unique": True}}
    assert "idIndex" not in info
    indexes = [dict(ix) for ix in db.stocks.list_indexes()]
    assert indexes == [{"v": 2, "key": {"_id": 1}, "name": "stocks clustered key",
                        "unique": True, "clustered": True}]
    db.stocks.insert_one({"_id": 1})
    with pytest.raises(DuplicateKeyError):
        db.stocks.insert_one({"_id": 1})


@pytest.mark.parametrize("spec, code, message", [
    (True, 5979703, "The 'clusteredIndex' legacy format {clusteredIndex: <bool>} is only "
                    "supported for specific internal collections and vice versa"),
    ({"key": {"_id": 1}, "unique": False}, 5979700,
     "The clusteredIndex option requires unique: true to be specified"),
    ({"key": {"a": 1}, "unique": True}, 197,
     "The clusteredIndex option is only supported for key: {_id: 1}"),
    ({"key": {"_id": 1}}, 40414,
     "BSON field 'create.clusteredIndex.unique' is missing but a required field"),
    ({"key": {"_id": 1}, "unique": True, "bogus": 1}, 40415,
     "BSON field 'create.clusteredIndex.bogus' is an unknown field."),
])
def test_invalid_clustered_specs(db, spec, code, message):
    with pytest.raises(OperationFailure) as failed:
        db.command("create", "c", clusteredIndex=spec)
    assert failed.value.code == code
    assert failed.value.details["errmsg"] == message
    assert "c" not in db.list_collection_names()


@pytest.mark.parametrize("extra, code", [
    ({"size": 100}, 6049200), ({"max": 10}, 6049204),
    ({"capped": True}, 6049201),
    ({"idIndex": {"key": {"_id": 1}, "name": "_id_"}}, 72),
])
def test_options_that_conflict_with_clustering(db, extra, code):
    with pytest.raises(OperationFailure) as failed:
        db.command("create", "c", clusteredIndex=CLUSTERED, **extra)
    assert failed.value.code == code


def test_ttl_on_a_clustered_collection_expires_by_id_date(db, engine):
    db.command("create", "events", clusteredIndex=CLUSTERED, expireAfterSeconds=60)
    assert _info(db, "events")["options"]["expireAfterSeconds"] == 60
    now = datetime.datetime.now(UTC)
    db.events.insert_many([{"_id": now - datetime.timedelta(minutes=5), "v": "old"},
                           {"_id": now, "v": "new"}, {"_id": "not a date", "v": "kept"}])
    assert engine.expire_ttl() == 1
    assert sorted(d["v"] for d in db.events.find()) == ["kept", "new"]


def test_coll_mod_turns_clustered_ttl_on_and_off(db, engine):
    db.command("create", "events", clusteredIndex=CLUSTERED)
    db.command("collMod", "events", expireAfterSeconds=30)
    assert _info(db, "events")["options"]["expireAfterSeconds"] == 30
    db.command("collMod", "events", expireAfterSeconds="off")
    assert "expireAfterSeconds" not in _info(db, "events")["options"]
    db.events.insert_one({"_id": datetime.datetime(2000, 1, 1, tzinfo=UTC)})
    assert engine.expire_ttl() == 0


@pytest.mark.parametrize("value, code, message", [
    ("never", 72, "Invalid string value for the 'clusteredIndex::expireAfterSeconds' option. "
                  "Got: 'never'. Accepted value is 'off'"),
    (-1, 72, "TTL index 'expireAfterSeconds' option cannot be less than 0"),
])
def test_coll_mod_expire_after_seconds_values(db, value, code, message):
    db.command("create", "events", clusteredIndex=CLUSTERED)
    with pytest.raises(OperationFailure) as failed:
        db.command("collMod", "events", expireAfterSeconds=value)
    assert (failed.value.code, failed.value.details["errmsg"]) == (code, message)


def test_coll_mod_expire_after_seconds_needs_a_clustered_collection(db):
    db.create_collection("plain")
    with pytest.raises(OperationFailure) as failed:
        db.command("collMod", "plain", expireAfterSeconds=10)
    assert failed.value.details["errmsg"] == \
        "'expireAfterSeconds' option is only supported on collections clustered by _id"
    with pytest.raises(OperationFailure) as failed:
        db.command("collMod", "plain", timeseries={"granularity": "hours"})
    assert failed.value.details["errmsg"] == \
        "option only supported on a time-series collection: timeseries"


def test_coll_mod_of_time_series_granularity(db):
    db.command("create", "ts", timeseries={"timeField": "t"})
    db.command("collMod", "ts", timeseries={"granularity": "minutes"})
    assert db.ts.options()["timeseries"] == {"timeField": "t", "granularity": "minutes",
                                             "bucketMaxSpanSeconds": 86400}
    with pytest.raises(OperationFailure) as failed:
        db.command("collMod", "ts", timeseries={"granularity": "seconds"})
    assert failed.value.details["errmsg"] == (
        "Invalid transition for timeseries.granularity. Can only transition from 'seconds' to "
        "'minutes' or 'minutes' to 'hours'.")
    db.command("collMod", "ts", timeseries={"granularity": "hours"})
    assert db.ts.options()["timeseries"]["bucketMaxSpanSeconds"] == 60 * 60 * 24 * 30


def test_coll_mod_of_time_series_bucketing(db):
    db.command("create", "ts", timeseries={"timeField": "t", "bucketMaxSpanSeconds": 600,
                                           "bucketRoundingSeconds": 600})
    with pytest.raises(OperationFailure, match="need to be set alongside each other"):
        db.command("collMod", "ts", timeseries={"bucketMaxSpanSeconds": 900})
    with pytest.raises(OperationFailure, match="needs to be equal or greater to transition"):
        db.command("collMod", "ts", timeseries={"bucketMaxSpanSeconds": 300,
                                                "bucketRoundingSeconds": 300})
    db.command("collMod", "ts", timeseries={"bucketMaxSpanSeconds": 900,
                                            "bucketRoundingSeconds": 900})
    settings = db.ts.options()["timeseries"]
    assert (settings["bucketMaxSpanSeconds"], settings["bucketRoundingSeconds"]) == (900, 900)


def test_coll_mod_of_time_series_ttl_and_refused_options(db):
    db.command("create", "ts", timeseries={"timeField": "t"})
    db.command("collMod", "ts", expireAfterSeconds=3600)
    assert db.ts.options()["expireAfterSeconds"] == 3600
    with pytest.raises(OperationFailure) as failed:
        db.command("collMod", "ts", validator={"a": 1})
    assert failed.value.details["errmsg"] == \
        "option not supported on a time-series collection: validator"


def test_a_view_cannot_be_clustered(db):
    # createCollection: uassert 6026500 before the view is made
    with pytest.raises(OperationFailure) as caught:
        db.command({"create": "v", "viewOn": "source", "clusteredIndex": CLUSTERED})
    assert caught.value.code == 6026500
    assert caught.value.details["errmsg"] == ("The 'clusteredIndex' option is not supported "
                                              "with views")
    assert "v" not in db.list_collection_names()
