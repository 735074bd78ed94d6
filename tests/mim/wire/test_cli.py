"""``python -m mim serve``: startup, signals, dump-on-exit; and dump/restore."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from pathlib import Path

import bson
import pymongo
import pytest

import mim
from mim.wire.cli import build_parser
from mim.wire.dump import dump, restore

ROOT = Path(__file__).resolve().parents[3]


def _start(*args: str) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "mim", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)
    line = proc.stdout.readline()
    match = re.search(r"mongodb://\S+", line)
    if not match:
        proc.kill()
        raise AssertionError(f"no URI announced: {line!r} {proc.stderr.read()}")
    return proc, match.group(0)


def test_defaults_bind_localhost():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.dump_on_exit, args.debug) == \
        ("127.0.0.1", 27017, None, False)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_cleanly_and_dumps(tmp_path, sig):
    target = tmp_path / "dump"
    proc, uri = _start("--dump-on-exit", str(target), "--debug")
    try:
        assert uri.startswith("mongodb://127.0.0.1:")
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
        client.shop.items.insert_many([{"_id": i, "n": i} for i in range(3)])
        client.shop.items.create_index("n")
        client.close()
        proc.send_signal(sig)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read()
    assert "connection #1 from 127.0.0.1" in stderr  # one line per connection in debug mode
    data = (target / "shop" / "items.bson").read_bytes()
    assert bson.decode_all(data) == [{"_id": i, "n": i} for i in range(3)]
    metadata = bson.json_util.loads((target / "shop" / "items.metadata.json").read_text())
    assert [ix["name"] for ix in metadata["indexes"]] == ["_id_", "n_1"]


def test_restore_then_serve(tmp_path):
    engine = mim.Server()
    client = mim.MongoClient(server=engine)
    client.db1.a.insert_many([{"_id": 1, "x": [1, 2]}, {"_id": 2}])
    client.db1.a.create_index("x", unique=True)
    client.db2.b.insert_one({"_id": "k"})
    assert sorted(dump(engine, tmp_path)) == ["db1.a", "db2.b"]
    proc, uri = _start("--restore", str(tmp_path))
    try:
        remote = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
        assert list(remote.db1.a.find()) == [{"_id": 1, "x": [1, 2]}, {"_id": 2}]
        assert "x_1" in remote.db1.a.index_information()
        with pytest.raises(pymongo.errors.DuplicateKeyError):
            remote.db1.a.insert_one({"x": 2})
        assert remote.db2.b.find_one() == {"_id": "k"}
        remote.close()
    finally:
        proc.terminate()
        proc.wait(15)


def test_restore_in_process(tmp_path):
    engine = mim.Server()
    mim.MongoClient(server=engine).d.c.insert_many([{"_id": i} for i in range(5)])
    dump(engine, tmp_path)
    other = mim.Server()
    assert restore(other, tmp_path) == ["d.c"]
    assert [d["_id"] for d in mim.MongoClient(server=other).d.c.find()] == list(range(5))


def test_port_in_use_fails_cleanly():
    with mim.serve(port=0) as running:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        result = subprocess.run([sys.executable, "-m", "mim", "serve", "--port",
                                 str(running.port)], capture_output=True, text=True, env=env,
                                timeout=30, cwd=ROOT)
    assert result.returncode == 1
    assert "cannot listen" in result.stderr


def test_serve_shares_an_engine():
    engine = mim.Server()
    local = mim.MongoClient(server=engine)
    local.app.users.insert_one({"_id": 1, "name": "ada"})
    with mim.serve(engine=engine) as running:
        remote = pymongo.MongoClient(running.uri)
        assert remote.app.users.find_one() == {"_id": 1, "name": "ada"}
        remote.app.users.insert_one({"_id": 2})
        remote.close()
    assert local.app.users.count_documents({}) == 2
