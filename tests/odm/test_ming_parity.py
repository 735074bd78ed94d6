"""Behaviours Ming's own test suite checks, covered by odm's tests (issue 23).

Each test names the Ming behaviour it pins; expected values are Ming's
documented/observable behaviour or MongoDB's.
"""
from __future__ import annotations

import decimal
import logging
import threading
from unittest import mock

import bson
import pymongo
import pytest
from pymongo.errors import ConnectionFailure

import mim.ming
import odm
import odm.datastore
from odm import Field, collection, create_datastore, create_engine, schema as S
from odm.base import Cursor as BaseCursor
from odm.datastore import Engine
from odm.exc import MingConfigError, MingException, MongoGone
from odm.fs import filesystem
from odm.utils import ContextualProxy, ThreadLocalProxy


# -- schema ----------------------------------------------------------------------
def test_repr_of_an_objectid_schema_does_not_recurse():
    # ObjectId's default is a method of the item itself: Ming prints "if_missing=..."
    assert repr(S.ObjectId()) == "<ObjectId required=False if_missing=...>"
    assert "ObjectId" in repr(Field("_id", S.ObjectId()))
    assert "ObjectId" in repr(S.Object({"_id": S.ObjectId()}))


def test_scalars_can_refuse_none():
    item = S.Int(allow_none=False)
    with pytest.raises(S.Invalid):
        item.validate(None)
    assert item.validate(S.Missing) is S.Missing  # absent stays absent
    assert item.validate(3) == 3
    assert S.Int().validate(None) is None
    with pytest.raises(S.Invalid):
        S.NumberDecimal(allow_none=False).validate(None)
    assert S.NumberDecimal().validate(None) is None
    with pytest.raises(S.Invalid):
        S.ObjectId(allow_none=False).validate(None)


def test_array_validate_ranges_given_to_the_constructor():
    item = S.Array(int, validate_ranges=[slice(0, 2)])
    assert item.validate([1, 2, "foo", "bar"]) == [1, 2, "foo", "bar"]
    with pytest.raises(S.Invalid):
        item.validate([1, "foo", "bar"])


def test_number_decimal_rounds_a_float_to_decimal128_digits():
    validated = S.NumberDecimal().validate(12.42)
    assert isinstance(validated, bson.Decimal128)
    assert validated.to_decimal().quantize(decimal.Decimal("0.01")) == decimal.Decimal("12.42")
    assert S.NumberDecimal(precision=2).validate(12.42) == bson.Decimal128("12.42")
    assert S.NumberDecimal().validate(0.5) == bson.Decimal128("0.5")


def test_an_explicit_object_default_keeps_its_keys():
    Doc = collection("doc", None, Field("a", int, if_missing=None),
                     Field("b", S.Object, if_missing=dict(a=None)))
    doc = Doc.make(dict(a=1))
    assert doc.b == {"a": None}


def test_a_class_without_fields_keeps_every_key():
    Free = collection("free", None)
    doc = Free.make(dict(a=5, b=6))
    assert (doc.a, doc.b) == (5, 6)


def test_base_exports_the_document_cursor():
    assert BaseCursor is odm.Cursor


# -- session ---------------------------------------------------------------------
@pytest.fixture
def Thing(session):
    return collection("thing", session, Field("_id", int), Field("a", int), Field("tag", str))


def test_aggregate_and_distinct_take_the_collections_arguments(Thing):
    for i, tag in enumerate(["x", "y", "x"]):
        Thing(dict(_id=i, a=i, tag=tag)).m.insert()
    assert sorted(Thing.m.distinct("tag")) == ["x", "y"]
    assert Thing.m.distinct("tag", {"a": {"$gt": 0}}) in (["x", "y"], ["y", "x"])
    assert Thing.m.find({"a": {"$lt": 2}}).distinct("tag") in (["x", "y"], ["y", "x"])
    out = list(Thing.m.aggregate([{"$group": {"_id": "$tag", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}]))
    assert out == [{"_id": "x", "n": 2}, {"_id": "y", "n": 1}]
    with pytest.raises(TypeError):
        Thing.m.aggregate()  # the collection's own error: a pipeline is required


def test_find_refuses_options_without_a_filter(Thing, session):
    with pytest.raises(ValueError):
        session.find(Thing, a=5)
    assert list(session.find(Thing, {}, limit=1)) == []
    assert list(session.find(Thing, filter={"a": 5})) == []


# -- datastore -------------------------------------------------------------------
def test_engine_and_datastore_hand_other_attributes_to_the_client_and_database():
    ds = create_datastore("mim://parity-attrs/db")
    ds.db.things.insert_one({"_id": 1})
    assert [n for n in ds.bind.list_database_names() if n not in ("admin", "config", "local")] == ["db"]
    assert ds.things.find_one() == {"_id": 1}
    with pytest.raises(AttributeError):
        ds.bind._private
    with pytest.raises(AttributeError):
        ds._private


def test_client_options_with_an_existing_engine_are_refused():
    engine = create_engine("mim://parity-bind")
    with pytest.raises(MingConfigError):
        create_datastore("db", bind=engine, replicaSet="foo")
    assert issubclass(MingConfigError, MingException)
    assert create_datastore("db", bind=engine).bind is engine


def test_connection_failures_stay_connection_failures(caplog):
    def down(*args, **kwargs):
        raise ConnectionFailure("down")

    engine = Engine(down, (), {}, connect_retry=2, auto_ensure_indexes=True, _sleep=lambda s: None)
    with caplog.at_level(logging.ERROR, logger="odm.datastore"):
        with pytest.raises(ConnectionFailure) as info:
            engine.connect()
    assert isinstance(info.value, MongoGone)
    assert len([r for r in caplog.records if r.exc_info]) == 2  # each retried failure is logged


def test_a_mim_url_without_host_is_the_shared_connection():
    first = create_datastore("mim:///parity_a")
    second = create_datastore("mim://")
    assert first.conn is second.conn is mim.ming.Connection.get()
    assert create_datastore("mim://parity-host/db").conn is not first.conn
    first.db.items.insert_one({"_id": 1})
    with first.conn:
        pass
    first.conn.close()
    assert first.db.items.find_one() == {"_id": 1}  # close() did not end it
    first.bind.drop_all()
    assert first.db.items.find_one() is None


def test_the_mongodb_client_class_can_be_patched_where_ming_patches_it():
    with mock.patch("odm.datastore.MongoClient", spec=True) as fake:
        conn = create_engine("mongodb://example:27017").connect()
    assert conn is fake.return_value
    assert odm.datastore.MongoClient is pymongo.MongoClient
    assert create_engine("mongodb://x")._Connection is pymongo.MongoClient


# -- fs ----------------------------------------------------------------------------
@pytest.fixture
def Files(session):
    return filesystem("parity_fs", session)


def test_fs_is_the_bucket_under_gridfs_names(Files):
    file_id = Files.m.fs.put(b"The quick brown fox", filename="fox.txt")
    reader = Files.m.fs.get(file_id)
    reader.seek(4)
    assert reader.read() == b"quick brown fox"
    assert Files.m.fs.exists(file_id) and Files.m.fs.list() == ["fox.txt"]
    assert Files.m.fs.get_last_version("fox.txt").read() == b"The quick brown fox"
    Files.m.fs.delete(file_id)
    assert not Files.m.fs.exists(file_id)


def test_file_documents_have_mings_content_type_attribute(Files):
    with Files.m.new_file("notes.txt") as f:
        f.write(b"x")
    with Files.m.new_file("notes.ming") as g:
        g.write(b"y")
    assert Files.m.get(filename="notes.txt").content_type == "text/plain"
    assert g.content_type == "application/octet-stream"  # Ming's fallback for unknown types


# -- utils ---------------------------------------------------------------------------
def test_thread_local_proxy_gives_each_thread_its_own_instance():
    made = []

    class Thing:
        def __init__(self, n):
            made.append(self)
            self.n = n

    proxy = ThreadLocalProxy(Thing, 7)
    assert proxy.n == 7 and proxy.n == 7 and len(made) == 1
    other = threading.Thread(target=lambda: proxy.n)
    other.start()
    other.join()
    assert len(made) == 2
    proxy.close()
    assert proxy.n == 7 and len(made) == 3
    assert repr(proxy).startswith("TLProxy of ")


def test_contextual_proxy_gives_each_context_its_own_instance():
    context = ["a"]
    proxy = ContextualProxy(dict, lambda: context[0], x=1)
    proxy.setdefault("seen", "a")
    context[0] = "b"
    assert proxy.get("seen") is None and proxy.get("x") == 1
    context[0] = "a"
    assert proxy.get("seen") == "a"
    proxy.close()
    assert proxy.get("seen") is None
