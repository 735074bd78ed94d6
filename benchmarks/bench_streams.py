"""Change-stream latency: how long from a write to its event in a watcher's hands.

    python -m benchmarks.bench_streams [--events 300]

A watcher thread sits in ``ChangeStream.next()`` (a ``getMore`` waiting with
``maxAwaitTimeMS``) while the main thread writes one document at a time and
waits for its event before the next write; a row reports the median, 90th
percentile and worst write-to-delivery time, on the in-process face and with
a real pymongo client over mim's wire server.  Also: the cost of one
``insert_one`` with no stream open against one with a stream open (the
history then records every write).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

import pymongo

import mim


def _latencies(collection: object, events: int) -> list[float]:
    """Seconds from ``insert_one`` to the watcher receiving its event, per write."""
    received = threading.Event()
    delivered: dict[int, float] = {}
    ready = threading.Event()

    def watch() -> None:
        with collection.watch(max_await_time_ms=1000) as stream:
            ready.set()
            for _ in range(events):
                change = stream.next()
                delivered[change["documentKey"]["_id"]] = time.perf_counter()
                received.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ready.wait()
    out = []
    for number in range(events):
        received.clear()
        started = time.perf_counter()
        collection.insert_one({"_id": number, "name": "x" * 40})
        received.wait(10)
        out.append(delivered[number] - started)
    watcher.join(10)
    return out


def _insert_rate(collection: object, seconds: float) -> float:
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        collection.insert_one({"n": count})
        count += 1
    return count / (time.perf_counter() - start)


def _row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return (f"| {name} | {statistics.median(ordered) * 1e6:,.0f} | {p90 * 1e6:,.0f} | "
            f"{ordered[-1] * 1e6:,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()
    rows: list[tuple[str, Callable[[], list[float]]]] = []
    local = mim.MongoClient(server=mim.Server())
    rows.append(("in-process (mim.MongoClient)", lambda: _latencies(local.bench.c, args.events)))
    with mim.serve(port=0) as running:
        remote = pymongo.MongoClient(running.uri)
        rows.append(("wire (pymongo.MongoClient)",
                     lambda: _latencies(remote.bench.c, args.events)))
        print("\nbench_streams: write -> change event delivered, microseconds "
              "(lower is better)")
        print("| face | median | p90 | worst |")
        print("|---|---|---|---|")
        for name, measure in rows:
            print(_row(name, measure()))
        remote.close()
    plain = mim.MongoClient(server=mim.Server()).bench.c
    without = _insert_rate(plain, args.seconds)
    with plain.watch():
        with_stream = _insert_rate(plain, args.seconds)
    print("\ninsert_one per second: no stream open "
          f"{without:,.0f}; one stream open (history recording) {with_stream:,.0f} "
          f"({with_stream / without:.0%})")


if __name__ == "__main__":
    main()
