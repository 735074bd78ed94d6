"""Snapshot reads outside transactions (``start_session(snapshot=True)``), on both
faces: the first read names a point in time (``atClusterTime``), every later read
of the session sees the data as it was then (the sessions specification's
snapshot reads; the server's ``readConcern: {level: "snapshot", atClusterTime}``)."""

from __future__ import annotations

import pytest
from bson import Timestamp
from pymongo.errors import OperationFailure


@pytest.fixture
def coll(client):
    client.t.c.insert_many([{"_id": 1, "x": 11}, {"_id": 2, "x": 11}])
    return client.t.c


def test_a_snapshot_sessions_reads_keep_its_first_reads_snapshot(client, coll):
    with client.start_session(snapshot=True) as session:
        assert coll.find_one({"_id": 1}, session=session) == {"_id": 1, "x": 11}
        coll.update_one({"_id": 1}, {"$inc": {"x": 1}})
        coll.insert_one({"_id": 3, "x": 33})
        assert list(coll.find({}, session=session)) == [{"_id": 1, "x": 11},
                                                       {"_id": 2, "x": 11}]
        assert coll.distinct("x", session=session) == [11]
        assert coll.count_documents({}, session=session) == 2
        assert list(coll.aggregate([{"$match": {"_id": 1}}], session=session)) == \
            [{"_id": 1, "x": 11}]
    assert coll.count_documents({}) == 3


def test_two_snapshot_sessions_read_at_their_own_times(client, coll):
    with client.start_session(snapshot=True) as first, \
            client.start_session(snapshot=True) as second:
        coll.find_one({}, session=first)
        coll.update_one({"_id": 1}, {"$set": {"x": 12}})
        coll.find_one({}, session=second)
        coll.update_one({"_id": 1}, {"$set": {"x": 13}})
        assert coll.find_one({"_id": 1}, session=first)["x"] == 11
        assert coll.find_one({"_id": 1}, session=second)["x"] == 12
        assert first._snapshot_time < second._snapshot_time


def test_the_reply_names_the_snapshots_cluster_time(client, coll):
    reply = client.t.command({"find": "c", "readConcern": {"level": "snapshot"}})
    at = reply["cursor"]["atClusterTime"]
    assert isinstance(at, Timestamp)
    coll.delete_many({})
    again = client.t.command({"find": "c", "readConcern": {"level": "snapshot",
                                                         "atClusterTime": at}})
    assert again["cursor"]["firstBatch"] == [{"_id": 1, "x": 11}, {"_id": 2, "x": 11}]
    assert again["cursor"]["atClusterTime"] == at
    distinct = client.t.command({"distinct": "c", "key": "x",
                                 "readConcern": {"level": "snapshot", "atClusterTime": at}})
    assert distinct["values"] == [11] and distinct["atClusterTime"] == at


def test_a_time_in_the_future_is_refused(client, coll):
    with pytest.raises(OperationFailure) as info:
        client.t.command({"find": "c", "readConcern": {
            "level": "snapshot", "atClusterTime": Timestamp(2 ** 31 - 1, 1)}})
    assert info.value.code == 72
    assert "value must not be greater than the current clusterTime" in str(info.value)


def test_a_time_the_server_no_longer_holds_is_too_old(client, coll):
    with pytest.raises(OperationFailure) as info:
        client.t.command({"find": "c", "readConcern": {"level": "snapshot",
                                                       "atClusterTime": Timestamp(1, 1)}})
    assert info.value.code == 239 and info.value.details["codeName"] == "SnapshotTooOld"


def test_a_sessions_times_advance_from_its_commands(client, coll):
    """Cluster-time gossip: a session's ``operation_time`` and ``cluster_time`` come
    from the replies of its commands; a write's operation time is a new optime."""
    with client.start_session() as session:
        assert session.operation_time is None and session.cluster_time is None
        coll.find_one({}, session=session)
        read_time = session.operation_time
        assert isinstance(read_time, Timestamp)
        assert isinstance(session.cluster_time["clusterTime"], Timestamp)
        coll.insert_one({"_id": 9}, session=session)
        assert session.operation_time > read_time
        assert session.cluster_time["clusterTime"] >= session.operation_time
