"""The ``onPrimaryTransactionalWrite`` fail point (retryable-writes spec, SERVER-29606):
a retryable write's statement commits, then the connection is closed before the
reply (``closeConnection``, default true), or the statement fails uncommitted
(``failBeforeCommitExceptionCode``).  pymongo retries on the network error and the
server answers the retry without applying a committed statement twice.  Expected
outcomes are the retryable-writes spec tests' (insertOne.json, updateOne.json,
bulkWrite.json)."""

from __future__ import annotations

import pytest
from pymongo import InsertOne, UpdateOne
from pymongo.errors import AutoReconnect, OperationFailure


@pytest.fixture
def client(listened_client):
    listened_client.t.c.insert_many([{"_id": 1, "x": 11}, {"_id": 2, "x": 22}])
    return listened_client


def _arm(client, mode, **data):
    client.admin.command({"configureFailPoint": "onPrimaryTransactionalWrite", "mode": mode,
                          "data": data})
    client.listener.names.clear()


def test_a_write_committed_before_the_connection_closed_is_not_applied_again(client):
    _arm(client, {"times": 1})
    assert client.t.c.update_one({"_id": 1}, {"$inc": {"x": 1}}).modified_count == 1
    assert client.listener.names == ["update", "update"]  # the retry
    assert client.t.c.find_one({"_id": 1}) == {"_id": 1, "x": 12}


def test_a_write_failed_before_its_commit_is_applied_by_the_retry(client):
    _arm(client, {"times": 1}, failBeforeCommitExceptionCode=1)
    client.t.c.insert_one({"_id": 3, "x": 33})
    assert client.listener.names == ["insert", "insert"]
    assert client.t.c.count_documents({}) == 3


def test_a_write_never_committed_fails(client):
    _arm(client, {"times": 2}, failBeforeCommitExceptionCode=1)
    with pytest.raises(AutoReconnect):
        client.t.c.insert_one({"_id": 3, "x": 33})
    assert client.t.c.count_documents({}) == 2


def test_skip_counts_statements_and_committed_ones_are_reused(client):
    # bulkWrite.json "Second command is retried after its second statement fails"
    _arm(client, {"skip": 2})
    result = client.t.c.bulk_write([
        InsertOne({"_id": 3, "x": 33}),
        UpdateOne({"_id": 1}, {"$inc": {"x": 1}}),
        UpdateOne({"_id": 2}, {"$inc": {"x": 1}}),
    ])
    assert (result.inserted_count, result.matched_count, result.modified_count) == (1, 2, 2)
    assert client.listener.names == ["insert", "update", "update"]
    assert list(client.t.c.find()) == [{"_id": 1, "x": 12}, {"_id": 2, "x": 23},
                                        {"_id": 3, "x": 33}]


def test_without_closing_the_error_reaches_the_client(client):
    _arm(client, {"times": 1}, closeConnection=False, failBeforeCommitExceptionCode=8)
    with pytest.raises(OperationFailure) as caught:
        client.t.c.find_one_and_update({"_id": 1}, {"$inc": {"x": 1}})
    assert caught.value.code == 8
    assert "due to failpoint. The write must not be reflected." in str(caught.value)
    assert client.t.c.find_one({"_id": 1}) == {"_id": 1, "x": 11}


def test_it_fires_only_for_retryable_writes(client):
    _arm(client, "alwaysOn", failBeforeCommitExceptionCode=1)
    try:
        client.t.c.update_many({}, {"$inc": {"x": 1}})  # not retryable: no txnNumber
    finally:
        _arm(client, "off")
    assert client.t.c.find_one({"_id": 1}) == {"_id": 1, "x": 12}
