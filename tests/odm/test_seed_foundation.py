"""The examples of the seed's "Ming Foundation Layer" chapter, run with ``odm`` imports.

Each test follows one example of the documentation and checks the result the
documentation shows (ObjectIds and timestamps aside).  The datastore comes
from the fixture (mim, or a real server with MONGODB_URI) instead of the
tutorial's ``localhost`` server.
"""
from __future__ import annotations

import re
import typing
from datetime import datetime

import bson
import pytest

from odm import Document, Field, Session, collection, create_datastore, schema
from odm.exc import MingException


_OID = re.compile(r"ObjectId\('[0-9a-f]{24}'\)")


def norm(value: object) -> str:
    """``repr`` with every ObjectId shown as ``<id>``.

    The seed's foundation reprs come from Python 2 (``u''`` strings, dicts in
    hash order), which no Python 3 program prints; the expected reprs below
    are what Ming 0.17.3 prints on Python 3 for the same code (checked by
    running it), with the seed's values.
    """
    return _OID.sub("<id>", repr(value))


def make_wiki_page(session, text_field=None):
    class WikiPage(Document):
        class __mongometa__:
            name = "wiki_page"

        __mongometa__.session = session

        _id = Field(schema.ObjectId)
        title = Field(str)
        text = text_field if text_field is not None else Field(str)

    return WikiPage


# -- Connecting to the Database ---------------------------------------------------
def test_session_over_a_datastore(datastore):
    session = Session(datastore)
    assert session.bind is datastore
    assert session.db is datastore.db


def test_session_over_create_datastore_for_a_mongodb_url():
    session = Session(create_datastore("mongodb://localhost:27017/tutorial", connect=False))
    try:
        assert session.db.name == "tutorial"
    finally:
        session.bind.conn.close()


# -- Collection objects -------------------------------------------------------------
def test_imperative_and_declarative_declarations_are_equivalent(session):
    Imperative = collection(
        "wiki_page", session, Field("_id", schema.ObjectId), Field("title", schema.String), Field("text", schema.String)
    )

    class Declarative(Document):
        class __mongometa__:
            name = "wiki_page"

        __mongometa__.session = session
        _id = Field(schema.ObjectId)
        title = Field(schema.String)
        text = Field(schema.String)

    for cls in (Imperative, Declarative):
        assert cls.m.collection_name == "wiki_page"
        assert cls.m.session is session
        assert [f.name for f in cls.m.fields] == ["_id", "title", "text"]
        assert [type(f.schema) for f in cls.m.fields] == [schema.ObjectId, schema.String, schema.String]
    # Field instances do not stay on the class: attribute access reads the document.
    assert "title" not in Declarative.__dict__
    page = Declarative(dict(title="T"))
    assert page.title == "T"


def test_renamed_field_maps_a_document_key_to_another_attribute(session):
    class Account(Document):
        class __mongometa__:
            name = "account"

        __mongometa__.session = session
        _id = Field(schema.ObjectId)
        _renamed_field = Field("renamed_field", schema.String)

        @property
        def shouted(self):
            return self._renamed_field.upper()

    doc = Account.make(dict(renamed_field="hello"))
    assert doc._renamed_field == "hello" and doc.shouted == "HELLO"
    doc._renamed_field = "changed"
    assert doc["renamed_field"] == "changed"
    doc.m.save()
    assert session.db.account.find_one()["renamed_field"] == "changed"
    with pytest.raises(schema.Invalid):
        Account.make(dict(_renamed_field="not the document key"))


def test_type_annotation_of_the_manager(session):
    if typing.TYPE_CHECKING:  # pragma: no cover - the doc's import idiom
        from odm.metadata import Manager  # noqa: F401

    class WikiPage(Document):
        class __mongometa__:
            name = "wiki_page"

        __mongometa__.session = session
        m: "Manager[WikiPage]"  # noqa: F821
        _id = Field(schema.ObjectId)

    from odm.metadata import Manager

    assert isinstance(WikiPage.m, Manager)
    assert typing.get_type_hints(WikiPage, localns={"Manager": Manager, "WikiPage": WikiPage})["m"] == Manager[WikiPage]


# -- Using Ming Objects to Represent Mongo Records ---------------------------------
def test_tutorial_documents_save_and_query(session):
    WikiPage = make_wiki_page(session)

    page = WikiPage(dict(title="MyPage", text=""))
    assert page == {"text": "", "title": "MyPage"}
    assert repr(page) == "{'title': 'MyPage', 'text': ''}"
    assert page.title == "MyPage"
    assert page["title"] == "MyPage"
    assert isinstance(page, dict)

    page.m.save()
    assert isinstance(page._id, bson.ObjectId)
    assert norm(page) == "{'title': 'MyPage', 'text': '', '_id': <id>}"  # saving adds the _id

    first = WikiPage.m.find().first()
    assert norm(first) == "{'_id': <id>, 'text': '', 'title': 'MyPage'}"  # validated: sorted keys
    assert first == {"text": "", "_id": page._id, "title": "MyPage"}
    assert type(first) is WikiPage

    page.text = "This is some text on my page"
    page.m.save()
    assert norm(WikiPage.m.find().first()) == "{'_id': <id>, 'text': 'This is some text on my page', 'title': 'MyPage'}"


def test_querying_the_database(session):
    WikiPage = make_wiki_page(session)
    page = WikiPage(dict(title="MyPage", text=""))
    page.m.save()
    expected = {"text": "", "_id": page._id, "title": "MyPage"}
    assert WikiPage.m.find({"title": "MyPage"}).first() == expected
    assert norm(WikiPage.m.find({"title": "MyPage"}).first()) == "{'_id': <id>, 'text': '', 'title': 'MyPage'}"
    assert WikiPage.m.find().count() == 1
    assert WikiPage.m.get(title="MyPage") == expected
    assert norm(WikiPage.m.get(title="MyPage")) == "{'_id': <id>, 'text': '', 'title': 'MyPage'}"


def test_cursor_convenience_methods(session):
    WikiPage = make_wiki_page(session)
    for i in range(5):
        WikiPage.make(dict(title=f"p{i}", text="")).m.save()
    assert [p.title for p in WikiPage.m.find().sort("title").all()] == ["p0", "p1", "p2", "p3", "p4"]
    assert WikiPage.m.find({"title": "nope"}).first() is None
    assert WikiPage.m.find({"title": "p1"}).one().title == "p1"
    with pytest.raises(ValueError):
        WikiPage.m.find().one()
    with pytest.raises(ValueError):
        WikiPage.m.find({"title": "nope"}).one()
    assert WikiPage.m.find().count() == 5
    assert [p.title for p in WikiPage.m.find().sort("title", -1).skip(1).limit(2)] == ["p3", "p2"]


# -- Other Sessions ----------------------------------------------------------------
def test_other_sessions_by_name(session, backend):
    from conftest import make_datastore

    WikiPage = make_wiki_page(session)
    foobar = Session.by_name("foobar")
    foobar.bind = make_datastore(backend, "foobar")
    try:
        my_model_instance = WikiPage.make(dict(title="elsewhere", text=""))
        foobar.save(my_model_instance)
        assert foobar.db.wiki_page.count_documents({}) == 1
        assert session.db.wiki_page.count_documents({}) == 0

        second = WikiPage.make(dict(title="also elsewhere", text=""))
        second.m(foobar).save()
        assert foobar.db.wiki_page.count_documents({}) == 2
        assert WikiPage.m.with_session(foobar).find().count() == 2
        assert WikiPage.m.find().count() == 0
    finally:
        if backend != "mim":
            foobar.bind.conn.drop_database(foobar.bind.name)


# -- Bad Data ----------------------------------------------------------------------------
def test_extra_keys_are_rejected_on_save(session):
    WikiPage = make_wiki_page(session)
    page = WikiPage(dict(title="MyPage", text="", fooBar=""))
    assert page == {"fooBar": "", "text": "", "title": "MyPage"}
    assert repr(page) == "{'title': 'MyPage', 'text': '', 'fooBar': ''}"
    with pytest.raises(schema.Invalid) as info:
        page.m.save()
    assert str(info.value) == "Extra keys: {'fooBar'}"
    assert session.db.wiki_page.count_documents({}) == 0


def test_make_validates_at_creation_time(session):
    WikiPage = make_wiki_page(session)
    with pytest.raises(schema.Invalid) as info:
        WikiPage.make(dict(title="MyPage", text="", fooBar=""))
    assert str(info.value) == "Extra keys: {'fooBar'}"


def test_if_missing_default_value(session):
    WikiPage = make_wiki_page(session, text_field=Field(str, if_missing=""))
    page = WikiPage.make(dict(title="MyPage"))
    assert {k: v for k, v in page.items() if k != "_id"} == {"text": "", "title": "MyPage"}
    assert norm(page) == "{'_id': <id>, 'text': '', 'title': 'MyPage'}"


def test_if_missing_callable_creation_date(session):
    class WikiPage(Document):
        class __mongometa__:
            name = "wiki_page"

        __mongometa__.session = session
        _id = Field(schema.ObjectId)
        title = Field(str)
        creation_date = Field(datetime, if_missing=datetime.utcnow)

    before = datetime.utcnow().replace(microsecond=0)
    page = WikiPage.make(dict(title="dated"))
    assert before <= page.creation_date <= datetime.utcnow()
    page.m.save()
    assert WikiPage.m.get(title="dated").creation_date == page.creation_date


# -- ming.schema reference: ObjectId ------------------------------------------------------
def test_objectid_reference_examples():
    assert isinstance(schema.ObjectId().validate(schema.Missing), bson.ObjectId)
    assert schema.ObjectId(if_missing=None).validate(schema.Missing) is None


# -- Custom Schemas (shown at the foundation layer) -------------------------------------
class EmailSchema(schema.FancySchemaItem):
    regex = re.compile(r"[\w\.\+\-]+\@[\w]+\.[a-z]{2,3}$")

    def _validate(self, value, **kw):
        if not self.regex.match(value):
            raise schema.Invalid("Not a valid email address", value)
        return value


def make_contact(session):
    return collection(
        "contact",
        session,
        Field("_id", schema.ObjectId),
        Field("name", schema.String(required=True)),
        Field("email", EmailSchema),
    )


def test_custom_schema_valid_values_round_trip(session):
    Contact = make_contact(session)
    Contact.make(dict(name="Contact 1", email="contact1@server.com")).m.save()
    c = Contact.m.find().first()
    assert c.email == "contact1@server.com"


def test_custom_schema_rejects_invalid_values_on_creation(session):
    Contact = make_contact(session)
    with pytest.raises(schema.Invalid) as info:
        Contact.make(dict(name="Contact 1", email="this-is-invalid"))
    assert repr(info.value) == "Invalid('email:Not a valid email address')"
    assert repr(info.value.error_dict["email"]) == "Invalid('Not a valid email address')"


def test_custom_schema_is_enforced_on_loaded_data(session):
    Contact = make_contact(session)
    session.db.contact.insert_one(dict(name="Invalid Contact", email="this-is-invalid"))
    with pytest.raises(schema.Invalid) as info:
        Contact.m.find().first()
    assert repr(info.value) == "Invalid('email:Not a valid email address')"


def test_schemas_that_convert_are_applied_again_on_every_validation(session):
    """The seed's PasswordSchema lesson: a converting schema re-runs on each save/load."""
    import hashlib

    class PasswordSchema(schema.FancySchemaItem):
        def _validate(self, value, **kwargs):
            return hashlib.md5(value.encode()).hexdigest()

    User = collection(
        "user_with_schema",
        session,
        Field("_id", schema.ObjectId),
        Field("name", schema.String(required=True)),
        Field("password", PasswordSchema),
    )
    user = User.make(dict(name="User 1", password="12345678"))
    once = hashlib.md5(b"12345678").hexdigest()
    assert user.password == once
    user.m.save()
    stored = session.db.user_with_schema.find_one()["password"]
    assert stored != once  # hashed again when saved
    loaded = User.m.find().first().password
    assert loaded not in (once, stored)  # and again when loaded
    pwdmd5 = once
    for i in range(10):
        if pwdmd5 == loaded:
            break
        pwdmd5 = hashlib.md5(pwdmd5.encode()).hexdigest()
    assert pwdmd5 == loaded and i == 2


def test_bool_of_a_cursor_raises(session):
    WikiPage = make_wiki_page(session)
    with pytest.raises(MingException, match="Cannot evaluate Cursor to a boolean"):
        bool(WikiPage.m.find())


# -- Dropping down below the ODM (the foundation-layer half of the example) -------------
def test_dropping_down_to_the_pymongo_collection(session):
    WikiPage = make_wiki_page(session)
    WikiPage.make(dict(title="MyFirstPage", text="This is my first page!!!")).m.save()
    mongocol = WikiPage.m.collection
    assert mongocol.name == "wiki_page"
    raw = mongocol.find_one({"title": "MyFirstPage"})
    assert type(raw) is dict and raw["text"] == "This is my first page!!!"
    # the foundation session still validates, and returns documents (dicts)
    found = session.find(WikiPage, {"title": "MyFirstPage"}).all()
    assert found == [raw] and type(found[0]) is WikiPage


def test_document_subclasses_accept_init_subclass_arguments(session):
    class Tagged(Document):
        def __init_subclass__(cls, tag=None, **kwargs):
            super().__init_subclass__(**kwargs)
            cls.tag = tag

    class Page(Tagged, tag="wiki"):
        class __mongometa__:
            name = "tagged"

        __mongometa__.session = session
        _id = Field(schema.ObjectId)
        title = Field(str)

    assert Page.tag == "wiki"
    Page.make(dict(title="x")).m.save()
    assert Page.m.get(title="x").title == "x"
