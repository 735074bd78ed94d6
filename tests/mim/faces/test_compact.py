"""``compact`` as mongod 7.0 answers it (``compact.cpp``): refused on a replica set
primary unless ``force: true`` (20 IllegalOperation), 26 for a missing collection,
166 for a view, 73 for a non-string name; ``{bytesFreed, ok}`` otherwise."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure

import mim


def _fails(code: int, message: str, db, *args, **kwargs) -> None:
    with pytest.raises(OperationFailure) as raised:
        db.command(*args, **kwargs)
    assert raised.value.code == code
    assert raised.value.details["errmsg"] == message


def test_compact_on_the_primary_needs_force(client):
    db = client.facetest
    db.things.insert_one({"_id": 1})
    _fails(20, "will not run compact on an active replica set primary as this will slow "
               "down other running operations. use force:true to force",
           db, "compact", "things")
    reply = db.command("compact", "things", force=True)
    assert reply["ok"] == 1.0 and reply["bytesFreed"] == 0
    assert db.things.find_one() == {"_id": 1}


def test_compact_errors(client):
    db = client.facetest
    db.things.insert_one({"_id": 1})
    db.create_collection("view", viewOn="things")
    _fails(26, "collection does not exist", db, "compact", "nope", force=True)
    _fails(166, "can't compact a view", db, "compact", "view", force=True)
    _fails(73, "collection name has invalid type int", db, "compact", 1, force=True)


def test_compact_on_a_standalone_needs_no_force():
    client = mim.MongoClient(server=mim.Server(standalone=True))
    client.facetest.things.insert_one({"_id": 1})
    assert client.facetest.command("compact", "things")["bytesFreed"] == 0
