"""Command fields mim implements, and the ones it refuses rather than ignore.

A field the server's IDL declares but mim does not implement (server-internal:
sharding, resharding, replication, queryable encryption, mirrored reads) is
refused with 238 instead of running the command as if it were absent;
``noCursorTimeout``, ``ignoreUnknownIndexOptions`` and ``commitQuorum`` work as on
7.0 (``create_indexes.cpp``: "Standalones can't specify commitQuorum", and a
replica set's reply names the build's commit quorum).
"""

from __future__ import annotations

import time

import pytest
from pymongo.errors import OperationFailure

import mim
from mim.engine.ops import cursors as cursors_module


@pytest.fixture
def db():
    return mim.MongoClient(server=mim.Server()).test


@pytest.mark.parametrize("command, field", [
    ({"find": "c", "readOnce": True}, "readOnce"),
    ({"find": "c", "term": 1}, "term"),
    ({"aggregate": "c", "pipeline": [], "cursor": {}, "needsMerge": True}, "needsMerge"),
    ({"aggregate": "c", "pipeline": [], "cursor": {}, "fromMongos": True}, "fromMongos"),
    ({"insert": "c", "documents": [{}], "stmtIds": [0]}, "stmtIds"),
    ({"count": "c", "mirrored": True}, "mirrored"),
    ({"distinct": "c", "key": "a", "sampleId": 1}, "sampleId"),
    ({"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}],
      "returnOnStart": True}, "returnOnStart"),
])
def test_server_internal_fields_are_refused_not_ignored(db, command, field):
    with pytest.raises(OperationFailure) as failed:
        db.command(command)
    assert failed.value.code == 238
    assert f"'{field}'" in failed.value.details["errmsg"]
    assert db.list_collection_names() == []  # nothing was written


def test_fields_a_single_node_server_ignores_are_accepted(db):
    db.c.insert_one({"a": 1})
    reply = db.command({"find": "c", "oplogReplay": True, "allowPartialResults": True})
    assert reply["cursor"]["firstBatch"][0]["a"] == 1
    assert db.command({"count": "c", "fields": {"a": 1}})["n"] == 1


def test_no_cursor_timeout_keeps_an_idle_cursor(db, monkeypatch):
    db.c.insert_many([{"i": i} for i in range(10)])
    kept = db.c.find(no_cursor_timeout=True, batch_size=2)
    normal = db.c.find(batch_size=2)
    next(kept), next(normal)
    monkeypatch.setattr(cursors_module, "CURSOR_TIMEOUT_SECONDS", 0.05)
    time.sleep(0.1)  # both idle longer than the (shortened) cursor timeout
    next(db.c.find(batch_size=1))  # opening a cursor runs the expiry pass
    assert len(list(kept)) == 9
    with pytest.raises(OperationFailure) as failed:
        list(normal)
    assert failed.value.code == 43


def test_ignore_unknown_index_options(db):
    spec = {"key": {"a": 1}, "name": "a_1", "someUnknownOption": True}
    with pytest.raises(OperationFailure) as failed:
        db.command("createIndexes", "c", indexes=[spec])
    assert failed.value.code == 197
    db.command("createIndexes", "c", indexes=[spec], ignoreUnknownIndexOptions=True)
    assert db.c.index_information()["a_1"] == {"v": 2, "key": [("a", 1)]}


def test_commit_quorum_on_a_replica_set_and_a_standalone(db):
    reply = db.command("createIndexes", "c", indexes=[{"key": {"a": 1}, "name": "a_1"}])
    assert reply["commitQuorum"] == "votingMembers"
    reply = db.command("createIndexes", "c", indexes=[{"key": {"b": 1}, "name": "b_1"}],
                       commitQuorum="majority")
    assert reply["commitQuorum"] == "majority"
    again = db.command("createIndexes", "c", indexes=[{"key": {"b": 1}, "name": "b_1"}])
    assert "commitQuorum" not in again and again["note"] == "all indexes already exist"
    standalone = mim.MongoClient(server=mim.Server(standalone=True)).test
    reply = standalone.command("createIndexes", "c", indexes=[{"key": {"a": 1}, "name": "a_1"}])
    assert "commitQuorum" not in reply
    with pytest.raises(OperationFailure) as failed:
        standalone.command("createIndexes", "c", indexes=[{"key": {"b": 1}, "name": "b_1"}],
                           commitQuorum="majority")
    assert (failed.value.code, failed.value.details["errmsg"]) == \
        (2, "Standalones can't specify commitQuorum")
