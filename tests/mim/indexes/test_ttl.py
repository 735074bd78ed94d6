"""TTL indexes: expired documents disappear, through the monitor or on demand."""

from __future__ import annotations

import datetime
import time

import pytest
from pymongo.errors import OperationFailure

import mim

UTC = datetime.timezone.utc


def _now():
    return datetime.datetime.now(UTC)


def test_expire_ttl_deletes_expired_documents(client, coll):
    coll.create_index("at", expireAfterSeconds=60)
    now = _now()
    coll.insert_many([
        {"_id": "old", "at": now - datetime.timedelta(seconds=120)},
        {"_id": "new", "at": now},
        {"_id": "array", "at": [now, now - datetime.timedelta(hours=1)]},  # earliest counts
        {"_id": "string", "at": "2000-01-01"},  # not a date: never expires
        {"_id": "missing"},
    ])
    assert client.server.expire_ttl() == 2
    assert sorted(d["_id"] for d in coll.find()) == ["missing", "new", "string"]
    assert client.server.expire_ttl(now + datetime.timedelta(seconds=61)) == 1
    assert sorted(d["_id"] for d in coll.find()) == ["missing", "string"]


def test_expire_after_zero_seconds(client, coll):
    coll.create_index("expireAt", expireAfterSeconds=0)
    coll.insert_one({"expireAt": _now() + datetime.timedelta(hours=1)})
    coll.insert_one({"expireAt": _now() - datetime.timedelta(seconds=1)})
    assert client.server.expire_ttl() == 1
    assert coll.count_documents({}) == 1


def test_partial_ttl_index_only_expires_matching_documents(client, coll):
    coll.create_index("at", expireAfterSeconds=1, partialFilterExpression={"temp": True})
    old = _now() - datetime.timedelta(days=1)
    coll.insert_many([{"_id": 1, "at": old, "temp": True}, {"_id": 2, "at": old}])
    client.server.expire_ttl()
    assert [d["_id"] for d in coll.find()] == [2]


def test_compound_index_refuses_expire_after_seconds(client, coll):
    # 7.0's createIndexes runs validateIndexSpecTTL: compound TTL is CannotCreateIndex
    with pytest.raises(OperationFailure) as info:
        coll.create_index([("at", 1), ("b", 1)], expireAfterSeconds=1)
    assert info.value.code == 67
    coll.insert_one({"at": _now() - datetime.timedelta(days=1), "b": 1})
    assert client.server.expire_ttl() == 0


def test_expiry_keeps_other_indexes_consistent(client, coll):
    coll.create_index("at", expireAfterSeconds=1)
    coll.create_index("k", unique=True)
    coll.insert_one({"k": 1, "at": _now() - datetime.timedelta(days=1)})
    client.server.expire_ttl()
    coll.insert_one({"k": 1, "at": _now()})  # the unique key was freed
    assert coll.count_documents({"k": 1}) == 1


def test_background_monitor_runs_at_the_configured_interval():
    server = mim.Server(ttl_interval=0.05)
    coll = mim.MongoClient(server=server).test.c
    coll.insert_one({"at": _now() - datetime.timedelta(days=1)})
    coll.create_index("at", expireAfterSeconds=10)
    deadline = time.monotonic() + 5
    while coll.count_documents({}) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert coll.count_documents({}) == 0


def test_default_interval_is_sixty_seconds():
    assert mim.Server().ttl_interval == 60
