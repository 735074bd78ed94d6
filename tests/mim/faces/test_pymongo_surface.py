"""mim's MongoClient, Database, Collection and Cursor have every public attribute
pymongo's have, of the same kind (property or method), and properties hold values
of pymongo's types (``options`` is pymongo's ``ClientOptions``)."""

from __future__ import annotations

import inspect

import pymongo
import pytest
from pymongo.client_options import ClientOptions
from pymongo.errors import OperationFailure
from pymongo.synchronous import collection, command_cursor, cursor, database

import mim
from mim.engine.storage.store import Server

PAIRS = [(pymongo.MongoClient, mim.MongoClient), (database.Database, mim.database.Database),
         (collection.Collection, mim.collection.Collection), (cursor.Cursor, mim.cursor.Cursor),
         (command_cursor.CommandCursor, mim.cursor.CommandCursor)]
#: a face's own classes stand in for pymongo's
EQUIVALENT = {pymongo.MongoClient: mim.MongoClient, database.Database: mim.database.Database,
              collection.Collection: mim.collection.Collection}


def kind(attribute) -> str:
    if isinstance(attribute, property):
        return "property"
    return "method" if callable(attribute) else type(attribute).__name__


@pytest.mark.parametrize("theirs, ours", PAIRS, ids=lambda c: c.__name__)
def test_every_public_attribute_exists_with_the_same_kind(theirs, ours):
    for name in dir(theirs):
        if name.startswith("_"):
            continue
        assert hasattr(ours, name), f"{ours.__name__}.{name} is missing"
        assert kind(inspect.getattr_static(ours, name)) == \
            kind(inspect.getattr_static(theirs, name)), f"{ours.__name__}.{name}"


def _instances(client):
    db = client.surface
    coll = db.c
    return {pymongo.MongoClient: client, database.Database: db, collection.Collection: coll,
            cursor.Cursor: coll.find()}


def test_property_values_have_pymongo_types():
    # the same connection options as server.uri's (directConnection=true)
    ours = _instances(mim.MongoClient(server=Server(), directConnection=True))
    with mim.serve(port=0) as server:
        client = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
        try:
            client.admin.command("ping")  # connected: the monitor has seen the server
            theirs = _instances(client)
            wrong = []
            for cls, instance in theirs.items():
                for name in dir(cls):
                    if name.startswith("_") or not isinstance(
                            inspect.getattr_static(cls, name), property):
                        continue
                    if cls is pymongo.MongoClient and name in ("topology_description",):
                        continue  # depends on the monitor's progress
                    expected = type(getattr(instance, name))
                    got = type(getattr(ours[cls], name))
                    if got is not EQUIVALENT.get(expected, expected):
                        wrong.append((cls.__name__, name, expected, got))
            assert wrong == []
        finally:
            client.close()


def test_client_options_are_pymongos():
    client = mim.MongoClient("mongodb://localhost/?maxPoolSize=7&readPreference=secondary"
                             "&w=2&appname=app", server=Server(), tz_aware=True)
    options = client.options
    assert isinstance(options, ClientOptions)
    assert options.pool_options.max_pool_size == 7
    assert options.read_preference.mongos_mode == "secondary"
    assert options.write_concern.document == {"w": 2}
    assert options.codec_options.tz_aware is True
    assert options.pool_options.metadata["application"] == {"name": "app"}
    assert client.read_preference == options.read_preference


def test_search_index_helpers_answer_as_a_7_0_community_server(coll):
    coll.insert_one({})
    with pytest.raises(OperationFailure) as info:
        coll.create_search_index({"definition": {"mappings": {"dynamic": True}}})
    assert info.value.code == 59
    with pytest.raises(OperationFailure) as info:
        list(coll.list_search_indexes())
    assert info.value.code == 6047401


def test_max_scan_is_refused_by_7_0(coll):
    coll.insert_one({})
    with pytest.raises(OperationFailure) as info:
        list(coll.find().max_scan(5))
    assert info.value.code == 40415


def test_exhaust_and_limit_cannot_be_combined(coll):
    # pymongo's Cursor: "Can't use limit and exhaust together." (InvalidOperation) for
    # find(limit=n, cursor_type=EXHAUST) and for limit() on an exhaust cursor
    from pymongo import CursorType
    from pymongo.errors import InvalidOperation
    with pytest.raises(InvalidOperation, match="Can't use limit and exhaust together."):
        coll.find(limit=5, cursor_type=CursorType.EXHAUST)
    cursor = coll.find(cursor_type=CursorType.EXHAUST)
    with pytest.raises(InvalidOperation, match="Can't use limit and exhaust together."):
        cursor.limit(5)
    with pytest.raises(TypeError):
        cursor.limit("5")  # the type is checked first
    coll.find(limit=0, cursor_type=CursorType.EXHAUST)  # no limit is no conflict


def test_add_option_and_remove_option_set_the_find_commands_flags(coll, db):
    # pymongo's Cursor.add_option/remove_option: the bitmask of _QUERY_OPTIONS,
    # tailable 2, oplog_replay 8, no_timeout 16, await_data 32, exhaust 64, partial 128;
    # the find command carries them (the server answers a tailable find on a
    # non-capped collection with its error); exhaust after a limit is refused
    from pymongo.errors import InvalidOperation
    coll.insert_one({"_id": 1})
    cursor = coll.find().add_option(2)
    with pytest.raises(OperationFailure) as caught:
        list(cursor)
    assert caught.value.code == 2  # BadValue: tailable cursor requested on non capped
    assert list(coll.find().add_option(2).remove_option(2)) == [{"_id": 1}]
    assert list(coll.find().add_option(16 | 128)) == [{"_id": 1}]
    with pytest.raises(InvalidOperation, match="Can't use limit and exhaust together."):
        coll.find().limit(2).add_option(64)
    with pytest.raises(TypeError, match="mask must be an int"):
        coll.find().add_option("2")
    with pytest.raises(TypeError, match="mask must be an int"):
        coll.find().remove_option(2.0)
    db.create_collection("capped", capped=True, size=4096)
    db.capped.insert_one({"_id": 1})
    tailing = db.capped.find().add_option(2)
    assert next(tailing) == {"_id": 1}
    assert tailing.alive  # a tailable cursor stays open at the end of the data
    with pytest.raises(InvalidOperation, match="cannot set options after executing query"):
        tailing.add_option(16)
    tailing.close()
