"""Issue 16 item 1: names the server refuses are refused on every route, and a
dump never builds a file path from a name (mongodump's escaping, every path
checked to stay under the dump directory)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bson import json_util
from pymongo.errors import OperationFailure

import mim
from mim.wire.dump import dump, encode_collection_file_name, restore

TRAVERSALS = ["../../e", "../x", ".hidden", "./x"]


def _refused(info, message: str) -> None:
    assert info.value.code == 73
    assert info.value.details["codeName"] == "InvalidNamespace"
    assert info.value.details["errmsg"] == message


def _no_files_outside(root: Path, start: Path) -> None:
    """Nothing was written beside ``root`` under ``start`` (the pytest tmp dir)."""
    for path in start.rglob("*"):
        assert str(path.resolve()).startswith(str(root.resolve())), path


@pytest.mark.parametrize("name", TRAVERSALS)
def test_insert_command_refuses_a_leading_dot(client, engine, name):
    with pytest.raises(OperationFailure) as info:
        client.sec.command({"insert": name, "documents": [{"_id": 1}]})
    _refused(info, f"Collection names cannot start with '.': {name}")
    assert "sec" not in engine.database_names()


@pytest.mark.parametrize("name", TRAVERSALS)
def test_create_refuses_a_leading_dot(client, engine, name):
    with pytest.raises(OperationFailure) as info:
        client.sec.command({"create": name})
    _refused(info, f"Collection names cannot start with '.': {name}")
    assert engine.database_names() == []


@pytest.mark.parametrize("name", TRAVERSALS)
def test_create_view_refuses_a_leading_dot(client, engine, name):
    client.sec.base.insert_one({"_id": 1})
    with pytest.raises(OperationFailure) as info:
        client.sec.command({"create": name, "viewOn": "base", "pipeline": []})
    _refused(info, f"Collection names cannot start with '.': {name}")
    assert client.sec.list_collection_names() == ["base"]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_rename_refuses_a_leading_dot_and_keeps_the_source(client, name):
    client.sec.src.insert_one({"_id": 1})
    client.sec.existing.insert_one({"_id": 2})
    with pytest.raises(OperationFailure) as info:
        client.admin.command({"renameCollection": "sec.src", "to": f"sec.{name}",
                              "dropTarget": True})
    _refused(info, f"Collection names cannot start with '.': {name}")
    assert sorted(client.sec.list_collection_names()) == ["existing", "src"]
    assert client.sec.src.find_one() == {"_id": 1}


@pytest.mark.parametrize("name", TRAVERSALS)
def test_out_refuses_a_leading_dot(client, name):
    client.sec.src.insert_one({"_id": 1})
    with pytest.raises(OperationFailure) as info:
        list(client.sec.src.aggregate([{"$out": name}]))
    _refused(info, f"Collection names cannot start with '.': {name}")
    with pytest.raises(OperationFailure) as info:
        list(client.sec.src.aggregate([{"$out": {"db": "other", "coll": name}}]))
    _refused(info, f"Collection names cannot start with '.': {name}")
    assert client.sec.list_collection_names() == ["src"]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_merge_refuses_a_leading_dot(client, name):
    client.sec.src.insert_one({"_id": 1})
    with pytest.raises(OperationFailure) as info:
        list(client.sec.src.aggregate([{"$merge": {"into": name}}]))
    _refused(info, f"Collection names cannot start with '.': {name}")
    with pytest.raises(OperationFailure) as info:
        list(client.sec.src.aggregate([{"$merge": {"into": {"db": "o", "coll": name}}}]))
    _refused(info, f"Collection names cannot start with '.': {name}")
    assert client.sec.list_collection_names() == ["src"]


def test_nul_system_and_length_limits(client, engine):
    with pytest.raises(OperationFailure) as info:
        client.sec.command({"insert": "a\x00b", "documents": [{}]})
    _refused(info, "namespaces cannot have embedded null characters")
    with pytest.raises(OperationFailure) as info:
        client.sec.command({"insert": "system.evil", "documents": [{}]})
    _refused(info, "Invalid system namespace: sec.system.evil")
    longest = "c" * (255 - len("sec."))
    client.sec[longest].insert_one({"_id": 1})
    with pytest.raises(OperationFailure) as info:
        client.sec[longest + "c"].insert_one({"_id": 1})
    _refused(info, f"Fully qualified namespace is too long. Namespace: sec.{longest}c Max: 255")
    with pytest.raises(OperationFailure) as info:
        client["d" * 64].things.insert_one({})
    _refused(info, "db name must be at most 63 characters, found: 64")
    client["d" * 63].things.insert_one({"_id": 1})
    assert sorted(engine.database_names()) == sorted(["sec", "d" * 63])


def test_mongodump_file_name_escaping():
    # Go's url.PathEscape: letters, digits, -_.~ and $&+:=@ stay; the rest is %XX (UTF-8)
    assert encode_collection_file_name("sub/dir") == "sub%2Fdir"
    assert encode_collection_file_name("../../e") == "..%2F..%2Fe"
    assert encode_collection_file_name("a b;c,d?e%f") == "a%20b%3Bc%2Cd%3Fe%25f"
    assert encode_collection_file_name("a$&+:=@~-_.z") == "a$&+:=@~-_.z"
    assert encode_collection_file_name("é") == "%C3%A9"
    long_name = "x" * 239
    encoded = encode_collection_file_name(long_name)
    # 208 bytes of the escaped name + "%24" + 27 characters of base64url(SHA-1)
    assert encoded.startswith("x" * 208 + "%24") and len(encoded) == 238


def test_dump_of_hostile_names_stays_under_the_root(tmp_path):
    engine = mim.Server()
    client = mim.MongoClient(server=engine)
    names = ["/tmp/x/evil", "sub/dir", "a/../../../b", "zz..", "w" * 240, "plain"]
    for i, name in enumerate(names):  # the insert command: pymongo refuses ".." itself
        client.sec.command({"insert": name, "documents": [{"_id": i}]})
    root = tmp_path / "dump"
    assert sorted(dump(engine, root)) == sorted(f"sec.{n}" for n in names)
    _no_files_outside(root, tmp_path)
    files = sorted(p.name for p in (root / "sec").iterdir())
    assert "%2Ftmp%2Fx%2Fevil.bson" in files and "sub%2Fdir.bson" in files
    assert not (tmp_path / "tmp").exists() and not Path("/tmp/x/evil.bson").exists()
    # every collection was written (no failure half-way), and comes back by its name
    other = mim.Server()
    assert sorted(restore(other, root)) == sorted(f"sec.{n}" for n in names)
    restored = mim.MongoClient(server=other).sec
    for i, name in enumerate(names):
        found = restored.command({"find": name})["cursor"]["firstBatch"]
        assert found == [{"_id": i}]


def test_names_refused_in_a_crafted_dump(tmp_path):
    directory = tmp_path / "sec"
    directory.mkdir()
    (directory / "x.bson").write_bytes(b"")
    (directory / "x.metadata.json").write_text(json_util.dumps(
        {"options": {}, "indexes": [], "collectionName": "../x", "type": "collection"}))
    with pytest.raises(Exception) as info:
        restore(mim.Server(), tmp_path)
    assert "Collection names cannot start with '.': ../x" in str(info.value)
    assert os.listdir(tmp_path) == ["sec"]
