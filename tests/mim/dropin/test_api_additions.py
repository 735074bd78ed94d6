"""Small pymongo API pieces drop-in users call: Database.cursor_command,
MongoClient.bulk_write (refused clearly), MongoClient.append_metadata."""

from __future__ import annotations

import datetime

import pytest
from bson.codec_options import CodecOptions
from bson.son import SON
from pymongo.driver_info import DriverInfo
from pymongo.errors import InvalidOperation

import mim


@pytest.fixture
def client():
    return mim.MongoClient(server=mim.Server(), tz_aware=True)


def test_cursor_command_drains_every_batch(client):
    client.db.x.insert_many([{"i": i, "d": datetime.datetime(2024, 1, 1)} for i in range(250)])
    docs = list(client.db.cursor_command(SON([("find", "x"), ("batchSize", 7)])))
    assert [d["i"] for d in docs] == list(range(250))
    assert docs[0]["d"].tzinfo is not None  # the database's codec options by default


def test_cursor_command_with_filter_and_codec_options(client):
    client.db.x.insert_many([{"i": i} for i in range(10)])
    cursor = client.db.cursor_command("find", "x", filter={"i": {"$gte": 8}},
                                      codec_options=CodecOptions(document_class=SON))
    docs = list(cursor)
    assert [d["i"] for d in docs] == [8, 9]
    assert all(isinstance(d, SON) for d in docs)


def test_cursor_command_list_indexes(client):
    client.db.x.create_index("a")
    names = [ix["name"] for ix in client.db.cursor_command("listIndexes", "x")]
    assert names == ["_id_", "a_1"]


def test_cursor_command_needs_a_cursor_reply(client):
    with pytest.raises(InvalidOperation, match="does not return a cursor"):
        client.db.cursor_command("ping")


def test_client_bulk_write_validates_then_needs_mongodb_8(client):
    # pymongo checks the models client-side, then refuses a server older than 8.0
    from pymongo import InsertOne, ReplaceOne
    from pymongo.errors import InvalidOperation
    with pytest.raises(ValueError, match="replacement can not include \\$ operators"):
        client.bulk_write([ReplaceOne({"_id": 1}, {"$set": {"x": 1}}, namespace="db.c")])
    with pytest.raises(InvalidOperation, match="requires MongoDB server version 8.0"):
        client.bulk_write([InsertOne({"x": 1}, namespace="db.c")])
    with pytest.raises(InvalidOperation, match="No operations to execute"):
        client.bulk_write([])
    assert client.db.c.count_documents({}) == 0


def test_append_metadata_is_accepted(client):
    client.append_metadata(DriverInfo("somelib", "1.0"))
    assert client.admin.command("ping")["ok"] == 1.0


def test_append_metadata_brands_the_pool_metadata(client):
    """pymongo 4.14+ (PoolOptions._update_metadata): the appended name and version
    follow the driver's own, '|'-separated; a second append of the same pair is a no-op.
    Beanie's init_beanie brands the client so and its suite reads the brand back."""
    before = client.options.pool_options.metadata["driver"]
    client.append_metadata(DriverInfo("beanie", "2.1.0"))
    client.append_metadata(DriverInfo("beanie", "2.1.0"))
    after = client.options.pool_options.metadata["driver"]
    assert after["name"] == before["name"] + "|beanie"
    assert after["version"] == before["version"] + "|2.1.0"


def test_append_metadata_refuses_what_is_not_driver_info(client):
    with pytest.raises(TypeError, match="driver_info must be an instance of DriverInfo"):
        client.append_metadata({"name": "beanie"})
    assert "beanie" not in client.options.pool_options.metadata["driver"]["name"]
