"""mim.ming: the helpers of Ming's own ``ming.mim`` that Ming users' test suites call.

Expected values are MongoDB's (query semantics, BSON order) or Ming's documented
helper behaviour (a process-wide connection, ``drop_all``, ``clear_all``).
"""
from __future__ import annotations

import datetime

import bson
import pytest
from pymongo.errors import OperationFailure

import mim
from mim import ming


def test_get_is_one_connection_for_the_whole_process():
    conn = ming.Connection.get()
    assert ming.Connection.get() is conn
    assert isinstance(conn, mim.MongoClient)
    # the same server as every other client of mim:// with no host
    assert mim.MongoClient("mim://").server is conn.server


def test_close_and_with_blocks_leave_the_connection_usable():
    conn = ming.Connection("mim://ming-close")
    conn.db.c.insert_one({"_id": 1})
    with conn:
        pass
    conn.close()
    assert conn.db.c.find_one() == {"_id": 1}


def test_drop_all_and_clear_all():
    conn = ming.Connection("mim://ming-drop")
    conn.a.c.create_index("x", unique=True)
    conn.a.c.insert_one({"x": 1})
    conn.b.d.insert_one({"y": 1})
    conn.clear_all()  # documents go, collections and indexes stay
    assert conn.a.c.count_documents({}) == 0 and conn.b.d.count_documents({}) == 0
    assert "x_1" in conn.a.c.index_information()
    conn.drop_all()
    assert [n for n in conn.list_database_names() if n not in ("admin", "config", "local")] == []


def test_match_answers_with_the_document_or_none():
    assert ming.match({"foo": 4}, {"foo": 4}) == ming.MatchDoc({"foo": 4})
    assert ming.match({"foo.bar": 4}, {"foo": {"bar": 4}}) == ming.MatchDoc({"foo": ming.MatchDoc({"bar": 4})})
    assert ming.match({"d": {"$gt": 2}}, {"d": 2}) is None
    assert ming.match({"c": {"$all": []}}, {"c": [1, 2]}) is None  # MongoDB: matches nothing
    assert ming.match({"a.b.c": 1}, {"a": None}) is None
    assert ming.match({"$or": [{"d": 1}, {"d": 2}]}, {"d": 2}) is not None


def test_match_records_the_array_element_that_matched():
    found = ming.match({"foo.bar": 4}, {"foo": {"bar": [1, 2, 3, 4, 5]}})
    assert found == ming.MatchDoc({"foo": ming.MatchDoc({"bar": ming.MatchList([1, 2, 3, 4, 5], pos=3)})})
    assert found.getvalue("foo.bar.$") == 4
    assert found.getvalue("foo.bar.0") == 1


def test_match_refuses_a_bad_filter_like_the_server():
    with pytest.raises(OperationFailure) as info:
        ming.match({"a": {"$bogus": 1}}, {"a": 1})
    assert info.value.code == 2


def test_bson_arith_orders_like_mongodb():
    cmp = ming.BsonArith.cmp
    assert (cmp(True, True), cmp(True, False), cmp(False, True)) == (0, 1, -1)
    assert cmp(False, bson.ObjectId()) == 1            # ObjectId < bool
    assert cmp(True, datetime.datetime(1, 1, 1)) == -1  # bool < date
    assert (cmp(1, 1.0), cmp(1.1, -1.3), cmp(1.1, 1.1111)) == (0, 1, -1)


def test_cursors_of_a_ming_connection_have_all():
    conn = ming.Connection("mim://ming-all")
    conn.db.c.insert_many([{"_id": i} for i in range(4)])
    assert conn.db.c.find({}).limit(2).all() == [{"_id": 0}, {"_id": 1}]
    assert conn.db.get_collection("c").find({"_id": {"$gte": 3}}).all() == [{"_id": 3}]
    assert conn["db"].c.with_options().find().sort("_id", -1).limit(1).all() == [{"_id": 3}]
    assert isinstance(conn.db.c.find(), mim.Cursor)
    assert not hasattr(mim.MongoClient("mim://ming-all").db.c.find(), "all")  # plain mim: pymongo's API
