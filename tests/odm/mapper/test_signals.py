"""odm.signals (MongoTor's pre/post save, update and remove, plus flush) over the one event registry."""
from __future__ import annotations

from typing import Any, Iterator

import pytest
from bson import ObjectId

from odm import schema, signals
from odm.orm import FieldProperty, MappedClass, ODMSession, SessionExtension, event_registry, state


@pytest.fixture
def connect() -> Iterator[Any]:
    """``connect(signal, receiver, sender=None)``, disconnected again after the test."""
    made: list = []

    def _connect(signal: signals.Signal, receiver: Any, sender: Any = None) -> Any:
        made.append((signal, receiver, sender))
        return signal.connect(receiver, sender)

    yield _connect
    for signal, receiver, sender in made:
        signal.disconnect(receiver, sender)


def declare(sess: Any) -> tuple[type, type]:
    class User(MappedClass):
        class __mongometa__:
            name = "user"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(str)
        active = FieldProperty(bool, if_missing=False)

    class Post(MappedClass):
        class __mongometa__:
            name = "post"

        __mongometa__.session = sess
        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(str)

    return User, Post


def recorder(log: list, tag: str) -> Any:
    def receive(sender: Any, instance: Any) -> None:
        log.append((tag, sender, instance))

    return receive


def test_save_signals_per_model_and_global(odm_session, connect):
    User, Post = declare(odm_session)
    log: list = []
    connect(signals.pre_save, recorder(log, "pre_save User"), sender=User)
    connect(signals.post_save, recorder(log, "post_save"))
    user, post = User(name="ann"), Post(title="t")
    assert log == []  # nothing is sent before the flush writes
    odm_session.flush()
    assert log == [
        ("pre_save User", User, user), ("post_save", User, user),
        ("post_save", Post, post),
    ]


def test_what_a_pre_save_receiver_changes_is_written(odm_session, connect):
    User, _ = declare(odm_session)

    def activate(sender: Any, instance: Any) -> None:
        instance.active = True

    connect(signals.pre_save, activate, sender=User)
    user = User(name="bob")
    odm_session.flush()
    assert odm_session.db.user.find_one({"_id": user._id})["active"] is True
    assert state(user).status == "clean"


def test_update_signals_fire_for_dirty_objects_only(odm_session, connect):
    User, _ = declare(odm_session)
    user, other = User(name="a"), User(name="b")
    odm_session.flush()
    log: list = []
    connect(signals.pre_update, recorder(log, "pre"), sender=User)
    connect(signals.post_update, recorder(log, "post"), sender=User)
    user.name = "changed"
    odm_session.flush()
    assert log == [("pre", User, user), ("post", User, user)]
    assert state(other).status == "clean"


def test_remove_signals_fire_for_deleted_objects_not_for_query_removes(odm_session, connect):
    User, _ = declare(odm_session)
    user, other = User(name="a"), User(name="b")
    odm_session.flush()
    log: list = []
    connect(signals.pre_remove, recorder(log, "pre"))
    connect(signals.post_remove, recorder(log, "post"))
    user.delete()
    odm_session.flush()
    assert log == [("pre", User, user), ("post", User, user)]
    assert odm_session.db.user.count_documents({"_id": user._id}) == 0
    log.clear()
    User.query.remove({"_id": other._id})  # deletes documents, no objects involved
    assert log == [] and odm_session.db.user.count_documents({}) == 0


def test_flush_signals_are_sent_by_the_session(odm_session, connect):
    User, _ = declare(odm_session)
    log: list = []
    connect(signals.pre_flush, recorder(log, "pre"))
    connect(signals.post_flush, recorder(log, "post"), sender=odm_session)
    user = User(name="a")
    odm_session.flush()
    odm_session.flush(user)
    assert log == [("pre", odm_session, None), ("post", odm_session, None),
                   ("pre", odm_session, user), ("post", odm_session, user)]


def test_signals_wrap_the_session_extensions(odm_datastore, connect):
    log: list = []

    class Ext(SessionExtension):
        def before_insert(self, obj: Any, st: Any) -> None:
            log.append("extension before_insert")

        def after_insert(self, obj: Any, st: Any) -> None:
            log.append("extension after_insert")

    sess = ODMSession(bind=odm_datastore, extensions=[Ext])
    User, _ = declare(sess)
    connect(signals.pre_save, lambda sender, instance: log.append("pre_save"))
    connect(signals.post_save, lambda sender, instance: log.append("post_save"))
    User(name="a")
    sess.flush()
    assert log == ["pre_save", "extension before_insert", "extension after_insert", "post_save"]


def test_a_sender_is_one_class_not_its_subclasses(odm_session, connect):
    User, _ = declare(odm_session)

    class Admin(User):
        pass

    log: list = []
    connect(signals.post_save, recorder(log, "user"), sender=User)
    User(name="u")
    admin = Admin(name="a")
    odm_session.flush()
    assert [entry[1] for entry in log] == [User]
    assert state(admin).status == "clean"


def test_the_mongotor_receiver_decorator(odm_session):
    User, _ = declare(odm_session)
    fixed = ObjectId("5f0000000000000000000001")

    @signals.receiver(signals.pre_save, User)
    def set_object_id(sender: Any, instance: Any) -> None:
        instance._id = fixed

    try:
        User(name="x")
        odm_session.flush()
    finally:
        signals.pre_save.disconnect(set_object_id, User)
    assert odm_session.db.user.find_one({"_id": fixed})["name"] == "x"
    assert signals.pre_save.receivers == []


def test_disconnecting_the_last_receiver_leaves_the_registry(odm_session):
    User, _ = declare(odm_session)
    calls: list = []

    def count(sender: Any, instance: Any) -> None:
        calls.append(instance)

    before = event_registry.listeners("before_insert", odm_session, User)
    with signals.pre_save.connected_to(count, sender=User):
        signals.pre_save.connect(count, sender=User)  # twice: still one receiver
        assert len(signals.pre_save.receivers) == 1
        assert event_registry.has_listeners(["before_insert"], odm_session, User)
        User(name="a")
        odm_session.flush()
    User(name="b")
    odm_session.flush()
    assert len(calls) == 1
    assert event_registry.listeners("before_insert", odm_session, User) == before == []
    signals.pre_save.disconnect(count, User)  # not connected any more: nothing happens
    with pytest.raises(TypeError):
        signals.post_save.connect("not callable")
