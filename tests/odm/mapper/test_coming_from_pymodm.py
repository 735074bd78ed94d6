"""PyMODM's field validation as odm schema options (seed 002's examples, rewritten for odm)."""
from __future__ import annotations

import datetime
import decimal
import re

import bson
import pytest

from odm import Field, collection, schema
from odm.odm import FieldProperty, MappedClass
from odm.schema import Invalid


def is_gmail_address(value):
    """Seed 002's custom validator."""
    if not value.endswith("@gmail.com"):
        raise ValueError("Email address must be valid gmail account.")


@pytest.fixture
def User(odm_session):
    class User(MappedClass):
        class __mongometa__:
            name = "user"
            session = odm_session

        _id = FieldProperty(schema.ObjectId)
        email = FieldProperty(schema.Email(validators=[is_gmail_address]))
        first_name = FieldProperty(schema.String(blank=False))
        last_name = FieldProperty(schema.String(max_length=30))
        age = FieldProperty(schema.Int(min_value=0, max_value=150))
        role = FieldProperty(schema.String(choices=["admin", "editor"], if_missing="editor"))
        homepage = FieldProperty(schema.URL)
        code = FieldProperty(schema.String(regex=r"^[A-Z]{3}$"))
        score = FieldProperty(schema.Float(min_value=0))
        joined = FieldProperty(schema.DateTime)
        balance = FieldProperty(schema.NumberDecimal)

    return User


def test_a_valid_user_is_saved_with_coerced_values(User, odm_session):
    User(email="ada@gmail.com", first_name="Ada", last_name="Lovelace", age=36, homepage="https://example.com/ada",
         code="ADA", score=3, joined=datetime.date(1815, 12, 10), balance=decimal.Decimal("1.50"))
    odm_session.flush()
    odm_session.clear()
    user = User.query.get(email="ada@gmail.com")
    assert (user.first_name, user.last_name, user.age, user.role, user.code) == ("Ada", "Lovelace", 36, "editor", "ADA")
    assert user.score == 3 and user.joined == datetime.datetime(1815, 12, 10)
    assert user.balance == bson.Decimal128("1.50")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "x" * 31, "last_name:'" + "x" * 31 + "' is longer than max_length=30"),
        ("first_name", "", "first_name:blank value is not allowed (blank=False)"),
        ("age", -1, "age:-1 is less than min_value=0"),
        ("age", 151, "age:151 is greater than max_value=150"),
        ("role", "owner", "role:'owner' is not one of choices=['admin', 'editor']"),
        ("code", "ab", "code:'ab' does not match regex='^[A-Z]{3}$'"),
        ("score", -0.5, "score:-0.5 is less than min_value=0"),
        ("email", "ada@example.com",
         "email:validator is_gmail_address refused 'ada@example.com': Email address must be valid gmail account."),
        ("email", "ada@@gmail.com", "email:'ada@@gmail.com' does not match the e-mail address rule (one '@')"),
        ("homepage", "mailto:ada@gmail.com", "homepage:'mailto:ada@gmail.com' is not a URL with a host"),
        ("age", "36", "age:'36' is not of type int"),
    ],
)
def test_a_broken_rule_names_the_field_and_the_rule_and_nothing_is_stored(session, field, value, message):
    users = collection(
        "user_doc", session,
        Field("_id", schema.ObjectId),
        Field("email", schema.Email(validators=[is_gmail_address])),
        Field("first_name", schema.String(blank=False)),
        Field("last_name", schema.String(max_length=30)),
        Field("age", schema.Int(min_value=0, max_value=150)),
        Field("role", schema.String(choices=["admin", "editor"], if_missing="editor")),
        Field("homepage", schema.URL),
        Field("code", schema.String(regex=r"^[A-Z]{3}$")),
        Field("score", schema.Float(min_value=0)),
    )
    good = dict(email="ada@gmail.com", first_name="Ada", age=36)
    users.make(good).m.save()
    with pytest.raises(Invalid, match="^" + re.escape(message)):
        users.make({**good, field: value}).m.save()
    assert session.db.user_doc.count_documents({}) == 1


def test_assigning_a_mapped_field_checks_its_rules(User, odm_session):
    user = User(email="ada@gmail.com", first_name="Ada", age=36)
    with pytest.raises(Invalid, match="^151 is greater than max_value=150$"):
        user.age = 151  # Ming's form: an assignment's error is the schema's own message
    assert user.age == 36
    odm_session.flush()
    assert User.query.find().count() == 1


def test_rules_apply_inside_arrays_and_to_standalone_schemas():
    tags = schema.Array(schema.String(max_length=3))
    assert tags.validate(["a", "abc"]) == ["a", "abc"]
    with pytest.raises(Invalid, match=re.escape("[1]:'abcd' is longer than max_length=3")):
        tags.validate(["a", "abcd"])
    assert schema.String(max_length=1).validate(None) is None
    assert schema.Int(min_value=5, allow_none=False).validate(5) == 5
    with pytest.raises(Invalid, match="validator <lambda> refused 4"):
        schema.Int(validators=[lambda v: v % 2 == 1]).validate(4)
    with pytest.raises(Invalid, match="is shorter than min_length=2"):
        schema.String(min_length=2).validate("a")
