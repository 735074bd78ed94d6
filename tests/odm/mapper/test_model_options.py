"""Per-model write concern, read concern and read preference (PyMODM's ``Meta``), on every backend."""
from __future__ import annotations

import os
import uuid

import pytest
from pymongo import ReadPreference, WriteConcern, monitoring
from pymongo.collation import Collation
from pymongo.errors import DuplicateKeyError
from pymongo.read_concern import ReadConcern

from conftest import wire_uri
from odm import create_datastore, schema
from odm.odm import FieldProperty, MappedClass, ODMSession
from odm.orm.registry import ORMError


def declare(sess, **meta):
    class Event(MappedClass):
        class __mongometa__:
            name = "event"
            session = sess
            locals().update(meta)

        _id = FieldProperty(int)
        kind = FieldProperty(str)

    return Event


def test_an_unacknowledged_write_concern_is_the_models(odm_session):
    Acked = declare(odm_session)
    Acked(_id=1, kind="a")
    odm_session.flush()
    odm_session.clear()
    Acked(_id=1, kind="again")
    with pytest.raises(DuplicateKeyError):
        odm_session.flush()
    odm_session.clear()
    FireAndForget = declare(odm_session, write_concern=WriteConcern(w=0))
    event = FireAndForget(_id=1, kind="again")
    odm_session.flush()  # w=0: the server's refusal is not reported
    event.kind = "changed"
    odm_session.flush()  # an unacknowledged update has no matched count: it is not taken for a lost document
    FireAndForget.query.remove({"_id": 1})


@pytest.mark.parametrize("option, value", [("write_concern", {"w": 1}), ("read_concern", "majority"),
                                           ("read_preference", "secondary")])
def test_an_option_of_the_wrong_type_is_refused_when_declared(odm_session, option, value):
    with pytest.raises(ORMError, match=f"option '{option}' must be a pymongo "):
        declare(odm_session, **{option: value})


class Commands(monitoring.CommandListener):
    def __init__(self):
        self.seen = []

    def started(self, event):
        self.seen.append((event.command_name, dict(event.command)))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_the_options_go_out_with_every_command_through_pymongo():
    listener = Commands()
    ds = create_datastore(wire_uri(), database=f"odm_options_{uuid.uuid4().hex[:8]}", event_listeners=[listener])
    sess = ODMSession(bind=ds)
    Event = declare(sess, write_concern=WriteConcern(w="majority", wtimeout=500),
                    read_concern=ReadConcern("majority"), read_preference=ReadPreference.PRIMARY_PREFERRED)
    assert ds.name.startswith("odm_options_")
    try:
        Event(_id=1, kind="a")
        sess.flush()
        event = Event.query.get(1)
        event.kind = "b"
        sess.flush()
        sess.clear()
        assert Event.query.find({"kind": "b"}).all()[0].kind == "b"
        assert Event.query.find({"kind": "b"}).count() == 1
        Event.query.remove({"_id": 1})
        by_name = {}
        for name, command in listener.seen:
            by_name.setdefault(name, command)
        for name in ("insert", "update", "delete"):
            assert by_name[name]["writeConcern"] == {"w": "majority", "wtimeout": 500}, name
        for name in ("find", "aggregate"):  # count_documents is an aggregate
            assert by_name[name]["readConcern"] == {"level": "majority"}, name
    finally:
        ds.conn.drop_database(ds.name)
        ds.conn.close()


def test_a_query_overrides_the_classes_options_for_its_own_commands():
    listener = Commands()
    ds = create_datastore(wire_uri(), database=f"odm_options_{uuid.uuid4().hex[:8]}", event_listeners=[listener])
    sess = ODMSession(bind=ds)
    Event = declare(sess, read_concern=ReadConcern("majority"))
    try:
        Event(_id=1, kind="a")
        sess.flush()
        sess.clear()
        local = Event.query.with_options(read_concern=ReadConcern("local"), write_concern=WriteConcern(w=1, j=True))
        assert local.get(1).kind == "a" and local.find({"kind": "a"}).count() == 1
        local.update({"_id": 1}, {"$set": {"kind": "b"}})
        assert Event.query.find({"kind": "b"}).first()._id == 1
        finds = [c for name, c in listener.seen if name == "find"]
        assert [c["readConcern"] for c in finds] == [{"level": "local"}, {"level": "majority"}]
        update = [c for name, c in listener.seen if name == "update"][0]
        assert update["writeConcern"] == {"w": 1, "j": True}
        with pytest.raises(TypeError, match="with_options\\(\\) takes write_concern, read_concern, read_preference, "
                                            "collation, not hint"):
            Event.query.with_options(hint="_id_")
        with pytest.raises(ORMError, match="option 'read_concern' must be a pymongo ReadConcern"):
            Event.query.with_options(read_concern="local")
    finally:
        ds.conn.drop_database(ds.name)
        ds.conn.close()


def test_with_options_on_every_backend(odm_session):
    Event = declare(odm_session)
    Event(_id=1, kind="a")
    odm_session.flush()
    odm_session.clear()
    primary = Event.query.with_options(read_preference=ReadPreference.PRIMARY, read_concern=ReadConcern("local"))
    assert [e.kind for e in primary.filter(Event.kind == "a")] == ["a"]
    assert primary.distinct("kind") == ["a"] and primary.count() == 1
    assert primary.find_one_and_update({"_id": 1}, {"$set": {"kind": "b"}}, return_document=True).kind == "b"
    primary.remove({"_id": 1})
    assert odm_session.db.event.count_documents({}) == 0


def test_connection_alias_names_a_configured_datastore(odm_backend):
    """Seed 002: ``connect(uri, alias='my-atlas-app')`` and ``class Meta: connection_alias = 'my-atlas-app'``."""
    import odm
    from odm.odm import ThreadLocalODMSession
    from odm.session import Session

    alias = f"my-atlas-app-{uuid.uuid4().hex[:8]}"
    database = f"odm_alias_{uuid.uuid4().hex[:8]}"
    if odm_backend.startswith("mim"):
        uri = f"mim://alias-{uuid.uuid4().hex[:8]}/"
    elif odm_backend.startswith("wire"):
        uri = wire_uri()
    elif "MONGODB_URI" in os.environ:  # a real server
        uri = os.environ["MONGODB_URI"]
    else:
        pytest.skip("the pymongo backend needs a real server named by MONGODB_URI")
    saved = dict(Session._datastores)
    try:
        odm.configure(**{f"odm.{alias}.uri": uri, f"odm.{alias}.database": database})

        class User(MappedClass):
            class __mongometa__:
                name = "User"
                connection_alias = alias
                write_concern = WriteConcern(j=True)

            email = FieldProperty(schema.Email, primary_key=True)

        sess = ThreadLocalODMSession.by_name(alias)
        assert User.__mongometa__.session is sess
        User(email="jason@example.com")
        sess.flush()
        assert sess.db.name == database and sess.db.User.find_one() == {"_id": "jason@example.com"}
        sess.db.client.drop_database(database)
        with pytest.raises(ORMError, match="has both a session and connection_alias"):
            class Other(MappedClass):
                class __mongometa__:
                    name = "other"
                    session = ODMSession()
                    connection_alias = alias
    finally:
        Session._configure_datastores(saved)


def test_a_class_collation_applies_to_its_queries(odm_session):
    """``__mongometa__.collation`` (PyMODM's ``Meta.collation``): every query of the class compares
    strings with it (here case-insensitively, strength 2), unless the query gives its own."""
    Event = declare(odm_session, collation=Collation(locale="en", strength=2))
    for i, kind in enumerate(["apple", "Apple", "banana", "APPLE"]):
        Event(_id=i, kind=kind)
    odm_session.flush()
    odm_session.clear()
    assert sorted(e._id for e in Event.query.find({"kind": "apple"})) == [0, 1, 3]
    assert Event.query.find({"kind": "APPLE"}).count() == 3
    assert Event.query.count({"kind": "Apple"}) == 3
    assert len(Event.query.distinct("kind")) == 2  # one value per collation-equal group
    exact = Event.query.with_options(collation={"locale": "simple"})
    assert [e._id for e in exact.find({"kind": "apple"})] == [0]
    Event.query.update({"kind": "apple"}, {"$set": {"n": 1}}, multi=True)
    assert odm_session.db.event.count_documents({"n": 1}) == 3
    Event.query.remove({"kind": "APPLE"})
    assert [d["kind"] for d in odm_session.db.event.find()] == ["banana"]
    with pytest.raises(ORMError, match="option 'collation' must be a pymongo Collation or a collation document"):
        declare(odm_session, collation="en")
