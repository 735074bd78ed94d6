"""Round-trips per second: real pymongo through the mim wire server vs the
in-process ``mim.MongoClient`` on the same engine code.

    python -m benchmarks.bench_wire [--seconds 1.0] [--clients 1,2,4,8] [--in-thread]

Each row runs one operation in a loop for about ``--seconds`` and reports
operations per second (higher is better) for both faces, and what the wire
costs (in-process rate / wire rate).  The second table runs 1, 2, 4, 8
(``--clients``) pymongo clients at once against one server, each in its own
process, and reports the total rate: how the server scales with connections.

The server runs as ``python -m mim serve`` in its own process, as users run
it; ``--in-thread`` uses ``mim.serve()`` in this process instead (client and
server then share one GIL).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from collections.abc import Callable
from typing import Any

import pymongo

import mim


#: the clock :func:`_rate` reads: wall time, or :func:`cpu_clock` (``bench_faces --cpu``)
CLOCK: list[Callable[[], float]] = [time.perf_counter]
#: the ``mim serve`` processes running for this benchmark (their CPU counts in cpu_clock)
SERVER_PIDS: list[int] = []


def cpu_clock() -> float:
    """CPU seconds spent by this process and by the ``mim serve`` children: on a
    shared machine the cost of an operation, where wall time measures the load
    (and gives a two-process setup twice the share of a busy machine)."""
    total = time.process_time()
    for pid in SERVER_PIDS:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (after a short warm-up)."""
    for _ in range(20):
        fn()
    clock = CLOCK[0]
    n = 0
    start = clock()
    deadline = start + seconds
    while True:
        for _ in range(20):
            fn()
        n += 20
        now = clock()
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


def _client_process(uri: str, seconds: float, start_at: float,
                    results: "multiprocessing.Queue[int]") -> None:
    """One pymongo client in its own process: ``find_one`` by ``_id`` from ``start_at``
    for ``seconds``; puts how many it did."""
    client = pymongo.MongoClient(uri)
    coll = client.benchdb.bench
    coll.find_one({"_id": 1})
    time.sleep(max(0.0, start_at - time.time()))
    n = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        coll.find_one({"_id": n % 1000})
        n += 1
    results.put(n)
    client.close()


def _concurrent_rate(uri: str, clients: int, seconds: float) -> float:
    """Total ``find_one`` per second of ``clients`` pymongo clients at once, each in its
    own process (threads of one process would measure the client's GIL, not the server)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 1.0 + 0.2 * clients  # every process connected before it
    workers = [context.Process(target=_client_process, args=(uri, seconds, start_at, results))
               for _ in range(clients)]
    for worker in workers:
        worker.start()
    total = sum(results.get(timeout=60 + seconds) for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


@contextlib.contextmanager
def _server_process() -> Iterator[str]:
    """``python -m mim serve --port 0`` in a child process; yields its URI."""
    proc = subprocess.Popen([sys.executable, "-m", "mim", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    SERVER_PIDS.append(proc.pid)
    try:
        match = re.search(r"mongodb://\S+", proc.stdout.readline())
        if match is None:
            raise RuntimeError("the mim server did not announce its URI")
        yield match.group(0)
    finally:
        SERVER_PIDS.remove(proc.pid)
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def _server_thread() -> Iterator[str]:
    with mim.serve(port=0) as server:
        yield server.uri


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--clients", default="1,2,4,8",
                        help="numbers of concurrent clients (processes) for the scaling curve")
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
        curve = [(n, _concurrent_rate(uri, n, args.seconds))
                 for n in (int(c) for c in args.clients.split(",") if c.strip())]
        wire_client.close()

    where = "a thread of the benchmark" if args.in_thread else "its own process"
    print(f"\n## mim wire server ({where}): round-trips per second "
          f"(pymongo {pymongo.version}, {args.seconds:g}s per row)\n")
    print("| operation | in-process mim.MongoClient | pymongo over the wire | wire cost |")
    print("|---|---:|---:|---:|")
    for name, in_process, wire in rows:
        print(f"| {name} | {in_process:,.0f}/s | {wire:,.0f}/s | {in_process / wire:.1f}x |")
    print(f"\n## find_one by _id, concurrent pymongo clients (one process each), "
          f"total round-trips per second\n")
    print("| clients | find_one/s (total) | per client | vs 1 client |")
    print("|---:|---:|---:|---:|")
    single = curve[0][1] if curve else 1.0
    for clients, rate in curve:
        print(f"| {clients} | {rate:,.0f}/s | {rate / clients:,.0f}/s | {rate / single:.2f}x |")


if __name__ == "__main__":
    main()
