"""Measurements that share an ``_id`` (both faces).

A 7.0 time-series collection is a view of buckets with no ``_id`` index, so
the server stores two measurements with one ``_id`` and returns both
(``collection-management/timeseries-collection.json``, "insertMany with
duplicate ids"); every read and write sees them as two documents.  Writes
inside a transaction are refused as the server refuses them
(``write_ops_exec.cpp``, ``jstests/core/txns/timeseries_insert_in_txn.js``,
``timeseries_delete_update_in_txn.js``: OperationNotSupportedInTransaction),
and a change stream cannot be opened on one (a view: CommandNotSupportedOnView).
"""

from __future__ import annotations

import datetime

import pymongo
import pytest
from pymongo.errors import OperationFailure

UTC = datetime.timezone.utc
T0 = datetime.datetime(2019, 3, 18, 22, 53, 50, tzinfo=UTC)


def _twins(db, name="ts"):
    db.create_collection(name, timeseries={"timeField": "t", "metaField": "m"})
    db[name].insert_many([{"_id": 1, "t": T0, "m": "a", "v": 1},
                          {"_id": 1, "t": T0 + datetime.timedelta(seconds=1), "m": "b", "v": 2},
                          {"_id": 2, "t": T0, "m": "a", "v": 3}])
    return db[name]


def _strip(docs):
    return [(d["_id"], d["v"]) for d in docs]


def test_two_measurements_with_one_id_are_both_kept(db):
    coll = _twins(db)
    assert _strip(coll.find({}, sort=[("t", 1), ("v", 1)])) == [(1, 1), (2, 3), (1, 2)]
    assert _strip(coll.find({"_id": 1}).sort("v", 1)) == [(1, 1), (1, 2)]
    assert _strip(coll.find({"_id": {"$in": [1, 2]}}).sort("v", -1)) == [(2, 3), (1, 2), (1, 1)]
    assert coll.count_documents({"_id": 1}) == 2
    assert coll.estimated_document_count() == 3


def test_aggregation_sees_both(db):
    coll = _twins(db)
    grouped = list(coll.aggregate([{"$group": {"_id": "$_id", "n": {"$sum": 1}}},
                                   {"$sort": {"_id": 1}}]))
    assert grouped == [{"_id": 1, "n": 2}, {"_id": 2, "n": 1}]


def test_updates_and_deletes_reach_each_measurement(db):
    coll = _twins(db)
    assert coll.update_many({"m": "b"}, {"$set": {"m": "c"}}).modified_count == 1
    assert sorted((d["_id"], d["m"]) for d in coll.find({"_id": 1})) == [(1, "a"), (1, "c")]
    assert coll.delete_one({"_id": 1}).deleted_count == 1
    assert coll.count_documents({"_id": 1}) == 1
    assert coll.delete_many({"_id": 1}).deleted_count == 1
    assert _strip(coll.find()) == [(2, 3)]


def test_a_secondary_index_serves_both(db):
    coll = _twins(db)
    coll.create_index("v")
    assert _strip(coll.find({"v": {"$gte": 1}}).hint("v_1")) == [(1, 1), (1, 2), (2, 3)]
    coll.delete_many({"v": 2})
    assert _strip(coll.find({"v": {"$gte": 1}}).hint("v_1")) == [(1, 1), (2, 3)]


def test_there_is_no_id_index_to_hint(db):
    coll = _twins(db)
    with pytest.raises(OperationFailure) as failed:
        list(coll.find({"_id": 1}).hint([("_id", 1)]))
    assert failed.value.code == 2
    assert "hint provided does not correspond to an existing index" in str(failed.value)


def test_unique_text_and_sparse_measurement_indexes_are_refused(db):
    coll = _twins(db)
    cases = [(pymongo.IndexModel("v", unique=True),
              "Unique indexes are not supported on time-series collections"),
             (pymongo.IndexModel([("v", "text")]),
              "Text indexes are not supported on time-series collections"),
             (pymongo.IndexModel("v", sparse=True),
              "Sparse indexes are not supported on time-series measurements")]
    for model, message in cases:
        with pytest.raises(OperationFailure) as failed:
            coll.create_indexes([model])
        assert (failed.value.code, failed.value.details["errmsg"]) == (72, message)
    coll.create_indexes([pymongo.IndexModel("m", sparse=True)])  # the metaField may be sparse


def test_no_change_stream_on_a_time_series_collection(db):
    coll = _twins(db)
    with pytest.raises(OperationFailure) as failed:
        coll.watch()
    assert failed.value.code == 166
    assert failed.value.details["errmsg"] == "Namespace test.ts is a view, not a collection"


def test_writes_in_a_transaction_are_refused(client, db):
    coll = _twins(db)
    cases = [
        (lambda s: coll.insert_one({"t": T0}, session=s),
         "Cannot insert into a time-series collection in a multi-document transaction: test.ts"),
        (lambda s: coll.update_many({"m": "a"}, {"$set": {"m": "z"}}, session=s),
         "Cannot perform a multi update inside of a multi-document transaction on a "
         "time-series collection: test.ts"),
        (lambda s: coll.delete_many({"m": "a"}, session=s),
         "Cannot perform a multi delete inside of a multi-document transaction on a "
         "time-series collection: test.ts"),
    ]
    for run, message in cases:
        with client.start_session() as session:
            session.start_transaction()
            with pytest.raises(OperationFailure) as failed:
                run(session)
            assert (failed.value.code, failed.value.details["errmsg"]) == (263, message)
    with client.start_session() as session, session.start_transaction():
        assert coll.count_documents({"_id": 1}, session=session) == 2  # reads are allowed
    assert coll.count_documents({}) == 3


def test_an_object_meta_is_normalised_as_the_server_stores_it(db):
    # src/mongo/db/timeseries/README.md, "Metadata Normalization": {c: 1, b: {f, d}} is
    # kept as {b: {d, f}, c: 1}, so an exact object match in the original order misses
    db.create_collection("ts", timeseries={"timeField": "t", "metaField": "m"})
    db.ts.insert_one({"t": T0, "m": {"c": 1, "b": {"f": True, "d": 0}}})
    found = db.ts.find_one({}, {"_id": 0})
    assert list(found["m"]) == ["b", "c"] and list(found["m"]["b"]) == ["d", "f"]
    assert db.ts.count_documents({"m": {"c": 1, "b": {"f": True, "d": 0}}}) == 0
    assert db.ts.count_documents({"m.c": 1, "m.b.d": 0}) == 1
