"""Retryable writes: a write sent again with the same ``lsid`` and ``txnNumber`` is
applied once and answered with the first result (the server's retryable-write
history), on both faces; pymongo's own retry over the wire relies on it."""

from __future__ import annotations

import bson
import pymongo
import pytest
from pymongo.errors import OperationFailure

import mim

LSID = {"id": bson.Binary(b"\x07" * 16, 4)}


def _twice(client, command):
    first = client.t.command(command)
    second = client.t.command(command)
    return first, second


def test_a_retried_insert_is_applied_once(client):
    command = {"insert": "c", "documents": [{"_id": 1}], "lsid": LSID,
               "txnNumber": bson.Int64(1)}
    first, second = _twice(client, command)
    assert first["n"] == second["n"] == 1 and "writeErrors" not in second
    assert list(client.t.c.find()) == [{"_id": 1}]


def test_a_retried_update_answers_the_first_result(client):
    client.t.c.insert_one({"_id": 1, "n": 0})
    command = {"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$inc": {"n": 1}}}],
               "lsid": LSID, "txnNumber": bson.Int64(2)}
    first, second = _twice(client, command)
    assert first["nModified"] == second["nModified"] == 1
    assert client.t.c.find_one() == {"_id": 1, "n": 1}


def test_a_retried_find_and_modify_answers_the_first_document(client):
    client.t.c.insert_one({"_id": 1, "n": 0})
    command = {"findAndModify": "c", "query": {"_id": 1}, "update": {"$inc": {"n": 1}},
               "new": True, "lsid": LSID, "txnNumber": bson.Int64(3)}
    first, second = _twice(client, command)
    assert first["value"] == second["value"] == {"_id": 1, "n": 1}
    assert client.t.c.find_one() == {"_id": 1, "n": 1}


def test_a_new_txn_number_is_a_new_write_and_an_older_one_is_too_old(client):
    for number in (4, 5):
        client.t.command({"insert": "c", "documents": [{"n": number}], "lsid": LSID,
                          "txnNumber": bson.Int64(number)})
    assert client.t.c.count_documents({}) == 2
    with pytest.raises(OperationFailure) as info:
        client.t.command({"insert": "c", "documents": [{}], "lsid": LSID,
                          "txnNumber": bson.Int64(4)})
    assert info.value.code == 225


def test_pymongo_retries_a_write_once_over_the_wire():
    """A write concern error with a retryable code makes pymongo send the insert
    again with the same txnNumber: the document is stored once."""
    engine = mim.Server()
    with mim.serve(port=0, engine=engine) as server, \
            pymongo.MongoClient(server.uri, retryWrites=True) as client:
        client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                             data={"failCommands": ["insert"], "writeConcernError": {
                                 "code": 91, "errmsg": "Replication is being shut down"},
                                   "errorLabels": ["RetryableWriteError"]})
        try:
            client.t.c.insert_one({"_id": 1})
        finally:
            client.admin.command("configureFailPoint", "failCommand", mode="off")
        assert list(client.t.c.find()) == [{"_id": 1}]
