"""A million documents: load time, resident memory, and the steering read rows.

    python -m benchmarks --large        (= python -m benchmarks.bench_large --docs 1000000)

Loads ``--docs`` steering documents (:func:`benchmarks.workloads.make_doc`) into
mim with ``insert_many`` batches of 10,000, builds the two secondary indexes,
reports load and index-build time (CPU and wall clock) and the process's resident
memory (loaded, per document, indexed), then the indexed, unindexed and
aggregation rows of ``bench_core`` at that size (each answer checked against the
pure-Python limit's on the first operation when ``--check`` is given; the limit
doubles the memory, so it is off by default).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import time
from typing import Any

from .limit import LimitStore
from .peers import available_peers, print_table
from .workloads import READS, create_indexes, load, per_op


def resident_mb() -> float:
    """The process's resident set now (VmRSS), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class CollectorClock:
    """CPU seconds and number of the garbage collector's passes while installed
    (``gc.callbacks``): what loading a million documents pays CPython's cycle
    collector, whose full passes traverse every live container object."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full_passes = 0
        self.passes = 0
        self._began = 0.0

    def __enter__(self) -> CollectorClock:
        gc.callbacks.append(self._tick)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._tick)

    def _tick(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = time.process_time()
            return
        self.seconds += time.process_time() - self._began
        self.passes += 1
        self.full_passes += info["generation"] == 2


def run(n_docs: int, check: bool, budget: float) -> None:
    began = time.perf_counter()
    factory = available_peers(["mim"])["mim"]
    base = resident_mb()
    coll: Any = factory()["items"]
    # wall clock and CPU time: on a shared machine the wall clock also counts the time
    # other processes held the CPU (the rows below are CPU time, see per_op)
    started, started_cpu = time.perf_counter(), time.process_time()
    with CollectorClock() as collector:
        load(coll, n_docs, batch=10000)
    loaded, loaded_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    gc.collect()
    after_load = resident_mb()
    started, started_cpu = time.perf_counter(), time.process_time()
    create_indexes(coll)
    indexing, indexing_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    gc.collect()
    after_indexes = resident_mb()
    print(f"# loaded {n_docs} documents in {loaded:.1f}s wall, {loaded_cpu:.1f}s CPU "
          f"({n_docs / loaded_cpu:,.0f} docs/s of CPU; {collector.seconds:.1f}s CPU of it in "
          f"{collector.passes} garbage collections, {collector.full_passes} of them full); "
          f"2 indexes built in {indexing:.1f}s "
          f"wall, {indexing_cpu:.1f}s CPU", flush=True)
    print(f"# resident memory: {base:.0f} MB before, {after_load:.0f} MB loaded "
          f"({(after_load - base) * 2**20 / n_docs:.0f} bytes/doc), "
          f"{after_indexes:.0f} MB with indexes", flush=True)
    reference = None
    if check:
        reference = LimitStore()
        load(reference, n_docs, batch=10000)
        reference.create_indexes()
    rows = []
    wrong = set()
    for workload in READS:
        args = workload.make_args(n_docs, random.Random(workload.name))
        if reference is not None:
            ours = workload.normalize(workload.peer(coll, *args[0]))
            if ours != workload.normalize(workload.limit(reference, *args[0])):
                wrong.add((workload.name, "mim"))
        seconds = per_op(lambda *a: workload.peer(coll, *a), args, budget,
                         max(1, workload.batch // 10), 2)
        rows.append((workload.name, "µs/op", {"mim": seconds}))
        print(f"# {workload.name}: {seconds:.1f} µs/op", flush=True)
    rows[:0] = [
        ("load (insert_many 10k per batch), CPU", "µs/doc", {"mim": loaded_cpu / n_docs * 1e6}),
        ("load time, CPU", "s", {"mim": loaded_cpu}),
        ("load time, wall clock", "s", {"mim": loaded}),
        ("load time, CPU in garbage collection", "s", {"mim": collector.seconds}),
        ("build the 2 secondary indexes, CPU", "s", {"mim": indexing_cpu}),
        ("build the 2 secondary indexes, wall clock", "s", {"mim": indexing}),
        ("resident memory, loaded", "MB", {"mim": after_load}),
        ("resident memory, loaded and indexed", "MB", {"mim": after_indexes}),
        ("resident memory per document, loaded", "bytes", {"mim": (after_load - base) * 2**20
                                                           / n_docs}),
    ]
    print_table(f"mim at {n_docs} documents", rows, ["mim"], wrong=wrong)
    print(f"\n# whole run: {time.perf_counter() - began:.0f}s wall", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--check", action="store_true",
                        help="check the answers against the pure-Python limit")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per row")
    args = parser.parse_args()
    run(args.docs, args.check, args.budget)


if __name__ == "__main__":
    main()
