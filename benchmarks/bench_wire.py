"""Round-trips per second: real pymongo through the mim wire server vs the
in-process ``mim.MongoClient`` on the same engine code.

    python -m benchmarks.bench_wire [--seconds 1.0] [--clients 1,2,4,8] [--in-thread]

Each row runs one operation in a loop for about ``--seconds`` and reports
operations per second (higher is better) for both faces, and what the wire
costs (in-process rate / wire rate); with the server in its own process, also
the CPU time per operation of the client process (pymongo) and of the server
process.  An exchange on one connection is synchronous, so one connection's
rate is at most 1 / (client CPU + server CPU + the system calls and wake-ups
between them): the "CPU bound" column (the rate if nothing ever waited).

The second table runs 1, 2, 4, 8 (``--clients``) pymongo clients at once
against one server, each in its own process, and reports the total rate — how
the server scales with connections — with the CPU split per operation: the
client processes' and the server's.  The server runs Python: one core at most
(the GIL), so the total levels off where the server's CPU per operation times
the rate reaches one second per second; on a machine with fewer cores than
clients + 1, the clients' own CPU is what levels it off first.

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


def _process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) process ``pid`` has used so far; None if unknown."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_clock() -> float:
    """CPU seconds spent by this process and by the ``mim serve`` children: on a
    shared machine the cost of an operation, where wall time measures the load
    (and gives a two-process setup twice the share of a busy machine)."""
    return time.process_time() + sum(_process_cpu(pid) or 0.0 for pid in SERVER_PIDS)


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


def _servers_cpu() -> float | None:
    """CPU seconds the ``mim serve`` processes of this benchmark have used (None when
    the server is a thread of this process)."""
    if not SERVER_PIDS:
        return None
    spent = [_process_cpu(pid) for pid in SERVER_PIDS]
    return None if None in spent else sum(spent)  # type: ignore[arg-type]


def _servers_switches() -> dict[tuple[int, str], int] | None:
    """Context switches (voluntary and not) so far of every thread of the ``mim serve``
    processes, by thread: each is a thread going to sleep or being put aside, so their
    number per operation says how often the server wakes up to answer one."""
    if not SERVER_PIDS:
        return None
    counts = {}
    for pid in SERVER_PIDS:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return None
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/status") as status:
                    counts[pid, task] = sum(int(line.split()[1]) for line in status
                                            if "ctxt_switches:" in line)
            except (OSError, ValueError, IndexError):
                continue  # a thread that ended meanwhile
    return counts


def _switches_between(before: dict[tuple[int, str], int] | None,
                      after: dict[tuple[int, str], int] | None) -> int | None:
    """Context switches from ``before`` to ``after`` (threads that started meanwhile
    from zero; threads that ended meanwhile are not counted)."""
    if before is None or after is None:
        return None
    return sum(count - before.get(thread, 0) for thread, count in after.items())


def _client_process(uri: str, seconds: float, start: Any, finish: Any,
                    results: "multiprocessing.Queue[tuple[int, float]]") -> None:
    """One pymongo client in its own process: ``find_one`` by ``_id`` for ``seconds``
    once every client is connected (the ``start`` barrier); puts how many it did and
    the CPU seconds this process spent doing them, and disconnects once the server
    has been measured (the ``finish`` barrier)."""
    client = pymongo.MongoClient(uri)
    coll = client.benchdb.bench
    coll.find_one({"_id": 1})
    start.wait()
    n = 0
    cpu = time.process_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        coll.find_one({"_id": n % 1000})
        n += 1
    results.put((n, time.process_time() - cpu))
    finish.wait()
    client.close()


def _concurrent_rate(uri: str, clients: int, seconds: float
                     ) -> tuple[float, float, float | None, float | None]:
    """Total ``find_one`` per second of ``clients`` pymongo clients at once, each in its
    own process (threads of one process would measure the client's GIL, not the server),
    the CPU µs per operation of the clients and of the server, and the server's context
    switches per operation (None when unknown)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start = context.Barrier(clients + 1)  # the clients, connected, and this process
    finish = context.Barrier(clients + 1)  # the clients, measured, and this process
    workers = [context.Process(target=_client_process,
                               args=(uri, seconds, start, finish, results))
               for _ in range(clients)]
    for worker in workers:
        worker.start()
    start.wait(timeout=120)
    server_before, switches_before = _servers_cpu(), _servers_switches()
    done = [results.get(timeout=60 + seconds) for _ in workers]
    server_after, switches_after = _servers_cpu(), _servers_switches()
    finish.wait(timeout=120)
    for worker in workers:
        worker.join()
    total = sum(n for n, _ in done) or 1
    client_us = sum(cpu for _, cpu in done) / total * 1e6
    server_us = None if server_before is None or server_after is None \
        else (server_after - server_before) / total * 1e6
    switched = _switches_between(switches_before, switches_after)
    switches = None if switched is None else switched / total
    return total / seconds, client_us, server_us, switches


def _cpu_split(fn: Callable[[], Any], seconds: float) -> tuple[float, float, float | None]:
    """``fn`` per second over about ``seconds``, with the CPU µs per call of this
    process (the client) and of the server processes (None when unknown)."""
    for _ in range(20):
        fn()
    n = 0
    server_before = _servers_cpu()
    cpu = time.process_time()
    start = time.perf_counter()
    while True:
        for _ in range(20):
            fn()
        n += 20
        now = time.perf_counter()
        if now - start >= seconds:
            break
    client_us = (time.process_time() - cpu) / n * 1e6
    server_after = _servers_cpu()
    server_us = None if server_before is None or server_after is None \
        else (server_after - server_before) / n * 1e6
    return n / (now - start), client_us, server_us


def _us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} µs"


def _bound(client_us: float, server_us: float | None) -> str:
    return "n/a" if server_us is None else f"{1e6 / (client_us + server_us):,.0f}/s"


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
                         *_cpu_split(remote[name], args.seconds)))
        curve = [(n, *_concurrent_rate(uri, n, args.seconds))
                 for n in (int(c) for c in args.clients.split(",") if c.strip())]
        wire_client.close()

    where = "a thread of the benchmark" if args.in_thread else "its own process"
    print(f"\n## mim wire server ({where}): round-trips per second "
          f"(pymongo {pymongo.version}, {args.seconds:g}s per row, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f})\n")
    print("| operation | in-process mim.MongoClient | pymongo over the wire | wire cost "
          "| client CPU/op | server CPU/op | CPU bound |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, in_process, wire, client_us, server_us in rows:
        print(f"| {name} | {in_process:,.0f}/s | {wire:,.0f}/s | {in_process / wire:.1f}x "
              f"| {_us(client_us)} | {_us(server_us)} | {_bound(client_us, server_us)} |")
    print("\n## find_one by _id, concurrent pymongo clients (one process each), "
          "total round-trips per second\n")
    print("| clients | find_one/s (total) | per client | vs 1 client "
          "| client CPU/op | server CPU/op | server context switches/op |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    single = curve[0][1] if curve else 1.0
    for clients, rate, client_us, server_us, switches in curve:
        print(f"| {clients} | {rate:,.0f}/s | {rate / clients:,.0f}/s | {rate / single:.2f}x "
              f"| {_us(client_us)} | {_us(server_us)} "
              f"| {'n/a' if switches is None else f'{switches:.2f}'} |")


if __name__ == "__main__":
    main()
