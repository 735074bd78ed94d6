"""PyMODM's field validation as odm schema options (seed 002's examples, rewritten for odm)."""
from __future__ import annotations

import datetime
import decimal
import re

import bson
import pytest
from pymongo import WriteConcern

import odm
from odm import Field, collection, schema
from odm.odm import FieldProperty, ForeignIdProperty, MappedClass, RelationProperty
from odm.orm.registry import ORMError
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


# -- seed 002's blog: an e-mail primary key, references with a delete rule ------------------------
@pytest.fixture
def blog(odm_session):
    class User(MappedClass):
        """``email = fields.EmailField(primary_key=True)``: stored as ``_id``."""

        class __mongometa__:
            name = "User"
            session = odm_session
            write_concern = WriteConcern(j=True)  # ``class Meta: write_concern = WriteConcern(j=True)``

        email = FieldProperty(schema.Email, primary_key=True)
        first_name = FieldProperty(str)
        last_name = FieldProperty(schema.String(max_length=30))

    class Comment(odm.EmbeddedMappedClass):
        """``class Comment(EmbeddedMongoModel)``: ``author = fields.ReferenceField(User)``, ``content``."""

        author_id = ForeignIdProperty(User)
        author = RelationProperty(User)
        content = FieldProperty(str)

    class Post(MappedClass):
        class __mongometa__:
            name = "Post"
            session = odm_session

        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(str)
        # ``fields.ReferenceField(User, on_delete=ReferenceField.CASCADE)``
        author_id = ForeignIdProperty(User, on_delete=odm.CASCADE)
        author = RelationProperty(User)
        revised_on = FieldProperty(schema.DateTime)
        content = FieldProperty(str)
        comments = odm.EmbeddedProperty([Comment])  # ``fields.EmbeddedDocumentListField(Comment)``

    return User, Post


def test_seed_primary_key_is_stored_as_id(blog, odm_session):
    User, Post = blog
    User(email="jason@example.com", first_name="Jason", last_name="Ma")
    odm_session.flush()
    assert odm_session.db.User.find_one() == {"_id": "jason@example.com", "first_name": "Jason", "last_name": "Ma"}
    odm_session.clear()
    jason = User.query.get(email="jason@example.com")
    assert jason.email == "jason@example.com" and jason.first_name == "Jason"
    assert User.query.get("jason@example.com") is jason
    assert User.query.filter(User.email == "jason@example.com").one() is jason
    assert User.query.find_by(email="jason@example.com").one() is jason
    assert User.query.filter(email="jason@example.com").one() is jason
    with pytest.raises(Invalid, match="does not match the e-mail address rule"):
        jason.email = "not-an-address"


def test_seed_a_primary_key_must_be_given(blog):
    User, Post = blog
    with pytest.raises(Invalid, match=r"^email:a primary key \(primary_key=True\) needs a value$"):
        User(first_name="Nobody")


def test_seed_references_follow_the_primary_key_and_cascade(blog, odm_session):
    User, Post = blog
    jason = User(email="jason@example.com", first_name="Jason")
    other = User(email="ada@example.com", first_name="Ada")
    post = Post(title="Working with PyMODM", author_id=jason.email)
    Post(title="Notes", author_id=other.email)
    odm_session.flush()
    odm_session.clear()
    post = Post.query.get(post._id)
    assert post.author.first_name == "Jason"
    assert odm_session.db.Post.find_one({"_id": post._id})["author_id"] == "jason@example.com"
    # "let's delete any comments and posts associated with a User that has deleted his/her account"
    post.author.delete()
    odm_session.flush()
    assert [p["title"] for p in odm_session.db.Post.find()] == ["Notes"]


def test_a_primary_key_beside_an_id_property_is_refused(odm_session):
    class Account(MappedClass):
        class __mongometa__:
            name = "account"
            session = odm_session

        _id = FieldProperty(schema.ObjectId)
        login = FieldProperty(str, primary_key=True)

    with pytest.raises(ORMError, match=r"^Account\.(login|_id) and \.(login|_id) both store the document key '_id'$"):
        Account(login="x")


def test_db_field_stores_an_attribute_under_another_key(odm_session):
    class Person(MappedClass):
        class __mongometa__:
            name = "person"
            session = odm_session

        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(str, db_field="n")
        tags = FieldProperty([str], db_field="t")

    person = Person(name="Ada", tags=["math"])
    odm_session.flush()
    assert odm_session.db.person.find_one({}, {"_id": 0}) == {"n": "Ada", "t": ["math"]}
    person.tags.append("poetry")
    person.name = "Ada L."
    odm_session.flush()
    assert odm_session.db.person.find_one({}, {"_id": 0}) == {"n": "Ada L.", "t": ["math", "poetry"]}
    odm_session.clear()
    again = Person.query.get(name="Ada L.")
    assert again.tags == ["math", "poetry"]
    assert Person.query.filter(Person.name.startswith("Ada")).count() == 1
    assert Person.query.find(Person.name == "Ada L.").first() is again


def test_seed_comments_are_embedded_and_refer_to_their_authors(blog, odm_session):
    User, Post = blog
    jason = User(email="jason@example.com", first_name="Jason")
    ada = User(email="ada@example.com", first_name="Ada")
    post = Post(title="Working with PyMODM", author_id=jason.email)
    post.comments.append({"author_id": ada.email, "content": "Nice!"})  # a dict is validated into a Comment
    odm_session.flush()
    assert odm_session.db.Post.find_one()["comments"] == [{"author_id": "ada@example.com", "content": "Nice!"}]
    odm_session.clear()
    post = Post.query.find().options(odm.selectinload("comments.author")).one()
    assert [(c.author.first_name, c.content) for c in post.comments] == [("Ada", "Nice!")]
