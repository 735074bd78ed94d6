"""Document classes, managers, the Session and the Cursor against a real backend."""
from __future__ import annotations

import bson
import pytest
from pymongo.errors import DuplicateKeyError

import odm
from odm import ASCENDING, DESCENDING, Cursor, Document, Field, Index, collection, schema
from odm.exc import MingException
from odm.manager import InstanceManager, Manager


@pytest.fixture
def Page(session):
    return collection(
        "page",
        session,
        Field("_id", schema.ObjectId),
        Field("title", str),
        Field("views", int, if_missing=0),
        Field("tags", [str]),
        Field("meta", {"author": str, "rating": schema.Float(if_missing=0.0)}),
    )


def titles(cursor):
    return [d.title for d in cursor]


# -- declaration ---------------------------------------------------------------
def test_collection_builds_a_document_class(Page, session):
    assert issubclass(Page, Document) and issubclass(Page, odm.Object)
    assert isinstance(Page.m, Manager) and Page.m.collection_name == "page"
    assert Page.m.field_index["views"].schema.if_missing == 0
    page = Page.make({"title": "t"})
    assert isinstance(page.m, InstanceManager)
    assert page == {"_id": page._id, "title": "t", "views": 0, "tags": [], "meta": {"author": None, "rating": 0.0}}
    assert isinstance(page.meta, odm.Object)


def test_collection_argument_errors(session):
    with pytest.raises(TypeError):
        collection()
    with pytest.raises(TypeError):
        collection("x", session, Field(int))  # unnamed field
    with pytest.raises(TypeError):
        collection("x", session, "not a field")
    with pytest.raises(TypeError):
        Field("a", int, "extra")


def test_document_init_does_not_validate_but_converts_nested_dicts(Page):
    page = Page({"title": 5, "meta": {"author": "ada"}})
    assert page.title == 5 and page.meta.author == "ada"
    raw = {"x": {"y": 1}}
    assert Page(raw, skip_from_bson=True)["x"] is raw["x"]


def test_unbound_class_cannot_query():
    Free = collection("free", None, Field("_id", schema.ObjectId))
    with pytest.raises(MingException):
        Free.m.find()


def test_declarative_inheritance_extends_fields_and_keeps_meta(session):
    class Base(Document):
        class __mongometa__:
            name = "things"
            indexes = ["a"]

        __mongometa__.session = session
        _id = Field(schema.ObjectId)
        a = Field(int)

    class Child(Base):
        b = Field(str)

    assert Child.m.collection_name == "things" and Child.m.session is session
    assert [f.name for f in Child.m.fields] == ["_id", "a", "b"]
    assert Index("a") in Child.m.indexes
    with pytest.raises(schema.Invalid):
        Base.make({"a": 1, "b": "x"})
    assert Child.make({"a": 1, "b": "x"}).b == "x"


def test_field_named_like_the_manager_stays_reachable_as_a_key(Page):
    page = Page({"m": 1})
    assert page["m"] == 1 and isinstance(page.m, InstanceManager)
    with pytest.raises(AttributeError):
        page.m = 2


# -- saving -------------------------------------------------------------------------
def test_save_inserts_then_replaces(Page, session):
    page = Page({"title": "a"})
    page.m.save()
    assert session.db.page.find_one() == {"_id": page._id, "title": "a", "views": 0, "tags": [], "meta": {"author": None, "rating": 0.0}}
    page.views = 10
    page.m.save()
    assert session.db.page.count_documents({}) == 1
    assert session.db.page.find_one()["views"] == 10


def test_save_rejects_invalid_documents_and_writes_nothing(Page, session):
    with pytest.raises(schema.Invalid):
        Page({"title": 3}).m.save()
    assert session.db.page.count_documents({}) == 0


def test_save_validate_false_stores_as_is(Page, session):
    Page({"title": 3, "odd": True}).m.save(validate=False)
    raw = session.db.page.find_one()
    assert raw["title"] == 3 and raw["odd"] is True


def test_save_named_fields_only(Page, session):
    page = Page.make({"title": "a"})
    page.m.save()
    session.db.page.update_one({"_id": page._id}, {"$set": {"views": 99}})
    page.title = "b"
    page.m.save("title")
    raw = session.db.page.find_one()
    assert raw["title"] == "b" and raw["views"] == 99


def test_save_without_id_field_lets_the_server_assign_one(session):
    Note = collection("note", session, Field("text", str))
    note = Note.make({"text": "hi"})
    assert "_id" not in note
    note.m.save()
    assert isinstance(note._id, bson.ObjectId)
    note.text = "again"
    note.m.save()
    assert [n.text for n in Note.m.find()] == ["again"]


def test_insert_refuses_duplicates(Page):
    page = Page.make({"title": "a"})
    page.m.insert()
    with pytest.raises(DuplicateKeyError):
        Page.make({"_id": page._id, "title": "b"}).m.insert()


def test_upsert_matches_on_spec_fields(Page, session):
    first = Page.make({"title": "a", "views": 1})
    first.m.upsert("title")
    again = Page.make({"title": "a", "views": 2})
    again.m.upsert(["title"])
    assert again._id == first._id
    assert session.db.page.count_documents({}) == 1
    assert session.db.page.find_one()["views"] == 2


def test_delete(Page, session):
    a, b = Page.make({"title": "a"}), Page.make({"title": "b"})
    a.m.save()
    b.m.save()
    a.m.delete()
    assert titles(Page.m.find()) == ["b"]


def test_set_validates_writes_and_updates_locally(Page, session):
    page = Page.make({"title": "a"})
    page.m.save()
    page.m.set({"views": 5, "meta.author": "ada"})
    assert page.views == 5 and page.meta.author == "ada"
    raw = session.db.page.find_one()
    assert raw["views"] == 5 and raw["meta"] == {"author": "ada", "rating": 0.0}
    with pytest.raises(schema.Invalid):
        page.m.set({"views": "many"})
    assert session.db.page.find_one()["views"] == 5


def test_increase_field_only_raises(Page, session):
    page = Page.make({"title": "a", "views": 5})
    page.m.save()
    page.m.increase_field(views=3)
    assert session.db.page.find_one()["views"] == 5 and page.views == 5
    page.m.increase_field(views=8)
    assert session.db.page.find_one()["views"] == 8 and page.views == 8
    with pytest.raises(ValueError):
        page.m.increase_field(views=None)
    with pytest.raises(TypeError):
        page.m.increase_field(views=1, other=2)


def test_before_save_hook_runs_before_validation(session):
    def stamp(doc):
        doc["slug"] = doc["title"].lower()

    Post = collection("post", session, Field("_id", schema.ObjectId), Field("title", str), Field("slug", str), before_save=stamp)
    post = Post.make({"title": "Hello"})
    post.m.save()
    assert session.db.post.find_one()["slug"] == "hello" and post.slug == "hello"

    class Article(Document):
        class __mongometa__:
            name = "article"

            def before_save(doc):
                doc["title"] = doc["title"].strip()

        __mongometa__.session = session
        _id = Field(schema.ObjectId)
        title = Field(str)

    Article.make({"title": "  x  "}).m.save()
    assert session.db.article.find_one()["title"] == "x"


# -- querying ------------------------------------------------------------------------
@pytest.fixture
def pages(Page):
    for i, tag in enumerate(["a", "b", "a", "c", "b"]):
        Page.make({"title": f"p{i}", "views": i * 10, "tags": [tag]}).m.save()
    return Page


def test_find_by_get_count_distinct(pages):
    assert titles(pages.m.find_by(views=20)) == ["p2"]
    assert pages.m.get(title="p3").views == 30
    assert pages.m.get(title="zzz") is None
    assert pages.m.count() == 5
    assert pages.m.count({"views": {"$gte": 20}}) == 3
    assert sorted(pages.m.distinct("tags")) == ["a", "b", "c"]
    assert sorted(pages.m.find({"views": {"$lt": 30}}).distinct("tags")) == ["a", "b"]


def test_find_accepts_pymongo_arguments_and_extras(pages, session):
    cursor = pages.m.find({"views": {"$gte": 10}}, sort=[("views", DESCENDING)], limit=2)
    assert titles(cursor) == ["p4", "p3"]
    partial = pages.m.find({"title": "p1"}, fields={"title": 1}).first()
    assert partial.title == "p1" and partial.views == 0  # absent field: its default
    session.db.page.update_one({"title": "p1"}, {"$set": {"extra": 1}})
    assert "extra" not in pages.m.get(title="p1")
    with pytest.raises(schema.Invalid):
        pages.m.find({"title": "p1"}, allow_extra=False).first()
    kept = pages.m.find({"title": "p1"}, strip_extra=False).first()
    assert kept.extra == 1
    raw = pages.m.find({"title": "p1"}, validate=False).first()
    assert type(raw) is pages and raw.extra == 1


def test_cursor_count_ignores_skip_and_limit_unless_asked(pages):
    cursor = pages.m.find({"views": {"$gt": 0}}).skip(1).limit(2)
    assert cursor.count() == 4
    assert cursor.count(with_limit_and_skip=True) == 2
    assert len(cursor.all()) == 2


def test_cursor_next_rewind_hint_close(pages):
    pages.m.ensure_index("views")
    cursor = pages.m.find().sort("views", ASCENDING).hint([("views", 1)])
    assert isinstance(cursor, Cursor)
    assert cursor.next().title == "p0"
    assert next(cursor).title == "p1"
    assert cursor.first().title == "p2"
    cursor.rewind()
    assert titles(cursor) == ["p0", "p1", "p2", "p3", "p4"]
    with pytest.raises(StopIteration):
        cursor.next()
    with pages.m.find() as c:
        assert c.first() is not None


def test_find_and_modify_variants(pages, session):
    before = pages.m.find_and_modify({"title": "p1"}, {"$inc": {"views": 1}})
    assert before.views == 10 and session.db.page.find_one({"title": "p1"})["views"] == 11
    after = pages.m.find_and_modify({"title": "p1"}, {"$inc": {"views": 1}}, new=True)
    assert after.views == 12 and type(after) is pages
    top = pages.m.find_and_modify({}, {"$set": {"tags": ["top"]}}, sort="views", new=True)
    assert top.title == "p0"
    newest = pages.m.find_and_modify({"title": "p9"}, {"$set": {"views": 90}}, upsert=True, new=True)
    assert newest.title == "p9" and newest.views == 90
    replaced = pages.m.find_and_modify({"title": "p9"}, {"title": "p9", "views": 91}, new=True)
    assert replaced.views == 91 and replaced.tags == []
    removed = pages.m.find_and_modify({"title": "p9"}, remove=True)
    assert removed.title == "p9" and pages.m.get(title="p9") is None
    assert pages.m.find_and_modify({"title": "none"}, {"$set": {"views": 1}}) is None
    with pytest.raises(ValueError):
        pages.m.find_and_modify({"title": "p1"})


def test_find_one_and_helpers_return_documents(pages):
    from pymongo import ReturnDocument

    doc = pages.m.find_one_and_update({"title": "p2"}, {"$set": {"views": 1}}, return_document=ReturnDocument.AFTER)
    assert type(doc) is pages and doc.views == 1
    doc = pages.m.find_one_and_replace({"title": "p2"}, {"title": "p2b"}, return_document=ReturnDocument.AFTER)
    assert doc.title == "p2b" and doc.views == 0
    assert pages.m.find_one_and_delete({"title": "p2b"}).title == "p2b"
    assert pages.m.count() == 4


def test_remove_and_update_partial(pages):
    result = pages.m.update_partial({"tags": "a"}, {"$set": {"views": -1}})
    assert result.modified_count == 1
    result = pages.m.update_partial({"tags": "a"}, {"$set": {"views": -1}}, multi=True)
    assert result.matched_count == 2
    assert pages.m.count({"views": -1}) == 2
    assert pages.m.remove({"tags": "b"}, multi=False).deleted_count == 1
    assert pages.m.remove({"views": -1}).deleted_count == 2
    assert pages.m.update_partial({"title": "new"}, {"$set": {"views": 5}}, upsert=True).upserted_id is not None
    assert pages.m.remove().deleted_count == 3


def test_aggregate_passes_through(pages):
    result = list(pages.m.aggregate([{"$unwind": "$tags"}, {"$group": {"_id": "$tags", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}]))
    assert result == [{"_id": "a", "n": 2}, {"_id": "b", "n": 2}, {"_id": "c", "n": 1}]


def test_loading_validates_and_reports_bad_data(Page, session):
    session.db.page.insert_one({"title": 5})
    with pytest.raises(schema.Invalid) as info:
        Page.m.find().all()
    assert list(info.value.error_dict) == ["title"]


# -- indexes --------------------------------------------------------------------------
def index_keys(cls):
    return sorted(tuple(tuple(k) for k in v["key"]) for v in cls.m.index_information().values())


def test_index_spec_forms():
    assert Index("a").index_spec == [("a", 1)]
    assert Index("a", -1, "b").index_spec == [("a", -1), ("b", 1)]
    assert Index(("a", ASCENDING), ("b", DESCENDING)).index_spec == [("a", 1), ("b", -1)]
    assert Index("a", direction=DESCENDING).index_spec == [("a", -1)]
    assert Index(fields=("email",), unique=True, sparse=True).index_options == {"unique": True, "sparse": True}
    assert Index("a", expireAfterSeconds=5).index_options == {"unique": False, "sparse": False, "expireAfterSeconds": 5}
    assert Index("a") == Index("a") and Index("a") != Index("a", unique=True)
    with pytest.raises(ValueError):
        Index()
    with pytest.raises(ValueError):
        Index(3)


def test_declared_indexes_are_created_on_first_use(session):
    class Permission(Document):
        class __mongometa__:
            name = "permissions"
            indexes = [(("permission_name", ASCENDING), ("groups", DESCENDING)), ("groups",)]
            unique_indexes = [("code",)]
            custom_indexes = [dict(fields=("email",), unique=True, sparse=True)]

        __mongometa__.session = session
        _id = Field(schema.ObjectId)
        permission_name = Field(schema.String, index=True)
        groups = Field(schema.Array(str))
        code = Field(str)
        email = Field(str, if_missing=schema.Missing)

    assert Permission.m.find().count() == 0  # touching the collection ensures indexes
    assert index_keys(Permission) == sorted(
        [(("_id", 1),), (("permission_name", 1),), (("permission_name", 1), ("groups", -1)), (("groups", 1),), (("code", 1),), (("email", 1),)]
    )
    info = {tuple(tuple(k) for k in v["key"]): v for v in Permission.m.index_information().values()}
    assert info[(("code", 1),)].get("unique") is True
    assert info[(("email", 1),)].get("unique") is True and info[(("email", 1),)].get("sparse") is True

    Permission.make(dict(permission_name="p", code="c")).m.save()
    Permission.make(dict(permission_name="q", code="d")).m.save()  # email Missing twice: sparse allows it
    with pytest.raises(DuplicateKeyError):
        Permission.make(dict(permission_name="r", code="c")).m.save()


def test_field_unique_and_sparse(session):
    User = collection("users", session, Field("_id", schema.ObjectId), Field("login", str, unique=True), Field("sku", str, sparse=True, if_missing=schema.Missing))
    assert [i.index_options for i in User.m.indexes] == [{"unique": True, "sparse": False}, {"unique": False, "sparse": True}]
    User.make(dict(login="a")).m.save()
    with pytest.raises(DuplicateKeyError):
        User.make(dict(login="a")).m.save()


def test_auto_ensure_indexes_can_be_disabled(backend):
    from conftest import make_datastore

    ds = make_datastore(backend)
    # the wire/pymongo engines are shared by the whole run: restore the flag afterwards
    ds.bind._auto_ensure_indexes = False
    try:
        Thing = collection("thing", odm.Session(ds), Field("_id", schema.ObjectId), Field("n", int, index=True))
        Thing.make({"n": 1}).m.save()
        assert index_keys(Thing) == [(("_id", 1),)]
        assert len(Thing.m.ensure_indexes()) == 1
        assert index_keys(Thing) == [(("_id", 1),), (("n", 1),)]
    finally:
        ds.bind._auto_ensure_indexes = True
        if backend != "mim":
            ds.conn.drop_database(ds.name)


def test_ensure_index_drop_indexes_and_changed_options(session):
    Thing = collection("thing", session, Field("_id", schema.ObjectId), Field("n", int, index=True), Field("s", str))
    Thing.m.ensure_indexes()
    Thing.m.ensure_index("s")
    Thing.m.ensure_index([("s", -1), ("n", 1)], name="s_n")
    assert (("s", -1), ("n", 1)) in index_keys(Thing)
    # the declaration changes: the same key is now unique; ensuring replaces the index
    Thing.m.add_index(Index("s", unique=True))
    Thing.m.ensure_indexes()
    info = {tuple(tuple(k) for k in v["key"]): v for v in Thing.m.index_information().values()}
    assert info[(("s", 1),)].get("unique") is True
    Thing.m.drop_indexes()
    assert index_keys(Thing) == [(("_id", 1),), (("s", -1), ("n", 1))]


# -- polymorphism -----------------------------------------------------------------------
def test_polymorphic_collections(session):
    Base = collection(
        "transport",
        session,
        Field("_id", schema.ObjectId),
        Field("type", str, if_missing="base"),
        Field("a", int),
        polymorphic_on="type",
        polymorphic_identity="base",
    )
    Derived = collection(Base, Field("type", str, if_missing="derived"), Field("b", int), polymorphic_identity="derived")
    assert Derived.m.collection_name == "transport" and issubclass(Derived, Base)
    Base.make(dict(a=1)).m.save()
    Derived.make(dict(a=2, b=2)).m.save()
    docs = Base.m.find().sort("a").all()
    assert [type(d) for d in docs] == [Base, Derived]
    assert docs[1] == {"_id": docs[1]._id, "type": "derived", "a": 2, "b": 2}
    # Saving a derived document through the base validates it with its own schema.
    docs[1].b = 3
    docs[1].m.save()
    assert session.db.transport.find_one({"type": "derived"})["b"] == 3


def test_polymorphic_declarative(session):
    class Transport(Document):
        class __mongometa__:
            name = "transport"
            polymorphic_on = "_type"
            polymorphic_identity = "base"

        __mongometa__.session = session
        _id = Field(schema.ObjectId)
        origin = Field(str, required=True)
        _type = Field(str, if_missing="base")

    class Bus(Transport):
        class __mongometa__:
            polymorphic_identity = "bus"

        _type = Field(str, if_missing="bus")
        passengers_count = Field(int, if_missing=0)

    class AirBus(Bus):
        class __mongometa__:
            polymorphic_identity = "airbus"

        _type = Field(str, if_missing="airbus")
        wings_count = Field(int, if_missing=2)

    Bus.make(dict(origin="bus")).m.save()
    Bus.make(dict(origin="another bus")).m.save()
    AirBus.make(dict(origin="plane")).m.save()
    assert Transport.m.schema.polymorphic_registry == {"base": Transport, "bus": Bus, "airbus": AirBus}
    found = {d.origin: type(d) for d in Transport.m.find()}
    assert found == {"bus": Bus, "another bus": Bus, "plane": AirBus}
    assert Transport.m.find({"_type": "bus"}).count() == 2
    assert Transport.m.get(origin="plane").wings_count == 2


def test_session_repr_and_unbound_session():
    s = odm.Session()
    assert "Session" in repr(s)
    with pytest.raises(MingException):
        s.db
