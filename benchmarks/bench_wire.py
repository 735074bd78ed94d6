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

The third table is what pymongo itself allows: the same 1, 2, 4, 8 clients
against a *stub server* (``--stub-server``, its own process) that answers every
message with canned bytes — a fixed hello, one fixed document for every
``find``, ``{ok: 1}`` for the rest — after reading no more than the command's
name, so nearly all the CPU per operation is pymongo's.  Beside mim's rate at
each number of clients it gives the stub's, the clients' CPU per operation with
each, and the pymongo ceiling: 1 / the client CPU per ``find_one`` — the rate one
connection could reach if the server cost nothing and nothing waited.  Issue 25's
target (10,000 ``find_one`` by ``_id`` per second on one connection) is judged
against that ceiling on the machine at hand.

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
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from collections.abc import Callable
from typing import Any

import bson
import pymongo
from bson.int64 import Int64

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


#: the stub server's canned replies (BSON bodies), by command name
_STUB_HELLO = bson.encode({
    "ismaster": True, "isWritablePrimary": True, "helloOk": True,
    "maxBsonObjectSize": 16 * 1024 * 1024, "maxMessageSizeBytes": 48_000_000,
    "maxWriteBatchSize": 100_000, "logicalSessionTimeoutMinutes": 30, "connectionId": 1,
    "minWireVersion": 0, "maxWireVersion": 21, "readOnly": False, "ok": 1.0})
_STUB_FIND = bson.encode({
    "cursor": {"firstBatch": [{"_id": 500, "name": "user500", "age": 50, "tags": ["a", "b"],
                               "address": {"city": "Oslo", "zip": "00500"}}],
               "id": Int64(0), "ns": "benchdb.bench"}, "ok": 1.0})
_STUB_OK = bson.encode({"ok": 1.0})
_STUB_REPLIES = {b"hello": _STUB_HELLO, b"isMaster": _STUB_HELLO, b"ismaster": _STUB_HELLO,
                 b"find": _STUB_FIND}
_HEADER = struct.Struct("<iiii")
_OP_REPLY, _OP_QUERY, _OP_MSG = 1, 2004, 2013
#: OP_REPLY's fields after the header: flags, cursor id, starting from, number returned
_REPLY_FIELDS = struct.pack("<iqii", 0, 0, 0, 1)


def _read_exactly(conn: socket.socket, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = conn.recv(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _stub_connection(conn: socket.socket) -> None:
    """Answer one connection's messages with canned bytes until it closes: an
    OP_QUERY (pymongo's first handshake) with the hello in an OP_REPLY, an OP_MSG
    with the reply for its command's name (the body's first field)."""
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with conn:
        while True:
            header = _read_exactly(conn, 16)
            if header is None:
                return
            length, request_id, _, opcode = _HEADER.unpack(header)
            body = _read_exactly(conn, length - 16)
            if body is None:
                return
            if opcode == _OP_MSG:
                # flag bits (4 bytes), section kind 0 (1), the document: its length (4),
                # its first element's type (1), then that element's name
                name = body[10:body.index(0, 10)]
                reply = _STUB_REPLIES.get(name, _STUB_OK)
                conn.sendall(_HEADER.pack(21 + len(reply), 0, request_id, _OP_MSG)
                             + b"\0\0\0\0\0" + reply)
            elif opcode == _OP_QUERY:
                conn.sendall(_HEADER.pack(36 + len(_STUB_HELLO), 0, request_id, _OP_REPLY)
                             + _REPLY_FIELDS + _STUB_HELLO)
            else:
                return


def stub_server() -> None:
    """Serve canned replies on a free loopback port, printing its URI first
    (``python -m benchmarks.bench_wire --stub-server``); runs until killed."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(f"stub listening on mongodb://127.0.0.1:{listener.getsockname()[1]}/"
          f"?directConnection=true", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_stub_connection, args=(conn,), daemon=True).start()


@contextlib.contextmanager
def _server_process(command: tuple[str, ...] = ("mim", "serve", "--port", "0")
                    ) -> Iterator[str]:
    """``python -m mim serve --port 0`` (or ``command``) in a child process; yields
    its URI."""
    proc = subprocess.Popen([sys.executable, "-m", *command],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    SERVER_PIDS.append(proc.pid)
    try:
        match = re.search(r"mongodb://\S+", proc.stdout.readline())
        if match is None:
            raise RuntimeError(f"{' '.join(command)} did not announce its URI")
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
    parser.add_argument("--stub-server", action="store_true",
                        help="only serve canned replies (the pymongo ceiling's server)")
    args = parser.parse_args(argv)
    if args.stub_server:
        stub_server()
        return
    counts = [int(c) for c in args.clients.split(",") if c.strip()]

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
        curve = [(n, *_concurrent_rate(uri, n, args.seconds)) for n in counts]
        wire_client.close()
    # what pymongo allows: the same clients against canned replies
    with _server_process(("benchmarks.bench_wire", "--stub-server")) as stub_uri:
        stub_client: pymongo.MongoClient = pymongo.MongoClient(stub_uri)
        stub_coll = stub_client.benchdb.bench
        stub_single = _cpu_split(lambda: stub_coll.find_one({"_id": 500}), args.seconds)
        stub_client.close()
        stub_curve = [(n, *_concurrent_rate(stub_uri, n, args.seconds)) for n in counts]

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
    print_ceiling(rows, curve, stub_single, stub_curve)


def print_ceiling(rows: list[tuple], curve: list[tuple], stub_single: tuple[float, float,
                  float | None], stub_curve: list[tuple]) -> None:
    """mim's find_one curve beside the stub server's (canned replies): how close mim
    comes to what pymongo itself allows on this machine."""
    rate, client_us, stub_us = stub_single
    mine = next((row for row in rows if row[0] == "find_one by _id"), None)
    print("\n## find_one by _id: mim against pymongo's own ceiling (a stub server answering "
          "canned bytes, its own process)\n")
    print(f"One connection, in a loop: the stub answers {rate:,.0f}/s with {_us(client_us)} of "
          f"pymongo CPU and {_us(stub_us)} of stub CPU per find_one: the pymongo ceiling, "
          f"1 / client CPU, is {1e6 / client_us:,.0f}/s"
          + (f"; mim answers {mine[2]:,.0f}/s ({mine[2] / rate * 100:.0f}% of the stub's rate) "
             f"with {_us(mine[3])} of pymongo CPU and {_us(mine[4])} of server CPU"
             if mine else "") + ".\n")
    print("| clients | mim find_one/s | stub find_one/s | mim / stub | client CPU/op, mim "
          "| client CPU/op, stub | server CPU/op, mim | stub CPU/op "
          "| pymongo ceiling (clients / client CPU) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    stub_by_clients = {row[0]: row for row in stub_curve}
    for clients, mim_rate, mim_client_us, mim_server_us, _ in curve:
        stub = stub_by_clients.get(clients)
        if stub is None:
            continue
        _, stub_rate, stub_client_us, stub_server_us, _ = stub
        print(f"| {clients} | {mim_rate:,.0f}/s | {stub_rate:,.0f}/s "
              f"| {mim_rate / stub_rate * 100:.0f}% | {_us(mim_client_us)} "
              f"| {_us(stub_client_us)} | {_us(mim_server_us)} | {_us(stub_server_us)} "
              f"| {clients * 1e6 / stub_client_us:,.0f}/s |")


if __name__ == "__main__":
    main()
