"""Lazy, eager and chained migrations (the seed's "Model Evolution and Migrations"), at the foundation layer."""
from __future__ import annotations

import logging
import random

import pytest

from odm import Document, Field, collection, schema
from odm.exc import MingException

TAGS = ["foo", "bar", "snafu", "mongodb"]


@pytest.fixture
def stray_pages(session):
    """Documents written straight through pymongo, in the old shape (tags at the top)."""
    rng = random.Random(7)
    result = session.db.wiki_page.insert_many(
        [dict(title="Page %s" % idx, text="Text of Page %s" % idx, tags=rng.sample(TAGS, 2)) for idx in range(10)]
    )
    return result.inserted_ids


def old_wiki_page(session):
    return collection(
        "wiki_page",
        session,
        Field("_id", schema.ObjectId),
        Field("title", schema.String),
        Field("text", schema.String),
        Field("tags", schema.Array(schema.String)),
    )


def new_wiki_page(session, version_of=None):
    class WikiPage(Document):
        class __mongometa__:
            name = "wiki_page"

            @staticmethod
            def migrate(data):
                result = dict(data, metadata={"tags": data["tags"]}, _version=1)
                del result["tags"]
                return result

        __mongometa__.session = session
        __mongometa__.version_of = version_of

        _id = Field(schema.ObjectId)
        title = Field(schema.String(required=True))
        text = Field(schema.String(if_missing=""))
        _version = Field(1, required=True)
        metadata = Field(schema.Object({"tags": schema.Array(schema.String), "categories": schema.Array(schema.String)}))

    return WikiPage


def test_without_a_migration_the_new_schema_loses_the_old_data(session, stray_pages):
    class WikiPage(Document):
        class __mongometa__:
            name = "wiki_page"

        __mongometa__.session = session
        _id = Field(schema.ObjectId)
        title = Field(schema.String(required=True))
        text = Field(schema.String(if_missing=""))
        metadata = Field(schema.Object({"tags": schema.Array(schema.String), "categories": schema.Array(schema.String)}))

    first = WikiPage.m.find().sort("_id").first()
    assert first == {"_id": stray_pages[0], "title": "Page 0", "text": "Text of Page 0", "metadata": {"tags": [], "categories": []}}


def test_lazy_migration_on_load(session, stray_pages):
    raw = {d["_id"]: d for d in session.db.wiki_page.find()}
    WikiPage = new_wiki_page(session, version_of=old_wiki_page(session))
    pages = WikiPage.m.find().sort("_id").limit(3).all()
    assert [type(p) for p in pages] == [WikiPage] * 3
    for page, _id in zip(pages, stray_pages):
        assert page == {
            "_id": _id,
            "title": raw[_id]["title"],
            "text": raw[_id]["text"],
            "_version": 1,
            "metadata": {"categories": [], "tags": raw[_id]["tags"]},
        }
    # nothing was written back
    assert next(session.db.wiki_page.find().sort("_id")) == raw[stray_pages[0]]
    assert "tags" in session.db.wiki_page.find_one({"_id": stray_pages[0]})


def test_a_lazily_migrated_document_is_stored_in_the_new_shape_when_saved(session, stray_pages):
    WikiPage = new_wiki_page(session, version_of=old_wiki_page(session))
    page = WikiPage.m.get(_id=stray_pages[0])
    page.m.save()
    stored = session.db.wiki_page.find_one({"_id": stray_pages[0]})
    assert "tags" not in stored and stored["_version"] == 1 and stored["metadata"]["tags"] == page.metadata.tags
    assert session.db.wiki_page.count_documents({}) == 10


def test_eager_migration_rewrites_the_collection(session, stray_pages):
    old_tags = next(session.db.wiki_page.find().sort("_id")).get("tags")
    WikiPage = new_wiki_page(session, version_of=old_wiki_page(session))
    seen = []
    assert WikiPage.m.migrate(progress=lambda done, total: seen.append((done, total)), batch_size=4) == 10
    assert seen == [(4, 10), (8, 10), (10, 10)]
    assert next(session.db.wiki_page.find().sort("_id")).get("metadata") == {"tags": old_tags, "categories": []}
    assert session.db.wiki_page.count_documents({"tags": {"$exists": True}}) == 0
    assert session.db.wiki_page.count_documents({"_version": 1}) == 10
    assert sorted(d["_id"] for d in session.db.wiki_page.find()) == sorted(stray_pages)


def test_eager_migration_logs_progress_for_large_collections(session, monkeypatch, caplog):
    import odm.manager

    monkeypatch.setattr(odm.manager, "MIGRATE_LOG_EVERY", 5)
    session.db.wiki_page.insert_many([dict(title=f"P{i}", text="", tags=[]) for i in range(12)])
    WikiPage = new_wiki_page(session, version_of=old_wiki_page(session))
    with caplog.at_level(logging.INFO, logger="odm.manager"):
        WikiPage.m.migrate()
    messages = [r.getMessage() for r in caplog.records]
    assert "migrated 5/12 documents of wiki_page" in messages
    assert "migrated 10/12 documents of wiki_page" in messages
    assert messages[-1] == "migration of wiki_page done: 12 documents"


def test_chained_migrations(session):
    class MyModel(Document):
        class __mongometa__:
            name = "mymodel"

            @staticmethod
            def migrate(data):
                return dict(_id=data["_id"], name=data["name"][::-1], _version=2)

        __mongometa__.session = session
        __mongometa__.version_of = collection(
            "mymodel",
            session,
            Field("_id", schema.ObjectId),
            Field("name", schema.String),
            Field("_version", schema.Value(1, required=True)),
            version_of=collection("mymodel", session, Field("_id", schema.ObjectId), Field("name", schema.String)),
            migrate=lambda data: dict(_id=data["_id"], name=data["name"].upper(), _version=1),
        )

        _id = Field(schema.ObjectId)
        name = Field(schema.String(required=True))
        _version = Field(2, required=True)

    inserted = session.db.mymodel.insert_one(dict(name="desrever")).inserted_id
    assert session.db.mymodel.find_one() == {"_id": inserted, "name": "desrever"}
    MyModel.m.migrate()
    assert session.db.mymodel.find_one() == {"_id": inserted, "_version": 2, "name": "REVERSED"}
    assert session.db.mymodel.count_documents({}) == 1


def test_when_both_versions_reject_a_document_the_new_error_is_raised(session):
    WikiPage = new_wiki_page(session, version_of=old_wiki_page(session))
    session.db.wiki_page.insert_one(dict(title=5, tags="not a list"))
    with pytest.raises(schema.Invalid) as info:
        WikiPage.m.find().first()
    assert set(info.value.error_dict) == {"_version", "title"}


def test_migrate_function_is_required_with_version_of(session):
    Old = old_wiki_page(session)
    Broken = collection("wiki_page", session, Field("_id", schema.ObjectId), version_of=Old)
    with pytest.raises(MingException):
        Broken.make({})


def test_saving_never_migrates(session):
    WikiPage = new_wiki_page(session, version_of=old_wiki_page(session))
    old_shaped = WikiPage({"title": "t", "text": "", "tags": ["x"]})
    with pytest.raises(schema.Invalid):
        old_shaped.m.save()
    assert session.db.wiki_page.count_documents({}) == 0
