"""Mapper and session extensions (every hook, in order), ThreadLocalODMSession and ODMMiddleware."""
from __future__ import annotations

import threading

import pytest

from odm import schema
from odm.middleware import ODMMiddleware
from odm.odm import (
    FieldProperty,
    MappedClass,
    MapperExtension,
    ODMSession,
    SessionExtension,
    ThreadLocalODMSession,
    mapper,
)


def recording_extensions(log):
    class Recorder(MapperExtension):
        def _rec(self, name, obj, st, sess):
            log.append(("mapper", name, st.status))

        def before_insert(self, obj, st, sess): self._rec("before_insert", obj, st, sess)
        def after_insert(self, obj, st, sess): self._rec("after_insert", obj, st, sess)
        def before_update(self, obj, st, sess): self._rec("before_update", obj, st, sess)
        def after_update(self, obj, st, sess): self._rec("after_update", obj, st, sess)
        def before_delete(self, obj, st, sess): self._rec("before_delete", obj, st, sess)
        def after_delete(self, obj, st, sess): self._rec("after_delete", obj, st, sess)
        def before_remove(self, sess, *args, **kwargs): log.append(("mapper", "before_remove", args, kwargs))
        def after_remove(self, sess, *args, **kwargs): log.append(("mapper", "after_remove", args, kwargs))

    class SessionRecorder(SessionExtension):
        def _rec(self, name, obj, st):
            log.append(("session", name, st.status))

        def before_insert(self, obj, st): self._rec("before_insert", obj, st)
        def after_insert(self, obj, st): self._rec("after_insert", obj, st)
        def before_update(self, obj, st): self._rec("before_update", obj, st)
        def after_update(self, obj, st): self._rec("after_update", obj, st)
        def before_delete(self, obj, st): self._rec("before_delete", obj, st)
        def after_delete(self, obj, st): self._rec("after_delete", obj, st)
        def before_remove(self, cls, *args, **kwargs): log.append(("session", "before_remove", cls.__name__, args))
        def after_remove(self, cls, *args, **kwargs): log.append(("session", "after_remove", cls.__name__, args))
        def before_flush(self, obj=None): log.append(("session", "before_flush", obj is None))
        def after_flush(self, obj=None): log.append(("session", "after_flush", obj is None))
        def cursor_created(self, cursor, action, *args, **kw): log.append(("session", "cursor_created", action))
        def before_cursor_next(self, cursor): log.append(("session", "before_cursor_next"))
        def after_cursor_next(self, cursor): log.append(("session", "after_cursor_next"))

    return Recorder, SessionRecorder


def test_every_hook_in_the_documented_order(odm_datastore):
    log: list = []
    Recorder, SessionRecorder = recording_extensions(log)
    sess = ODMSession(bind=odm_datastore, extensions=[SessionRecorder])

    class Thing(MappedClass):
        class __mongometa__:
            name = "thing"
            extensions = [Recorder]

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(str)

    thing = Thing(name="a")
    sess.flush()
    assert log == [
        ("session", "before_flush", True),
        ("session", "before_insert", "new"), ("mapper", "before_insert", "new"),
        ("mapper", "after_insert", "clean"), ("session", "after_insert", "clean"),
        ("session", "after_flush", True),
    ]
    log.clear()
    thing.name = "b"
    sess.flush(thing)
    assert log == [
        ("session", "before_flush", False),
        ("session", "before_update", "dirty"), ("mapper", "before_update", "dirty"),
        ("mapper", "after_update", "clean"), ("session", "after_update", "clean"),
        ("session", "after_flush", False),
    ]
    log.clear()
    assert Thing.query.find({"name": "b"}).first() is thing
    assert log == [("session", "cursor_created", "find"), ("session", "before_cursor_next"), ("session", "after_cursor_next")]
    log.clear()
    thing.delete()
    sess.flush()
    assert log[1:-1] == [
        ("session", "before_delete", "deleted"), ("mapper", "before_delete", "deleted"),
        ("mapper", "after_delete", "deleted"), ("session", "after_delete", "deleted"),
    ]
    log.clear()
    Thing.query.remove({"name": "x"})
    assert log == [
        ("session", "before_remove", "Thing", ({"name": "x"},)), ("mapper", "before_remove", ({"name": "x"},), {}),
        ("mapper", "after_remove", ({"name": "x"},), {}), ("session", "after_remove", "Thing", ({"name": "x"},)),
    ]
    assert isinstance(mapper(Thing).extensions[0], Recorder) and mapper(Thing).extensions[0].mapper is mapper(Thing)


def test_register_extension_and_the_seed_style_extension(odm_datastore):
    sess = ODMSession(bind=odm_datastore)

    class Snapshot(SessionExtension):
        def __init__(self, session):
            super().__init__(session)
            self.added = self.modified = self.deleted = None

        def before_flush(self, obj=None):
            if obj is None:
                self.added = list(self.session.uow.new)
                self.modified = list(self.session.uow.dirty)
                self.deleted = list(self.session.uow.deleted)

    sess.register_extension(Snapshot)
    ext = sess.extensions[0]

    class Thing(MappedClass):
        class __mongometa__:
            name = "thing"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)

    t = Thing()
    sess.flush()
    assert ext.added == [t] and ext.modified == [] and ext.deleted == []


def test_thread_local_sessions_are_per_thread(odm_datastore):
    tl = ThreadLocalODMSession(bind=odm_datastore)

    class Thing(MappedClass):
        class __mongometa__:
            name = "thing"

        __mongometa__.session = tl
        _id = FieldProperty(schema.ObjectId)
        n = FieldProperty(int)

    Thing(n=0)
    seen = {}

    def worker():
        seen["uow"] = len(tl.uow)
        Thing(n=1)
        seen["own"] = len(tl.uow)
        tl.flush()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == {"uow": 0, "own": 1}
    assert len(tl.uow) == 1 and tl.db.thing.count_documents({}) == 1
    ThreadLocalODMSession.flush_all()
    assert tl.db.thing.count_documents({}) == 2
    ThreadLocalODMSession.close_all()
    assert len(tl.uow) == 0 and repr(tl).startswith("TLProxy of <session>")


def test_by_name_sessions_follow_configure():
    import odm

    a = ODMSession.by_name("odm_mapper_named")
    b = ThreadLocalODMSession.by_name("odm_mapper_named")
    assert a is ODMSession.by_name("odm_mapper_named") and b is ThreadLocalODMSession.by_name("odm_mapper_named")
    odm.configure(**{"ming.odm_mapper_named.uri": "mim://odm-mapper-named/named"})
    assert a.db.name == "named" and b.db.name == "named"


def make_app(tl, Thing, fail=None):
    def app(environ, start_response):
        Thing(n=1)
        if fail is not None:
            raise fail
        start_response("200 OK", [])
        return [b"ok"]

    return app


class Redirect(Exception):
    pass


@pytest.mark.parametrize("fail, flush_on_errors, written", [
    (None, (), 1),
    (RuntimeError("boom"), (), 0),
    (Redirect("see other"), (Redirect,), 1),
])
def test_middleware_flushes_unless_raised_and_always_closes(odm_datastore, fail, flush_on_errors, written):
    tl = ThreadLocalODMSession(bind=odm_datastore)

    class Thing(MappedClass):
        class __mongometa__:
            name = "thing"

        __mongometa__.session = tl
        _id = FieldProperty(schema.ObjectId)
        n = FieldProperty(int)

    entered = []

    class Context:
        def __enter__(self):
            entered.append(1)

        def __exit__(self, *exc):
            return False

    app = ODMMiddleware(make_app(tl, Thing, fail), context_func=Context, flush_on_errors=flush_on_errors)
    if fail is None:
        assert app({}, lambda *a: None) == [b"ok"]
    else:
        with pytest.raises(type(fail)):
            app({}, lambda *a: None)
    assert tl.db.thing.count_documents({}) == written
    assert len(tl.uow) == 0 and entered == [1]
