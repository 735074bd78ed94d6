"""Issue 16 "done means": the project's own stress and fuzz runs.

Short profile by default (seconds); ``pytest --fuzz-long`` runs the long one
and prints its figures.  Invariants: no lost ``$inc``, no duplicate under a
unique index, only pymongo's errors (never an internal exception), a failed
single-document call changes nothing, malformed wire messages cost only their
own connection, and a dump taken at SIGTERM restores every acknowledged write.
"""

from __future__ import annotations

import logging
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
import zlib
from pathlib import Path

import bson
import pymongo
import pytest
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.errors import BSONError
from bson.raw_bson import RawBSONDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

import mim
from mim.wire.dump import restore

from .fuzzing import Fuzzer

ROOT = Path(__file__).resolve().parents[3]
RAW = CodecOptions(document_class=RawBSONDocument,
                   datetime_conversion=DatetimeConversion.DATETIME_AUTO)
AUTO = CodecOptions(datetime_conversion=DatetimeConversion.DATETIME_AUTO)


def _add(figures: dict, name: str, amount: int) -> None:
    figures[name] = figures.get(name, 0) + amount


# -- concurrent writers ---------------------------------------------------------

def test_concurrent_writers_lose_nothing(face, fuzz_profile, fuzz_figures):
    client, _engine = face
    counters = client.stress.counters
    unique = client.stress.unique
    counters.insert_one({"_id": "c", "n": 0})
    unique.create_index("k", unique=True)
    threads, ops = fuzz_profile["threads"], fuzz_profile["ops_per_thread"]
    incs = [0] * threads
    inserted: list[set] = [set() for _ in range(threads)]
    duplicates = [0] * threads
    faults: list[str] = []

    def worker(t: int) -> None:
        rng = random.Random(t)
        try:
            for _ in range(ops):
                roll = rng.random()
                if roll < 0.45:
                    counters.update_one({"_id": "c"}, {"$inc": {"n": 1}})
                    incs[t] += 1
                elif roll < 0.8:
                    key = rng.randrange(ops)  # threads race for the same keys
                    try:
                        unique.insert_one({"k": key})
                        inserted[t].add(key)
                    except DuplicateKeyError:
                        duplicates[t] += 1
                elif roll < 0.9:
                    counters.find_one_and_update({"_id": "c"}, {"$inc": {"n": 1}})
                    incs[t] += 1
                else:
                    unique.count_documents({"k": {"$gte": 0}})
        except Exception:  # noqa: BLE001 - any failure is a fault to report
            faults.append(traceback.format_exc())

    workers = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert not faults, faults[0]
    assert counters.find_one({"_id": "c"})["n"] == sum(incs)  # no lost $inc
    keys = [d["k"] for d in unique.find({}, {"_id": 0, "k": 1})]
    assert len(keys) == len(set(keys))  # no duplicate under the unique index
    assert set(keys) == set().union(*inserted)  # every acknowledged insert is there
    _add(fuzz_figures, "concurrent operations", threads * ops)
    _add(fuzz_figures, "lost $inc", sum(incs) - counters.find_one({"_id": "c"})["n"])
    _add(fuzz_figures, "duplicate keys stored", len(keys) - len(set(keys)))
    _add(fuzz_figures, "DuplicateKeyError raised (expected)", sum(duplicates))


# -- fuzzed inputs ---------------------------------------------------------------

def _legitimate(exc: BaseException) -> bool:
    """pymongo's (or bson's) own errors, or the TypeError/ValueError pymongo's
    argument checks raise, mirrored by mim's face - never one from the engine."""
    if isinstance(exc, (PyMongoError, BSONError)):
        return True
    if isinstance(exc, (TypeError, ValueError)):
        origin = traceback.extract_tb(exc.__traceback__)[-1].filename
        return f"{os.sep}pymongo{os.sep}" in origin or (
            f"{os.sep}mim{os.sep}" in origin and f"{os.sep}engine{os.sep}" not in origin)
    return False


def _state(db) -> list:
    """Every collection's documents, as bytes (NaN-safe), and its indexes."""
    state = []
    for name in sorted(db.list_collection_names()):
        coll = db.get_collection(name, codec_options=RAW)
        state.append((name, [d.raw for d in coll.find({}, sort=[("_id", 1)])],
                      sorted(db[name].index_information())))
    return state


def _seed(db, fuzzer: Fuzzer) -> None:
    db.things.drop()
    for i in range(40, 55):
        try:
            db.things.insert_one({**fuzzer.document(), "_id": i})
        except PyMongoError:  # a fuzzed document the server refuses (too deep, say)
            pass
    db.things.insert_many([{"_id": i, "a": i, "arr": [i, {"b": i}], "s": str(i), "n": i % 7}
                           for i in range(20)])
    db.things.create_index("a")
    db.other.insert_many([{"a": i} for i in range(5)])


CALLS = {
    "find": lambda c, f: list(c.find(f.filter(), f.projection() if f.rng.random() < 0.5
                                      else None, limit=f.rng.randrange(5))),
    "aggregate": lambda c, f: list(c.aggregate(f.pipeline())),
    "update_one": lambda c, f: c.update_one(f.filter(), f.update(),
                                            upsert=f.rng.random() < 0.3),
    "find_one_and_update": lambda c, f: c.find_one_and_update(
        f.filter(), f.update(), projection=f.projection() if f.rng.random() < 0.5 else None),
    "replace_one": lambda c, f: c.replace_one(f.filter(), f.document()),
    "delete_one": lambda c, f: c.delete_one(f.filter()),
    "find_one_and_delete": lambda c, f: c.find_one_and_delete(f.filter(),
                                                              projection=f.projection()),
    "insert_one": lambda c, f: c.insert_one(f.document()),
    "out": lambda c, f: list(c.aggregate(f.pipeline() + [{"$out": "target"}])),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_fuzzed_inputs_raise_only_pymongo_errors_and_change_nothing(face, call, fuzz_profile,
                                                                   fuzz_figures):
    client, _engine = face
    db = client.get_database("fuzz", codec_options=AUTO)
    _seed(db, Fuzzer(0))
    run = CALLS[call]
    failures = 0
    for case in range(fuzz_profile["fuzz_cases"]):
        fuzzer = Fuzzer(zlib.crc32(f"{call}:{case}".encode()))  # the same in every run
        before = _state(db)
        try:
            run(db.things, fuzzer)
        except Exception as exc:  # noqa: BLE001 - classified below
            failures += 1
            replay = f"{call} case {case}: {type(exc).__name__}: {exc}"
            assert _legitimate(exc), replay + "\n" + traceback.format_exc()
            assert _state(db) == before, "a failed call changed the data: " + replay
    _add(fuzz_figures, "fuzzed calls", fuzz_profile["fuzz_cases"])
    _add(fuzz_figures, "fuzzed calls refused with a pymongo error", failures)
    _add(fuzz_figures, "fuzzed calls failing with an internal error", 0)


# -- wire garbage ----------------------------------------------------------------

def _valid_message(request_id: int) -> bytes:
    body = bson.encode({"find": "things", "filter": {"a": {"$gt": 1}}, "$db": "garbage"})
    payload = struct.pack("<I", 0) + b"\x00" + body
    return struct.pack("<iiii", 16 + len(payload), request_id, 0, 2013) + payload


def _mutated(rng: random.Random, message: bytes) -> bytes:
    roll = rng.random()
    data = bytearray(message)
    if roll < 0.3:
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif roll < 0.45:
        data = data[:rng.randrange(len(data))]
        data[0:4] = struct.pack("<i", len(data))
    elif roll < 0.6:
        data[0:4] = struct.pack("<i", rng.choice([0, 16, 17, 2**31 - 1, -5, 48_000_001]))
    elif roll < 0.75:
        data = bytearray(rng.randbytes(rng.randrange(1, 200)))
    elif roll < 0.85:
        data[12:16] = struct.pack("<i", rng.choice([1, 2001, 2004, 2012, 9999]))
    else:
        data[16:20] = struct.pack("<I", rng.choice([1, 2, 4, 0xFFFF]))
    return bytes(data)


def test_wire_garbage_costs_only_its_own_connection(wire_server, fuzz_profile, fuzz_figures,
                                                   caplog):
    caplog.set_level(logging.WARNING, logger="mim.wire")
    wire_server.engine.reset()
    client = pymongo.MongoClient(wire_server.uri, serverSelectionTimeoutMS=5000)
    client.garbage.things.insert_many([{"a": i} for i in range(10)])
    rng = random.Random(7)
    for i in range(fuzz_profile["garbage_messages"]):
        # one connection per message: whatever it does to its connection, the next
        # message and every other client are unaffected
        with socket.create_connection(("127.0.0.1", wire_server.port)) as sock:
            sock.settimeout(5)
            try:
                sock.sendall(_mutated(rng, _valid_message(i)))
                sock.shutdown(socket.SHUT_WR)  # the server sees the end of the stream
                while sock.recv(1 << 16):
                    pass
            except OSError:
                pass
    assert client.garbage.things.count_documents({}) == 10  # the server and its data are fine
    assert client.admin.command("ping")["ok"] == 1.0
    internal = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not internal, internal[0].getMessage()
    client.close()
    _add(fuzz_figures, "malformed wire messages", fuzz_profile["garbage_messages"])
    _add(fuzz_figures, "wire-server tracebacks", len(internal))


# -- dump, kill, restore ---------------------------------------------------------

def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "mim", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)
    match = re.search(r"mongodb://\S+", proc.stdout.readline())
    assert match, proc.stderr.read()
    return proc, match.group(0)


def test_dump_kill_restore_cycles_keep_every_acknowledged_write(tmp_path, fuzz_profile,
                                                                fuzz_figures):
    dump_path = tmp_path / "dump"
    acknowledged: set = set()
    dropped: set = set()
    for cycle in range(fuzz_profile["restore_cycles"]):
        restore_args = ["--restore", str(dump_path)] if dump_path.exists() else []
        proc, uri = _serve("--dump-on-exit", str(dump_path), *restore_args)
        try:
            client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
            if cycle:  # a collection dropped since the last dump must not come back
                name = f"c{cycle - 1}"
                client.cycles[name].drop()
                dropped.add(name)
                acknowledged = {(c, i) for c, i in acknowledged if c != name}
            stop = time.monotonic() + fuzz_profile["writer_seconds"]
            errors: list[BaseException] = []

            def writer(w: int) -> None:
                try:
                    i = 0
                    while time.monotonic() < stop:
                        key = f"{cycle}-{w}-{i}"
                        client.cycles[f"c{cycle}"].insert_one({"_id": key, "v": i})
                        acknowledged.add((f"c{cycle}", key))
                        i += 1
                except BaseException as exc:  # noqa: BLE001
                    errors.append(exc)

            writers = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
            for thread in writers:
                thread.start()
            for thread in writers:
                thread.join()
            assert not errors
            client.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 0, proc.stderr.read()
        engine = mim.Server()
        restore(engine, dump_path)
        restored = mim.MongoClient(server=engine).cycles
        found = {(name, d["_id"]) for name in restored.list_collection_names()
                 for d in restored[name].find({}, {"_id": 1})}
        assert acknowledged <= found, f"lost {len(acknowledged - found)} acknowledged writes"
        assert not dropped & set(restored.list_collection_names())
        _add(fuzz_figures, "dump/kill/restore cycles", 1)
        _add(fuzz_figures, "acknowledged writes checked after restore", len(acknowledged))
        _add(fuzz_figures, "acknowledged writes lost", len(acknowledged - found))
