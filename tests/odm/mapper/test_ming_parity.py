"""Ming behaviours the mapper follows (issue 23's mapper side), on every backend.

Abstract mapped bases, imperative mapping (``session.mapper``),
``ContextualODMSession``, the ``ming.orm`` names, ``ForeignIdProperty(allow_none=True)``,
refused misspellings, and objects whose sub-documents mirror the key order the
server stored after a flush.
"""
from __future__ import annotations

import pytest

from odm import Field, Index, MingException, collection, schema
from odm.orm import (
    ContextualODMSession,
    InstrumentedList,
    InstrumentedObj,
    ContextualORMSession,
    FieldProperty,
    ForeignIdProperty,
    MappedClass,
    Mapper,
    ODMSession,
    ORMError,
    ORMSession,
    RelationProperty,
    ThreadLocalODMSession,
    ThreadLocalORMSession,
    session as session_of,
    state,
)
from odm.middleware import ODMMiddleware
from odm.orm.persistence import server_field_order, stored_layout


# -- abstract bases ---------------------------------------------------------------
def test_an_abstract_base_without_mongometa_shares_its_fields(odm_session):
    class Base(MappedClass):
        _id = FieldProperty(schema.ObjectId)
        created = FieldProperty(int, if_missing=0)

    class Page(Base):
        class __mongometa__:
            name = "page"
            unique_indexes = [("title",)]

        __mongometa__.session = odm_session
        title = FieldProperty(str)

    Mapper.compile_all()  # the base has no collection: compiling it must not fail the others
    Mapper.ensure_all_indexes()
    assert "title_1" in odm_session.db.page.index_information()
    page = Page(title="a")
    odm_session.flush()
    stored = odm_session.db.page.find_one({"_id": page._id})
    assert stored == {"_id": page._id, "created": 0, "title": "a"}
    assert Page.query.get(title="a") is page
    with pytest.raises(MingException):
        Base.query.find()  # no session, no collection: queries are refused


def test_a_mongometa_with_a_session_but_no_name_is_abstract(odm_session):
    class Stamped(MappedClass):
        class __mongometa__:
            pass

        __mongometa__.session = odm_session
        _id = FieldProperty(schema.ObjectId)
        stamp = FieldProperty(int, if_missing=1)

    class Note(Stamped):
        class __mongometa__:
            name = "note"

        text = FieldProperty(str)

    Mapper.compile_all()
    Mapper.ensure_all_indexes()
    Note(text="x")
    odm_session.flush()
    assert odm_session.db.note.find_one({}, {"_id": 0}) == {"stamp": 1, "text": "x"}
    with pytest.raises(MingException, match="no collection name"):
        Stamped.query.find().all()


# -- imperative mapping -------------------------------------------------------------
def test_session_mapper_maps_a_plain_class_onto_a_document_class(odm_session):
    basic = collection("basic", odm_session.impl, Field("_id", schema.ObjectId), Field("a", int), Field("b", [int]),
                       Field("c", dict(d=int, e=int)))

    class Basic:
        pass

    m = odm_session.mapper(Basic, basic)
    assert m.collection is basic and m.session is odm_session
    obj = Basic(a=1, b=[2, 3], c=dict(d=4, e=5))
    assert state(obj).status == "new" and session_of(obj) is odm_session
    odm_session.flush()
    assert state(obj).status == "clean"
    obj.a = 1  # the same value: nothing to write (Ming)
    assert state(obj).status == "clean"
    obj.b.append(4)
    assert state(obj).status == "dirty"
    odm_session.flush()
    odm_session.clear()
    again = Basic.query.get(a=1)
    assert again is not obj and again.b == [2, 3, 4] and again.c == {"d": 4, "e": 5}
    assert repr(again).startswith("<Basic _id=")
    again.delete()
    odm_session.flush()
    assert odm_session.db.basic.count_documents({}) == 0


def test_session_mapper_takes_properties_and_include_exclude(odm_session):
    parent_doc = collection("parent", odm_session.impl, Field("_id", int), Field("name", str))
    child_doc = collection("child", odm_session.impl, Field("_id", int), Field("parent_id", int), Field("note", str))

    class Parent:
        pass

    class Child:
        pass

    odm_session.mapper(Parent, parent_doc, properties=dict(children=RelationProperty("Child")))
    odm_session.mapper(Child, child_doc, properties=dict(parent_id=ForeignIdProperty("Parent"),
                                                         parent=RelationProperty("Parent")),
                       exclude_properties=["note"])
    Mapper.compile_all()
    parent = Parent(_id=1, name="p")
    Child(_id=10, parent_id=1)
    Child(_id=11, parent_id=1)
    odm_session.flush()
    odm_session.clear()
    loaded = Parent.query.get(_id=1)
    assert sorted(c._id for c in loaded.children) == [10, 11]
    assert Child.query.get(_id=10).parent is loaded
    assert not hasattr(Child, "note") and parent.name == "p"
    with pytest.raises(TypeError):
        odm_session.mapper(type("Other", (), {}), parent_doc, polymorphic=True)
    with pytest.raises(TypeError, match="'eager'"):
        odm_session.mapper(type("Other", (), {}), parent_doc, options=dict(eager=True))


def test_load_options_of_the_mapper_and_of_a_query(odm_session):
    plain_doc = collection("plain", odm_session.impl, Field("_id", schema.ObjectId), Field("b", [int]),
                           Field("c", dict(d=int)))

    class Plain:
        pass

    odm_session.mapper(Plain, plain_doc, options=dict(instrument=False))
    made = Plain(b=[1], c={"d": 2})
    assert type(made.b) is list  # not instrumented: the stored list itself
    odm_session.flush()
    odm_session.clear()
    loaded = Plain.query.find().first()
    assert type(loaded.b) is list and not isinstance(loaded.b, InstrumentedList)
    odm_session.clear()
    loaded = Plain.query.find().options(instrument=True).first()
    assert isinstance(loaded.b, InstrumentedList) and isinstance(loaded.c, InstrumentedObj)
    loaded.b.append(3)
    odm_session.db.plain.update_one({}, {"$set": {"c.d": 9}})
    assert Plain.query.find().first().c["d"] == 2  # from the identity map
    assert Plain.query.find().options(refresh=True).first().c["d"] == 9
    with pytest.raises(TypeError):
        Plain.query.find().options(lazy=True)


# -- sessions per context, Ming's old names -----------------------------------------
def test_contextual_sessions_are_per_context(odm_datastore):
    current = ["a"]
    sess = ContextualODMSession(lambda: current[0], bind=odm_datastore)

    class Thing(MappedClass):
        class __mongometa__:
            name = "thing"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        n = FieldProperty(int)

    Thing(n=1)
    assert len(sess.uow) == 1
    current[0] = "b"
    assert len(sess.uow) == 0  # another context, another session
    Thing(n=2)
    ContextualODMSession.flush_all("b")
    assert [d["n"] for d in sess.db.thing.find()] == [2]
    current[0] = "a"
    sess.flush()
    assert sorted(d["n"] for d in sess.db.thing.find()) == [1, 2]
    first = sess._current()
    sess.close()
    assert sess._current() is not first and len(sess.uow) == 0
    ContextualODMSession.close_all("b")
    assert repr(sess).startswith("CProxy of <session>")


def test_ming_orm_names():
    # ming.orm was ming.odm's old name; its sessions were ORMSession & co.
    assert ORMSession is ODMSession
    assert ThreadLocalORMSession is ThreadLocalODMSession
    assert ContextualORMSession is ContextualODMSession


# -- ForeignIdProperty(allow_none=True) ----------------------------------------------
def test_allow_none_makes_none_a_real_foreign_id(odm_session):
    class Parent(MappedClass):
        class __mongometa__:
            name = "parent"

        __mongometa__.session = odm_session
        _id = FieldProperty(int)
        children = RelationProperty("Child")

    class Child(MappedClass):
        class __mongometa__:
            name = "child"

        __mongometa__.session = odm_session
        _id = FieldProperty(int)
        parent_id = ForeignIdProperty("Parent", allow_none=True)
        parent = RelationProperty("Parent")

    class Orphan(MappedClass):
        class __mongometa__:
            name = "orphan"

        __mongometa__.session = odm_session
        _id = FieldProperty(int)
        parent_id = ForeignIdProperty("Parent")
        parent = RelationProperty("Parent")

    Mapper.compile_all()
    Parent(_id=1)
    Parent(_id=None)
    Child(_id=1, parent_id=1)
    Child(_id=2, parent_id=None)
    Orphan(_id=1, parent_id=None)
    odm_session.flush()
    odm_session.clear()
    assert Child.query.get(_id=1).parent._id == 1
    none_parent = Child.query.get(_id=2).parent
    assert none_parent is not None and none_parent._id is None
    assert Orphan.query.get(_id=1).parent is None  # without allow_none, None means "no parent"
    with pytest.raises(ORMError):
        ForeignIdProperty("Parent", uselist=True, allow_none=True)


# -- refused misspellings --------------------------------------------------------------
def test_a_misspelled_constructor_keyword_is_refused(odm_session):
    class Page(MappedClass):
        class __mongometa__:
            name = "page"

        __mongometa__.session = odm_session
        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(str)

    with pytest.raises(TypeError, match="unexpected keyword argument 'titel'"):
        Page(titel="x")
    odm_session.flush()
    assert odm_session.db.page.count_documents({}) == 0


def test_an_unknown_mongometa_option_is_refused(odm_session):
    with pytest.raises(ORMError, match="'write_concern'"):
        class Page(MappedClass):
            class __mongometa__:
                name = "page"
                write_concern = {"w": 1}


# -- the object mirrors what was stored ------------------------------------------------
def test_after_a_flush_a_sub_document_has_the_stored_key_order(odm_session):
    class Doc(MappedClass):
        class __mongometa__:
            name = "doc"

        __mongometa__.session = odm_session
        _id = FieldProperty(schema.ObjectId)
        d = FieldProperty(schema.Anything, if_missing=dict)

    obj = Doc(d={"k": 0})
    odm_session.flush()
    held = obj.d
    obj.d["w"] = 1
    obj.d["n"] = 2
    odm_session.flush()
    stored = odm_session.db.doc.find_one({"_id": obj._id})["d"]
    # MongoDB 5.0+ creates the new fields of one level in field-name order
    assert list(stored) == ["k", "n", "w"]
    assert list(obj.d) == list(stored) and obj.d is held and state(obj).status == "clean"
    assert list(state(obj).original_document["d"]) == list(stored)
    assert odm_session.db.doc.count_documents({"d": dict(obj.d)}) == 1


def test_server_field_order_is_the_update_path_order():
    # MongoDB applies the paths of one level in pathsupport::cmpPathsAndArrayIndexes order:
    # strings compare as strings, numeric names (not zero-padded) as numbers
    assert sorted(["w", "n", "b"], key=server_field_order) == ["b", "n", "w"]
    assert sorted(["10", "9", "1"], key=server_field_order) == ["1", "9", "10"]
    assert sorted(["01", "1"], key=server_field_order) == ["01", "1"]
    old = {"_id": 1, "a": {"x": 1, "y": 2}, "z": 0}
    new = {"_id": 1, "z": 0, "c": 1, "b": 2, "a": {"y": 2, "x": 5, "m": 1}}
    layout = stored_layout(old, new)
    assert list(layout) == ["_id", "a", "z", "b", "c"] and list(layout["a"]) == ["x", "y", "m"]


# -- found by running Ming's own odm tests -------------------------------------------
def declare_basic(sess):
    class Basic(MappedClass):
        class __mongometa__:
            name = "basic"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        a = FieldProperty(int)

    return Basic


def test_an_object_has_no_session_once_forgotten(odm_session):
    Basic = declare_basic(odm_session)
    obj, other = Basic(a=1), Basic(a=2)
    assert session_of(obj) is odm_session
    odm_session.clear()
    assert session_of(obj) is None and session_of(Basic) is odm_session
    odm_session.save(other)
    odm_session.expunge(other)
    assert session_of(other) is None


def test_item_access_reprs_and_instance_queries(odm_session):
    Basic = declare_basic(odm_session)
    assert repr(Basic.query.mapper) == "<Mapper Basic:basic>"
    obj = Basic(a=1)
    obj["a"] = 2
    assert obj["a"] == 2 and "a" in obj and "nothing" not in obj
    with pytest.raises(KeyError):
        obj["nothing"]
    odm_session.flush()
    assert obj.query.find({"a": 2}).first() is obj  # the class's queries, from an object


def test_replace_session_points_every_mapped_class_elsewhere(odm_session, odm_datastore):
    Basic = declare_basic(odm_session)
    Mapper.compile_all()
    other = ODMSession(bind=odm_datastore)
    Mapper.replace_session(other)
    assert Basic.query.session is other
    obj = Basic(a=5)
    assert session_of(obj) is other and len(odm_session.uow) == 0
    other.flush()
    assert odm_session.db.basic.count_documents({"a": 5}) == 1


def test_a_relation_with_via_prefers_the_foreign_id_of_its_own_class(odm_session):
    class Parent(MappedClass):
        class __mongometa__:
            name = "parent"

        __mongometa__.session = odm_session
        _id = FieldProperty(int)
        favourite_id = ForeignIdProperty("Child", uselist=True)
        favourites = RelationProperty("Child", via="favourite_id")

    class Child(MappedClass):
        class __mongometa__:
            name = "child"

        __mongometa__.session = odm_session
        _id = FieldProperty(int)
        favourite_id = ForeignIdProperty(Parent)
        favourite = RelationProperty("Parent", via="favourite_id")

    Mapper.compile_all()
    # a foreign id's type follows the related _id's declared type
    assert Parent.favourite_id.field.type == [int] and Child.favourite_id.field.type is int
    kids = [Child(_id=i) for i in range(3)]
    parent = Parent(_id=1, favourite_id=[0, 2])
    kids[1].favourite_id = 1
    odm_session.flush()
    assert [c._id for c in parent.favourites] == [0, 2]
    assert kids[1].favourite is parent


def test_assigning_a_backref_changes_the_tracked_objects(odm_session):
    class Parent(MappedClass):
        class __mongometa__:
            name = "parent"

        __mongometa__.session = odm_session
        _id = FieldProperty(int)
        child_ids = ForeignIdProperty("Child", uselist=True)

    class Child(MappedClass):
        class __mongometa__:
            name = "child"

        __mongometa__.session = odm_session
        _id = FieldProperty(int)
        parents = RelationProperty("Parent")

    Mapper.compile_all()
    Child(_id=4)
    Parent(_id=1, child_ids=[4])
    other = Parent(_id=2, child_ids=[])
    odm_session.flush()
    odm_session.clear()  # `other` is no longer tracked: its stored twin must be changed
    child = Child.query.get(_id=4)
    child.parents = child.parents + [other]
    odm_session.flush()
    odm_session.clear()
    assert sorted(p._id for p in Child.query.get(_id=4).parents) == [1, 2]


# -- the WSGI middleware as Ming's ----------------------------------------------------
def test_middleware_flushes_a_streamed_response_when_it_ends_even_on_error(odm_datastore):
    tl = ThreadLocalODMSession(bind=odm_datastore)
    Thing = declare_basic(tl)

    def app(environ, start_response):
        Thing(a=1)
        start_response("200 OK", [])

        def body():
            yield b"part"
            Thing(a=2)  # made while streaming: written too
            raise RuntimeError("boom")

        return body()

    response = ODMMiddleware(app)({}, lambda *a: None)
    assert tl.db.basic.count_documents({}) == 0  # nothing before the body is read
    with pytest.raises(RuntimeError):
        list(response)
    assert sorted(d["a"] for d in tl.db.basic.find()) == [1, 2]
    assert len(tl.uow) == 0


def test_middleware_context_func_names_the_contextual_session_to_flush(odm_datastore):
    current = ["request-1"]
    sess = ContextualODMSession(lambda: current[0], bind=odm_datastore)
    Thing = declare_basic(sess)

    def app(environ, start_response):
        Thing(a=7)
        start_response("200 OK", [])
        return [b"ok"]

    assert ODMMiddleware(app, context_func=lambda: current[0])({}, lambda *a: None) == [b"ok"]
    assert sess.db.basic.count_documents({"a": 7}) == 1
    assert len(sess.uow) == 0
