"""MongoClient: construction as pymongo accepts it, shared and private servers,
database management.

Sources: pymongo MongoClient documentation (host/port/URI forms, document_class,
tz_aware, address, list_database_names, drop_database, get_database,
get_default_database, server_info, close, context manager) and the issue's
contract for mim (same address ⇒ same in-memory server; server=mim.Server() private).
"""

import pytest
from pymongo.errors import ConfigurationError, InvalidURI

import mim


def test_private_servers_do_not_share_data():
    a = mim.MongoClient(server=mim.Server())
    b = mim.MongoClient(server=mim.Server())
    a.db.c.insert_one({"x": 1})
    assert b.db.c.count_documents({}) == 0


def test_clients_on_one_server_share_data():
    server = mim.Server()
    a = mim.MongoClient(server=server)
    b = mim.MongoClient(server=server)
    a.db.c.insert_one({"x": 1})
    assert b.db.c.count_documents({}) == 1


def test_clients_for_the_same_address_share_data():
    name = "mim-core-test-shared-address"
    a = mim.MongoClient(f"mongodb://{name}:27017/")
    b = mim.MongoClient(host=name, port=27017)
    try:
        a.db.c.insert_one({"_id": 1})
        assert b.db.c.find_one() == {"_id": 1}
        other = mim.MongoClient(f"mongodb://{name}:27018/")
        assert other.db.c.count_documents({}) == 0
    finally:
        a.drop_database("db")


@pytest.mark.parametrize("args, kwargs", [
    ((), {}),
    (("localhost",), {}),
    (("localhost", 27017), {}),
    (("mongodb://localhost:27017/?retryWrites=true&w=majority",), {}),
    (("mongodb://user:pw@h1:27017,h2:27018/app?replicaSet=rs0&authSource=admin",), {}),
    ((["h1:27017", "h2:27018"],), {}),
    (("mim://localhost/app",), {}),
    ((), {"host": "localhost", "port": 27017, "document_class": dict, "tz_aware": True,
          "connect": False, "serverSelectionTimeoutMS": 10}),
])
def test_constructor_accepts_pymongo_arguments(args, kwargs):
    client = mim.MongoClient(*args, **kwargs)
    assert client.address is not None
    client.close()


def test_invalid_uri():
    with pytest.raises((InvalidURI, ConfigurationError, ValueError)):
        mim.MongoClient("mongodb://")


def test_address():
    assert mim.MongoClient("mongodb://example.com:27999/", server=mim.Server()).address == \
        ("example.com", 27999)
    assert mim.MongoClient(server=mim.Server()).address == ("localhost", 27017)


def test_list_and_drop_databases(client):
    assert [n for n in client.list_database_names() if n not in ("admin", "config", "local")] == []
    client.a.c.insert_one({})
    client.b.c.insert_one({})
    assert sorted(client.list_database_names()) == ["a", "admin", "b", "config", "local"]
    infos = {d["name"]: d for d in client.list_databases()}
    assert set(infos) - {"admin", "config", "local"} == {"a", "b"}
    client.drop_database("a")
    assert [n for n in client.list_database_names() if n not in ("admin", "config", "local")] == ["b"]
    client.drop_database(client.b)
    assert [n for n in client.list_database_names() if n not in ("admin", "config", "local")] == []
    with pytest.raises(TypeError):
        client.drop_database(5)


def test_get_database(client):
    db = client.get_database("x")
    assert db.name == "x" and db == client.x == client["x"]
    assert db.client is client


def test_get_default_database():
    client = mim.MongoClient("mongodb://localhost/app", server=mim.Server())
    assert client.get_default_database().name == "app"
    assert mim.MongoClient("mim://localhost/other", server=mim.Server()).get_default_database(
    ).name == "other"
    no_default = mim.MongoClient(server=mim.Server())
    assert no_default.get_default_database("fallback").name == "fallback"
    with pytest.raises(ConfigurationError):
        no_default.get_default_database()


def test_server_info(client):
    info = client.server_info()
    assert info["ok"] == 1.0
    assert info["version"].startswith("7.")


def test_close_and_context_manager():
    server = mim.Server()
    with mim.MongoClient(server=server) as client:
        client.db.c.insert_one({"_id": 1})
    # closing a client does not discard the server's data
    assert mim.MongoClient(server=server).db.c.find_one() == {"_id": 1}


def test_client_options(client):
    assert client.codec_options.document_class is dict
    assert mim.MongoClient(tz_aware=True, server=mim.Server()).codec_options.tz_aware
