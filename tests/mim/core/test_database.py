"""Database: collections, listing, dropping and database commands.

Sources: pymongo Database documentation (create_collection check_exists,
CollectionInvalid), MongoDB manual database commands (create, drop, count,
distinct, listCollections, dbStats, collStats, ping, buildInfo, hello,
serverStatus) and the server's CommandNotFound error ("no such command: '<name>'",
code 59), NamespaceExists (48), NamespaceNotFound (26).
"""

import pytest
from bson.codec_options import CodecOptions
from bson.son import SON
from pymongo.errors import CollectionInvalid, InvalidName, OperationFailure

import mim


def test_get_collection_and_item_access(db):
    assert db.get_collection("c") == db["c"] == db.c
    assert db.c.name == "c"
    assert db.c.full_name == "testdb.c"
    assert db.name == "testdb"
    with pytest.raises(AttributeError):
        db._private


def test_get_collection_with_codec_options(db):
    coll = db.get_collection("c", codec_options=CodecOptions(document_class=SON))
    assert coll.codec_options.document_class is SON


def test_create_collection(db):
    coll = db.create_collection("new")
    assert isinstance(coll, mim.Collection)
    assert "new" in db.list_collection_names()


def test_create_existing_collection(db):
    db.create_collection("c")
    with pytest.raises(CollectionInvalid):
        db.create_collection("c")
    with pytest.raises(OperationFailure) as info:
        db.create_collection("c", check_exists=False)
    assert info.value.code == 48
    assert info.value.details["codeName"] == "NamespaceExists"


def test_collections_are_created_implicitly_by_writes(db):
    assert db.list_collection_names() == []
    db.c.find_one()
    assert db.list_collection_names() == []
    db.c.insert_one({})
    assert db.list_collection_names() == ["c"]


def test_list_collection_names_and_collections_with_filter(db):
    for name in ("a", "b", "c"):
        db.create_collection(name)
    db.create_collection("capped", capped=True, size=1024)
    assert sorted(db.list_collection_names()) == ["a", "b", "c", "capped"]
    assert db.list_collection_names(filter={"name": "b"}) == ["b"]
    assert sorted(db.list_collection_names(filter={"name": {"$in": ["a", "c"]}})) == ["a", "c"]
    infos = {c["name"]: c for c in db.list_collections()}
    assert infos["a"]["type"] == "collection"
    assert infos["capped"]["options"] == {"capped": True, "size": 1024}
    capped = list(db.list_collections(filter={"options.capped": True}))
    assert [c["name"] for c in capped] == ["capped"]


def test_drop_collection(db):
    db.c.insert_one({})
    db.drop_collection("c")
    assert db.list_collection_names() == []
    db.d.insert_one({})
    db.drop_collection(db.d)
    assert db.list_collection_names() == []
    db.drop_collection("never")  # dropping a missing collection is not an error


def test_command_ping_build_info_hello(db):
    assert db.command("ping")["ok"] == 1.0
    info = db.command("buildInfo")
    assert info["ok"] == 1.0 and info["version"].startswith("7.")
    assert isinstance(info["versionArray"], list)
    hello = db.command("hello")
    assert hello["isWritablePrimary"] is True
    assert hello["maxBsonObjectSize"] == 16 * 1024 * 1024
    assert db.command("isMaster")["ismaster"] is True
    status = db.command("serverStatus")
    assert status["ok"] == 1.0 and "version" in status


def test_command_count_distinct(db):
    db.c.insert_many([{"x": 1}, {"x": 2}, {"x": 2}])
    assert db.command("count", "c")["n"] == 3
    assert db.command("count", "c", query={"x": 2})["n"] == 2
    assert db.command(SON([("count", "c"), ("query", {"x": 1})]))["n"] == 1
    assert sorted(db.command("distinct", "c", key="x")["values"]) == [1, 2]
    assert db.command("distinct", "c", key="x", query={"x": 1})["values"] == [1]


def test_command_create_drop_list_collections(db):
    assert db.command("create", "made")["ok"] == 1.0
    assert "made" in db.list_collection_names()
    with pytest.raises(OperationFailure) as info:
        db.command("create", "made")
    assert info.value.code == 48
    names = [c["name"] for c in db.command("listCollections")["cursor"]["firstBatch"]]
    assert names == ["made"]
    assert db.command("drop", "made")["ok"] == 1.0
    assert db.list_collection_names() == []


def test_command_stats(db):
    db.c.insert_many([{"x": 1}, {"x": 2}])
    stats = db.command("dbStats")
    assert stats["db"] == "testdb" and stats["collections"] == 1 and stats["objects"] == 2
    coll_stats = db.command("collStats", "c")
    assert coll_stats["ns"] == "testdb.c" and coll_stats["count"] == 2


def test_unknown_command(db):
    with pytest.raises(OperationFailure) as info:
        db.command("frobnicate")
    assert info.value.code == 59
    assert info.value.details["errmsg"] == "no such command: 'frobnicate'"
    assert info.value.details["codeName"] == "CommandNotFound"


def test_database_equality_and_client(client):
    assert client.testdb == client["testdb"] == client.get_database("testdb")
    assert client.testdb != client.other
    assert client.testdb.client is client
    assert hash(client.testdb) == hash(client["testdb"])


def test_invalid_database_names(client):
    for bad in ("", "a b", "a.b", "a$b", "a/b"):
        with pytest.raises(InvalidName):
            client[bad]


def test_external_is_a_database_name_despite_its_dollar(client):
    # pymongo's Database skips its name check for "$external" (the database that
    # authenticates x.509/LDAP/AWS users), so connect("$external")-style code gets one
    assert client["$external"].name == "$external"
    assert client.get_database("$external").name == "$external"
    with pytest.raises(InvalidName):
        client["$external2"]


def test_create_collection_with_a_collation_stores_it_resolved(db):
    pytest.importorskip("icu", reason="the 'collation' extra (PyICU) is not installed")
    # the collection default collation is kept with every option resolved, as
    # listCollections shows it on the server; {locale: "simple"} is no default at all
    db.create_collection("collated", collation={"locale": "en", "strength": 2})
    options = {c["name"]: c["options"] for c in db.list_collections()}
    assert options["collated"]["collation"]["strength"] == 2
    assert options["collated"]["collation"]["caseFirst"] == "off"
    with pytest.raises(OperationFailure) as info:
        db.create_collection("bad", collation={"locale": "en", "strength": 0})
    assert info.value.code == 9
    assert "bad" not in db.list_collection_names()
    db.create_collection("simple", collation={"locale": "simple"})
    assert "simple" in db.list_collection_names()
