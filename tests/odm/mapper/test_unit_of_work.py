"""Unit-of-work states, instrumented containers, identity map and targeted flushes."""
from __future__ import annotations

import pytest

from odm import schema
from odm.odm import FieldProperty, MappedClass, ODMSession, mapper, session as session_of, state
from odm.odm.base import diff_documents
from odm.odm.icollection import InstrumentedList, InstrumentedObj


def declare_page(sess):
    class Page(MappedClass):
        class __mongometa__:
            name = "page"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(str)
        views = FieldProperty(int, if_missing=0)
        meta = FieldProperty(schema.Object({"tags": [str], "info": {str: None}}))
        blob = FieldProperty(schema.Anything)

    return Page


def test_status_moves_new_clean_dirty_deleted(odm_session):
    Page = declare_page(odm_session)
    page = Page(title="a")
    assert state(page).status == "new" and odm_session.uow.new == [page]
    assert repr(state(page)) == "<ObjectState status=new>"
    odm_session.flush()
    assert state(page).status == "clean" and odm_session.uow.clean == [page]
    page.title = "b"
    assert state(page).status == "dirty" and odm_session.uow.dirty == [page]
    odm_session.flush()
    assert state(page).status == "clean"
    page.delete()
    assert state(page).status == "deleted" and odm_session.uow.deleted == [page]
    odm_session.flush()
    assert len(odm_session.uow) == 0 and len(odm_session.imap) == 0
    assert odm_session.db.page.count_documents({}) == 0
    assert session_of(page) is odm_session and session_of(Page) is odm_session


@pytest.mark.parametrize("mutate", [
    lambda p: p.meta["tags"].append("x"),
    lambda p: p.meta["tags"].extend(["x"]),
    lambda p: p.meta["tags"].insert(0, "x"),
    lambda p: p.meta.__setitem__("info", {"k": 1}),
    lambda p: p.meta["info"].__setitem__("k", 2),
    lambda p: p.meta["info"].update(k=3),
    lambda p: p.meta["info"].setdefault("new", 1),
    lambda p: p.meta["info"].pop("k"),
    lambda p: p.meta["tags"].sort(),
    lambda p: p.blob.__setitem__(0, {"deep": [1, 2]}),
    lambda p: p.blob[1]["deep"].append(3),
])
def test_in_place_changes_make_the_object_dirty(odm_session, mutate):
    Page = declare_page(odm_session)
    page = Page(title="a", meta={"tags": ["b", "a"], "info": {"k": 1}}, blob=[1, {"deep": [1]}])
    odm_session.flush()
    assert state(page).status == "clean"
    assert isinstance(page.meta, InstrumentedObj) and isinstance(page.meta["tags"], InstrumentedList)
    mutate(page)
    assert state(page).status == "dirty"
    expected = page.meta, page.blob
    odm_session.flush()
    odm_session.clear()
    again = Page.query.get(page._id)
    assert (again.meta, again.blob) == expected


def test_flush_sends_only_the_changed_paths(odm_session):
    Page = declare_page(odm_session)
    page = Page(title="a", meta={"tags": ["x"], "info": {"k": 1, "j": 2}})
    odm_session.flush()
    raw = odm_session.db.page
    page.meta["info"]["k"] = 10
    page.title = "b"
    update = diff_documents(state(page).original_document, odm_session._prepare(page, state(page))[0])
    assert update == {"$set": {"meta.info.k": 10, "title": "b"}}
    del page.meta["info"]["j"]
    update = diff_documents(state(page).original_document, odm_session._prepare(page, state(page))[0])
    assert update == {"$set": {"meta.info.k": 10, "title": "b"}, "$unset": {"meta.info.j": ""}}
    odm_session.flush()
    assert raw.find_one({}, {"_id": 0}) == {"title": "b", "views": 0, "meta": {"tags": ["x"], "info": {"k": 10}}}


def test_a_concurrent_writers_change_survives_a_flush(odm_session):
    Page = declare_page(odm_session)
    page = Page(title="a", meta={"tags": [], "info": {}})
    odm_session.flush()
    # another process changes fields this object does not touch
    odm_session.db.page.update_one({"_id": page._id}, {"$inc": {"views": 5}, "$set": {"meta.info.by": "other"}})
    page.title = "mine"
    page.meta["tags"].append("t")
    odm_session.flush()
    stored = odm_session.db.page.find_one({"_id": page._id})
    assert stored["title"] == "mine" and stored["meta"]["tags"] == ["t"]
    assert stored["views"] == 5 and stored["meta"]["info"] == {"by": "other"}


def test_validation_reordering_a_sub_document_is_not_a_change(odm_session):
    # created without meta: its default is stored in declaration order (tags, info);
    # loading validates it into sorted order (info, tags), as Ming does
    Page = declare_page(odm_session)
    page = Page(title="a")
    odm_session.flush()
    odm_session.clear()
    page = Page.query.get(title="a")
    assert list(page.meta) == ["info", "tags"]
    odm_session.db.page.update_one({"_id": page._id}, {"$set": {"meta.info.by": "other"}})
    page.title = "mine"
    assert diff_documents(state(page).original_document, odm_session._prepare(page, state(page))[0]) == {
        "$set": {"title": "mine"}
    }
    odm_session.flush()
    assert odm_session.db.page.find_one({"_id": page._id})["meta"] == {"tags": [], "info": {"by": "other"}}


def test_a_clean_object_is_not_written(odm_session):
    Page = declare_page(odm_session)
    page = Page(title="a")
    odm_session.flush()
    odm_session.db.page.update_one({"_id": page._id}, {"$set": {"title": "other"}})
    odm_session.flush()
    assert odm_session.db.page.find_one()["title"] == "other"


def test_projected_objects_write_only_what_changed(odm_session):
    Page = declare_page(odm_session)
    Page(title="a", views=7, meta={"tags": ["x"], "info": {}})
    odm_session.flush()
    odm_session.clear()
    page = Page.query.find({}, projection=("title",)).first()
    assert page.views == 0  # if_missing, not data
    page.title = "b"
    odm_session.flush()
    stored = odm_session.db.page.find_one({}, {"_id": 0})
    assert stored == {"title": "b", "views": 7, "meta": {"tags": ["x"], "info": {}}}


def test_identity_map_one_object_per_document(odm_session):
    Page = declare_page(odm_session)
    page = Page(title="a")
    odm_session.flush()
    assert Page.query.get(page._id) is page
    assert Page.query.find({"title": "a"}).first() is page
    odm_session.db.page.update_one({}, {"$set": {"title": "z"}})
    assert Page.query.find().first().title == "a"  # not refreshed
    assert Page.query.find({}, refresh=True).first() is page and page.title == "z"
    other = ODMSession(bind=odm_session.bind)
    assert other.find(Page, {}).first() is not page  # identity is per session
    odm_session.expunge(page)
    assert Page.query.get(page._id) is not page


def test_refresh_discards_unsaved_changes_and_update_if_not_modified(odm_session):
    Page = declare_page(odm_session)
    page = Page(title="a")
    odm_session.flush()
    page.title = "local"
    assert odm_session.refresh(page) is page and page.title == "a" and state(page).status == "clean"
    assert odm_session.update_if_not_modified(page, {"$set": {"title": "b"}}) is True
    assert page.title == "b"
    odm_session.db.page.update_one({}, {"$set": {"views": 3}})
    assert odm_session.update_if_not_modified(page, {"$set": {"title": "c"}}) is False
    assert odm_session.db.page.find_one()["title"] == "b"


def test_flush_one_object_and_autoflush(odm_datastore):
    sess = ODMSession(bind=odm_datastore, autoflush=True)
    Page = declare_page(sess)
    a, b = Page(title="a"), Page(title="b")
    sess.flush(a)
    assert state(a).status == "clean" and state(b).status == "new"
    assert Page.query.find().count() == 2  # the query flushed b first
    assert state(b).status == "clean"


def test_cursor_api(odm_session):
    Page = declare_page(odm_session)
    for i in range(5):
        Page(title=f"p{i}", views=i)
    odm_session.flush()
    cursor = Page.query.find().sort("views", -1).skip(1).limit(2)
    assert [p.views for p in cursor] == [3, 2]
    assert cursor.count() == 5
    assert [p.views for p in cursor.rewind()] == [3, 2]
    assert Page.query.find({"views": 4}).one().title == "p4"
    with pytest.raises(ValueError):
        Page.query.find().one()
    with pytest.raises(Exception):
        bool(Page.query.find())
    assert sorted(Page.query.distinct("views")) == [0, 1, 2, 3, 4]
    assert list(Page.query.aggregate([{"$group": {"_id": None, "n": {"$sum": "$views"}}}])) == [{"_id": None, "n": 10}]
    assert Page.query.find_by(title="p1").first().views == 1
    gone = Page.query.find_and_modify({"title": "p0"}, remove=True)
    assert gone.title == "p0" and Page.query.find().count() == 4
    assert mapper(Page).collection.m.collection_name == "page"
