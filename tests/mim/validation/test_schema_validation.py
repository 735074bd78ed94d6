"""Collection validators, from the manual's "Schema Validation" pages: the
rejected write's ``errInfo`` as documented, validation levels and actions,
``collMod``, ``listCollections`` and ``bypassDocumentValidation`` on every write."""

from __future__ import annotations

import logging

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from pymongo import InsertOne, ReplaceOne, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, OperationFailure, WriteError

import mim
from mim.wire.dump import dump, restore

STUDENTS_SCHEMA = {
    "bsonType": "object",
    "title": "Student Object Validation",
    "required": ["address", "major", "name", "year"],
    "properties": {
        "name": {"bsonType": "string", "description": "'name' must be a string and is required"},
        "year": {"bsonType": "int", "minimum": 2017, "maximum": 3017,
                 "description": "'year' must be an integer in [ 2017, 3017 ] and is required"},
        "gpa": {"bsonType": ["double"],
                "description": "'gpa' must be a double if the field exists"},
    },
}
ALICE = {"name": "Alice", "year": 2019, "major": "History", "gpa": 3,
         "address": {"city": "NYC", "street": "33rd Street"}}

CONTACTS_VALIDATOR = {"$or": [{"phone": {"$type": "string"}},
                              {"email": {"$regex": "@mongodb\\.com$"}},
                              {"status": {"$in": ["Unknown", "Incomplete"]}}]}


def _students(db):
    db.create_collection("students", validator={"$jsonSchema": STUDENTS_SCHEMA})
    return db.students


def test_manual_json_schema_example_rejects_with_documented_details(db):
    # "Specify JSON Schema Validation": gpa is an int, not a double
    students = _students(db)
    document = dict(ALICE)
    with pytest.raises(WriteError) as info:
        students.insert_one(document)
    assert info.value.code == 121
    assert info.value.details["errmsg"] == "Document failed validation"
    assert info.value.details["errInfo"] == {
        "failingDocumentId": document["_id"],
        "details": {
            "operatorName": "$jsonSchema",
            "title": "Student Object Validation",
            "schemaRulesNotSatisfied": [{
                "operatorName": "properties",
                "propertiesNotSatisfied": [{
                    "propertyName": "gpa",
                    "description": "'gpa' must be a double if the field exists",
                    "details": [{"operatorName": "bsonType",
                                 "specifiedAs": {"bsonType": ["double"]},
                                 "reason": "type did not match",
                                 "consideredValue": 3, "consideredType": "int"}],
                }],
            }],
        },
    }
    assert students.count_documents({}) == 0
    students.insert_one({**ALICE, "gpa": 3.0})
    assert students.count_documents({}) == 1


def test_manual_query_operator_validator_reports_every_or_clause(db):
    # "Specify Query Operators" validation example
    db.create_collection("contacts", validator=CONTACTS_VALIDATOR)
    document = {"name": "xyz", "status": "A"}
    with pytest.raises(WriteError) as info:
        db.contacts.insert_one(document)
    assert info.value.details["errInfo"] == {
        "failingDocumentId": document["_id"],
        "details": {"operatorName": "$or", "clausesNotSatisfied": [
            {"index": 0, "details": {"operatorName": "$type",
                                     "specifiedAs": {"phone": {"$type": "string"}},
                                     "reason": "field was missing"}},
            {"index": 1, "details": {"operatorName": "$regex",
                                     "specifiedAs": {"email": {"$regex": "@mongodb\\.com$"}},
                                     "reason": "field was missing"}},
            {"index": 2, "details": {"operatorName": "$in",
                                     "specifiedAs": {"status": {"$in": ["Unknown",
                                                                       "Incomplete"]}},
                                     "reason": "no matching value found in array",
                                     "consideredValue": "A"}},
        ]},
    }
    db.contacts.insert_one({"name": "xyz", "status": "Unknown"})


def test_single_query_clause_reports_itself_and_several_an_implicit_and(db):
    db.create_collection("one", validator={"a": {"$exists": True}})
    with pytest.raises(WriteError) as info:
        db.one.insert_one({"x": 1})
    assert info.value.details["errInfo"]["details"] == {
        "operatorName": "$exists", "specifiedAs": {"a": {"$exists": True}},
        "reason": "path does not exist"}
    db.create_collection("two", validator={"a": {"$gt": 5}, "b": 1})
    with pytest.raises(WriteError) as info:
        db.two.insert_one({"a": 3, "b": 1})
    assert info.value.details["errInfo"]["details"] == {
        "operatorName": "$and", "clausesNotSatisfied": [
            {"index": 0, "details": {"operatorName": "$gt", "specifiedAs": {"a": {"$gt": 5}},
                                     "reason": "comparison failed", "consideredValue": 3}}]}


def test_nor_and_not_report_in_the_inverted_sense(db):
    db.create_collection("c", validator={"$nor": [{"a": 1}, {"b": {"$not": {"$gt": 2}}}]})
    with pytest.raises(WriteError) as info:
        db.c.insert_one({"a": 1, "b": 5})
    assert info.value.details["errInfo"]["details"] == {
        "operatorName": "$nor", "clausesSatisfied": [
            {"index": 0, "details": {"operatorName": "$eq", "specifiedAs": {"a": 1},
                                     "reason": "comparison succeeded", "consideredValue": 1}}]}


def test_manual_warn_action_stores_and_logs_the_documented_details(db, caplog):
    # "Choose how to Handle Invalid Documents": validationAction "warn"
    db.create_collection("contacts2", validator={"$jsonSchema": {
        "bsonType": "object", "required": ["phone"],
        "properties": {"phone": {"bsonType": "string"},
                       "email": {"bsonType": "string", "pattern": "@mongodb\\.com$"},
                       "status": {"enum": ["Unknown", "Incomplete"]}}}},
        validationAction="warn")
    with caplog.at_level(logging.WARNING, logger="mim.validation"):
        db.contacts2.insert_one({"name": "Amanda", "status": "Updated"})
    assert db.contacts2.count_documents({}) == 1
    record = next(r for r in caplog.records if r.getMessage() == "Document would fail validation")
    assert record.namespace == "test.contacts2"
    assert record.errInfo["details"] == {"operatorName": "$jsonSchema", "schemaRulesNotSatisfied": [
        {"operatorName": "properties", "propertiesNotSatisfied": [
            {"propertyName": "status", "details": [
                {"operatorName": "enum", "specifiedAs": {"enum": ["Unknown", "Incomplete"]},
                 "reason": "value was not found in enum", "consideredValue": "Updated"}]}]},
        {"operatorName": "required", "specifiedAs": {"required": ["phone"]},
         "missingProperties": ["phone"]}]}


MODERATE_SCHEMA = {"$jsonSchema": {
    "bsonType": "object", "required": ["phone", "name"],
    "properties": {"phone": {"bsonType": "string",
                             "description": "phone must be a string and is required"},
                   "name": {"bsonType": "string",
                            "description": "name must be a string and is required"}}}}


def _contacts_with_existing_documents(db):
    db.contacts.insert_many([
        {"_id": 1, "name": "Anne", "phone": "+1 555 123 456", "city": "London",
         "status": "Complete"},
        {"_id": 2, "name": "Ivan", "city": "Vancouver"}])


def test_manual_moderate_level_skips_documents_that_were_already_invalid(db):
    # "Specify Validation Level for Existing Documents"
    _contacts_with_existing_documents(db)
    assert db.command("collMod", "contacts", validator=MODERATE_SCHEMA,
                      validationLevel="moderate") == {"ok": 1.0}
    with pytest.raises(WriteError) as info:
        db.contacts.update_one({"_id": 1}, {"$set": {"name": 10}})
    assert info.value.details["errInfo"] == {"failingDocumentId": 1, "details": {
        "operatorName": "$jsonSchema", "schemaRulesNotSatisfied": [
            {"operatorName": "properties", "propertiesNotSatisfied": [
                {"propertyName": "name", "description": "name must be a string and is required",
                 "details": [{"operatorName": "bsonType", "specifiedAs": {"bsonType": "string"},
                              "reason": "type did not match", "consideredValue": 10,
                              "consideredType": "int"}]}]}]}}
    result = db.contacts.update_one({"_id": 2}, {"$set": {"name": 20}})
    assert result.modified_count == 1
    assert db.contacts.find_one({"_id": 1})["name"] == "Anne"


def test_strict_level_checks_updates_of_invalid_documents_too(db):
    _contacts_with_existing_documents(db)
    db.command("collMod", "contacts", validator=MODERATE_SCHEMA)
    with pytest.raises(WriteError):
        db.contacts.update_one({"_id": 2}, {"$set": {"name": 20}})
    # documents already stored are not re-checked by collMod
    assert db.contacts.count_documents({}) == 2


def test_level_off_checks_nothing(db):
    db.create_collection("c", validator={"a": {"$exists": True}}, validationLevel="off")
    db.c.insert_one({"b": 1})
    assert db.c.count_documents({}) == 1


def test_list_collections_shows_what_was_set(db):
    _students(db)
    options = db.list_collections(filter={"name": "students"}).next()["options"]
    # level and action are not shown unless they were set explicitly
    assert options == {"validator": {"$jsonSchema": STUDENTS_SCHEMA}}
    db.command("collMod", "students", validationLevel="moderate", validationAction="warn")
    options = db.list_collections(filter={"name": "students"}).next()["options"]
    assert options == {"validator": {"$jsonSchema": STUDENTS_SCHEMA},
                       "validationLevel": "moderate", "validationAction": "warn"}


def test_collmod_replaces_the_validator(db):
    db.create_collection("c", validator={"a": {"$exists": True}})
    db.command("collMod", "c", validator={"b": {"$exists": True}})
    db.c.insert_one({"b": 1})
    with pytest.raises(WriteError):
        db.c.insert_one({"a": 1})


def test_every_write_is_checked(db):
    db.create_collection("c", validator={"n": {"$lt": 10}})
    db.c.insert_one({"_id": 1, "n": 1})
    attempts = [
        lambda: db.c.insert_many([{"_id": 2, "n": 2}, {"_id": 3, "n": 30}]),
        lambda: db.c.update_one({"_id": 1}, {"$inc": {"n": 100}}),
        lambda: db.c.update_many({}, {"$set": {"n": 50}}),
        lambda: db.c.replace_one({"_id": 1}, {"n": 99}),
        lambda: db.c.update_one({"_id": 9}, {"$set": {"n": 99}}, upsert=True),
        lambda: db.c.find_one_and_update({"_id": 1}, {"$set": {"n": 99}}),
        lambda: db.c.find_one_and_replace({"_id": 1}, {"n": 99}),
        lambda: db.c.bulk_write([UpdateOne({"_id": 1}, {"$set": {"n": 77}})]),
    ]
    for attempt in attempts:
        with pytest.raises((WriteError, OperationFailure, BulkWriteError)) as info:
            attempt()
        code = info.value.code if not isinstance(info.value, BulkWriteError) else \
            info.value.details["writeErrors"][0]["code"]
        assert code == 121
    # the ordered insert_many stored the valid document before the invalid one
    assert sorted(d["n"] for d in db.c.find()) == [1, 2]


def test_find_and_modify_failure_carries_err_info(db):
    db.create_collection("c", validator={"n": {"$lt": 10}})
    db.c.insert_one({"_id": 1, "n": 1})
    with pytest.raises(OperationFailure) as info:
        db.c.find_one_and_update({"_id": 1}, {"$set": {"n": 11}})
    assert info.value.code == 121
    assert info.value.details["errInfo"]["failingDocumentId"] == 1


def test_bypass_document_validation_on_every_write_that_takes_it(db):
    db.create_collection("c", validator={"n": {"$lt": 10}})
    db.c.insert_one({"_id": 1, "n": 100}, bypass_document_validation=True)
    db.c.insert_many([{"_id": 2, "n": 200}], bypass_document_validation=True)
    db.c.update_one({"_id": 1}, {"$inc": {"n": 1}}, bypass_document_validation=True)
    db.c.update_many({"_id": 2}, {"$inc": {"n": 1}}, bypass_document_validation=True)
    db.c.replace_one({"_id": 2}, {"n": 300}, bypass_document_validation=True)
    db.c.bulk_write([InsertOne({"_id": 3, "n": 400}),
                     ReplaceOne({"_id": 3}, {"n": 401})], bypass_document_validation=True)
    after = db.c.find_one_and_update({"_id": 3}, {"$inc": {"n": 1}},
                                     return_document=ReturnDocument.AFTER,
                                     bypassDocumentValidation=True)
    assert after == {"_id": 3, "n": 402}
    assert sorted(d["n"] for d in db.c.find()) == [101, 300, 402]


def test_out_and_merge_targets_are_validated_unless_bypassed(db):
    db.src.insert_many([{"_id": 1, "n": 5}, {"_id": 2, "n": 50}])
    db.create_collection("target", validator={"n": {"$lt": 10}})
    with pytest.raises(OperationFailure) as info:
        list(db.src.aggregate([{"$out": "target"}]))
    assert info.value.code == 121
    assert db.target.count_documents({}) == 0
    with pytest.raises(OperationFailure) as info:
        list(db.src.aggregate([{"$merge": {"into": "target"}}]))
    assert info.value.code == 121
    list(db.src.aggregate([{"$out": "target"}], bypassDocumentValidation=True))
    assert db.target.count_documents({}) == 2
    db.src.update_one({"_id": 1}, {"$set": {"n": 500}})
    list(db.src.aggregate([{"$merge": {"into": "target"}}], bypassDocumentValidation=True))
    assert db.target.find_one({"_id": 1})["n"] == 500


@pytest.mark.parametrize("options, code, message", [
    ({"validator": 5}, 14, "BSON field 'create.validator' is the wrong type 'int', expected "
                          "type 'object'"),
    ({"validator": {}, "validationLevel": "sometimes"}, 2,
     "Enumeration value 'sometimes' for field 'create.validationLevel' is not a valid value."),
    ({"validator": {}, "validationAction": "shout"}, 2,
     "Enumeration value 'shout' for field 'create.validationAction' is not a valid value."),
    ({"validator": {"$where": "this.a"}}, 2,
     "Parsing of collection validator failed :: caused by :: $where is not allowed in this "
     "context"),
    ({"validator": {"$text": {"$search": "x"}}}, 2,
     "Parsing of collection validator failed :: caused by :: $text is not allowed in this "
     "context"),
    ({"validator": {"loc": {"$near": [0, 0]}}}, 2,
     "Parsing of collection validator failed :: caused by :: $geoNear, $near, and $nearSphere "
     "are not allowed in this context"),
    ({"validator": {"$jsonSchema": {"$ref": "#/definitions/x"}}}, 9,
     "Parsing of collection validator failed :: caused by :: $jsonSchema keyword '$ref' is not "
     "currently supported"),
    ({"validator": {"a": {"$bogus": 1}}}, 2,
     "Parsing of collection validator failed :: caused by :: unknown operator: $bogus"),
])
def test_create_errors(db, options, code, message):
    with pytest.raises(OperationFailure) as info:
        db.command("create", "c", **options)
    assert (info.value.code, info.value.details["errmsg"]) == (code, message)
    assert "c" not in db.list_collection_names()


def test_collmod_errors_leave_the_validator_alone(db):
    db.create_collection("c", validator={"a": {"$exists": True}})
    with pytest.raises(OperationFailure) as info:
        db.command("collMod", "c", validator={"$jsonSchema": {"type": "integer"}})
    assert info.value.code == 9
    assert info.value.details["errmsg"] == ("Parsing of collection validator failed :: caused "
                                            "by :: $jsonSchema type 'integer' is not currently "
                                            "supported.")
    with pytest.raises(OperationFailure) as info:
        db.command("collMod", "c", validationLevel=1)
    assert info.value.code == 14
    with pytest.raises(WriteError):
        db.c.insert_one({"b": 1})


def test_validators_refused_in_internal_databases(client):
    with pytest.raises(OperationFailure) as info:
        client.local.command("create", "c", validator={"a": 1})
    assert info.value.code == 72
    assert info.value.details["errmsg"] == ("Document validators are not allowed on collection "
                                            "local.c in the local internal database")


def test_long_year_fails_int_bson_type(db):
    students = _students(db)
    with pytest.raises(WriteError) as info:
        students.insert_one({**ALICE, "gpa": 3.0, "year": Int64(2019)})
    detail = info.value.details["errInfo"]["details"]["schemaRulesNotSatisfied"][0]
    assert detail["propertiesNotSatisfied"][0]["details"][0]["consideredType"] == "long"


def test_dump_and_restore_keep_the_validator(tmp_path):
    source = mim.Server()
    client = mim.MongoClient(server=source)
    client.test.create_collection("c", validator={"n": {"$lt": 10}}, validationAction="error")
    client.test.c.insert_one({"n": 1})
    dump(source, tmp_path / "dump")
    target = mim.Server()
    restore(target, tmp_path / "dump")
    restored = mim.MongoClient(server=target).test.c
    assert restored.count_documents({}) == 1
    with pytest.raises(WriteError):
        restored.insert_one({"n": 50})


def test_manual_expr_validator_reports_the_expression_result(db):
    # "Specify Validation With Query Operators": totalWithVAT must equal total * (1 + VAT)
    spec = {"$eq": ["$totalWithVAT", {"$multiply": ["$total", {"$sum": [1, "$VAT"]}]}]}
    db.create_collection("orders", validator={"$expr": spec})
    db.orders.insert_one({"total": Decimal128("141"), "VAT": Decimal128("0.20"),
                          "totalWithVAT": Decimal128("169.2")})
    with pytest.raises(WriteError) as info:
        db.orders.insert_one({"_id": 2, "total": Decimal128("141"), "VAT": Decimal128("0.20"),
                              "totalWithVAT": Decimal128("169")})
    assert info.value.details["errInfo"] == {"failingDocumentId": 2, "details": {
        "operatorName": "$expr", "specifiedAs": {"$expr": spec},
        "reason": "expression did not match", "expressionResult": False}}


def test_manual_allowed_field_values(db):
    # "Specify Allowed Field Values" with enum
    country = {"enum": ["France", "United Kingdom", "United States"],
               "description": "Must be either France, United Kingdom, or United States"}
    db.create_collection("shipping", validator={"$jsonSchema": {
        "bsonType": "object", "title": "Shipping Country Validation",
        "properties": {"country": country}}})
    with pytest.raises(WriteError) as info:
        db.shipping.insert_one({"_id": 1, "item": "sweater", "size": "medium",
                                "country": "Germany"})
    assert info.value.details["errInfo"]["details"] == {
        "operatorName": "$jsonSchema", "title": "Shipping Country Validation",
        "schemaRulesNotSatisfied": [{"operatorName": "properties", "propertiesNotSatisfied": [
            {"propertyName": "country", "description": country["description"], "details": [
                {"operatorName": "enum", "specifiedAs": {"enum": country["enum"]},
                 "reason": "value was not found in enum", "consideredValue": "Germany"}]}]}]}
    db.shipping.insert_one({"item": "sweater", "size": "medium", "country": "France"})


def test_manual_tip_additional_properties_false_must_allow_id(db):
    # "Tips for JSON Schema Validation": _id is an additional property unless listed
    db.create_collection("store", validator={"$jsonSchema": {
        "bsonType": "object", "additionalProperties": False,
        "properties": {"name": {"bsonType": "string"}}}})
    with pytest.raises(WriteError) as info:
        db.store.insert_one({"_id": 1, "name": "My Store"})
    assert info.value.details["errInfo"]["details"] == {
        "operatorName": "$jsonSchema", "schemaRulesNotSatisfied": [
            {"operatorName": "additionalProperties",
             "specifiedAs": {"additionalProperties": False}, "additionalProperties": ["_id"]}]}
    db.command("collMod", "store", validator={"$jsonSchema": {
        "bsonType": "object", "additionalProperties": False,
        "properties": {"_id": {"bsonType": "objectId"}, "name": {"bsonType": "string"}}}})
    db.store.insert_one({"name": "My Store"})


def test_manual_tip_nullable_field(db):
    db.create_collection("sales", validator={"$jsonSchema": {
        "bsonType": "object",
        "properties": {"storeLocation": {"bsonType": ["null", "string"]}}}})
    db.sales.insert_one({"storeLocation": None})
    db.sales.insert_one({"storeLocation": "Paris"})
    with pytest.raises(WriteError):
        db.sales.insert_one({"storeLocation": 5})


def test_collmod_validator_on_a_view_is_refused(db):
    db.create_collection("base")
    db.command("create", "v", viewOn="base", pipeline=[])
    with pytest.raises(OperationFailure) as info:
        db.command("collMod", "v", validator={"a": 1})
    assert (info.value.code, info.value.details["errmsg"]) == (
        72, "option not supported on a view: validator")
