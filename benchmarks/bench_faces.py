"""Per-operation cost of every way to reach mim: the sync face, the async face, the
in-process driver transport (real pymongo, sync and async) and real pymongo over
TCP loopback to ``mim serve``.

    python -m benchmarks.bench_faces [--seconds 1.0] [--rounds 3] [--cpu]

Operations: ``find_one`` by ``_id`` (1,000 seeded documents) and ``insert_one``.
Targets (issue 21): the async face within 1.5x the sync face; the driver
transport within 3x the sync face and at least 5x faster than TCP loopback.
The last row is pymongo's own client code with the server's replies replayed
from a cache: the floor under any transport that keeps pymongo's classes.
The TCP server is ``python -m mim serve --port 0`` in a child process on
127.0.0.1, as users run it.  ``--cpu`` measures CPU time (this process plus the
server's) instead of wall time: on a busy shared machine wall time measures the
load, and gives the two-process TCP setup twice the share of the others.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pymongo

import mim
from mim import driver

from . import bench_wire
from .bench_wire import _rate, _server_process

DOCS = 1000


def _seed(documents: list[dict]) -> None:
    documents.extend({"_id": i, "name": f"user{i}", "age": i % 90, "tags": ["a", "b"],
                      "address": {"city": "Oslo", "zip": f"{i:05d}"}} for i in range(DOCS))


def _sync_ops(db: Any) -> dict[str, Callable[[], Any]]:
    coll, sink = db.bench, db.bench_inserts
    coll.drop()
    sink.drop()
    seed: list[dict] = []
    _seed(seed)
    coll.insert_many(seed)
    keys = iter(range(10 ** 9))
    return {"find_one by _id": lambda: coll.find_one({"_id": next(keys) % DOCS}),
            "insert_one": lambda: sink.insert_one({"n": next(keys)})}


async def _async_rate(fn: Callable[[], Awaitable[Any]], seconds: float) -> float:
    for _ in range(20):
        await fn()
    clock = bench_wire.CLOCK[0]
    n = 0
    start = clock()
    deadline = start + seconds
    while True:
        for _ in range(20):
            await fn()
        n += 20
        now = clock()
        if now >= deadline:
            return n / (now - start)


async def _async_measure(db: Any, seconds: float) -> dict[str, float]:
    coll, sink = db.bench, db.bench_inserts
    await coll.drop()
    await sink.drop()
    seed: list[dict] = []
    _seed(seed)
    await coll.insert_many(seed)
    keys = iter(range(10 ** 9))
    ops = {"find_one by _id": lambda: coll.find_one({"_id": next(keys) % DOCS}),
           "insert_one": lambda: sink.insert_one({"n": next(keys)})}
    return {name: 1e6 / await _async_rate(fn, seconds) for name, fn in ops.items()}


def _sync_measure(db: Any, seconds: float) -> dict[str, float]:
    return {name: 1e6 / _rate(fn, seconds) for name, fn in _sync_ops(db).items()}


def _async_face(seconds: float) -> dict[str, float]:
    async def run() -> dict[str, float]:
        client = mim.AsyncMongoClient(server=mim.Server())
        try:
            return await _async_measure(client.benchdb, seconds)
        finally:
            await client.close()
    return asyncio.run(run())


def _driver_async(seconds: float) -> dict[str, float]:
    async def run() -> dict[str, float]:
        client = mim.driver_async_client(server=mim.Server())
        try:
            return await _async_measure(client.benchdb, seconds)
        finally:
            await client.close()
    return asyncio.run(run())


def _with_client(client: Any, seconds: float) -> dict[str, float]:
    try:
        return _sync_measure(client.benchdb, seconds)
    finally:
        client.close()


def _without_cluster_time(body: bytes) -> bytes:
    """``body`` with its gossiped ``$clusterTime`` field cut out (it advances with
    every write, so the same operation's bytes would otherwise never repeat)."""
    at = body.find(b"$clusterTime\x00")
    if at < 0:
        return body
    start = at + len(b"$clusterTime\x00")
    end = start + int.from_bytes(body[start:start + 4], "little")
    return body[:at - 1] + body[end:]


def _pymongo_floor(seconds: float) -> dict[str, float]:
    """pymongo's own client code per operation: the driver transport with every
    reply replayed from a cache (only ``responseTo`` patched), so no server work is
    left.  No transport can make a real pymongo client cheaper than this."""
    answer = driver._Exchange.answer
    cache: dict[bytes, bytes] = {}

    def replay(self: Any, message: bytes) -> bytes | None:
        key = _without_cluster_time(message[16:])
        reply = cache.get(key)
        if reply is None:
            reply = cache[key] = answer(self, message)
        return reply[:8] + message[4:8] + reply[12:]

    # no retryable writes: their txnNumber would make every insert's bytes new
    client = mim.driver_client(server=mim.Server(), retryWrites=False)
    db = client.benchdb
    db.bench.insert_one({"_id": 7, "name": "user7"})
    # the same bytes every time (a fixed _id), so every reply after the first is replayed
    ops = {"find_one by _id": lambda: db.bench.find_one({"_id": 7}),
           "insert_one": lambda: db.bench_inserts.insert_one({"_id": 1, "n": 1})}
    driver._Exchange.answer = replay  # type: ignore[method-assign]
    try:
        return {name: 1e6 / _rate(fn, seconds) for name, fn in ops.items()}
    finally:
        driver._Exchange.answer = answer  # type: ignore[method-assign]
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--rounds", type=int, default=3,
                        help="measure every face this many times, in turn; keep the best "
                             "(a shared machine's load then skews no face alone)")
    parser.add_argument("--cpu", action="store_true",
                        help="cost = CPU time of this process and of the mim serve process "
                             "(Linux), not wall time: fair on a loaded machine")
    args = parser.parse_args()
    if args.cpu:
        bench_wire.CLOCK[0] = bench_wire.cpu_clock
    s = args.seconds
    with _server_process() as uri:
        faces: dict[str, Callable[[], dict[str, float]]] = {
            "sync face (mim.MongoClient)":
                lambda: _with_client(mim.MongoClient(server=mim.Server()), s),
            "async face (mim.AsyncMongoClient)": lambda: _async_face(s),
            "driver transport, sync (pymongo.MongoClient)":
                lambda: _with_client(mim.driver_client(server=mim.Server()), s),
            "driver transport, async (pymongo.AsyncMongoClient)": lambda: _driver_async(s),
            "pymongo over TCP loopback to mim serve":
                lambda: _with_client(pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000), s),
            "(pymongo's client code alone: replies replayed)": lambda: _pymongo_floor(s),
        }
        results: dict[str, dict[str, float]] = {}
        for _ in range(max(args.rounds, 1)):
            for face, measure in faces.items():
                costs = measure()
                best = results.setdefault(face, costs)
                for op, cost in costs.items():
                    best[op] = min(best[op], cost)

    operations = list(next(iter(results.values())))
    sync = results["sync face (mim.MongoClient)"]
    tcp = results["pymongo over TCP loopback to mim serve"]
    unit = "CPU microseconds (client + server process)" if args.cpu else "microseconds"
    print(f"\n## Faces: {unit} per operation (lower is better)\n")
    print("| face | " + " | ".join(operations) + " |")
    print("|---|" + "---:|" * len(operations))
    for face, costs in results.items():
        cells = [f"{costs[op]:.1f} ({costs[op] / sync[op]:.2f}x sync)" for op in operations]
        print(f"| {face} | " + " | ".join(cells) + " |")
    print("\nTargets:")
    checks = [
        ("async face within 1.5x sync", "async face (mim.AsyncMongoClient)", 1.5),
        ("driver transport (sync) within 3x sync", "driver transport, sync (pymongo.MongoClient)",
         3.0),
        ("driver transport (async) within 3x sync",
         "driver transport, async (pymongo.AsyncMongoClient)", 3.0),
    ]
    for label, face, limit in checks:
        for op in operations:
            ratio = results[face][op] / sync[op]
            print(f"- {label}, {op}: {ratio:.2f}x {'OK' if ratio <= limit else 'MISSED'}")
    for face in ("driver transport, sync (pymongo.MongoClient)",
                 "driver transport, async (pymongo.AsyncMongoClient)"):
        for op in operations:
            speedup = tcp[op] / results[face][op]
            print(f"- {face} vs TCP loopback, {op}: {speedup:.1f}x faster "
                  f"{'OK' if speedup >= 5 else 'MISSED (target 5x)'}")


if __name__ == "__main__":
    main()
