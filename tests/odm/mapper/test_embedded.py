"""Embedded document classes (PyMODM's ``EmbeddedMongoModel`` / ``EmbeddedDocumentListField``), on every backend."""
from __future__ import annotations

import pytest

import odm
from odm.orm.persistence import diff_documents
from odm import schema
from odm.odm import FieldProperty, ForeignIdProperty, MappedClass, RelationProperty, state
from odm.orm.registry import ORMError
from odm.schema import Invalid


def declare(sess):
    class User(MappedClass):
        class __mongometa__:
            name = "user"
            session = sess

        _id = FieldProperty(str)
        name = FieldProperty(str)

    class Comment(odm.EmbeddedMappedClass):
        """Seed 002: ``author = fields.ReferenceField(User)``, ``content = fields.CharField()``."""

        author_id = ForeignIdProperty(User)
        author = RelationProperty(User)
        content = FieldProperty(schema.String(required=True, max_length=20))
        likes = FieldProperty(int, if_missing=0)

    class Address(odm.EmbeddedMappedClass):
        city = FieldProperty(str)
        zip = FieldProperty(schema.String(regex=r"^\d{5}$"))

    class Post(MappedClass):
        class __mongometa__:
            name = "post"
            session = sess

        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(str)
        comments = odm.EmbeddedProperty([Comment])
        location = odm.EmbeddedProperty(Address)

    return User, Comment, Address, Post


def test_embedded_objects_are_stored_as_sub_documents_and_loaded_as_objects(odm_session):
    User, Comment, Address, Post = declare(odm_session)
    ada = User(_id="ada", name="Ada")
    post = Post(title="Hello", comments=[Comment(author_id=ada._id, content="first!")],
                location=Address(city="London", zip="12345"))
    odm_session.flush()
    stored = odm_session.db.post.find_one({}, {"_id": 0})
    assert stored == {"title": "Hello", "comments": [{"author_id": "ada", "content": "first!", "likes": 0}],
                      "location": {"city": "London", "zip": "12345"}}
    odm_session.clear()
    post = Post.query.get(post._id)
    comment = post.comments[0]
    assert isinstance(comment, Comment) and comment.content == "first!" and comment.likes == 0
    assert comment.author.name == "Ada"  # a reference held by an embedded document
    assert post.comments[0] is comment and post.location.city == "London"
    assert post.comments == [Comment(author_id="ada", content="first!")]


def test_changes_inside_embedded_objects_dirty_the_owner_and_set_only_their_paths(odm_session):
    User, Comment, Address, Post = declare(odm_session)
    post = Post(title="Hello", comments=[Comment(content="a"), Comment(content="b")],
                location=Address(city="London"))
    odm_session.flush()
    post.comments[1].likes = 3
    post.location.city = "Paris"
    assert state(post).status == "dirty"
    update = diff_documents(state(post).original_document, state(post).document)
    assert update == {"$set": {"comments.1.likes": 3, "location.city": "Paris"}}
    odm_session.flush()
    assert state(post).status == "clean"
    stored = odm_session.db.post.find_one()
    assert stored["comments"][1]["likes"] == 3 and stored["location"] == {"city": "Paris", "zip": None}
    # adding an item changes the array's length: it is set whole
    post.comments.append(Comment(content="c"))
    assert diff_documents(state(post).original_document, state(post).document) == {
        "$set": {"comments": [{"author_id": None, "content": "a", "likes": 0},
                              {"author_id": None, "content": "b", "likes": 3},
                              {"author_id": None, "content": "c", "likes": 0}]}}
    odm_session.flush()
    odm_session.clear()
    again = Post.query.get(post._id)
    assert [c.content for c in again.comments] == ["a", "b", "c"]
    del again.comments[0]
    again.location = None
    odm_session.flush()
    assert odm_session.db.post.find_one({}, {"_id": 0, "title": 0}) == {
        "comments": [{"author_id": None, "content": "b", "likes": 3}, {"author_id": None, "content": "c", "likes": 0}],
        "location": None}


def test_embedded_values_are_validated_where_they_are_assigned(odm_session):
    User, Comment, Address, Post = declare(odm_session)
    with pytest.raises(Invalid, match="^content:Missing field$"):
        Comment(likes=1)
    comment = Comment(content="ok")
    with pytest.raises(Invalid, match="is longer than max_length=20"):
        comment.content = "x" * 21
    post = Post(title="t")
    assert post.comments == [] and post.location is None
    with pytest.raises(Invalid, match=r"zip:'1' does not match regex"):
        post.location = {"city": "Rome", "zip": "1"}
    with pytest.raises(Invalid, match=r"Extra keys: \{'country'\}"):
        post.location = {"city": "Rome", "country": "IT"}
    with pytest.raises(Invalid, match="content:Missing field"):
        post.comments.append({"likes": 2})
    with pytest.raises(Invalid):
        post.comments = [comment, Address(city="x")]
    post.location = {"city": "Rome"}  # a plain dict is validated into the embedded class's document
    assert isinstance(post.location, Address) and post.location.city == "Rome"
    odm_session.flush()
    assert odm_session.db.post.find_one()["location"] == {"city": "Rome", "zip": None}


def test_an_embedded_object_assigned_is_bound_to_its_owner(odm_session):
    User, Comment, Address, Post = declare(odm_session)
    address = Address(city="Oslo")
    post = Post(title="t", location=address)
    odm_session.flush()
    address.city = "Bergen"  # the object the application holds is the one stored in the post
    assert state(post).status == "dirty"
    odm_session.flush()
    assert odm_session.db.post.find_one()["location"] == {"city": "Bergen", "zip": None}


def test_embedded_classes_have_no_collection():
    with pytest.raises(ORMError, match="it has no collection, so no __mongometa__"):
        class Bad(odm.EmbeddedMappedClass):
            class __mongometa__:
                name = "bad"
    with pytest.raises(ORMError, match="EmbeddedProperty takes an EmbeddedMappedClass subclass"):
        odm.EmbeddedProperty(dict)


def test_selectinload_steps_into_embedded_documents(odm_session):
    from odm.orm.events import registry

    User, Comment, Address, Post = declare(odm_session)
    users = [User(_id=f"u{i}", name=f"User {i}") for i in range(5)]
    for p in range(4):
        Post(title=f"p{p}", comments=[Comment(author_id=users[(p + c) % 5]._id, content=f"c{c}") for c in range(3)])
    odm_session.flush()
    odm_session.clear()
    finds = []

    def count(sess, cursor, action, args, kwargs):
        finds.append(action)

    registry.listen("cursor_created", count, odm_session)
    try:
        with odm.detect_n_plus_one(odm_session, threshold=0, raise_error=True):
            posts = Post.query.find().sort("title").options(odm.selectinload("comments.author")).all()
            names = [[c.author.name for c in p.comments] for p in posts]
    finally:
        registry.remove("cursor_created", count, odm_session)
    assert names[0] == ["User 0", "User 1", "User 2"] and names[3] == ["User 3", "User 4", "User 0"]
    assert len(finds) == 2  # the posts, then every comment's author at once
    with pytest.raises(odm.NPlusOneError, match=r"Comment\.author was loaded with one query per object"):
        with odm.detect_n_plus_one(odm_session, threshold=0, raise_error=True):
            odm_session.clear()
            for p in Post.query.find():
                for c in p.comments:
                    c.author
