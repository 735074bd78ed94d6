"""Round-trips per second: real pymongo through the mim wire server vs the
in-process ``mim.MongoClient`` on the same engine code.

    python -m benchmarks.bench_wire [--seconds 1.0] [--threads 8] [--in-thread]

Each row runs one operation in a loop for about ``--seconds`` and reports
operations per second (higher is better) for both faces, and what the wire
costs (in-process rate / wire rate).  The last row runs ``--threads``
pymongo clients at once against one server.

The server runs as ``python -m mim serve`` in its own process, as users run
it; ``--in-thread`` uses ``mim.serve()`` in this process instead (client and
server then share one GIL).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from collections.abc import Callable
from typing import Any

import pymongo

import mim


def _rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (after a short warm-up)."""
    for _ in range(20):
        fn()
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(20):
            fn()
        n += 20
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def _workloads(db: Any) -> dict[str, Callable[[], Any]]:
    coll = db.bench
    coll.drop()
    sink = db.bench_inserts  # inserts go elsewhere: every face reads the same 1000 documents
    sink.drop()
    coll.insert_many([{"_id": i, "name": f"user{i}", "age": i % 90, "tags": ["a", "b"],
                      "address": {"city": "Oslo", "zip": f"{i:05d}"}} for i in range(1000)])
    counter = iter(range(10 ** 9))
    return {
        "ping (command)": lambda: db.command("ping"),
        "insert_one": lambda: sink.insert_one({"n": next(counter)}),
        "find_one by _id": lambda: coll.find_one({"_id": 500}),
        "update_one $inc by _id": lambda: coll.update_one({"_id": 7}, {"$inc": {"age": 1}}),
        "find 100 docs (list)": lambda: list(coll.find({"_id": {"$lt": 100}})),
        "find 1000 docs, batch 100": lambda: list(coll.find({"name": {"$ne": None}},
                                                            batch_size=100)),
        "count_documents (aggregate)": lambda: coll.count_documents({"age": {"$lt": 10}}),
        "estimated_document_count": lambda: coll.estimated_document_count(),
    }


def _concurrent_rate(uri: str, threads: int, seconds: float) -> float:
    done = []

    def work() -> None:
        client = pymongo.MongoClient(uri)
        coll = client.benchdb.bench
        coll.find_one({"_id": 1})
        n = 0
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            coll.find_one({"_id": 500})
            n += 1
        done.append(n)
        client.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.perf_counter() - start)


@contextlib.contextmanager
def _server_process() -> Iterator[str]:
    """``python -m mim serve --port 0`` in a child process; yields its URI."""
    proc = subprocess.Popen([sys.executable, "-m", "mim", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        match = re.search(r"mongodb://\S+", proc.stdout.readline())
        if match is None:
            raise RuntimeError("the mim server did not announce its URI")
        yield match.group(0)
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def _server_thread() -> Iterator[str]:
    with mim.serve(port=0) as server:
        yield server.uri


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--in-thread", action="store_true",
                        help="serve from a thread of this process, not a child process")
    args = parser.parse_args(argv)

    local_db = mim.MongoClient(server=mim.Server()).benchdb
    with (_server_thread() if args.in_thread else _server_process()) as uri:
        wire_client = pymongo.MongoClient(uri)
        wire_db = wire_client.benchdb
        local = _workloads(local_db)
        remote = _workloads(wire_db)
        rows = []
        for name in local:
            rows.append((name, _rate(local[name], args.seconds),
                         _rate(remote[name], args.seconds)))
        concurrent = _concurrent_rate(uri, args.threads, args.seconds)
        wire_client.close()

    where = "a thread of the benchmark" if args.in_thread else "its own process"
    print(f"\n## mim wire server ({where}): round-trips per second "
          f"(pymongo {pymongo.version}, {args.seconds:g}s per row)\n")
    print("| operation | in-process mim.MongoClient | pymongo over the wire | wire cost |")
    print("|---|---:|---:|---:|")
    for name, in_process, wire in rows:
        print(f"| {name} | {in_process:,.0f}/s | {wire:,.0f}/s | {in_process / wire:.1f}x |")
    print(f"| find_one by _id, {args.threads} pymongo clients at once | - | "
          f"{concurrent:,.0f}/s | - |")


if __name__ == "__main__":
    main()
