"""Write and read concerns on the one-node replica set and on a standalone, both
faces.  Expected answers are the server's (``write_concern_options.cpp``,
``write_concern_idl.cpp``, ``awaitReplication``): a one-node set applies the write,
then reports ``w > 1`` as UnsatisfiableWriteConcern (100); a standalone refuses
``w > 1`` before writing (BadValue, 2)."""

from __future__ import annotations

import pymongo
import pytest
from pymongo.errors import OperationFailure, WriteConcernError
from pymongo.write_concern import WriteConcern

import mim


def test_w_1_majority_j_and_wtimeout_are_met(client):
    for concern in (WriteConcern(w=1), WriteConcern(w="majority"), WriteConcern(j=True),
                    WriteConcern(w="majority", wtimeout=100, j=True), WriteConcern(w=0)):
        coll = client.t.get_collection("c", write_concern=concern)
        coll.insert_one({"w": str(concern.document)})
    assert client.t.c.count_documents({}) == 5


def test_w_above_the_member_count_is_applied_then_reported(client):
    coll = client.t.get_collection("c", write_concern=WriteConcern(w=2))
    with pytest.raises(WriteConcernError) as info:
        coll.insert_one({"_id": 1})
    assert info.value.code == 100
    assert info.value.details == {
        "code": 100, "codeName": "UnsatisfiableWriteConcern",
        "errmsg": "Not enough data-bearing nodes",
        "errInfo": {"writeConcern": {"w": 2, "wtimeout": 0, "provenance": "clientSupplied"}}}
    assert client.t.c.find_one() == {"_id": 1}  # the write was applied first


def test_an_unknown_mode_names_no_tag_set(client):
    reply = client.t.command("insert", "c", documents=[{"_id": 1}],
                             writeConcern={"w": "dataCenters"})
    assert reply["n"] == 1
    assert reply["writeConcernError"]["code"] == 79
    assert reply["writeConcernError"]["errmsg"] == \
        "No write concern mode named 'dataCenters' found in replica set configuration"


@pytest.mark.parametrize("concern, code, message", [
    ({"w": 51}, 9, "w has to be a non-negative number and not greater than 50; found: 51"),
    ({"w": -1}, 9, "w has to be a non-negative number and not greater than 50; found: -1"),
    ({"w": 1.5, "x": 1}, 40415, "BSON field 'writeConcern.x' is an unknown field."),
    ({"w": True}, 9, "w has to be a number, string, or object; found: bool"),
    ({"j": True, "fsync": True}, 9, "fsync and j options cannot be used together"),
])
def test_a_malformed_write_concern_fails_before_writing(client, concern, code, message):
    with pytest.raises(OperationFailure) as info:
        client.t.command("insert", "c", documents=[{"_id": 1}], writeConcern=concern)
    assert (info.value.code, info.value.details["errmsg"]) == (code, message)
    assert client.t.c.find_one() is None


def test_a_standalone_refuses_w_above_one_before_writing():
    engine = mim.Server(standalone=True)
    in_process = mim.MongoClient(server=engine)
    with mim.serve(port=0, engine=engine) as server, pymongo.MongoClient(server.uri) as wire:
        for client in (in_process, wire):
            coll = client.t.get_collection("c", write_concern=WriteConcern(w=2))
            with pytest.raises(OperationFailure) as info:
                coll.insert_one({"_id": 1})
            assert (info.value.code, info.value.details["errmsg"]) == \
                (2, "cannot use 'w' > 1 when a host is not replicated")
            assert client.t.c.find_one() is None
        with pytest.raises(OperationFailure) as info:
            wire.t.command("insert", "c", documents=[{}], writeConcern={"w": "tag"})
        assert info.value.details["errmsg"] == \
            "cannot use non-majority 'w' mode tag when a host is not a member of a replica set"


@pytest.mark.parametrize("level", ["local", "majority", "available", "linearizable",
                                   "snapshot"])
def test_read_concern_levels_are_accepted(client, level):
    client.t.c.insert_one({"_id": 1})
    reply = client.t.command("find", "c", readConcern={"level": level})
    assert reply["cursor"]["firstBatch"] == [{"_id": 1}]


@pytest.mark.parametrize("concern, code, message", [
    ({"level": "strong"}, 2,
     "Enumeration value 'strong' for field 'readConcern.level' is not a valid value."),
    ({"level": 1}, 14,
     "BSON field 'readConcern.level' is the wrong type 'int', expected type 'string'"),
    ({"levels": "local"}, 40415, "BSON field 'readConcern.levels' is an unknown field."),
])
def test_a_bad_read_concern_is_refused(client, concern, code, message):
    with pytest.raises(OperationFailure) as info:
        client.t.command("find", "c", readConcern=concern)
    assert (info.value.code, info.value.details["errmsg"]) == (code, message)
