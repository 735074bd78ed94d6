"""Documents are stored as BSON: what comes back is what a real server returns.

Sources: pymongo/bson documentation (CodecOptions: document_class, tz_aware; BSON
encoding of tuples, datetimes with millisecond precision, 64-bit integer limit,
InvalidDocument), MongoDB's 16 MiB document limit (manual, "BSON Document Size").
"""

import collections
import datetime

import bson
import pytest
from bson.codec_options import CodecOptions
from bson.errors import InvalidDocument
from bson.son import SON
from pymongo.errors import DocumentTooLarge, OperationFailure

import mim

UTC = datetime.timezone.utc


def test_tuples_come_back_as_lists(coll):
    coll.insert_one({"_id": 1, "t": (1, (2, 3)), "d": {"x": ("a",)}})
    assert coll.find_one() == {"_id": 1, "t": [1, [2, 3]], "d": {"x": ["a"]}}


def test_datetimes_are_truncated_to_milliseconds(coll):
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
    coll.insert_one({"_id": 1, "when": when})
    got = coll.find_one()["when"]
    assert got == datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)
    assert got.tzinfo is None
    # queries see the stored (truncated) value
    assert coll.count_documents({"when": datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)}) == 1


def test_aware_datetimes_are_stored_in_utc(coll):
    tz = datetime.timezone(datetime.timedelta(hours=2))
    coll.insert_one({"_id": 1, "when": datetime.datetime(2024, 1, 1, 12, 0, tzinfo=tz)})
    assert coll.find_one()["when"] == datetime.datetime(2024, 1, 1, 10, 0)


def test_tz_aware_client():
    server = mim.Server()
    client = mim.MongoClient(server=server)
    aware = mim.MongoClient(tz_aware=True, server=server)
    client.testdb.coll.insert_one({"_id": 1, "when": datetime.datetime(2024, 1, 1)})
    got = aware.testdb.coll.find_one()["when"]
    assert got == datetime.datetime(2024, 1, 1, tzinfo=UTC)
    assert got.tzinfo is not None


def test_document_class_per_client():
    server = mim.Server()
    client = mim.MongoClient(server=server)
    son_client = mim.MongoClient(document_class=SON, server=server)
    client.testdb.coll.insert_one({"_id": 1, "a": {"b": 1}})
    doc = son_client.testdb.coll.find_one()
    assert isinstance(doc, SON)
    assert isinstance(doc["a"], SON)
    assert type(client.testdb.coll.find_one()) is dict


def test_codec_options_per_database_and_collection(db):
    db.coll.insert_one({"_id": 1, "when": datetime.datetime(2024, 1, 1)})
    options = CodecOptions(document_class=collections.OrderedDict, tz_aware=True)
    by_db = db.client.get_database("testdb", codec_options=options).coll.find_one()
    assert isinstance(by_db, collections.OrderedDict)
    assert by_db["when"].tzinfo is not None
    by_get = db.get_collection("coll", codec_options=options).find_one()
    assert isinstance(by_get, collections.OrderedDict)
    with_options = db.coll.with_options(codec_options=CodecOptions(document_class=SON))
    assert isinstance(with_options.find_one(), SON)
    assert with_options.codec_options.document_class is SON
    # the original collection is unchanged
    assert type(db.coll.find_one()) is dict


def test_codec_options_apply_to_cursor_and_distinct(db):
    db.coll.insert_one({"_id": 1, "when": datetime.datetime(2024, 1, 1), "s": {"x": 1}})
    aware = db.coll.with_options(codec_options=CodecOptions(tz_aware=True, document_class=SON))
    assert all(isinstance(d, SON) for d in aware.find())
    assert aware.distinct("when")[0].tzinfo is not None


def test_unencodable_values_raise_invalid_document(coll):
    for bad in ({"a": object()}, {"a": {1, 2}}, {"a": {"b": complex(1, 2)}}, {1: "x"}):
        with pytest.raises(InvalidDocument):
            coll.insert_one(bad)
    assert coll.count_documents({}) == 0


def test_unencodable_values_in_filters_and_updates(coll):
    coll.insert_one({"_id": 1})
    with pytest.raises(InvalidDocument):
        coll.find_one({"a": object()})
    with pytest.raises(InvalidDocument):
        coll.update_one({"_id": 1}, {"$set": {"a": object()}})
    assert coll.find_one() == {"_id": 1}


def test_integers_beyond_64_bits_overflow(coll):
    with pytest.raises(OverflowError):
        coll.insert_one({"a": 2**64})
    with pytest.raises(OverflowError):
        coll.insert_one({"a": -(2**63) - 1})
    coll.insert_one({"_id": 1, "a": 2**63 - 1, "b": -(2**63)})
    assert coll.find_one() == {"_id": 1, "a": 2**63 - 1, "b": -(2**63)}


def test_int_sizes_round_trip_as_the_driver_encodes_them(coll):
    coll.insert_one({"_id": 1, "small": 5, "big": 2**40})
    doc = coll.find_one()
    assert type(doc["small"]) is int
    assert doc["big"] == 2**40
    assert coll.count_documents({"small": {"$type": "int"}, "big": {"$type": "long"}}) == 1


def test_caller_mutations_after_insert_do_not_reach_stored_data(coll):
    doc = {"_id": 1, "tags": ["a"], "sub": {"x": 1}}
    coll.insert_one(doc)
    doc["tags"].append("b")
    doc["sub"]["x"] = 2
    doc["new"] = True
    assert coll.find_one() == {"_id": 1, "tags": ["a"], "sub": {"x": 1}}


def test_insert_many_documents_are_isolated_too(coll):
    docs = [{"_id": 1, "l": [1]}]
    coll.insert_many(docs)
    docs[0]["l"].append(2)
    assert coll.find_one()["l"] == [1]


def test_mutating_returned_documents_does_not_reach_stored_data(coll):
    coll.insert_one({"_id": 1, "tags": ["a"], "sub": {"x": 1}})
    got = coll.find_one()
    got["tags"].append("b")
    got["sub"]["x"] = 99
    for doc in coll.find():
        doc["tags"].clear()
    assert coll.find_one() == {"_id": 1, "tags": ["a"], "sub": {"x": 1}}
    assert coll.find_one() is not coll.find_one()


def test_replacement_and_update_values_are_copied(coll):
    coll.insert_one({"_id": 1})
    value = {"nested": [1]}
    coll.update_one({"_id": 1}, {"$set": {"v": value}})
    value["nested"].append(2)
    replacement = {"r": [1]}
    coll.replace_one({"_id": 1}, replacement)
    replacement["r"].append(2)
    assert coll.find_one() == {"_id": 1, "r": [1]}


def test_document_over_16_mib_is_rejected(coll):
    big = {"_id": 1, "blob": "x" * (16 * 1024 * 1024)}
    with pytest.raises((DocumentTooLarge, OperationFailure)):
        coll.insert_one(big)
    assert coll.count_documents({}) == 0
    # just under the limit is fine
    ok = {"_id": 2, "blob": "x" * (16 * 1024 * 1024 - 100)}
    assert len(bson.encode(ok)) <= 16 * 1024 * 1024
    coll.insert_one(ok)
    assert coll.count_documents({}) == 1


def test_update_growing_a_document_past_16_mib_is_rejected(coll):
    coll.insert_one({"_id": 1, "a": "x" * (9 * 1024 * 1024)})
    with pytest.raises(OperationFailure):
        coll.update_one({"_id": 1}, {"$set": {"b": "y" * (9 * 1024 * 1024)}})
    assert "b" not in coll.find_one({"_id": 1}, {"a": 0})
