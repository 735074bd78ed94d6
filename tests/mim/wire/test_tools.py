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
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.raw_bson import RawBSONDocument

import mim
from mim import tools
from mim.engine.storage.store import Server
from mim.wire.archive import crc64_ecma
from mim.wire.dump import DumpError
from mim.wire.dump import restore as engine_restore
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



def _element(kind: int, name: str, payload: bytes) -> bytes:
    return bytes([kind]) + name.encode() + b"\0" + payload


def _string(text: str) -> bytes:
    encoded = text.encode() + b"\0"
    return len(encoded).to_bytes(4, "little") + encoded


#: the deprecated types pymongo cannot encode (undefined 0x06, DBPointer 0x0C,
#: symbol 0x0E) and a date beyond Python's datetime range, as raw BSON
_DEPRECATED_BODY = (_element(0x10, "_id", (3).to_bytes(4, "little")) + _element(0x06, "undef", b"")
                    + _element(0x10, "a", (7).to_bytes(4, "little"))  # unique index on a
                    + _element(0x0C, "pointer", _string("db.c") + bytes(range(12)))
                    + _element(0x0E, "symbol", _string("sym"))
                    + _element(0x09, "far_date", (2 ** 62).to_bytes(8, "little")))
DEPRECATED_TYPES = (len(_DEPRECATED_BODY) + 5).to_bytes(4, "little") + _DEPRECATED_BODY + b"\0"
_RAW = CodecOptions(document_class=RawBSONDocument, datetime_conversion=DatetimeConversion.DATETIME_AUTO)

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
    database.things.insert_many([raw, {"_id": 2, "a": 2, "b": 1, "c": 9, "h": "x"},
                                 RawBSONDocument(DEPRECATED_TYPES, codec_options=_RAW)])
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
    # the every-type documents come back byte for byte
    assert bytes(back.shop.things.find_raw_batches({"_id": EVERY_TYPE["_id"]}).next()) == \
        bson.encode(EVERY_TYPE)
    assert bytes(back.shop.things.find_raw_batches({"_id": 3}).next()) == DEPRECATED_TYPES


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
    source.local.scratch.insert_one({"_id": 1})
    written = tools.dump(source, tmp_path / "d", ns_include=["shop.r*"], ns_exclude=["*.ring"])
    assert written == ["shop.recent"]
    everything = tools.dump(source, tmp_path / "all")
    # mongodump: "local can only be explicitly dumped"
    assert "admin.settings" in everything and "local.scratch" not in everything
    # named explicitly, local is dumped whole: mongodump's shouldSkipSystemNamespace
    # keeps a one-node replica set's local.oplog.rs
    assert tools.dump(source, tmp_path / "l", db="local") == ["local.oplog.rs", "local.scratch"]


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


def test_cli_refuses_collection_without_db(server, tmp_path, capsys):
    assert main(["restore", "--uri", server.uri, "-c", "things", str(tmp_path)]) == 1
    assert "--collection without --db" in capsys.readouterr().err


def test_restore_of_a_missing_directory_fails_cleanly(server, tmp_path, capsys):
    assert main(["restore", "--uri", server.uri, str(tmp_path / "nowhere")]) == 1
    assert "not a directory" in capsys.readouterr().err


def test_crc_is_gos_crc64_ecma():
    # the CRC catalogue's check value of CRC-64/XZ (Go's crc64 with the ECMA table)
    assert crc64_ecma(b"123456789") == 0x995DC9BBDF1939FA
    assert crc64_ecma(b"6789", crc64_ecma(b"12345")) == 0x995DC9BBDF1939FA


def test_archive_layout_is_mongodumps(source, tmp_path):
    archive = tmp_path / "shop.archive"
    tools.dump(source, archive=archive, db="shop", ns_include=["shop.checked", "shop.recent"])
    data = archive.read_bytes()
    assert data[:4] == bytes.fromhex("6de29981")  # 0x8199e26d little-endian
    header_size = int.from_bytes(data[4:8], "little")
    header = bson.decode(data[4:4 + header_size])
    assert list(header) == ["concurrent_collections", "version", "server_version",
                            "tool_version"]
    assert header["version"] == "0.1" and header["server_version"] == "7.0.0"
    offset = 4 + header_size
    prelude = []
    while data[offset:offset + 4] != b"\xff\xff\xff\xff":
        size = int.from_bytes(data[offset:offset + 4], "little")
        prelude.append(bson.decode(data[offset:offset + size]))
        offset += size
    assert [(p["db"], p["collection"], p["type"]) for p in prelude] == \
        [("shop", "checked", "collection"), ("shop", "recent", "view")]
    assert list(prelude[0]) == ["db", "collection", "metadata", "size", "type"]
    assert json_util.loads(prelude[0]["metadata"])["collectionName"] == "checked"
    offset += 4
    size = int.from_bytes(data[offset:offset + 4], "little")
    assert bson.decode(data[offset:offset + size]) == \
        {"db": "shop", "collection": "checked", "EOF": False, "CRC": 0}
    offset += size
    document = bson.encode({"_id": 1, "n": 3})
    assert data[offset:offset + len(document) + 4] == document + b"\xff\xff\xff\xff"
    offset += len(document) + 4
    eof = bson.decode(data[offset:len(data) - 4])
    assert eof == {"db": "shop", "collection": "checked", "EOF": True,
                   "CRC": crc64_ecma(document) - (1 << 64) * (crc64_ecma(document) >= 1 << 63)}
    assert data.endswith(b"\xff\xff\xff\xff")  # the view has no data blocks


@pytest.mark.parametrize("compressed", [False, True])
def test_archive_round_trip_over_the_wire(source, client, tmp_path, compressed):
    archive = tmp_path / "all.archive"
    tools.dump(source, archive=archive, gzip=compressed)
    assert (archive.read_bytes()[:2] == b"\x1f\x8b") is compressed
    restored = tools.restore(client, archive=archive, gzip=compressed)
    assert restored.failures == 0
    assert snapshot(client.shop) == snapshot(source.shop)


def test_archive_with_a_bad_crc_or_no_magic_is_refused(source, client, tmp_path):
    archive = tmp_path / "a.archive"
    tools.dump(source, archive=archive, db="shop", collection="checked")
    data = bytearray(archive.read_bytes())
    data[data.index(b"\x10n\x00") + 3] ^= 1  # one bit of the document's n
    archive.write_bytes(bytes(data))
    with pytest.raises(DumpError, match="CRC mismatch for shop.checked"):
        tools.restore(client, archive=archive)
    archive.write_bytes(b"not an archive at all")
    with pytest.raises(DumpError, match="does not appear to be a mongodump archive"):
        tools.restore(client, archive=archive)
    assert client.shop.list_collection_names() == []


def test_cli_archive_round_trip(source, client, server, tmp_path):
    tools.dump(source, tmp_path / "d")
    tools.restore(client, tmp_path / "d")
    archive = str(tmp_path / "x.archive.gz")
    assert main(["dump", "--uri", server.uri, "--quiet", "--gzip", f"--archive={archive}"]) == 0
    back = mim.MongoClient(server=Server(("cli-back", 1)))
    tools.restore(back, archive=archive, gzip=True)
    assert snapshot(back.shop) == snapshot(source.shop)
    client.drop_database("shop")
    assert main(["restore", "--uri", server.uri, "--quiet", "--gzip", f"--archive={archive}",
                 "--nsExclude", "shop.ring"]) == 0
    assert "ring" not in client.shop.list_collection_names()
    assert snapshot(client.shop)["things"] == snapshot(source.shop)["things"]


def test_long_and_unsafe_names_are_encoded_and_restored(tmp_path):
    client = mim.MongoClient(server=Server(("names", 1)))
    long_name = "é" * 120  # 240 bytes, 720 once percent-escaped: truncated and hashed
    client.shop[long_name].insert_one({"_id": 1})
    client.shop["a/b"].insert_one({"_id": 2})
    tools.dump(client, tmp_path / "d")
    names = sorted(p.name for p in (tmp_path / "d" / "shop").iterdir())
    assert "a%2Fb.bson" in names
    long_files = [n for n in names if n.startswith("%C3%A9")]
    assert len(long_files) == 2 and all("%24" in n for n in long_files)
    assert all(len(n.encode()) <= 208 + 3 + 27 + len(".metadata.json") for n in long_files)
    back = mim.MongoClient(server=Server(("names-back", 1)))
    tools.restore(back, tmp_path / "d")
    assert sorted(back.shop.list_collection_names()) == sorted(["a/b", long_name])


def test_progress_is_quiet_when_stderr_is_not_a_terminal(source, tmp_path, capsys):
    tools.dump(source, tmp_path / "d")
    tools.restore(mim.MongoClient(server=Server(("quiet", 1))), tmp_path / "d")
    assert capsys.readouterr().err == ""


def test_progress_bar_when_asked(source, tmp_path, capsys):
    pytest.importorskip("tqdm", reason="the optional 'progress' extra (tqdm) is not installed")
    tools.dump(source, tmp_path / "d", db="shop", collection="things", progress=True)
    assert "shop.things" in capsys.readouterr().err


def test_serve_restore_reads_what_mim_dump_writes(source, tmp_path):
    tools.dump(source, tmp_path / "d")
    engine = Server(("engine-restore", 1))
    assert sorted(engine_restore(engine, tmp_path / "d")) == sorted(
        tools.dump(source, tmp_path / "again"))
    assert snapshot(mim.MongoClient(server=engine).shop) == snapshot(source.shop)


def test_cli_database_from_the_connection_string(source, client, server, tmp_path, capsys):
    tools.dump(source, tmp_path / "d")
    tools.restore(client, tmp_path / "d")
    client.other.x.insert_one({"_id": 1})
    uri = server.uri.split("?")[0].rstrip("/") + "/other"
    assert main(["dump", "--uri", uri, "--quiet", "-o", str(tmp_path / "e")]) == 0
    assert [p.name for p in (tmp_path / "e").iterdir()] == ["other"]
    assert main(["dump", "--uri", "mongodb://[bad", "-o", str(tmp_path / "f")]) == 1
    assert "Failed:" in capsys.readouterr().err


def test_restore_one_database_directory_under_another_name(source, tmp_path):
    tools.dump(source, tmp_path / "d", db="shop")
    back = mim.MongoClient(server=Server(("one-db", 1)))
    restored = tools.restore(back, tmp_path / "d" / "shop", db="store")
    assert sorted(restored) == ["store.checked", "store.odd/name", "store.recent",
                                "store.ring", "store.things"]
    assert snapshot(back.store) == snapshot(source.shop)
