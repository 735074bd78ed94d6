"""Relation assignment on every side, polymorphic identity, typing hooks and the import contract."""
from __future__ import annotations

import typing

import pytest

import odm
from odm import schema
from odm.odm import FieldProperty, ForeignIdProperty, MappedClass, Mapper, RelationProperty, mapper, state
from odm.odm.mapper import Query
from odm.odm.property import AmbiguousJoin, NoJoin


def declare(sess):
    class Blog(MappedClass):
        class __mongometa__:
            name = "blog"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        posts = RelationProperty("Post")

    class Post(MappedClass):
        class __mongometa__:
            name = "post"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        blog_id = ForeignIdProperty(Blog)
        blog = RelationProperty(Blog)
        _tags = ForeignIdProperty("Tag", uselist=True)
        tags = RelationProperty("Tag")

    class Tag(MappedClass):
        class __mongometa__:
            name = "tag"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(str)
        posts = RelationProperty("Post")

    return Blog, Post, Tag


def test_one_to_many_assignment_links_and_unlinks(odm_session):
    Blog, Post, Tag = declare(odm_session)
    blog = Blog()
    a, b, c = Post(), Post(), Post()
    blog.posts = [a, b]
    odm_session.flush()
    assert {p._id for p in blog.posts} == {a._id, b._id}
    blog.posts = [b, c]
    assert a.blog_id is None and c.blog_id == blog._id and state(a).status == "dirty"
    odm_session.flush()
    assert [p._id for p in Blog.query.get(blog._id).posts] == [b._id, c._id]
    assert a.blog is None and c.blog is blog
    c.blog = None
    assert c.blog_id is None


def test_many_to_many_from_both_sides_keeps_ids_unique_and_ordered(odm_session):
    Blog, Post, Tag = declare(odm_session)
    x, y, z = Tag(name="x"), Tag(name="y"), Tag(name="z")
    post = Post()
    post.tags = [z, x]
    assert post._tags == [z._id, x._id]
    odm_session.flush()
    assert [t.name for t in post.tags] == ["z", "x"]  # in the order of the ids
    y.posts = [post]
    y.posts = [post]
    assert post._tags == [z._id, x._id, y._id]
    odm_session.flush()
    x.posts = []
    assert post._tags == [z._id, y._id]
    odm_session.flush()
    odm_session.clear()
    assert [t.name for t in Post.query.get(post._id).tags] == ["z", "y"]


def test_join_detection_errors(odm_session):
    class A(MappedClass):
        class __mongometa__:
            name = "a"

        __mongometa__.session = odm_session
        _id = FieldProperty(schema.ObjectId)
        b1 = ForeignIdProperty("B")
        b2 = ForeignIdProperty("B")
        b = RelationProperty("B")
        nothing = RelationProperty("C")

    class B(MappedClass):
        class __mongometa__:
            name = "b"

        __mongometa__.session = odm_session
        _id = FieldProperty(schema.ObjectId)

    class C(MappedClass):
        class __mongometa__:
            name = "c"

        __mongometa__.session = odm_session
        _id = FieldProperty(schema.ObjectId)

    a = A()
    with pytest.raises(AmbiguousJoin):
        a.b
    with pytest.raises(NoJoin):
        a.nothing


def test_polymorphic_objects_share_one_identity_map_entry(odm_session):
    class Shape(MappedClass):
        class __mongometa__:
            name = "shape"
            polymorphic_on = "kind"
            polymorphic_identity = "shape"

        __mongometa__.session = odm_session
        _id = FieldProperty(schema.ObjectId)
        kind = FieldProperty(str, if_missing="shape")

    class Circle(Shape):
        class __mongometa__:
            polymorphic_identity = "circle"

        kind = FieldProperty(str, if_missing="circle")
        r = FieldProperty(int, if_missing=1)

    circle = Circle()
    odm_session.flush()
    odm_session.clear()
    loaded = Shape.query.get(circle._id)
    assert type(loaded) is Circle and Circle.query.get(circle._id) is loaded
    assert mapper(Circle).collection.m.collection_name == "shape"
    assert mapper(Circle).root_class is Shape


def test_import_contract_and_typing():
    names = ["MappedClass", "FieldProperty", "FieldPropertyWithMissingNone", "ForeignIdProperty", "RelationProperty",
             "ODMSession", "ThreadLocalODMSession", "Mapper", "mapper", "MapperExtension", "SessionExtension",
             "ODMCursor", "Query", "state", "session"]
    import odm.odm as ming_style

    for name in names:
        assert getattr(odm, name) is getattr(ming_style, name)
    from odm.middleware import ODMMiddleware  # noqa: F401
    from odm.odm.declarative import MappedClass  # noqa: F401
    from odm.odm.mapped_class import MappedClass as Again  # noqa: F401
    from odm.odm.odmsession import SessionExtension  # noqa: F401
    from odm.odm.property import FieldPropertyWithMissingNone  # noqa: F401
    assert issubclass(Query, typing.Generic) and Query[int] is not None
    from pathlib import Path

    assert (Path(odm.__file__).parent / "py.typed").exists()
    assert all(isinstance(m, Mapper) for m in Mapper.all_mappers())
