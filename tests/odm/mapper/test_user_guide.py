"""The seed's "Ming ODM User Guide", walked through in order with ``odm`` imports.

Each test is one section of the guide; the outputs the guide shows (reprs of
objects, of ``I{...}``/``I[...]`` containers and of the session itself) are
compared after replacing ObjectIds, which differ on every run, by ``<id>``.
Key order is Ming's: a validated sub-document has sorted keys, one built from
defaults keeps declaration order (so the guide's ``I{'categories': [], 'tags':
[]}`` and ``metadata=I{'tags': [], 'categories': []}`` are both exact).  Where
the guide shows pymongo 3's legacy result dicts the test checks the same facts and
says so.
"""
from __future__ import annotations

import hashlib
import re
import typing

import pytest

from odm import Field, collection, schema
from odm.odm import (
    FieldProperty,
    FieldPropertyWithMissingNone,
    ForeignIdProperty,
    MappedClass,
    Mapper,
    RelationProperty,
    ThreadLocalODMSession,
    mapper,
)

if typing.TYPE_CHECKING:
    from odm.odm.mapper import Query

_OID = re.compile(r"ObjectId\('[0-9a-f]{24}'\)|\b[0-9a-f]{24}\b")


def norm(value: object) -> str:
    """``repr`` (or the string itself) with every ObjectId shown as ``<id>``."""
    text = value if isinstance(value, str) else repr(value)
    return _OID.sub("<id>", text)


EMPTY_SESSION = """TLProxy of <session>
  <UnitOfWork>
    <new>
    <clean>
    <dirty>
    <deleted>
  <imap (0)>"""


def declare_wiki(session: ThreadLocalODMSession) -> tuple[type, type]:
    class WikiPage(MappedClass):
        class __mongometa__:
            name = "wiki_page"

        __mongometa__.session = session
        query: "Query[WikiPage]"

        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(schema.String(required=True))
        text = FieldProperty(schema.String(if_missing=""))

        comments = RelationProperty("WikiComment")

    class WikiComment(MappedClass):
        class __mongometa__:
            name = "wiki_comment"

        __mongometa__.session = session

        _id = FieldProperty(schema.ObjectId)
        page_id = ForeignIdProperty("WikiPage")
        text = FieldProperty(schema.String(if_missing=""))

        page = RelationProperty("WikiPage")

    Mapper.compile_all()
    return WikiPage, WikiComment


@pytest.fixture
def session(odm_datastore) -> ThreadLocalODMSession:
    sess = ThreadLocalODMSession(bind=odm_datastore)
    yield sess
    sess.close()


# -- The ODM Session ------------------------------------------------------------
def test_the_odm_session(session, odm_datastore):
    assert repr(session) == EMPTY_SESSION
    assert session.db is odm_datastore.db
    assert session.bind is odm_datastore
    assert repr(session.bind) == f"<DataStore {session.db!r}>"


def test_the_session_on_a_mim_url_shows_mim_reprs():
    # the guide: session.db -> mim.Database(tutorial); session.bind -> <DataStore …>
    from odm import create_datastore
    session = ThreadLocalODMSession(bind=create_datastore("mim:///tutorial"))
    assert repr(session.db) == "mim.Database(tutorial)"
    assert repr(session.bind) == "<DataStore mim.Database(tutorial)>"


# -- Creating, querying, editing and deleting objects ------------------------------
def test_creating_objects_walks_the_unit_of_work(session):
    WikiPage, _ = declare_wiki(session)
    wp = WikiPage(title="FirstPage", text="This is a page")
    assert norm(wp) == "<WikiPage _id=<id>\n  title='FirstPage' text='This is a page'>"
    assert norm(session) == """TLProxy of <session>
  <UnitOfWork>
    <new>
      <WikiPage _id=<id>
          title='FirstPage' text='This is a page'>
    <clean>
    <dirty>
    <deleted>
  <imap (1)>
    WikiPage : <id> => <WikiPage _id=<id>
        title='FirstPage' text='This is a page'>"""
    session.flush()
    assert norm(session) == """TLProxy of <session>
  <UnitOfWork>
    <new>
    <clean>
      <WikiPage _id=<id>
          title='FirstPage' text='This is a page'>
    <dirty>
    <deleted>
  <imap (1)>
    WikiPage : <id> => <WikiPage _id=<id>
        title='FirstPage' text='This is a page'>"""
    assert str(wp._id) in repr(session)
    session.clear()
    assert repr(session) == EMPTY_SESSION


def test_querying_objects(session):
    WikiPage, _ = declare_wiki(session)
    WikiPage(title="FirstPage", text="This is a page")
    session.flush()
    session.clear()

    wp = WikiPage.query.get(title="FirstPage")
    wp2 = WikiPage.query.find({"text": "This is a page"}).first()
    assert wp is wp2

    wp2 = WikiPage(title="SecondPage", text="This is a page")
    session.flush()
    assert WikiPage.query.find({"text": "This is a page"}).count() == 2
    assert norm(WikiPage.query.find({"text": "This is a page"}).first()) == (
        "<WikiPage _id=<id>\n  title='FirstPage' text='This is a page'>"
    )
    assert norm(WikiPage.query.find({"text": "This is a page"}).all()) == (
        "[<WikiPage _id=<id>\n  title='FirstPage' text='This is a page'>, <WikiPage _id=<id>\n"
        "  title='SecondPage' text='This is a page'>]"
    )

    # Projected queries validate what they got: absent fields take if_missing.
    # (The guide runs this on a fresh session: objects already in the identity
    # map are never changed by a query unless refresh=True.)
    session.clear()
    projected = WikiPage.query.find({"text": re.compile(r"^This")}, projection=("title",)).all()
    assert norm(projected) == (
        "[<WikiPage _id=<id>\n  title='FirstPage' text=''>, <WikiPage _id=<id>\n  title='SecondPage' text=''>]"
    )
    assert norm(WikiPage.query.find({}).first()) == "<WikiPage _id=<id>\n  title='FirstPage' text=''>"
    assert norm(WikiPage.query.find({}, refresh=True).first()) == (
        "<WikiPage _id=<id>\n  title='FirstPage' text='This is a page'>"
    )
    docs = WikiPage.query.find({"text": re.compile(r"^This")}, projection=("title",)).all()
    assert (docs[0].title, docs[0].text) == ("FirstPage", "This is a page")
    assert (docs[1].title, docs[1].text) == ("SecondPage", "")


def test_editing_objects(session):
    WikiPage, _ = declare_wiki(session)
    WikiPage(title="FirstPage", text="This is a page")
    session.flush()
    session.clear()

    wp = WikiPage.query.get(title="FirstPage")
    clean = """TLProxy of <session>
  <UnitOfWork>
    <new>
    <clean>
      <WikiPage _id=<id>
          title='FirstPage' text='This is a page'>
    <dirty>
    <deleted>
  <imap (1)>
    WikiPage : <id> => <WikiPage _id=<id>
        title='FirstPage' text='This is a page'>"""
    assert norm(session) == clean
    wp.title = "MyFirstPage"
    assert norm(session) == """TLProxy of <session>
  <UnitOfWork>
    <new>
    <clean>
    <dirty>
      <WikiPage _id=<id>
          title='MyFirstPage' text='This is a page'>
    <deleted>
  <imap (1)>
    WikiPage : <id> => <WikiPage _id=<id>
        title='MyFirstPage' text='This is a page'>"""
    session.flush()

    modified = WikiPage.query.find_and_modify(
        {"title": "MyFirstPage"}, update={"$set": {"text": "This is my first page"}}, new=True
    )
    assert norm(modified) == "<WikiPage _id=<id>\n  title='MyFirstPage' text='This is my first page'>"
    assert modified is wp  # find_and_modify refreshes the object in the identity map

    # The guide shows pymongo 3's legacy result dict; pymongo 4 returns an UpdateResult.
    result = WikiPage.query.update({"_id": wp._id}, {"$set": {"text": "This is my first page!!!"}})
    assert (result.matched_count, result.modified_count) == (1, 1)
    assert WikiPage.query.get(wp._id).text == "This is my first page"
    wp = session.refresh(wp)
    assert wp.text == "This is my first page!!!"


def test_deleting_objects(session):
    WikiPage, _ = declare_wiki(session)
    WikiPage(title="MyFirstPage")
    WikiPage(title="Other")
    session.flush()

    wp = WikiPage.query.get(title="MyFirstPage")
    wp.delete()
    session.flush()
    assert WikiPage.query.find({"title": "MyFirstPage"}).count() == 0

    assert WikiPage.query.find().count() == 1
    WikiPage.query.remove({})
    assert WikiPage.query.find().count() == 0


# -- Working with SubDocuments ---------------------------------------------------------
def test_working_with_subdocuments(session):
    class WikiPageWithMetadata(MappedClass):
        class __mongometa__:
            name = "wiki_page_with_metadata"

        __mongometa__.session = session

        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(schema.String(required=True))
        text = FieldProperty(schema.String(if_missing=""))
        metadata = FieldProperty(schema.Object({"tags": schema.Array(schema.String), "categories": schema.Array(schema.String)}))

    WikiPageWithMetadata(title="MyPage")
    session.flush()
    session.clear()
    wpm = WikiPageWithMetadata.query.get(title="MyPage")
    # As in Ming, validating a loaded sub-document sorts its keys (the default
    # built at creation was stored in declaration order).
    assert repr(wpm.metadata) == "I{'categories': [], 'tags': []}"
    wpm.metadata["tags"].append("foo")
    wpm.metadata["tags"].append("bar")
    session.flush()
    session.clear()
    wpm = WikiPageWithMetadata.query.get(title="MyPage")
    assert repr(wpm.metadata) == "I{'categories': [], 'tags': ['foo', 'bar']}"


# -- Relating Classes --------------------------------------------------------------------
def test_relating_classes(session):
    WikiPage, WikiComment = declare_wiki(session)
    WikiPage(title="MyFirstPage", text="This is my first page!!!")
    session.flush()

    wp = WikiPage.query.get(title="MyFirstPage")
    first = WikiComment(page_id=wp._id, text="A comment")
    assert norm(first) == "<WikiComment _id=<id>\n  page_id=<id> text='A\n  comment'>"
    second = WikiComment(page_id=wp._id, text="Another comment")
    assert norm(second) == "<WikiComment _id=<id>\n  page_id=<id> text='Another\n  comment'>"
    session.flush()

    wp = WikiPage.query.get(title="MyFirstPage")
    assert norm(wp.comments) == (
        "I[<WikiComment _id=<id>\n  page_id=<id> text='A\n  comment'>, <WikiComment _id=<id>\n"
        "  page_id=<id> text='Another\n  comment'>]"
    )
    assert wp.comments[0].page is wp

    # assigning the many-to-one side
    assert len(wp.comments) == 2
    wk = WikiComment(text="A comment")
    wk.page = wp
    session.flush()
    wp = session.refresh(wp)
    assert len(wp.comments) == 3

    # replacing the one-to-many side (the list itself is read-only)
    wk = WikiComment(text="A comment")
    with pytest.raises(TypeError):
        wp.comments.append(wk)
    wp.comments = wp.comments + [wk]
    session.flush()
    wp = session.refresh(wp)
    assert len(wp.comments) == 4
    wk = session.refresh(wk)
    assert wk.page is wp


def test_many_to_many(session):
    class Parent(MappedClass):
        class __mongometa__:
            name = "parent"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(schema.String(required=True))
        _children = ForeignIdProperty("Child", uselist=True)
        children = RelationProperty("Child")

    class Child(MappedClass):
        class __mongometa__:
            name = "child"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(schema.String(required=True))
        parents = RelationProperty("Parent")

    p1, p2 = Parent(name="p1"), Parent(name="p2")
    c1, c2 = Child(name="c1"), Child(name="c2")
    p1.children = [c1, c2]
    c2.parents = [p1, p2]
    session.flush()
    session.clear()
    p1, p2 = Parent.query.find({}).sort("name").all()
    c1, c2 = Child.query.find({}).sort("name").all()
    assert len(c1.parents) == 1
    assert len(c2.parents) == 2
    assert len(p1.children) == 2 and c1 in p1.children
    assert len(p2.children) == 1 and p2.children[0] is c2


def test_forcing_a_foreign_id_and_a_side(session):
    class WebSite(MappedClass):
        class __mongometa__:
            name = "web_site"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        _index = ForeignIdProperty("WebPage")
        index = RelationProperty("WebPage", via="_index")
        pages = RelationProperty("WebPage", via="_website")

    class WebPage(MappedClass):
        class __mongometa__:
            name = "web_page"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        _website = ForeignIdProperty("WebSite")
        website = RelationProperty("WebSite", via="_website")

    site = WebSite()
    home, about = WebPage(), WebPage()
    site.index = home
    site.pages = [home, about]
    session.flush()
    session.clear()
    site = WebSite.query.get(site._id)
    assert site.index._id == home._id
    assert sorted(p._id for p in site.pages) == sorted([home._id, about._id])
    assert site.pages[0].website is site

    class Node(MappedClass):
        class __mongometa__:
            name = "node"

        __mongometa__.session = session
        _id = FieldProperty(int)
        children = RelationProperty("Node")
        _children = ForeignIdProperty("Node", uselist=True)
        parents = RelationProperty("Node", via=("_children", False))

    root, leaf = Node(_id=1), Node(_id=2)
    root.children = [leaf]
    session.flush()
    session.clear()
    root, leaf = Node.query.get(1), Node.query.get(2)
    assert root._children == [2] and [n._id for n in root.children] == [2]
    assert [n._id for n in leaf.parents] == [1] and leaf.children == []


# -- Dropping down below the ODM ----------------------------------------------------------
def test_dropping_down_below_the_odm(session):
    WikiPage, _ = declare_wiki(session)
    WikiPage(title="MyFirstPage", text="This is my first page!!!")
    session.flush()
    mongocol = mapper(WikiPage).collection.m.collection
    assert mongocol.name == "wiki_page" and mongocol.database is session.db
    stored = mongocol.find_one({"title": "MyFirstPage"})
    assert norm(stored) == "{'_id': <id>, 'text': 'This is my first page!!!', 'title': 'MyFirstPage'}"

    founding_WikiPage = mapper(WikiPage).collection  # noqa: N806 - the guide's name
    founding_Session = session.impl  # noqa: N806
    found = founding_Session.find(founding_WikiPage, {"title": "MyFirstPage"}).all()
    assert found == [stored] and isinstance(found[0], dict)
    assert norm(found) == "[{'_id': <id>, 'text': 'This is my first page!!!', 'title': 'MyFirstPage'}]"


# -- Ensuring indexing ------------------------------------------------------------------------
def test_indexes_declared_on_mapped_classes(session):
    class Permission(MappedClass):
        class __mongometa__:
            name = "permissions"
            indexes = [(("permission_name", 1), ("groups", -1)), ("groups",)]
            unique_indexes = [("description",)]

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        permission_name = FieldProperty(schema.String, index=True)
        description = FieldProperty(schema.String)
        groups = FieldProperty(schema.Array(str))

    class User(MappedClass):
        class __mongometa__:
            name = "users"
            custom_indexes = [dict(fields=("email",), unique=True, sparse=True)]

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        email = FieldProperty(schema.String, if_missing=schema.Missing)

    class Product(MappedClass):
        class __mongometa__:
            name = "products"
            custom_indexes = [dict(fields=("sku",), unique=True, sparse=True)]

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        sku = FieldPropertyWithMissingNone(str, if_missing=schema.Missing)

    Mapper.ensure_all_indexes()
    info = session.db.permissions.index_information()
    keys = sorted(tuple(v["key"]) for v in info.values())
    assert (("permission_name", 1),) in keys and (("permission_name", 1), ("groups", -1)) in keys
    assert any(v.get("unique") for v in info.values() if v["key"] == [("description", 1)])
    users = session.db.users.index_information()
    assert any(v.get("unique") and v.get("sparse") for v in users.values() if v["key"] == [("email", 1)])

    user = User()
    with pytest.raises(AttributeError):
        user.email
    product = Product()
    assert product.sku is None
    session.flush()
    Product()
    session.flush()  # two products without sku: the sparse unique index allows it
    assert session.db.products.count_documents({}) == 2


# -- Migrations ------------------------------------------------------------------------------
def test_lazy_and_eager_migrations(session):
    tags = [["mongodb", "foo"], ["foo", "snafu"], ["bar", "foo"]]
    session.db.wiki_page.insert_many(
        [dict(title=f"Page {i}", text=f"Text of Page {i}", tags=tags[i % 3]) for i in range(10)]
    )
    assert norm(session.db.wiki_page.find_one({"title": "Page 0"})) == (
        "{'_id': <id>, 'title': 'Page 0', 'text': 'Text of Page 0', 'tags': ['mongodb', 'foo']}"
    )

    class WikiPage(MappedClass):
        class __mongometa__:
            name = "wiki_page"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(schema.String(required=True))
        text = FieldProperty(schema.String(if_missing=""))
        metadata = FieldProperty(schema.Object({"tags": schema.Array(schema.String), "categories": schema.Array(schema.String)}))

    assert norm(WikiPage.query.find().sort("title").first()) == (
        "<WikiPage _id=<id>\n  title='Page 0' text='Text of Page 0' metadata=I{'tags':\n  [], 'categories': []}>"
    )
    session.clear()

    OldWikiPageCollection = collection(  # noqa: N806
        "wiki_page", session.impl,
        Field("_id", schema.ObjectId), Field("title", schema.String),
        Field("text", schema.String), Field("tags", schema.Array(schema.String)),
    )

    class WikiPage(MappedClass):  # noqa: F811 - the guide redeclares it
        class __mongometa__:
            name = "wiki_page"
            version_of = OldWikiPageCollection

            @staticmethod
            def migrate(data):
                result = dict(data, metadata={"tags": data["tags"]}, _version=1)
                del result["tags"]
                return result

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(schema.String(required=True))
        text = FieldProperty(schema.String(if_missing=""))
        _version = FieldProperty(1, required=True)
        metadata = FieldProperty(schema.Object({"tags": schema.Array(schema.String), "categories": schema.Array(schema.String)}))

    first_three = WikiPage.query.find().sort("title").limit(3).all()
    assert norm(first_three) == (
        "[<WikiPage _id=<id>\n"
        "  title='Page 0' text='Text of Page 0' _version=1\n"
        "  metadata=I{'categories': [], 'tags': ['mongodb', 'foo']}>, <WikiPage _id=<id>\n"
        "  title='Page 1' text='Text of Page 1' _version=1\n"
        "  metadata=I{'categories': [], 'tags': ['foo', 'snafu']}>, <WikiPage _id=<id>\n"
        "  title='Page 2' text='Text of Page 2' _version=1\n"
        "  metadata=I{'categories': [], 'tags': ['bar', 'foo']}>]"
    )
    assert [p.metadata["tags"] for p in first_three] == tags
    # lazy: nothing was written back
    assert norm(session.db.wiki_page.find_one({"title": "Page 0"})) == (
        "{'_id': <id>, 'title': 'Page 0', 'text': 'Text of Page 0', 'tags': ['mongodb', 'foo']}"
    )
    assert session.db.wiki_page.find_one({"title": "Page 0"}).get("tags") == ["mongodb", "foo"]
    # a modified migrated object is written in its new shape
    first_three[1].text = "changed"
    session.flush()
    stored = session.db.wiki_page.find_one({"title": "Page 1"})
    assert "tags" not in stored and stored["metadata"]["tags"] == ["foo", "snafu"] and stored["_version"] == 1
    # eager: the foundation manager migrates every document
    mapper(WikiPage).collection.m.migrate()
    stored = session.db.wiki_page.find_one({"title": "Page 0"})
    assert repr(stored.get("metadata")) == "{'categories': [], 'tags': ['mongodb', 'foo']}" and "tags" not in stored


def test_chained_migrations(session):
    class MyModel(MappedClass):
        class __mongometa__:
            name = "mymodel"
            version_of = collection(
                "mymodel", None,
                Field("_id", schema.ObjectId), Field("name", schema.String),
                Field("_version", schema.Value(1, required=True)),
                version_of=collection("mymodel", None, Field("_id", schema.ObjectId), Field("name", schema.String)),
                migrate=lambda data: dict(_id=data["_id"], name=data["name"].upper(), _version=1),
            )

            @staticmethod
            def migrate(data):
                return dict(_id=data["_id"], name=data["name"][::-1], _version=2)

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(schema.String(required=True))
        _version = FieldProperty(2, required=True)

    session.db.mymodel.insert_one(dict(name="desrever"))
    assert norm(session.db.mymodel.find_one()) == "{'_id': <id>, 'name': 'desrever'}"
    mapper(MyModel).collection.m.migrate()
    assert norm(session.db.mymodel.find_one()) == "{'_id': <id>, '_version': 2, 'name': 'REVERSED'}"


# -- Polymorphic entities ---------------------------------------------------------------------
def declare_transports(session):
    class Transport(MappedClass):
        class __mongometa__:
            name = "transport"
            polymorphic_on = "_type"
            polymorphic_identity = "base"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        origin = FieldProperty(schema.String(required=True))
        destination = FieldProperty(schema.String(if_missing=""))
        _type = FieldProperty(schema.String(if_missing="base"))

        def move(self):
            return f"moving from {self.origin} to {self.destination}"

    class Bus(Transport):
        class __mongometa__:
            polymorphic_identity = "bus"

        _type = FieldProperty(str, if_missing="bus")
        passengers_count = FieldProperty(schema.Int(if_missing=0))

        def move(self):
            return f"driving from {self.origin} to {self.destination}"

    class AirBus(Bus):
        class __mongometa__:
            polymorphic_identity = "airbus"

        _type = FieldProperty(str, if_missing="airbus")
        wings_count = FieldProperty(schema.Int(if_missing=2))

        def move(self):
            return f"flying from {self.origin} to {self.destination}"

    return Transport, Bus, AirBus


def test_polymorphic_entities(session):
    Transport, Bus, AirBus = declare_transports(session)
    assert norm(Bus(origin="Rome", destination="London", passengers_count=20)) == (
        "<Bus _type='bus' passengers_count=20\n  _id=<id> origin='Rome'\n  destination='London'>"
    )
    assert norm(Bus(origin="Turin", destination="London", passengers_count=20)) == (
        "<Bus _type='bus' passengers_count=20\n  _id=<id> origin='Turin'\n  destination='London'>"
    )
    assert norm(AirBus(origin="Turin", destination="London", passengers_count=60, wings_count=3)) == (
        "<AirBus _type='airbus' wings_count=3 passengers_count=60\n  _id=<id> origin='Turin'\n  destination='London'>"
    )
    session.flush()
    session.clear()
    assert Transport.query.find().count() == 3
    assert Transport.query.find({"_type": "bus"}).count() == 2
    everything = Transport.query.find().sort("_id").all()
    assert norm(everything) == (
        "[<Bus _type='bus' passengers_count=20\n  _id=<id> origin='Rome'\n  destination='London'>, "
        "<Bus _type='bus' passengers_count=20\n  _id=<id> origin='Turin'\n  destination='London'>, "
        "<AirBus _type='airbus' wings_count=3 passengers_count=60\n  _id=<id> origin='Turin'\n  destination='London'>]"
    )
    assert [t.move() for t in everything] == [
        "driving from Rome to London", "driving from Turin to London", "flying from Turin to London",
    ]


# -- Custom schemas and properties ----------------------------------------------------------------
class EmailSchema(schema.FancySchemaItem):
    pattern = re.compile(r"[\w\.\+\-]+\@[\w]+\.[a-z]{2,3}$")

    def _validate(self, value, **kw):
        if not self.pattern.match(value):
            raise schema.Invalid("Not a valid email address", value)
        return value


def test_custom_schema(session):
    class Contact(MappedClass):
        class __mongometa__:
            name = "contact"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(schema.String(required=True))
        email = FieldProperty(EmailSchema)

    assert norm(Contact(name="Contact 1", email="contact1@server.com")) == (
        "<Contact _id=<id>\n  name='Contact 1' email='contact1@server.com'>"
    )
    session.flush()
    session.clear()
    assert Contact.query.find().first().email == "contact1@server.com"

    with pytest.raises(schema.Invalid) as bad:
        Contact(name="Contact 1", email="this-is-invalid")
    assert repr(bad.value) == "Invalid('Not a valid email address')"

    session.db.contact.insert_one(dict(name="Invalid Contact", email="this-is-invalid"))
    with pytest.raises(schema.Invalid) as bad:
        Contact.query.find({"name": "Invalid Contact"}).first()
    assert repr(bad.value) == "Invalid('email:Not a valid email address')"


def test_schemas_cannot_convert_but_properties_can(session):
    class PasswordSchema(schema.FancySchemaItem):
        def _validate(self, value, **kwargs):
            return hashlib.md5(value).hexdigest()

    class UserWithSchema(MappedClass):
        class __mongometa__:
            name = "user_with_schema"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(schema.String(required=True))
        password = FieldProperty(PasswordSchema)

    # As in the guide (run on Python 3): md5 of a str fails, and nothing is saved.
    with pytest.raises(TypeError):
        UserWithSchema(name="User 1", password="12345678")
    session.flush()
    session.clear()
    assert UserWithSchema.query.find().first() is None
    assert session.db.user_with_schema.find_one() is None

    class PasswordProperty(FieldProperty):
        def __init__(self):
            super().__init__(schema.String(required=True))

        def __get__(self, instance, cls=None):
            if instance is None:
                return self

            class Password(str):
                def __new__(cls, content):
                    self = str.__new__(cls, "******")
                    self.raw_value = content
                    return self

            return Password(super().__get__(instance, cls))

        def __set__(self, instance, value):
            super().__set__(instance, hashlib.md5(value).hexdigest())

    class User(MappedClass):
        class __mongometa__:
            name = "user"

        __mongometa__.session = session
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(schema.String(required=True))
        password = PasswordProperty()

    with pytest.raises(TypeError):
        User(name="User 1", password="12345678")
    session.flush()
    assert session.db.user.find_one() is None
    # with bytes (what the guide meant) the property converts exactly once
    User(name="User 1", password=b"12345678")
    session.flush()
    session.clear()
    digest = hashlib.md5(b"12345678").hexdigest()
    assert session.db.user.find_one()["password"] == digest
    user = User.query.find().first()
    assert user.password == "******" and user.password.raw_value == digest
