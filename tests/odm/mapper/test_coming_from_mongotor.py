"""Seed 004 (MongoTor's tutorial) rewritten for odm, on every backend: the ORM, the client, signals, commands.

MongoTor's ``yield gen.Task(user.save)`` calls are plain calls here; the rest
maps one to one.  These tests also run on the async backends (an
``AsyncODMSession`` on an async client, see ``conftest.py``); the tutorial's
handler written with ``await`` is ``test_async_session.py``'s
``test_mongotors_tutorial_with_await``.
"""
from __future__ import annotations

import datetime

import bson

from odm import schema, signals
from odm.odm import FieldProperty, MappedClass


def declare(sess):
    class User(MappedClass):
        """``class User(Collection): __collection__ = "user"`` with its four fields."""

        class __mongometa__:
            name = "user"
            session = sess

        _id = FieldProperty(schema.ObjectId)
        name = FieldProperty(str)
        active = FieldProperty(bool)
        created = FieldProperty(schema.DateTime)

    return User


def test_the_tutorials_orm_handler(odm_session):
    User = declare(odm_session)
    user = User()
    user.name = "User name"
    user.active = True
    user.created = datetime.datetime(2012, 5, 1, 12, 0)
    odm_session.flush()                                   # yield gen.Task(user.save)
    user.name = "New name"
    odm_session.flush()                                   # yield gen.Task(user.update)
    odm_session.clear()
    user_found = User.query.get(user._id)                 # User.objects.find_one(user._id)
    assert user_found.name == "New name"
    new_user = User(name="new user name", active=True, created=datetime.datetime(2012, 5, 2))
    odm_session.flush()
    users_actives = User.query.find({"active": True}).sort("created").all()   # User.objects.find({'active': True})
    assert [u.name for u in users_actives] == ["New name", "new user name"]
    users_actives[0].active = False
    odm_session.flush()                                   # yield gen.Task(users_actives[0].save)
    user_found.delete()
    odm_session.flush()                                   # yield gen.Task(user_found.remove)
    assert [u.name for u in User.query.find()] == ["new user name"] and new_user in User.query.find().all()


def test_a_document_from_a_dictionary(odm_session):
    User = declare(odm_session)
    new_user = User(**{"name": "Some user name"})         # User.create({'name': 'Some user name'})
    assert new_user.name == "Some user name"
    odm_session.flush()
    assert odm_session.db.user.count_documents({"name": "Some user name"}) == 1


def test_the_tutorials_client_handler(odm_session):
    db = odm_session.db                                   # the database without the ORM layer
    user = {"_id": bson.ObjectId(), "name": "User Name"}
    db.user.insert_one(user)
    db.user.update_one({"_id": user["_id"]}, {"$set": {"name": "New User Name"}})
    assert db.user.find_one(user["_id"])["name"] == "New User Name"
    db.user.delete_one({"_id": user["_id"]})
    assert db.user.find_one(user["_id"]) is None


def test_the_tutorials_pre_save_receiver(odm_session):
    class User(MappedClass):
        class __mongometa__:
            name = "user"
            session = odm_session

        _id = FieldProperty(schema.ObjectId(if_missing=None))  # no default: the receiver sets it
        name = FieldProperty(str)

    made = []

    @signals.receiver(signals.pre_save, User)
    def set_object_id(sender, instance):
        if not instance._id:
            instance._id = bson.ObjectId()
            made.append(instance._id)

    try:
        user = User(name="User name")
        assert user._id is None
        odm_session.flush()
        assert made == [user._id] and odm_session.db.user.find_one()["_id"] == user._id
    finally:
        signals.pre_save.disconnect(set_object_id, User)


def test_database_commands_count_and_distinct(odm_session):
    User = declare(odm_session)
    for name, active in (("a", True), ("b", False), ("c", True)):
        User(name=name, active=active)
    odm_session.flush()
    assert odm_session.command("buildinfo")["version"].startswith("7.0")      # db.command("buildinfo")
    assert odm_session.command("count", "user", query={"active": True})["n"] == 2
    assert odm_session.command({"collStats": "user"})["count"] == 3
    assert User.query.find({"active": True}).count() == 2                     # count
    assert sorted(User.query.distinct("name")) == ["a", "b", "c"]             # distinct
    assert list(User.query.aggregate([{"$group": {"_id": "$active", "n": {"$sum": 1}}},
                                      {"$sort": {"_id": 1}}])) == [{"_id": False, "n": 1}, {"_id": True, "n": 2}]
