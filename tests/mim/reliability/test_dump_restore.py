"""Issue 16 item 5: a dump/restore cycle keeps what the server keeps and
forgets what was dropped; a dump that cannot be written says so clearly and
loses nothing."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pymongo
import pytest
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.datetime_ms import DatetimeMS

import mim
from mim.wire.dump import DumpError, dump, restore

ROOT = Path(__file__).resolve().parents[3]
AUTO = CodecOptions(datetime_conversion=DatetimeConversion.DATETIME_AUTO)


def _round_trip(engine: mim.Server, path: Path) -> mim.MongoClient:
    dump(engine, path)
    other = mim.Server()
    restore(other, path)
    return mim.MongoClient(server=other)


def test_out_of_range_datetimes_restore(tmp_path):
    engine = mim.Server()
    coll = mim.MongoClient(server=engine).d.get_collection("c", codec_options=AUTO)
    values = [DatetimeMS(2**62), DatetimeMS(-(2**62)), DatetimeMS(0)]
    coll.insert_many([{"_id": i, "t": v} for i, v in enumerate(values)])
    restored = _round_trip(engine, tmp_path / "dump").d.get_collection("c", codec_options=AUTO)
    assert [d["t"] for d in restored.find()] == [DatetimeMS(2**62), DatetimeMS(-(2**62)),
                                                  DatetimeMS(0).as_datetime()]


def test_views_are_dumped_and_restored(tmp_path):
    engine = mim.Server()
    db = mim.MongoClient(server=engine).d
    db.people.insert_many([{"_id": 1, "name": "b", "age": 30}, {"_id": 2, "name": "A", "age": 7}])
    db.create_collection("adults", viewOn="people", pipeline=[{"$match": {"age": {"$gte": 18}}}])
    db.create_collection("sorted", viewOn="adults", pipeline=[{"$sort": {"name": 1}}])
    path = tmp_path / "dump"
    dump(engine, path)
    assert not (path / "d" / "adults.bson").exists()  # a view is its metadata alone
    restored = _round_trip(engine, path).d
    assert list(restored.adults.find()) == [{"_id": 1, "name": "b", "age": 30}]
    assert [d["name"] for d in restored.sorted.find()] == ["b"]  # a view on a view
    infos = {i["name"]: i for i in restored.list_collections()}
    assert infos["adults"]["type"] == "view"
    assert infos["sorted"]["options"] == {"viewOn": "adults", "pipeline": [{"$sort": {"name": 1}}]}


def test_dumping_again_forgets_dropped_collections_and_databases(tmp_path):
    engine = mim.Server()
    client = mim.MongoClient(server=engine)
    client.keep.a.insert_one({"_id": 1})
    client.keep.gone.insert_one({"_id": 2})
    client.dropped.c.insert_one({"_id": 3})
    path = tmp_path / "dump"
    dump(engine, path)
    client.keep.gone.drop()
    client.drop_database("dropped")
    dump(engine, path)
    assert sorted(p.name for p in path.iterdir()) == ["keep"]
    assert sorted(p.name for p in (path / "keep").iterdir()) == ["a.bson", "a.metadata.json"]
    restored = _round_trip(engine, path)
    assert [n for n in restored.list_database_names()
            if n not in ("admin", "config", "local")] == ["keep"]
    assert restored.keep.list_collection_names() == ["a"]
    assert sorted(os.listdir(tmp_path)) == ["dump"]  # no staging directory left behind


def test_a_failed_dump_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    engine = mim.Server()
    client = mim.MongoClient(server=engine)
    client.d.c.insert_one({"_id": 1})
    path = tmp_path / "dump"
    dump(engine, path)
    before = sorted(str(p.relative_to(path)) for p in path.rglob("*"))
    client.d.other.insert_one({"_id": 2})

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("mim.wire.dump._swap_in", broken)
    with pytest.raises(DumpError, match="No space left on device"):
        dump(engine, path)
    assert sorted(str(p.relative_to(path)) for p in path.rglob("*")) == before
    assert sorted(os.listdir(tmp_path)) == ["dump"]


def test_unwritable_or_foreign_targets_are_refused(tmp_path):
    engine = mim.Server()
    mim.MongoClient(server=engine).d.c.insert_one({"_id": 1})
    (tmp_path / "file").write_text("x")
    with pytest.raises(DumpError, match="does not exist"):
        dump(engine, tmp_path / "file" / "dump")
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(DumpError, match="not a dump; refusing to replace it"):
        dump(engine, foreign)
    assert (foreign / "notes.txt").read_text() == "mine"


def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "mim", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)
    line = proc.stdout.readline()
    match = re.search(r"mongodb://\S+", line)
    return proc, match.group(0) if match else ""


def test_serve_refuses_an_unwritable_dump_path_before_serving(tmp_path):
    (tmp_path / "file").write_text("x")
    proc, uri = _serve("--dump-on-exit", str(tmp_path / "file" / "dump"))
    assert proc.wait(30) == 1
    stderr = proc.stderr.read()
    assert uri == ""
    assert "cannot dump to" in stderr and "Traceback" not in stderr


def test_serve_saves_the_data_elsewhere_when_the_dump_path_breaks(tmp_path):
    parent = tmp_path / "parent"
    parent.mkdir()
    proc, uri = _serve("--dump-on-exit", str(parent / "dump"))
    try:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
        client.shop.items.insert_many([{"_id": i} for i in range(3)])
        client.close()
        shutil.rmtree(parent)
        (tmp_path / "parent").write_text("now a file")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read()
    assert "Traceback" not in stderr
    fallback = re.search(r"dumped 1 collection\(s\) to (\S+) instead", stderr).group(1)
    try:
        other = mim.Server()
        assert restore(other, fallback) == ["shop.items"]
        assert mim.MongoClient(server=other).shop.items.count_documents({}) == 3
    finally:
        shutil.rmtree(Path(fallback).parent, ignore_errors=True)


def test_restore_of_a_corrupt_file_is_a_clear_error(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "c.bson").write_bytes(b"\x10\x00\x00\x00garbage")
    proc, _uri = _serve("--restore", str(tmp_path))
    assert proc.wait(30) == 1
    stderr = proc.stderr.read()
    assert "cannot restore" in stderr and "Traceback" not in stderr
