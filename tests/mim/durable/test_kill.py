"""SIGKILL a writing ``mim serve --dbpath`` at random moments: after a restart
every acknowledged write is there, and nothing that was not sent.

Each run starts a server process, writes through pymongo (inserts into a
collection with a unique index, and ``$inc`` on one counter document, one
acknowledged write at a time), kills the process with SIGKILL at a random
moment, then opens the directory again and compares.  The run count comes
from the fuzz profile (``--fuzz-long`` runs many more).
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pymongo
import pytest
from pymongo.errors import PyMongoError

import mim

ROOT = Path(__file__).resolve().parents[3]


def _serve(dbpath: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "mim", "serve", "--port", "0",
                             "--dbpath", str(dbpath), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env, cwd=ROOT)
    line = proc.stdout.readline()
    match = re.search(r"mongodb://\S+", line)
    if not match:
        proc.kill()
        raise AssertionError(f"no URI announced: {line!r}")
    return proc, match.group(0)


def _write_until_killed(uri: str, acknowledged: dict, stop: threading.Event) -> None:
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=2000, socketTimeoutMS=2000,
                                 retryWrites=False)
    coll = client.db.items
    counter = client.db.counter
    try:
        coll.create_index("k", unique=True)
        acknowledged["index"] = True
        i = 0
        while not stop.is_set():
            acknowledged["sent"] = i
            coll.insert_one({"_id": i, "k": f"key{i}", "pad": "x" * (i % 50)})
            acknowledged["inserted"].append(i)
            acknowledged["sent_inc"] = True
            counter.update_one({"_id": "c"}, {"$inc": {"n": 1}}, upsert=True)
            acknowledged["increments"] += 1
            acknowledged["sent_inc"] = False
            i += 1
    except PyMongoError:
        pass  # the server was killed under us
    finally:
        client.close()


def test_acknowledged_writes_survive_sigkill(tmp_path, fuzz_profile):
    rng = random.Random(20261207)
    for run in range(fuzz_profile["kill_runs"]):
        dbpath = tmp_path / f"run{run}"
        proc, uri = _serve(dbpath)
        acknowledged = {"inserted": [], "increments": 0, "sent": None, "sent_inc": False,
                        "index": False}
        stop = threading.Event()
        writer = threading.Thread(target=_write_until_killed, args=(uri, acknowledged, stop))
        writer.start()
        time.sleep(rng.uniform(0.2, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        stop.set()
        writer.join(10)
        assert acknowledged["inserted"], "the writer wrote nothing before the kill"

        server = mim.Server(dbpath=str(dbpath))
        try:
            db = mim.MongoClient(server=server).db
            found = [d["_id"] for d in db.items.find()]
            inserted = acknowledged["inserted"]
            # every acknowledged insert, in order; at most the one in flight besides
            assert found[:len(inserted)] == inserted
            assert found[len(inserted):] in ([], [acknowledged["sent"]])
            counter = db.counter.find_one({"_id": "c"})
            n = counter["n"] if counter else 0
            allowed = {acknowledged["increments"]}
            if acknowledged["sent_inc"]:
                allowed.add(acknowledged["increments"] + 1)
            assert n in allowed
            # the unique index came back whole: it finds every document and refuses a copy
            assert db.items.index_information()["k_1"]["unique"] is True
            assert db.items.count_documents({"k": {"$gte": ""}}, hint="k_1") == len(found)
            with pytest.raises(pymongo.errors.DuplicateKeyError):
                db.items.insert_one({"k": f"key{found[0]}"})
        finally:
            server.close()


def test_a_running_server_holds_its_directory(tmp_path):
    dbpath = tmp_path / "held"
    proc, uri = _serve(dbpath)
    try:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        second = subprocess.run([sys.executable, "-m", "mim", "serve", "--port", "0",
                                 "--dbpath", str(dbpath)], capture_output=True, text=True,
                                env=env, cwd=ROOT, timeout=60)
        assert second.returncode == 1
        assert "mongod.lock" in second.stderr and "already running" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def test_serve_keeps_data_across_a_clean_restart_and_compact_verb(tmp_path):
    dbpath = tmp_path / "kept"
    proc, uri = _serve(dbpath, "--journalCommitInterval", "10")
    try:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
        client.app.users.insert_many([{"_id": i, "name": f"u{i}"} for i in range(20)])
        client.app.users.create_index("name")
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    compacted = subprocess.run([sys.executable, "-m", "mim", "compact", "--dbpath", str(dbpath)],
                               capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert compacted.returncode == 0, compacted.stderr
    assert "snapshot.1" in os.listdir(dbpath)
    proc, uri = _serve(dbpath)
    try:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
        assert client.app.users.count_documents({}) == 20
        assert "name_1" in client.app.users.index_information()
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
