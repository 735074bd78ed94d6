"""``$jsonSchema`` as a query operator: the manual's "Query for and Modify Valid or
Invalid Documents" example, MongoDB's JSON Schema semantics keyword by keyword
(``json_schema_parser.cpp``), the parser's errors, and the failure details the
keywords report (``doc_validation_error.cpp``)."""

from __future__ import annotations

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from pymongo.errors import OperationFailure, WriteError

INVENTORY = [
    {"item": "journal", "qty": 25, "size": {"h": 14.0, "w": 21.0, "uom": "cm"}, "instock": True},
    {"item": "notebook", "qty": 50, "size": {"h": 8.5, "w": 11.0, "uom": "in"}, "instock": True},
    {"item": "paper", "qty": 100, "size": {"h": 8.5, "w": 11.0, "uom": "in"}, "instock": 1.0},
    {"item": "planner", "qty": 75, "size": {"h": 22.85, "w": 30.0, "uom": "cm"}, "instock": 1.0},
    {"item": "postcard", "qty": 45, "size": {"h": 10.0, "w": 15.25, "uom": "cm"},
     "instock": True},
    {"item": "apple", "qty": 45, "status": "A", "instock": True},
    {"item": "pears", "qty": 50, "status": "A", "instock": True},
]
MYSCHEMA = {"$jsonSchema": {
    "required": ["item", "qty", "instock"],
    "properties": {
        "item": {"bsonType": "string"},
        "qty": {"bsonType": "int"},
        "size": {"bsonType": "object", "required": ["uom"],
                 "properties": {"uom": {"bsonType": "string"},
                                "h": {"bsonType": "double"},
                                "w": {"bsonType": "double"}}},
        "instock": {"bsonType": "bool"},
    },
}}


@pytest.fixture
def inventory(db):
    db.inventory.insert_many([dict(d) for d in INVENTORY])
    return db.inventory


def _items(cursor):
    return [d["item"] for d in cursor]


def test_manual_find_documents_that_match_the_schema(inventory):
    expected = ["journal", "notebook", "postcard", "apple", "pears"]
    assert _items(inventory.find(MYSCHEMA)) == expected
    assert _items(inventory.aggregate([{"$match": MYSCHEMA}])) == expected


def test_manual_find_update_delete_documents_that_do_not_match(inventory):
    assert _items(inventory.find({"$nor": [MYSCHEMA]})) == ["paper", "planner"]
    assert inventory.update_many({"$nor": [MYSCHEMA]},
                                 {"$set": {"isValid": False}}).modified_count == 2
    assert inventory.delete_many({"$nor": [MYSCHEMA]}).deleted_count == 2
    assert inventory.count_documents({}) == 5


def _matches(db, schema, document):
    db.c.drop()
    db.c.insert_one(dict(document))
    return db.c.count_documents({"$jsonSchema": schema}) == 1


@pytest.mark.parametrize("schema, document, expected", [
    # type names JSON types; "number" is every numeric BSON type
    ({"properties": {"a": {"type": "number"}}}, {"a": Int64(5)}, True),
    ({"properties": {"a": {"type": "number"}}}, {"a": Decimal128("5")}, True),
    ({"properties": {"a": {"type": "boolean"}}}, {"a": False}, True),
    ({"properties": {"a": {"type": ["string", "null"]}}}, {"a": None}, True),
    ({"properties": {"a": {"bsonType": "int"}}}, {"a": Int64(5)}, False),
    ({"properties": {"a": {"bsonType": "long"}}}, {"a": Int64(5)}, True),
    ({"properties": {"a": {"bsonType": "decimal"}}}, {"a": Decimal128("1.5")}, True),
    ({"properties": {"a": {"bsonType": "number"}}}, {"a": 1.5}, True),
    ({"properties": {"a": {"bsonType": "objectId"}}}, {"a": "x"}, False),
    # no implicit array traversal
    ({"properties": {"a": {"bsonType": "int"}}}, {"a": [1]}, False),
    # restriction keywords only constrain values of their own type
    ({"properties": {"a": {"minimum": 5}}}, {"a": "x"}, True),
    ({"properties": {"a": {"minimum": 5}}}, {"a": 4}, False),
    ({"properties": {"a": {"maximum": 5, "exclusiveMaximum": True}}}, {"a": 5}, False),
    ({"properties": {"a": {"minimum": 5, "exclusiveMinimum": True}}}, {"a": 5.5}, True),
    ({"properties": {"a": {"maxLength": 3}}}, {"a": [1, 2, 3, 4]}, True),
    ({"properties": {"a": {"minLength": 2}}}, {"a": "é"}, False),
    ({"properties": {"a": {"maxLength": 1}}}, {"a": "é"}, True),
    ({"properties": {"a": {"pattern": "^ab"}}}, {"a": "abc"}, True),
    ({"properties": {"a": {"pattern": "^ab"}}}, {"a": "cab"}, False),
    ({"properties": {"a": {"multipleOf": 0.1}}}, {"a": 0.3}, True),
    ({"properties": {"a": {"multipleOf": 2}}}, {"a": 7}, False),
    ({"properties": {"a": {"minItems": 2}}}, {"a": [1]}, False),
    ({"properties": {"a": {"maxItems": 1}}}, {"a": "long string"}, True),
    ({"properties": {"a": {"uniqueItems": True}}}, {"a": [1, 2.0, 2]}, False),
    ({"properties": {"a": {"uniqueItems": True}}}, {"a": [{"x": 1, "y": 2}, {"y": 2, "x": 1}]},
     False),
    ({"properties": {"a": {"uniqueItems": False}}}, {"a": [1, 1]}, True),
    ({"properties": {"a": {"items": {"bsonType": "int"}}}}, {"a": [1, "x"]}, False),
    ({"properties": {"a": {"items": [{"bsonType": "int"}, {"bsonType": "string"}]}}},
     {"a": [1, "x", None]}, True),
    ({"properties": {"a": {"items": [{"bsonType": "int"}], "additionalItems": False}}},
     {"a": [1, 2]}, False),
    ({"properties": {"a": {"items": [{"bsonType": "int"}],
                           "additionalItems": {"bsonType": "string"}}}},
     {"a": [1, "x", "y"]}, True),
    # additionalItems without an items array does nothing
    ({"properties": {"a": {"additionalItems": False}}}, {"a": [1, 2]}, True),
    # enum compares objects without regard to field order
    ({"properties": {"a": {"enum": [{"x": 1, "y": 2}]}}}, {"a": {"y": 2, "x": 1}}, True),
    ({"properties": {"a": {"enum": [1, "two"]}}}, {"a": 1.0}, True),
    ({"properties": {"a": {"enum": [1, "two"]}}}, {"a": "three"}, False),
    # object keywords
    ({"properties": {"a": {"required": ["b"]}}}, {"a": {"c": 1}}, False),
    ({"properties": {"a": {"required": ["b"]}}}, {"a": 5}, True),
    ({"properties": {"a": {"minProperties": 2}}}, {"a": {"x": 1}}, False),
    ({"maxProperties": 2}, {"a": 1, "b": 2}, False),  # _id counts
    ({"properties": {"_id": {}, "a": {}}, "additionalProperties": False}, {"a": 1}, True),
    ({"properties": {"a": {}}, "additionalProperties": False}, {"a": 1}, False),
    ({"properties": {"_id": {}}, "additionalProperties": {"bsonType": "int"}}, {"a": 1}, True),
    ({"patternProperties": {"^s_": {"bsonType": "string"}}}, {"s_a": 5}, False),
    ({"patternProperties": {"^s_": {"bsonType": "string"}}}, {"s_a": "x", "n": 5}, True),
    ({"properties": {"_id": {}}, "patternProperties": {"^s_": {}},
      "additionalProperties": False}, {"s_a": 1, "t": 2}, False),
    ({"dependencies": {"a": ["b"]}}, {"a": 1}, False),
    ({"dependencies": {"a": ["b"]}}, {"b": 1}, True),
    ({"dependencies": {"a": {"required": ["c"]}}}, {"a": 1, "c": 2}, True),
    ({"dependencies": {"a": {"required": ["c"]}}}, {"a": 1}, False),
    # logical keywords
    ({"allOf": [{"required": ["a"]}, {"required": ["b"]}]}, {"a": 1}, False),
    ({"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}, {"b": 1}, True),
    ({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, {"a": 1, "b": 1}, False),
    ({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, {"a": 1}, True),
    ({"not": {"required": ["a"]}}, {"a": 1}, False),
    ({"title": "t", "description": "d"}, {"a": 1}, True),
    # a top-level schema whose type excludes objects matches nothing
    ({"bsonType": "array"}, {"a": 1}, False),
    ({"bsonType": ["array", "object"]}, {"a": 1}, True),
    ({"enum": [{"a": 1}]}, {"a": 1}, False),  # _id is part of the root document
])
def test_keyword_semantics(db, schema, document, expected):
    assert _matches(db, schema, document) is expected


@pytest.mark.parametrize("schema, code, message", [
    ({"type": "integer"}, 9, "$jsonSchema type 'integer' is not currently supported."),
    ({"type": "int"}, 2, "Unknown type name alias: int"),
    ({"bsonType": "integer"}, 9, "$jsonSchema type 'integer' is not currently supported."),
    ({"bsonType": "float"}, 2, "Unknown type name alias: float"),
    ({"bsonType": []}, 9, "$jsonSchema keyword 'bsonType' must name at least one type"),
    ({"bsonType": ["int", "int"]}, 9, "$jsonSchema keyword 'bsonType' has duplicate value: int"),
    ({"bsonType": 1}, 14, "$jsonSchema keyword 'bsonType' must be either a string or an array "
                          "of strings"),
    ({"type": "string", "bsonType": "string"}, 9,
     "Cannot specify both $jsonSchema keywords 'type' and 'bsonType'"),
    ({"$ref": "#/x"}, 9, "$jsonSchema keyword '$ref' is not currently supported"),
    ({"$schema": "x"}, 9, "$jsonSchema keyword '$schema' is not currently supported"),
    ({"default": 1}, 9, "$jsonSchema keyword 'default' is not currently supported"),
    ({"definitions": {}}, 9, "$jsonSchema keyword 'definitions' is not currently supported"),
    ({"format": "email"}, 9, "$jsonSchema keyword 'format' is not currently supported"),
    ({"id": "x"}, 9, "$jsonSchema keyword 'id' is not currently supported"),
    ({"foo": 1}, 9, "Unknown $jsonSchema keyword: foo"),
    ({"properties": {"a": {"foo": 1}}}, 9, "Unknown $jsonSchema keyword: foo"),
    ({"title": 1}, 14, "$jsonSchema keyword 'title' must be of type string"),
    ({"minimum": "1"}, 14, "$jsonSchema keyword 'minimum' must be a number"),
    ({"exclusiveMaximum": True}, 9,
     "$jsonSchema keyword 'maximum' must be a present if exclusiveMaximum is present"),
    ({"maximum": 1, "exclusiveMaximum": 1}, 14,
     "$jsonSchema keyword 'exclusiveMaximum' must be a boolean"),
    ({"minLength": -1}, 9, "Expected a non-negative number in: minLength: -1"),
    ({"maxItems": 1.5}, 9, "Expected an integer: maxItems: 1.5"),
    ({"minProperties": "x"}, 9, 'Expected a number in: minProperties: "x"'),
    ({"multipleOf": 0}, 9, "$jsonSchema keyword 'multipleOf' must have a positive value"),
    ({"pattern": 1}, 14, "$jsonSchema keyword 'pattern' must be a string"),
    ({"required": []}, 9, "$jsonSchema keyword 'required' cannot be an empty array"),
    ({"required": ["a", "a"]}, 9,
     "$jsonSchema keyword 'required' array cannot contain duplicate values"),
    ({"required": [1]}, 14, "$jsonSchema keyword 'required' must be an array of strings, but "
                            "found an element of type: int"),
    ({"properties": {"a": 1}}, 14, "Nested schema for $jsonSchema property 'a' must be an object"),
    ({"enum": []}, 9, "$jsonSchema keyword 'enum' cannot be an empty array"),
    ({"enum": [1, 1.0]}, 9, "$jsonSchema keyword 'enum' array cannot contain duplicate values."),
    ({"allOf": []}, 2, "$jsonSchema keyword 'allOf' must be a non-empty array"),
    ({"anyOf": {}}, 14, "$jsonSchema keyword 'anyOf' must be an array"),
    ({"uniqueItems": 1}, 14, "$jsonSchema keyword 'uniqueItems' must be a boolean"),
    ({"additionalProperties": 1}, 14,
     "$jsonSchema keyword 'additionalProperties' must be an object or a boolean"),
    ({"dependencies": {"a": []}}, 9,
     "property 'a' in $jsonSchema keyword 'dependencies' cannot be an empty array"),
    ({"dependencies": {"a": 1}}, 14,
     "property 'a' in $jsonSchema keyword 'dependencies' must be either an object or an array"),
    ({"encrypt": {}}, 224, "Encryption-related validator keywords are not allowed in this "
                           "context"),
])
def test_parse_errors(db, schema, code, message):
    db.c.insert_one({"a": 1})
    with pytest.raises(OperationFailure) as info:
        list(db.c.find({"$jsonSchema": schema}))
    assert (info.value.code, info.value.details["errmsg"]) == (code, message)


def test_json_schema_must_be_an_object(db):
    with pytest.raises(OperationFailure) as info:
        list(db.c.find({"$jsonSchema": 1}))
    assert (info.value.code, info.value.details["errmsg"]) == (14, "$jsonSchema must be an "
                                                                   "object")


def _details(db, schema, document):
    db.create_collection("v", validator={"$jsonSchema": schema})
    with pytest.raises(WriteError) as info:
        db.v.insert_one(dict(document, _id=1))
    return info.value.details["errInfo"]["details"]["schemaRulesNotSatisfied"]


def test_details_required_lists_missing_properties_sorted(db):
    assert _details(db, {"required": ["z", "a", "m"]}, {"m": 1}) == [
        {"operatorName": "required", "specifiedAs": {"required": ["z", "a", "m"]},
         "missingProperties": ["a", "z"]}]


def test_details_additional_properties(db):
    assert _details(db, {"properties": {"_id": {}, "a": {}}, "additionalProperties": False},
                    {"a": 1, "b": 2, "c": 3}) == [
        {"operatorName": "additionalProperties", "specifiedAs": {"additionalProperties": False},
         "additionalProperties": ["b", "c"]}]


def test_details_numbers_strings_and_arrays(db):
    schema = {"properties": {
        "n": {"bsonType": "int", "minimum": 5, "multipleOf": 2},
        "s": {"minLength": 3, "pattern": "^a"},
        "l": {"maxItems": 1, "uniqueItems": True},
    }}
    rules = _details(db, schema, {"n": 3, "s": "b", "l": [1, 1]})
    assert rules == [{"operatorName": "properties", "propertiesNotSatisfied": [
        {"propertyName": "n", "details": [
            {"operatorName": "multipleOf", "specifiedAs": {"multipleOf": 2},
             "reason": "considered value is not a multiple of the specified value",
             "consideredValue": 3},
            {"operatorName": "minimum", "specifiedAs": {"minimum": 5},
             "reason": "comparison failed", "consideredValue": 3}]},
        {"propertyName": "s", "details": [
            {"operatorName": "pattern", "specifiedAs": {"pattern": "^a"},
             "reason": "regular expression did not match", "consideredValue": "b"},
            {"operatorName": "minLength", "specifiedAs": {"minLength": 3},
             "reason": "specified string length was not satisfied", "consideredValue": "b"}]},
        {"propertyName": "l", "details": [
            {"operatorName": "maxItems", "specifiedAs": {"maxItems": 1},
             "reason": "array did not match specified length", "consideredValue": [1, 1],
             "numberOfItems": 2},
            {"operatorName": "uniqueItems", "specifiedAs": {"uniqueItems": True},
             "reason": "found a duplicate item", "consideredValue": [1, 1],
             "duplicatedValue": 1}]},
    ]}]


def test_details_items_and_logical_keywords(db):
    schema = {"properties": {
        "a": {"items": {"bsonType": "int"}},
        "o": {"oneOf": [{"minimum": 1}, {"minimum": 2}]},
        "x": {"not": {"bsonType": "string"}},
    }}
    rules = _details(db, schema, {"a": [1, "x"], "o": 5, "x": "s"})
    assert rules == [{"operatorName": "properties", "propertiesNotSatisfied": [
        {"propertyName": "a", "details": [
            {"operatorName": "items", "reason": "At least one item did not match the sub-schema",
             "itemIndex": 1, "details": [
                 {"operatorName": "bsonType", "specifiedAs": {"bsonType": "int"},
                  "reason": "type did not match", "consideredValue": "x",
                  "consideredType": "string"}]}]},
        {"propertyName": "o", "details": [
            {"operatorName": "oneOf", "reason": "more than one subschema matched",
             "matchingSchemaIndexes": [0, 1]}]},
        {"propertyName": "x", "details": [
            {"operatorName": "not", "reason": "child expression matched"}]},
    ]}]


def test_details_top_level_type_that_excludes_objects(db):
    db.create_collection("v", validator={"$jsonSchema": {"bsonType": "array"}})
    with pytest.raises(WriteError) as info:
        db.v.insert_one({"_id": 1})
    assert info.value.details["errInfo"]["details"] == {
        "operatorName": "$jsonSchema", "specifiedAs": {"$jsonSchema": {"bsonType": "array"}},
        "reason": "expression always evaluates to false"}
