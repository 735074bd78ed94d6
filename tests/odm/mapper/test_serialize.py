"""to_dict / to_json, the ``$jsonSchema`` of a mapped class as the collection's validator, and the drift report."""
from __future__ import annotations

import datetime
import json

import bson
import pytest
from pymongo.errors import WriteError

import odm
from odm import schema
from odm.odm import FieldProperty, ForeignIdProperty, MappedClass


def declare(sess):
    class Address(odm.EmbeddedMappedClass):
        city = FieldProperty(schema.String(required=True))

    class User(MappedClass):
        class __mongometa__:
            name = "user"
            session = sess

        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(schema.String(required=True, max_length=10))
        nick = FieldProperty(str, db_field="n")
        age = FieldProperty(schema.Int(min_value=0, max_value=150))
        role = FieldProperty(schema.String(choices=["admin", "editor"], if_missing="editor"))
        email = FieldProperty(schema.Email)
        joined = FieldProperty(schema.DateTime)
        tags = FieldProperty([str])
        home = odm.EmbeddedProperty(Address)
        friend_ids = ForeignIdProperty("User", uselist=True)

    return Address, User


def test_to_dict_and_to_json(odm_session):
    Address, User = declare(odm_session)
    oid = bson.ObjectId("0123456789ab0123456789ab")
    user = User(_id=oid, name="Ada", nick="ada", age=36, joined=datetime.datetime(2020, 1, 2), tags=["x"],
                home=Address(city="London"))
    user.tags.append("y")
    expected = {"_id": oid, "age": 36, "email": None, "friend_ids": [], "home": {"city": "London"},
                "joined": datetime.datetime(2020, 1, 2), "name": "Ada", "nick": "ada", "role": "editor",
                "tags": ["x", "y"]}
    assert user.to_dict() == expected
    assert type(user.to_dict()["tags"]) is list  # plain values, not the instrumented ones
    by_alias = user.to_dict(by_alias=True)
    assert "n" in by_alias and "nick" not in by_alias
    assert odm.to_dict(user.home) == {"city": "London"}
    assert json.loads(user.to_json()) == {**{k: v for k, v in expected.items() if k not in ("_id", "joined")},
                                          "_id": {"$oid": "0123456789ab0123456789ab"},
                                          "joined": {"$date": "2020-01-02T00:00:00Z"}}
    canonical = json.loads(user.to_json(json_options=bson.json_util.CANONICAL_JSON_OPTIONS))
    assert canonical["joined"] == {"$date": {"$numberLong": "1577923200000"}}
    assert canonical["age"] == {"$numberInt": "36"}


def test_json_schema_describes_the_class():
    Address, User = declare(None)
    js = User.json_schema()
    assert js["title"] == "User" and js["bsonType"] == "object" and js["required"] == ["name"]
    props = js["properties"]
    assert props["_id"] == {"bsonType": ["objectId", "null"]}
    assert props["name"] == {"bsonType": ["string", "null"], "maxLength": 10}
    assert props["n"] == {"bsonType": ["string", "null"]}
    assert props["age"] == {"bsonType": ["int", "long", "null"], "minimum": 0, "maximum": 150}
    assert props["role"] == {"bsonType": ["string", "null"], "enum": ["admin", "editor", None]}
    assert props["email"]["pattern"] == "^[^@\\s]+@[^@\\s]+$"
    assert props["joined"] == {"bsonType": ["date", "null"]}
    assert props["tags"] == {"bsonType": "array", "items": {"bsonType": ["string", "null"]}}
    assert props["home"] == {"bsonType": ["object", "null"], "required": ["city"],
                             "properties": {"city": {"bsonType": ["string", "null"]}}}
    assert props["friend_ids"] == {"bsonType": "array", "items": {"bsonType": ["objectId", "null"]}}
    assert "additionalProperties" not in js
    assert User.json_schema(additional_properties=False)["additionalProperties"] is False


def test_json_schema_as_the_collection_validator_holds_other_writers_to_the_rules(odm_session):
    Address, User = declare(odm_session)
    db = odm_session.db
    db.create_collection("user", validator={"$jsonSchema": User.json_schema()})
    User(name="Ada", age=36, home=Address(city="London"), email="ada@example.com")
    odm_session.flush()  # what the ODM writes passes
    for bad in ({"name": "x" * 11}, {"name": "Bob", "age": -1}, {"name": "Bob", "role": "owner"},
                {"name": "Bob", "email": "nope"}, {"age": 3}, {"name": "Bob", "home": {"town": "x"}},
                {"name": "Bob", "tags": "x"}):
        with pytest.raises(WriteError) as info:
            db.user.insert_one(bad)
        assert info.value.code == 121, bad  # DocumentValidationFailure
    assert db.user.count_documents({}) == 1


def test_drift_report_counts_documents_that_no_longer_fit(odm_session, capsys):
    Address, User = declare(odm_session)
    raw = odm_session.db.user
    raw.insert_many([
        {"name": "ok"},
        {"name": "toolongname!"},
        {"name": "x", "age": -5},
        {"name": "y", "age": "old", "legacy": 1},
        {"age": 3},
        {"name": "z", "home": {"town": "x"}, "tags": ["a", 3]},
    ])
    report = User.drift_report(progress=True)
    assert (report.checked, report.invalid) == (6, 5)
    assert report.errors == {
        "name: <value> is longer than max_length=10": 1,
        "age: <value> is less than min_value=0": 1,
        "age: <value> is not of type int": 1,
        "(document): Extra keys: {'legacy'}": 1,
        "name: Missing field": 1,
        "home.city: Missing field": 1,
        "home: Extra keys: {'town'}": 1,
        "tags.[]: <value> is not of type str": 1,
    }
    assert len(report.examples["name: Missing field"]) == 1
    assert "5 of 6 documents do not match" in str(report)
    assert "6/6" in capsys.readouterr().err
    lenient = odm.drift_report(User, strict=False, filter={"name": {"$exists": True}})
    assert lenient.checked == 5 and "(document): Extra keys: {'legacy'}" not in lenient.errors
