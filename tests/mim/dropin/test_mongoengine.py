"""MongoEngine on mim: ``connect(..., mongo_client_class=mim.MongoClient)``."""

from __future__ import annotations

import datetime

import pytest

import mim

me = pytest.importorskip("mongoengine")
from mongoengine import (CASCADE, DENY, PULL, DateTimeField, DictField,  # noqa: E402
                         Document, EmbeddedDocument, EmbeddedDocumentField, FileField,
                         IntField, LazyReferenceField, ListField, NotUniqueError,
                         OperationError, Q, ReferenceField, StringField, ValidationError)


class Author(Document):
    name = StringField(required=True, unique=True)
    age = IntField(min_value=0)
    meta = {"indexes": ["age", {"fields": ["-name", "age"], "name": "name_age"}]}


class Comment(EmbeddedDocument):
    text = StringField()
    votes = IntField(default=0)


class Post(Document):
    title = StringField(max_length=100)
    author = ReferenceField(Author, reverse_delete_rule=CASCADE)
    editor = LazyReferenceField(Author)
    tags = ListField(StringField())
    comments = ListField(EmbeddedDocumentField(Comment))
    extra = DictField()
    created = DateTimeField(default=lambda: datetime.datetime(2024, 1, 1))
    meta = {"allow_inheritance": True, "indexes": ["tags", ("title", "-created")]}


class VideoPost(Post):
    seconds = IntField()


class Shelf(Document):
    books = ListField(ReferenceField("Book"))


class Book(Document):
    title = StringField()
    owner = ReferenceField(Author, reverse_delete_rule=DENY)


Book.register_delete_rule(Shelf, "books", PULL)


class Attachment(Document):
    name = StringField()
    data = FileField(collection_name="attachments")


DOCUMENTS = [Author, Post, VideoPost, Shelf, Book, Attachment]


@pytest.fixture
def connection():
    server = mim.Server()
    client = me.connect("me_test", host="mongodb://localhost:27017/me_test",
                        mongo_client_class=mim.MongoClient, server=server,
                        uuidRepresentation="standard")
    yield client
    me.disconnect()
    for document in DOCUMENTS:
        document._collection = None  # mongoengine caches the collection per class


def test_connect_builds_a_mim_client(connection):
    assert isinstance(connection, mim.MongoClient)
    assert me.get_db().name == "me_test"
    assert isinstance(me.get_db(), mim.Database)


def test_save_load_update_delete(connection):
    ann = Author(name="ann", age=30).save()
    assert Author.objects.get(id=ann.id).name == "ann"
    ann.age = 31
    ann.save()  # an update of the changed field
    assert Author.objects(name="ann").first().age == 31
    raw = Author._get_collection().find_one({"_id": ann.id})
    assert raw == {"_id": ann.id, "name": "ann", "age": 31}
    ann.delete()
    assert Author.objects.count() == 0


def test_embedded_documents_and_atomic_updates(connection):
    post = Post(title="hello", tags=["a"], comments=[Comment(text="first")]).save()
    Post.objects(id=post.id).update_one(push__tags="b", inc__comments__0__votes=2,
                                        set__extra__k="v")
    post.reload()
    assert post.tags == ["a", "b"]
    assert post.comments[0].votes == 2
    assert post.extra == {"k": "v"}
    Post.objects(id=post.id).update(pull__tags="a", push__comments=Comment(text="2nd"))
    post.reload()
    assert post.tags == ["b"] and [c.text for c in post.comments] == ["first", "2nd"]
    modified = Post.objects(id=post.id).modify(inc__comments__1__votes=5, new=True)
    assert modified.comments[1].votes == 5


def test_queries(connection):
    for i, name in enumerate(["ann", "bob", "cid", "dee"]):
        Author(name=name, age=20 + 10 * i).save()
    assert [a.name for a in Author.objects(age__gte=30).order_by("-age")] == \
        ["dee", "cid", "bob"]
    assert Author.objects(Q(age__lt=25) | Q(name="dee")).count() == 2
    assert Author.objects(name__in=["ann", "zed"]).count() == 1
    assert Author.objects(name__icontains="E").count() == 1
    assert Author.objects(name__startswith="c").first().name == "cid"
    assert sorted(Author.objects.distinct("age")) == [20, 30, 40, 50]
    assert list(Author.objects.order_by("age").skip(1).limit(2).values_list("name")) == \
        ["bob", "cid"]
    assert Author.objects.only("name").first().age is None
    assert Author.objects(age__exists=True).count() == 4
    assert list(Author.objects.order_by("name").as_pymongo().only("name").limit(1)) == \
        [{"_id": Author.objects.get(name="ann").id, "name": "ann"}]
    with pytest.raises(Author.DoesNotExist):
        Author.objects.get(name="zed")
    with pytest.raises(Author.MultipleObjectsReturned):
        Author.objects.get(age__gt=1)
    assert Author.objects(age__gt=100).delete() == 0
    assert Author.objects(age__gt=40).delete() == 1


def test_aggregation_helpers(connection):
    for i, name in enumerate(["ann", "bob", "cid", "dee"]):
        Author(name=name, age=20 + 10 * i).save()
    assert Author.objects.sum("age") == 140
    assert Author.objects.average("age") == 35
    pipeline = [{"$match": {"age": {"$gt": 20}}}, {"$group": {"_id": None, "n": {"$sum": 1}}}]
    assert [d["n"] for d in Author.objects.aggregate(pipeline)] == [3]


def test_inheritance(connection):
    Post(title="text").save()
    VideoPost(title="video", seconds=30).save()
    assert Post.objects.count() == 2
    assert VideoPost.objects.count() == 1
    assert isinstance(Post.objects.get(title="video"), VideoPost)
    assert Post._get_collection().find_one({"title": "video"})["_cls"] == "Post.VideoPost"


def test_indexes(connection):
    Author.ensure_indexes()
    Post.ensure_indexes()
    author_indexes = Author._get_collection().index_information()
    assert author_indexes["name_1"]["unique"] is True
    assert author_indexes["name_age"]["key"] == [("name", -1), ("age", 1)]
    assert "age_1" in author_indexes
    post_indexes = Post._get_collection().index_information()
    assert post_indexes["_cls_1_tags_1"]["key"] == [("_cls", 1), ("tags", 1)]
    assert post_indexes["_cls_1_title_1_created_-1"]["key"] == \
        [("_cls", 1), ("title", 1), ("created", -1)]
    assert set(Author.compare_indexes()) == {"missing", "extra"}
    assert Author.compare_indexes() == {"missing": [], "extra": []}
    Author(name="ann").save()
    with pytest.raises(NotUniqueError):
        Author(name="ann").save()
    plan = Author.objects(name="ann").explain()
    assert "IXSCAN" in str(plan)


def test_references(connection):
    ann = Author(name="ann").save()
    bob = Author(name="bob").save()
    post = Post(title="p", author=ann, editor=bob).save()
    loaded = Post.objects.get(id=post.id)
    assert loaded.author.name == "ann"
    assert loaded.editor.fetch().name == "bob"
    assert Post.objects(author=ann).count() == 1
    assert Post.objects(author__in=[bob]).count() == 0
    assert Post.objects.select_related()[0].author.name == "ann"
    ann.delete()  # CASCADE
    assert Post.objects.count() == 0


def test_delete_rules_deny_and_pull(connection):
    ann = Author(name="ann").save()
    book = Book(title="b", owner=ann).save()
    shelf = Shelf(books=[book]).save()
    with pytest.raises(OperationError):
        ann.delete()  # DENY: a book still refers to her
    book.delete()  # PULL from shelves
    assert Shelf.objects.get(id=shelf.id).books == []
    ann.delete()


def test_validation_happens_before_any_write(connection):
    with pytest.raises(ValidationError):
        Author(name="x", age=-1).save()
    assert Author.objects.count() == 0


def test_file_field_needs_the_gridfs_patch(connection):
    with mim.patch(servers=[]):  # no client redirected; gridfs accepts mim databases
        attachment = Attachment(name="a")
        attachment.data.put(b"file body", content_type="text/plain", filename="a.txt")
        attachment.save()
        loaded = Attachment.objects.get(id=attachment.id)
        assert loaded.data.read() == b"file body"
        assert loaded.data.content_type == "text/plain"
        loaded.data.delete()
        loaded.save()
    db = me.get_db()
    assert db.attachments.files.count_documents({}) == 0
    assert db.attachments.chunks.count_documents({}) == 0


def test_connect_without_client_class_under_patch():
    with mim.patch():
        client = me.connect("me_patched", alias="patched", host="mongodb://app-db/me_patched",
                            uuidRepresentation="standard")
    try:
        assert isinstance(client, mim.MongoClient)
        assert me.get_db("patched").client.server is mim.MongoClient("app-db").server
    finally:
        me.disconnect("patched")
        mim.MongoClient("app-db").reset()


def test_each_connection_has_its_own_data(connection):
    Author(name="only-here").save()
    me.disconnect()
    Author._collection = None
    me.connect("me_test", mongo_client_class=mim.MongoClient, server=mim.Server(),
               uuidRepresentation="standard")
    assert Author.objects.count() == 0
