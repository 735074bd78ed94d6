"""odm.datastore and odm.configure: engines, datastores, URLs."""
from __future__ import annotations

import types

import pymongo
import pytest
from pymongo.errors import ConnectionFailure

import odm
from odm import Session, configure, create_datastore, create_engine
from odm.datastore import DataStore, Engine
from odm.exc import MingConfigError, MingException, MongoGone


class Recorder:
    """A stand-in client class that records how it was built."""

    instances: list = []

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        Recorder.instances.append(self)

    def __getitem__(self, name):
        return types.SimpleNamespace(name=name, client=self)


@pytest.fixture(autouse=True)
def _reset_recorder():
    Recorder.instances = []


def test_datastore_connects_lazily_and_shows_it_in_its_repr():
    ds = create_datastore("mongodb://localhost:27017/tutorial", connect=False)
    try:
        assert repr(ds) == "<DataStore None>"
        db = ds.db
        assert isinstance(db, pymongo.database.Database) and db.name == "tutorial"
        assert repr(ds) == f"<DataStore {db!r}>"
        assert "host=['localhost:27017']" in repr(ds)
        assert ds.db is db and ds.conn is db.client and ds.bind.conn is db.client
    finally:
        ds.conn.close()


def test_bare_name_is_a_database_on_the_default_server():
    ds = create_datastore("foo", connect=False)
    try:
        assert ds.name == "foo"
        assert ds.db.client.topology_description.server_descriptions().keys() == {("localhost", 27017)}
    finally:
        ds.conn.close()


def test_bind_reuses_an_engine():
    engine = create_engine(use_class=Recorder)
    first = create_datastore("one", bind=engine)
    second = create_datastore("two", bind=engine)
    assert first.db.name == "one" and second.db.name == "two"
    assert first.db.client is second.db.client and len(Recorder.instances) == 1


@pytest.mark.parametrize("url", ["mongodb://ignored/two", "mim://", "mim:///tutorial"])
def test_bind_with_a_full_url_is_refused(url):
    with pytest.raises(MingConfigError, match="bind not allowed with full URI"):
        create_datastore(url, bind=create_engine(use_class=Recorder))
    assert Recorder.instances == []


def test_replica_set_and_write_options_reach_pymongo():
    ds = create_datastore("mongodb://localhost:27017,localhost:27018/app?replicaSet=foo&w=majority&readPreference=secondary", connect=False)
    try:
        client = ds.db.client
        assert ds.name == "app"
        assert client.options.replica_set_name == "foo"
        assert client.write_concern.document == {"w": "majority"}
        assert client.read_preference == pymongo.ReadPreference.SECONDARY
    finally:
        ds.conn.close()


def test_url_without_database_uses_the_database_option_or_test():
    assert create_datastore("mongodb://localhost:27017/?replicaSet=foo", use_class=Recorder).name == "test"
    assert create_datastore("mongodb://localhost/", database="other", use_class=Recorder).name == "other"
    assert create_datastore("mim://", use_class=Recorder).name == "test"
    assert create_datastore("mim:///tutorial", use_class=Recorder).name == "tutorial"
    assert create_datastore("mongodb+srv://user:pw@cluster.example.com/prod?retryWrites=true", use_class=Recorder).name == "prod"


def test_credentials_in_the_url_and_authenticate_option_are_passed_to_the_client(monkeypatch):
    monkeypatch.setattr(pymongo, "MongoClient", Recorder)
    ds = create_datastore("mongodb://myuser:mypassword@localhost:27017/dbname")
    ds.conn
    assert Recorder.instances[-1].args == ("mongodb://myuser:mypassword@localhost:27017/dbname",)
    ds = create_datastore("mongodb://localhost/dbname", authenticate=dict(name="u", password="p"))
    ds.conn
    assert Recorder.instances[-1].kwargs == {"username": "u", "password": "p", "authSource": "dbname"}


def test_mim_urls_import_mim_only_when_connecting(monkeypatch):
    imported = []
    fake_mim = types.SimpleNamespace(MongoClient=Recorder)

    def fake_import(name):
        imported.append(name)
        return fake_mim

    monkeypatch.setattr(odm.datastore.importlib, "import_module", fake_import)
    ds = create_datastore("mim://server-a/tutorial", tz_aware=True)
    assert imported == [] and Recorder.instances == []
    assert ds.db.name == "tutorial"
    assert imported == ["mim"]
    assert Recorder.instances[0].args == ("mim://server-a/tutorial",)
    assert Recorder.instances[0].kwargs == {"tz_aware": True}


def test_create_engine_picks_the_client_class_from_the_url():
    assert create_engine("mim://x")._Connection is odm.datastore._mim_client
    assert create_engine(host="mim://x")._Connection is odm.datastore._mim_client
    assert create_engine("mongodb://x")._Connection is pymongo.MongoClient
    assert create_engine()._Connection is pymongo.MongoClient


def test_engine_is_lazy_and_connect_is_idempotent():
    engine = create_engine("a", use_class=Recorder, connect_retry=1)
    assert repr(engine) == "<Engine None>" and Recorder.instances == []
    conn = engine.connect()
    assert engine.connect() is conn and engine.conn is conn and len(Recorder.instances) == 1
    assert conn.args == ("a",)
    assert engine["db"].name == "db"


def test_engine_retries_failed_connections():
    attempts = []
    sleeps = []

    def flaky(*args, **kwargs):
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionFailure("down")
        return "client"

    engine = Engine(flaky, (), {}, connect_retry=3, auto_ensure_indexes=True, _sleep=sleeps.append)
    assert engine.conn == "client"
    assert len(attempts) == 3 and sleeps == [1, 1]


def test_engine_gives_up_after_connect_retry_attempts():
    def down(*args, **kwargs):
        raise ConnectionFailure("down")

    sleeps = []
    engine = Engine(down, (), {}, connect_retry=2, auto_ensure_indexes=True, _sleep=sleeps.append)
    with pytest.raises(MongoGone):
        engine.connect()
    assert len(sleeps) == 2


def test_engine_options():
    engine = create_engine(use_class=Recorder, connect_retry="4", auto_ensure_indexes="false")
    assert engine._connect_retry == 4 and engine.auto_ensure_indexes is False


def test_datastore_without_a_name_refuses_to_open():
    with pytest.raises(MingException):
        DataStore(create_engine(use_class=Recorder), None).db


def test_configure_creates_named_datastores_and_binds_sessions():
    early = Session.by_name("main")
    assert early.bind is None
    stores = configure(
        **{
            "ming.main.uri": "mongodb://localhost:27017/cfgdb",
            "ming.main.connect_retry": "5",
            "ming.main.auto_ensure_indexes": "false",
            "ming.main.tz_aware": "true",
            "ming.main.connect": "false",
            "ming.other.uri": "mongodb://localhost:27017/",
            "ming.other.database": "otherdb",
            "ming.other.connect": "false",
        }
    )
    try:
        assert set(stores) == {"main", "other"}
        assert Session.by_name("main") is early and early.bind is stores["main"]
        assert early.bind.name == "cfgdb"
        assert early.bind.bind._connect_retry == 5 and early.bind.bind.auto_ensure_indexes is False
        assert early.db.client.codec_options.tz_aware is True
        assert Session.by_name("other").bind.name == "otherdb"
    finally:
        for store in stores.values():
            if store.bind._conn is not None:
                store.conn.close()


def test_configure_requires_a_uri():
    with pytest.raises(ValueError):
        configure(**{"ming.main.database": "x"})


def test_by_name_returns_one_session_per_name():
    assert Session.by_name("a") is Session.by_name("a")
    assert Session.by_name("a") is not Session.by_name("b")


def test_configure_mim_end_to_end():
    configure(**{"ming.shared.uri": "mim://odm-configure-test/app"})
    Thing = odm.collection("thing", Session.by_name("shared"), odm.Field("_id", odm.schema.ObjectId), odm.Field("n", int))
    Thing.make(dict(n=1)).m.save()
    other = create_datastore("mim://odm-configure-test/app")
    assert other.db.thing.find_one({}, {"_id": 0}) == {"n": 1}
