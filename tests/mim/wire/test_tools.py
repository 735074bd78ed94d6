"""``mim dump`` / ``mim restore`` (mim.tools): mongodump's directory format,
round trips between in-process mim and ``mim serve`` over the wire.

Expected layout and metadata shape are mongodump's (mongo-tools
``mongodump/metadata_dump.go``: ``{"options", "indexes", "uuid",
"collectionName", "type"}``; ``--gzip`` appends ``.gz`` to both files;
collection names escaped with ``url.PathEscape``).
"""

from __future__ import annotations

import datetime
import json
import re
import uuid

import bson
import pymongo.errors
import pytest
from bson import (Binary, Code, DBRef, Decimal128, Int64, MaxKey, MinKey, ObjectId, Regex,
                  Timestamp, json_util)
from bson.raw_bson import RawBSONDocument

import mim
from mim import tools
from mim.engine.storage.store import Server
from mim.wire.cli import main

EVERY_TYPE = {
    "_id": ObjectId("5f1d7f9e8b3c4a2d1e0f1a2b"),
    "double": 1.5, "string": "héllo", "object": {"a": {"b": [1]}}, "array": [1, "2", [3]],
    "binary": Binary(b"\x00\x01", 0), "binary_uuid": Binary(uuid.UUID(int=7).bytes, 4),
    "binary_user": Binary(b"x", 128), "bool": True,
    "date": datetime.datetime(2020, 5, 17, 12, 0, 0, 123000),
    "null": None, "regex": Regex("^a.c$", "im"), "code": Code("function () {}"),
    "code_w_scope": Code("function () { return x; }", {"x": 1}),
    "int32": 42, "timestamp": Timestamp(1_600_000_000, 3), "int64": Int64(2 ** 40),
    "decimal": Decimal128("1.10"), "minkey": MinKey(), "maxkey": MaxKey(),
    "dbref": DBRef("other", 1, "elsewhere"), "nan": float("nan"), "neg_zero": -0.0,
}

INDEXES = [
    ({"a": 1}, {"name": "a_unique", "unique": True}),
    ({"b": 1}, {"name": "b_sparse", "sparse": True}),
    ({"c": 1}, {"name": "c_partial", "partialFilterExpression": {"c": {"$gt": 5}}}),
    ({"created": 1}, {"name": "created_ttl", "expireAfterSeconds": 3600}),
    ({"a": 1, "b": -1}, {"name": "a_b_compound"}),
    ({"h": "hashed"}, {"name": "h_hashed"}),
    ({"d": 1}, {"name": "d_hidden", "hidden": True}),
]


def populate(database) -> None:
    """One collection of every BSON type and index kind, a capped one, a
    validated one with a collation, a view, and a name unsafe as a file name."""
    raw = RawBSONDocument(bson.encode(EVERY_TYPE))  # inserted as encoded, types exact
    database.things.insert_many([raw, {"_id": 2, "a": 2, "b": 1, "c": 9, "h": "x"}])
    for keys, options in INDEXES:
        database.things.create_index(list(keys.items()), **options)
    database.create_collection("ring", capped=True, size=4096, max=3)
    database.ring.insert_many([{"_id": n} for n in range(5)])
    database.create_collection("checked", validator={"n": {"$type": "int"}},
                               validationLevel="moderate", validationAction="error")
    database.checked.insert_one({"_id": 1, "n": 3})
    database.create_collection("recent", viewOn="things", pipeline=[{"$match": {"a": 2}}])
    database["odd/name"].insert_one({"_id": "slash"})


def snapshot(database) -> dict:
    """Everything a round trip must keep: raw documents, options, indexes."""
    state = {}
    for info in sorted(database.list_collections(), key=lambda i: i["name"]):
        entry = {"type": info.get("type"), "options": info.get("options")}
        if info.get("type") != "view":
            coll = database[info["name"]]
            entry["documents"] = b"".join(coll.find_raw_batches(sort=[("$natural", 1)]))
            entry["indexes"] = sorted((dict(spec) for spec in coll.list_indexes()),
                                      key=lambda spec: spec["name"])
        state[info["name"]] = entry
    return state


@pytest.fixture
def source():
    client = mim.MongoClient(server=Server(("source", 1)))  # a fresh in-process server
    populate(client.shop)
    yield client
    client.close()


def test_dump_writes_mongodump_layout(source, tmp_path):
    written = tools.dump(source, tmp_path / "out")
    assert sorted(written) == ["shop.checked", "shop.odd/name", "shop.recent",
                               "shop.ring", "shop.things"]
    files = sorted(p.name for p in (tmp_path / "out" / "shop").iterdir())
    # url.PathEscape: "/" becomes %2F, dots stay; a view has metadata only
    assert files == ["checked.bson", "checked.metadata.json", "odd%2Fname.bson",
                     "odd%2Fname.metadata.json", "recent.metadata.json", "ring.bson",
                     "ring.metadata.json", "things.bson", "things.metadata.json"]
    metadata = json.loads((tmp_path / "out" / "shop" / "things.metadata.json").read_text())
    assert list(metadata) == ["options", "indexes", "uuid", "collectionName", "type"]
    assert metadata["collectionName"] == "things" and metadata["type"] == "collection"
    assert re.fullmatch(r"[0-9a-f]{32}", metadata["uuid"])
    view = json_util.loads((tmp_path / "out" / "shop" / "recent.metadata.json").read_text())
    assert view["type"] == "view"
    assert view["options"] == {"viewOn": "things", "pipeline": [{"$match": {"a": 2}}]}


def test_round_trip_in_process_to_wire_and_back(source, client, tmp_path):
    expected = snapshot(source.shop)
    tools.dump(source, tmp_path / "first")
    restored = tools.restore(client, tmp_path / "first")
    assert restored.failures == 0
    assert snapshot(client.shop) == expected
    tools.dump(client, tmp_path / "second")
    back = mim.MongoClient(server=Server(("back", 1)))
    tools.restore(back, tmp_path / "second")
    assert snapshot(back.shop) == expected
    # the every-type document comes back byte for byte
    assert bytes(back.shop.things.find_raw_batches({"_id": EVERY_TYPE["_id"]}).next()) == \
        bson.encode(EVERY_TYPE)


def test_restored_options_are_enforced(source, client, tmp_path):
    tools.dump(source, tmp_path / "d")
    tools.restore(client, tmp_path / "d")
    info = {i["name"]: i for i in client.shop.list_collections()}
    assert info["ring"]["options"] == {"capped": True, "size": 4096, "max": 3}
    assert info["checked"]["options"]["validator"] == {"n": {"$type": "int"}}
    with pytest.raises(pymongo.errors.WriteError) as failure:
        client.shop.checked.insert_one({"n": "text"})
    assert failure.value.code == 121
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        client.shop.things.insert_one({"a": 2})


def test_gzip_round_trip(source, client, tmp_path):
    tools.dump(source, tmp_path / "z", gzip=True)
    names = sorted(p.name for p in (tmp_path / "z" / "shop").iterdir())
    assert "things.bson.gz" in names and "things.metadata.json.gz" in names
    assert "recent.metadata.json.gz" in names and not any(n.endswith(".bson") for n in names)
    tools.restore(client, tmp_path / "z", gzip=True)
    assert snapshot(client.shop) == snapshot(source.shop)


def test_restore_without_drop_counts_duplicates_and_drop_replaces(source, tmp_path):
    tools.dump(source, tmp_path / "d", db="shop", collection="checked")
    assert [p.name for p in (tmp_path / "d" / "shop").iterdir()] != []
    again = tools.restore(source, tmp_path / "d")
    assert again == ["shop.checked"] and again.failures == 1
    source.shop.checked.insert_one({"_id": 2, "n": 4})
    dropped = tools.restore(source, tmp_path / "d", drop=True)
    assert dropped.failures == 0
    assert list(source.shop.checked.find()) == [{"_id": 1, "n": 3}]


def test_namespace_filters_and_system_databases(source, tmp_path):
    source.admin.settings.insert_one({"_id": 1})
    written = tools.dump(source, tmp_path / "d", ns_include=["shop.r*"], ns_exclude=["*.ring"])
    assert written == ["shop.recent"]
    assert not (tmp_path / "d" / "admin").exists()
    assert tools.dump(source, tmp_path / "a", db="admin") == ["admin.settings"]


def test_dump_of_a_database_object(source, tmp_path):
    written = tools.dump(source.shop, tmp_path / "d", collection="things")
    assert written == ["shop.things"]


def test_cli_dump_and_restore_over_the_wire(source, client, server, tmp_path, capsys):
    tools.dump(source, tmp_path / "d")
    assert main(["restore", "--uri", server.uri, "--quiet", str(tmp_path / "d")]) == 0
    assert main(["dump", "--uri", server.uri, "-o", str(tmp_path / "e"), "--gzip",
                 "-d", "shop", "-c", "things"]) == 0
    assert sorted(p.name for p in (tmp_path / "e" / "shop").iterdir()) == \
        ["things.bson.gz", "things.metadata.json.gz"]
    assert "done dumping 1 namespace(s)" in capsys.readouterr().err
    client.shop.things.drop()
    assert main(["restore", "--uri", server.uri, "--gzip", "--drop",
                 "--nsInclude", "shop.things", str(tmp_path / "e")]) == 0
    assert snapshot(client.shop)["things"] == snapshot(source.shop)["things"]


def test_cli_refuses_archive_and_collection_without_db(server, tmp_path, capsys):
    assert main(["dump", "--uri", server.uri, "--archive=x.archive"]) == 1
    assert "--archive" in capsys.readouterr().err
    assert main(["restore", "--uri", server.uri, "-c", "things", str(tmp_path)]) == 1
    assert "--collection without --db" in capsys.readouterr().err


def test_restore_of_a_missing_directory_fails_cleanly(server, tmp_path, capsys):
    assert main(["restore", "--uri", server.uri, str(tmp_path / "nowhere")]) == 1
    assert "not a directory" in capsys.readouterr().err
