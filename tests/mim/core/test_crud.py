"""Collection CRUD with pymongo 4's names, results and errors.

Sources: pymongo's Collection documentation and common.validate_* checks; MongoDB
manual (insert/update/delete/count/distinct/renameCollection); the server's
insert validation (ops/insert.cpp: "can't use an array for _id", "can't use a regex
for _id", BadValue) and the E11000 duplicate key message format.
"""

import datetime
import re

import pytest
from bson.decimal128 import Decimal128
from bson.objectid import ObjectId
from bson.regex import Regex
from pymongo.errors import (BulkWriteError, DuplicateKeyError, InvalidName, OperationFailure,
                            WriteError)
from pymongo.results import DeleteResult, InsertManyResult, InsertOneResult, UpdateResult

# -- insert ---------------------------------------------------------------------------


def test_insert_one_generates_an_objectid_into_the_callers_dict(coll):
    doc = {"a": 1}
    result = coll.insert_one(doc)
    assert isinstance(result, InsertOneResult)
    assert result.acknowledged
    assert isinstance(doc["_id"], ObjectId)
    assert result.inserted_id == doc["_id"]
    assert coll.find_one() == {"_id": doc["_id"], "a": 1}


@pytest.mark.parametrize("_id", [
    1, "x", 2.5, Decimal128("1.1"), None, {"a": 1, "b": [1]}, datetime.datetime(2020, 1, 1),
    ObjectId(), True,
])
def test_any_non_array_id(coll, _id):
    coll.insert_one({"_id": _id, "v": 1})
    assert coll.find_one({"_id": _id})["v"] == 1


def test_array_id_rejected(coll):
    with pytest.raises(WriteError) as info:
        coll.insert_one({"_id": [1, 2]})
    assert info.value.code == 2
    assert info.value.details["errmsg"] == "can't use an array for _id"
    assert coll.count_documents({}) == 0


@pytest.mark.parametrize("regex", [Regex("x"), re.compile("x")])
def test_regex_id_rejected(coll, regex):
    with pytest.raises(WriteError) as info:
        coll.insert_one({"_id": regex})
    assert info.value.code == 2
    assert info.value.details["errmsg"] == "can't use a regex for _id"


def test_dollar_prefixed_field_names_may_be_inserted(coll):
    # manual (5.0+): $-prefixed fields are permitted top-level and nested for inserts
    coll.insert_one({"_id": 1, "$price": 50.0, "location": {"$db": "novels", "$inc": True}})
    assert coll.find_one({"_id": 1}) == {"_id": 1, "$price": 50.0,
                                         "location": {"$db": "novels", "$inc": True}}


def test_duplicate_key(coll):
    coll.insert_one({"_id": 1})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"_id": 1, "x": 2})
    err = info.value
    assert err.code == 11000
    assert err.details["errmsg"] == \
        "E11000 duplicate key error collection: testdb.coll index: _id_ dup key: { _id: 1 }"
    assert err.details["keyPattern"] == {"_id": 1}
    assert err.details["keyValue"] == {"_id": 1}
    assert coll.find_one({"_id": 1}) == {"_id": 1}


def test_duplicate_key_message_renders_the_value(coll):
    coll.insert_one({"_id": "a"})
    with pytest.raises(DuplicateKeyError) as info:
        coll.insert_one({"_id": "a"})
    assert info.value.details["errmsg"].endswith('dup key: { _id: "a" }')


def test_duplicate_by_numeric_value(coll):
    coll.insert_one({"_id": 1})
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"_id": 1.0})


def test_insert_many(coll):
    docs = [{"a": 1}, {"_id": "x", "a": 2}]
    result = coll.insert_many(docs)
    assert isinstance(result, InsertManyResult)
    assert result.inserted_ids == [docs[0]["_id"], "x"]
    assert coll.count_documents({}) == 2


def test_insert_many_accepts_a_generator(coll):
    result = coll.insert_many({"i": i} for i in range(3))
    assert len(result.inserted_ids) == 3


def test_insert_many_ordered_stops_at_the_first_error(coll):
    with pytest.raises(BulkWriteError) as info:
        coll.insert_many([{"_id": 1}, {"_id": 1}, {"_id": 2}])
    details = info.value.details
    assert details["nInserted"] == 1
    assert len(details["writeErrors"]) == 1
    error = details["writeErrors"][0]
    assert error["index"] == 1
    assert error["code"] == 11000
    assert error["op"] == {"_id": 1}
    assert error["keyValue"] == {"_id": 1}
    assert details["writeConcernErrors"] == []
    assert details["upserted"] == []
    assert [d["_id"] for d in coll.find()] == [1]


def test_insert_many_unordered_continues(coll):
    with pytest.raises(BulkWriteError) as info:
        coll.insert_many([{"_id": 1}, {"_id": 1}, {"_id": 2}, {"_id": [3]}, {"_id": 4}],
                         ordered=False)
    details = info.value.details
    assert details["nInserted"] == 3
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(1, 11000), (3, 2)]
    assert sorted(d["_id"] for d in coll.find()) == [1, 2, 4]


def test_insert_many_argument_checks(coll):
    with pytest.raises(TypeError):
        coll.insert_many([])
    with pytest.raises(TypeError):
        coll.insert_many({"a": 1})
    with pytest.raises(TypeError):
        coll.insert_many([1])
    with pytest.raises(TypeError):
        coll.insert_one("x")


# -- find_one -----------------------------------------------------------------------------

def test_find_one_with_a_bare_id(coll):
    oid = coll.insert_one({"a": 1}).inserted_id
    coll.insert_one({"_id": 5, "a": 2})
    assert coll.find_one(oid)["a"] == 1
    assert coll.find_one(5)["a"] == 2
    assert coll.find_one(6) is None
    assert coll.find_one({"a": 3}) is None


def test_find_one_takes_find_arguments(coll):
    coll.insert_many([{"_id": i, "a": i} for i in range(3)])
    assert coll.find_one({}, {"_id": 0}, sort=[("a", -1)]) == {"a": 2}
    assert coll.find_one({}, skip=1, sort=[("a", 1)])["a"] == 1


# -- replace / update ------------------------------------------------------------------------

def test_replace_one(coll):
    coll.insert_many([{"_id": 1, "a": 1, "b": 1}, {"_id": 2, "a": 1}])
    result = coll.replace_one({"a": 1}, {"c": 3})
    assert isinstance(result, UpdateResult)
    assert (result.matched_count, result.modified_count, result.upserted_id) == (1, 1, None)
    assert coll.find_one({"_id": 1}) == {"_id": 1, "c": 3}


def test_replace_one_upsert(coll):
    result = coll.replace_one({"name": "x"}, {"name": "x", "v": 1}, upsert=True)
    assert result.matched_count == 0 and result.modified_count == 0
    assert isinstance(result.upserted_id, ObjectId)
    assert coll.find_one({"_id": result.upserted_id}) == {"_id": result.upserted_id,
                                                          "name": "x", "v": 1}
    result = coll.replace_one({"_id": 7}, {"v": 2}, upsert=True)
    assert result.upserted_id == 7


def test_replace_one_with_the_same_document_modifies_nothing(coll):
    coll.insert_one({"_id": 1, "a": 1})
    result = coll.replace_one({"_id": 1}, {"a": 1})
    assert (result.matched_count, result.modified_count) == (1, 0)


def test_replace_argument_checks(coll):
    with pytest.raises(ValueError):
        coll.replace_one({}, {"$set": {"a": 1}})
    with pytest.raises(TypeError):
        coll.replace_one({}, "x")


def test_update_one_and_many(coll):
    coll.insert_many([{"_id": i, "n": i, "tag": "t"} for i in range(4)])
    result = coll.update_one({"tag": "t"}, {"$inc": {"n": 10}})
    assert (result.matched_count, result.modified_count) == (1, 1)
    result = coll.update_many({"n": {"$lt": 10}}, {"$set": {"small": True}, "$unset": {"tag": ""}})
    assert (result.matched_count, result.modified_count) == (3, 3)
    docs = list(coll.find({}, sort=[("_id", 1)]))
    assert docs[0] == {"_id": 0, "n": 10, "tag": "t"}
    assert docs[1] == {"_id": 1, "n": 1, "small": True}


def test_update_reports_unmodified_matches(coll):
    coll.insert_one({"_id": 1, "a": 1})
    result = coll.update_one({"_id": 1}, {"$set": {"a": 1}})
    assert (result.matched_count, result.modified_count) == (1, 0)
    result = coll.update_many({"nothing": 1}, {"$set": {"a": 2}})
    assert (result.matched_count, result.modified_count, result.upserted_id) == (0, 0, None)


def test_update_upsert(coll):
    result = coll.update_one({"k": "a"}, {"$inc": {"n": 1}}, upsert=True)
    assert result.upserted_id is not None
    assert coll.find_one({"k": "a"}, {"_id": 0}) == {"k": "a", "n": 1}
    result = coll.update_one({"k": "a"}, {"$inc": {"n": 1}}, upsert=True)
    assert result.upserted_id is None and result.modified_count == 1


def test_update_argument_checks(coll):
    # pymongo common.validate_ok_for_update
    with pytest.raises(ValueError):
        coll.update_one({}, {})
    with pytest.raises(ValueError):
        coll.update_one({}, {"a": 1})
    with pytest.raises(ValueError):
        coll.update_many({}, {"a": 1, "$set": {"b": 1}})
    with pytest.raises(TypeError):
        coll.update_many({}, "x")
    with pytest.raises(TypeError):
        coll.update_one({}, {"$set": {"a": 1}}, upsert="yes")


def test_update_with_an_unknown_operator(coll):
    coll.insert_one({"_id": 1})
    with pytest.raises(WriteError) as info:
        coll.update_one({}, {"$foo": {"a": 1}})
    assert info.value.code == 9


# -- delete ------------------------------------------------------------------------------

def test_delete_one_and_many(coll):
    coll.insert_many([{"_id": i, "even": i % 2 == 0} for i in range(6)])
    result = coll.delete_one({"even": True})
    assert isinstance(result, DeleteResult)
    assert result.deleted_count == 1 and result.acknowledged
    assert coll.delete_many({"even": True}).deleted_count == 2
    assert coll.delete_many({"nothing": 1}).deleted_count == 0
    assert coll.delete_many({}).deleted_count == 3
    assert coll.count_documents({}) == 0


# -- counting -------------------------------------------------------------------------------

def test_count_documents(coll):
    coll.insert_many([{"_id": i, "n": i} for i in range(10)])
    assert coll.count_documents({}) == 10
    assert coll.count_documents({"n": {"$gte": 5}}) == 5
    assert coll.count_documents({"n": {"$gte": 5}}, skip=2) == 3
    assert coll.count_documents({}, limit=4) == 4
    assert coll.count_documents({}, skip=8, limit=4) == 2
    assert coll.count_documents({}, skip=20) == 0
    assert coll.database.nothing.count_documents({}) == 0


def test_estimated_document_count(coll):
    assert coll.estimated_document_count() == 0
    coll.insert_many([{}, {}, {}])
    assert coll.estimated_document_count() == 3


# -- distinct -----------------------------------------------------------------------------------

def test_distinct(coll):
    # manual (distinct): arrays contribute each element; dotted paths reach into arrays
    coll.insert_many([
        {"dept": "A", "item": {"sku": "111", "color": "red"}, "sizes": ["S", "M"]},
        {"dept": "A", "item": {"sku": "111", "color": "blue"}, "sizes": ["M", "L"]},
        {"dept": "B", "item": {"sku": "222", "color": "blue"}, "sizes": "S"},
        {"dept": "A", "item": {"sku": "333", "color": "black"}, "sizes": ["S"]},
        {"dept": "A", "item": [{"sku": "444"}, {"sku": "111"}]},
    ])
    assert sorted(coll.distinct("dept")) == ["A", "B"]
    assert sorted(coll.distinct("item.sku")) == ["111", "222", "333", "444"]
    assert sorted(coll.distinct("sizes")) == ["L", "M", "S"]
    assert sorted(coll.distinct("item.sku", {"dept": "A"})) == ["111", "333", "444"]
    assert coll.distinct("missing") == []


def test_distinct_numbers_by_value(coll):
    coll.insert_many([{"v": 1}, {"v": 1.0}, {"v": 2}])
    assert sorted(coll.distinct("v")) == [1, 2]


def test_distinct_argument_checks(coll):
    with pytest.raises(TypeError):
        coll.distinct(1)


# -- collection management --------------------------------------------------------------------

def test_drop(coll, db):
    coll.insert_one({})
    assert "coll" in db.list_collection_names()
    coll.drop()
    assert "coll" not in db.list_collection_names()
    assert coll.count_documents({}) == 0
    coll.drop()  # dropping a missing collection is not an error


def test_rename(coll, db):
    coll.insert_one({"_id": 1})
    coll.rename("other")
    assert db.other.find_one() == {"_id": 1}
    assert "coll" not in db.list_collection_names()


def test_rename_errors(coll, db):
    coll.insert_one({"_id": 1})
    db.target.insert_one({"_id": 2})
    with pytest.raises(OperationFailure) as info:
        coll.rename("target")
    assert info.value.code == 48  # NamespaceExists
    coll.rename("target", dropTarget=True)
    assert db.target.find_one() == {"_id": 1}
    with pytest.raises(OperationFailure) as info:
        db.missing.rename("elsewhere")
    assert info.value.code == 26  # NamespaceNotFound
    for bad in ("", "a..b", ".a", "a.", "a$b"):
        with pytest.raises(InvalidName):
            db.target.rename(bad)
    with pytest.raises(TypeError):
        db.target.rename(5)


def test_options(db):
    assert db.plain.options() == {}
    db.create_collection("capped", capped=True, size=4096)
    assert db.capped.options() == {"capped": True, "size": 4096}


def test_names_and_sub_collections(db):
    sub = db.a.b
    assert sub.name == "a.b"
    assert sub.full_name == "testdb.a.b"
    assert sub.database == db
    assert db["a.b"] == sub
    assert db.a["b"] == sub
    sub.insert_one({"x": 1})
    assert db.get_collection("a.b").find_one({}, {"_id": 0}) == {"x": 1}
    assert db.a.count_documents({}) == 0


def test_eq_hash_repr(db, client):
    assert db.coll == db["coll"]
    assert db.coll != db.other
    assert db.coll != client.otherdb.coll
    assert hash(db.coll) == hash(db.get_collection("coll"))
    assert len({db.coll, db["coll"], db.other}) == 2
    assert repr(db.coll) == f"Collection({db!r}, 'coll')"


def test_collection_is_not_iterable_or_callable(coll):
    with pytest.raises(TypeError):
        iter(coll).__next__()
    with pytest.raises(TypeError):
        coll.no_such_method()
    with pytest.raises(NotImplementedError):
        bool(coll)


def test_invalid_collection_names(db):
    for bad in ("", "a..b", "a$b", ".a", "a."):
        with pytest.raises(InvalidName):
            db[bad]
    with pytest.raises(TypeError):
        db.get_collection(5)
