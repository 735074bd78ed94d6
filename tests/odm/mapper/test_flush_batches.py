"""Flushing new objects in batches (one ordered ``insert_many`` per run of one collection).

The batches must not be visible: write order, the state of every object after a
failure, the error raised and the extension hooks are those of Ming, which
inserts one object at a time.
"""
from __future__ import annotations

from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from odm import schema
from odm.odm import FieldProperty, MappedClass, MapperExtension, SessionExtension, mapper, state


def declare(sess: Any, extensions: Any = None) -> tuple[type, type]:
    class Item(MappedClass):
        class __mongometa__:
            name = "item"
            unique_indexes = [("code",)]

        __mongometa__.session = sess
        if extensions:
            __mongometa__.extensions = extensions
        _id = FieldProperty(schema.ObjectId)
        code = FieldProperty(str)
        tags = FieldProperty([int])

    class Other(MappedClass):
        class __mongometa__:
            name = "other"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        n = FieldProperty(int)

    return Item, Other


class _Spy:
    """Wraps a collection, recording its insert calls."""

    def __init__(self, coll: Any, log: list) -> None:
        self._coll = coll
        self._log = log

    def insert_one(self, doc: Any, *a: Any, **kw: Any) -> Any:
        self._log.append((self._coll.name, "insert_one", 1))
        return self._coll.insert_one(doc, *a, **kw)

    def insert_many(self, docs: Any, *a: Any, **kw: Any) -> Any:
        docs = list(docs)
        self._log.append((self._coll.name, "insert_many", len(docs), kw.get("ordered", True)))
        return self._coll.insert_many(docs, *a, **kw)

    def delete_one(self, *a: Any, **kw: Any) -> Any:
        self._log.append((self._coll.name, "delete_one", 1))
        return self._coll.delete_one(*a, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coll, name)


@pytest.fixture
def writes(odm_session, monkeypatch) -> list:
    log: list = []
    impl = odm_session.impl
    original = impl.raw_collection
    monkeypatch.setattr(impl, "raw_collection", lambda cls: _Spy(original(cls), log))
    return log


def test_new_objects_of_one_collection_go_out_in_one_ordered_insert_many(odm_session, writes):
    Item, Other = declare(odm_session)
    items = [Item(code=f"c{i}", tags=[i]) for i in range(5)]
    others = [Other(n=1), Other(n=2)]
    last = Item(code="last")
    odm_session.flush()
    assert writes == [
        ("item", "insert_many", 5, True), ("other", "insert_many", 2, True), ("item", "insert_one", 1),
    ]
    assert all(state(o).status == "clean" for o in items + others + [last])
    stored = list(odm_session.db.item.find({}, {"_id": 0, "code": 1}).sort("_id", 1))
    assert [d["code"] for d in stored] == ["c0", "c1", "c2", "c3", "c4", "last"]
    # the identity map and later flushes work as for single inserts
    assert Item.query.get(code="c3") is items[3]
    items[3].tags.append(9)
    odm_session.flush()
    assert odm_session.db.item.find_one({"code": "c3"})["tags"] == [3, 9]


def test_a_deleted_object_between_new_ones_keeps_the_write_order(odm_session, writes):
    Item, _ = declare(odm_session)
    old = Item(code="old")
    odm_session.flush()
    odm_session.expunge(old)
    writes.clear()
    Item(code="a")
    odm_session.delete(old)  # tracked again: after "a" in the unit of work
    Item(code="b")
    Item(code="c")
    odm_session.flush()
    assert [w[1:3] for w in writes] == [("insert_one", 1), ("delete_one", 1), ("insert_many", 2)]
    assert sorted(d["code"] for d in odm_session.db.item.find()) == ["a", "b", "c"]


def test_a_duplicate_key_fails_like_one_insert_at_a_time(odm_session):
    Item, _ = declare(odm_session)
    Item(code="taken")
    odm_session.flush()
    first, second = Item(code="a"), Item(code="b")
    bad = Item(code="taken")
    after = Item(code="z")
    with pytest.raises(DuplicateKeyError) as info:
        odm_session.flush()
    assert info.value.code == 11000
    # written before the failure: clean; the failing object and the rest: still new
    assert [state(o).status for o in (first, second, bad, after)] == ["clean", "clean", "new", "new"]
    assert sorted(d["code"] for d in odm_session.db.item.find()) == ["a", "b", "taken"]
    # fix the culprit and flush again: the rest goes out
    bad.code = "fixed"
    odm_session.flush()
    assert sorted(d["code"] for d in odm_session.db.item.find()) == ["a", "b", "fixed", "taken", "z"]
    assert all(state(o).status == "clean" for o in (first, second, bad, after))


def test_an_invalid_object_in_a_batch_fails_after_writing_those_before_it(odm_session):
    Item, _ = declare(odm_session)
    first = Item(code="a", tags=[1])
    bad = Item(code="b", tags=[2])
    bad.tags.append("not an int")  # in place: not validated until the flush
    after = Item(code="c")
    with pytest.raises(schema.Invalid):
        odm_session.flush()
    assert [state(o).status for o in (first, bad, after)] == ["clean", "new", "new"]
    assert [d["code"] for d in odm_session.db.item.find()] == ["a"]


def test_documents_set_through_properties_are_not_validated_again(odm_session, monkeypatch):
    Item, _ = declare(odm_session)
    manager = mapper(Item).collection.m
    calls: list = []
    original = manager.validate_for_save
    monkeypatch.setattr(manager, "validate_for_save", lambda doc: calls.append(doc) or original(doc))
    Item(code="a", tags=[1])
    changed_in_place = Item(code="b", tags=[2])
    changed_in_place.tags.append(3)
    odm_session.flush()
    assert [d["code"] for d in calls] == ["b"]  # only the object changed in place
    stored = {d["code"]: d for d in odm_session.db.item.find({}, {"_id": 0})}
    assert stored == {"a": {"code": "a", "tags": [1]}, "b": {"code": "b", "tags": [2, 3]}}
    calls.clear()
    item = Item.query.get(code="a")
    item.code = "A"  # validated by the property
    odm_session.flush()
    assert calls == [] and odm_session.db.item.find_one({"code": "A"}) is not None


def test_insert_hooks_keep_mings_order_one_object_at_a_time(odm_datastore):
    from odm.odm import ODMSession

    log: list = []

    class Stamp(MapperExtension):
        def before_insert(self, obj, st, sess):
            log.append(("before", obj.code))
            obj.tags = [len(log)]  # what a before hook changes is written

        def after_insert(self, obj, st, sess):
            log.append(("after", obj.code, sess.db.item.count_documents({})))

    class Counter(SessionExtension):
        def after_flush(self, obj=None):
            log.append(("flushed",))

    sess = ODMSession(bind=odm_datastore, extensions=[Counter])
    Item, _ = declare(sess, extensions=[Stamp])
    Item(code="a")
    Item(code="b")
    sess.flush()
    assert log == [("before", "a"), ("after", "a", 1), ("before", "b"), ("after", "b", 2), ("flushed",)]
    assert [d["tags"] for d in sess.db.item.find().sort("code", 1)] == [[1], [3]]
