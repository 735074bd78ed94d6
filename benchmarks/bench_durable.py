"""Write throughput with a durable data directory (``--dbpath``) against memory.

    python -m benchmarks.bench_durable [--seconds 1.0] [--batch 100]

Rows: one document per command (``insert_one``), and ``--batch`` documents per
command (``insert_many``); columns: in memory, ``dbpath`` with an ``fsync``
before every reply (the default, ``j: true``), and ``dbpath`` with a group
commit every 10 ms (``--journalCommitInterval 10``).  Every write goes through
the command dispatcher (``Database.command``), which is where a command's
writes are committed.  Higher is better; the data directory lives in a
temporary directory on the machine's disk, so the fsync column measures that
disk.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import tempfile
import time
from collections.abc import Callable

import mim


def _rate(fn: Callable[[], int], seconds: float) -> float:
    """Documents per second written by repeated ``fn()`` calls over ~``seconds``."""
    fn()
    written = 0
    start = time.perf_counter()
    while True:
        written += fn()
        now = time.perf_counter()
        if now - start >= seconds:
            return written / (now - start)


def _measure(server: mim.Server, seconds: float, batch: int) -> dict[str, float]:
    db = mim.MongoClient(server=server).bench
    ids = itertools.count()

    def one() -> int:
        db.command("insert", "one", documents=[{"_id": next(ids), "name": "x" * 40}])
        return 1

    def many() -> int:
        db.command("insert", "many", documents=[{"_id": next(ids), "name": "x" * 40}
                                                for _ in range(batch)])
        return batch

    return {"insert_one": _rate(one, seconds), f"insert_many ({batch})": _rate(many, seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    columns: dict[str, dict[str, float]] = {}
    columns["memory"] = _measure(mim.Server(), args.seconds, args.batch)
    for name, interval in (("dbpath, fsync each", None), ("dbpath, group 10 ms", 10)):
        directory = tempfile.mkdtemp(prefix="mim-bench-")
        server = mim.Server(dbpath=directory, commit_interval_ms=interval)
        try:
            columns[name] = _measure(server, args.seconds, args.batch)
        finally:
            server.close()
            shutil.rmtree(directory, ignore_errors=True)
    names = list(columns)
    print("\nbench_durable: documents written per second (higher is better)")
    print(f"| workload | {' | '.join(names)} |")
    print("|---|" + "---|" * len(names))
    for row in columns["memory"]:
        cells = [f"{columns[n][row]:,.0f}" + ("" if n == "memory" else
                 f" ({columns[n][row] / columns['memory'][row]:.0%})") for n in names]
        print(f"| {row} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
