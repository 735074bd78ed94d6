"""What a transaction costs: 100 ``insert_one`` inside one transaction (start,
100 statements, commit) against the same 100 inserts outside one, and the same
for 50 ``update_one`` + 50 ``delete_one`` by ``_id``, on both faces (in process
and over the wire).  Wall times are noise on a shared machine: compare instruction
counts (``valgrind --tool=callgrind``) for decisions.

    python -m benchmarks.bench_transactions [--rounds 5] [--documents 1000]

``--documents``: how many documents the collection (with one secondary index)
holds before each round (the mixed workload's updates and deletes are points on
``_id``, which the overlay answers itself; a read through a secondary index reads
merged indexes over it, ``mim/engine/index/merged.py``; inserts only write the
overlay: no workload copies the collection).  The target (issue 18): the transaction costs at most 2x.

``--instructions`` counts instead, in process, under valgrind's callgrind: one
round of each workload after a warm-up (steady state), the same rounds timed.

``--diagnose`` runs each in-process workload ``--rounds`` times (at least 30) and
reports, per round, what the wall time holds beyond instructions: minor page faults
(``getrusage``) and the cyclic garbage collections that fell inside the round, with
their time (``gc.callbacks``).  A copy of a collection (a transaction reading it
through a text, geo or wildcard index, or writing one with a unique index) makes
young containers (its documents dict and index entries) that every young collection
traverses, entry by entry, until they are old, so its collections cost several times
an outside round's.
"""

from __future__ import annotations

import argparse
import functools
import gc
import itertools
import resource
import shutil
import time
from collections.abc import Callable
from typing import Any

import pymongo

import mim

from .bench_instructions import counted_instructions

_IDS = itertools.count()


def _outside(coll: Any, client: Any, n: int) -> None:
    for _ in range(n):
        coll.insert_one({"_id": next(_IDS), "name": "x" * 40, "k": 1})


def _inside(coll: Any, client: Any, n: int) -> None:
    with client.start_session() as session:
        with session.start_transaction():
            for _ in range(n):
                coll.insert_one({"_id": next(_IDS), "name": "x" * 40, "k": 1}, session=session)


def _mixed(coll: Any, victims: Any, n: int, session: Any = None) -> None:
    """``n`` statements: an ``update_one`` and a ``delete_one`` by ``_id`` in turn."""
    for _ in range(n // 2):
        coll.update_one({"_id": next(victims)}, {"$inc": {"k": 1}}, session=session)
        coll.delete_one({"_id": next(victims)}, session=session)


def _mixed_inside(coll: Any, client: Any, victims: Any, n: int) -> None:
    with client.start_session() as session:
        with session.start_transaction():
            _mixed(coll, victims, n, session)


def _best(fn: Callable[[], None], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(client: Any, rounds: int, documents: int, n: int = 100) -> dict[str, float]:
    coll = client.bench.txn
    coll.drop()
    coll.create_index("k")
    filled = [next(_IDS) for _ in range(max(documents, 2 * n * rounds))]
    coll.insert_many([{"_id": i, "name": "y", "k": i} for i in filled])
    outside = _best(lambda: _outside(coll, client, n), rounds)
    inside = _best(lambda: _inside(coll, client, n), rounds)
    victims = iter(filled)  # each round updates and deletes documents of its own
    mixed_outside = _best(lambda: _mixed(coll, victims, n), rounds)
    mixed_inside = _best(lambda: _mixed_inside(coll, client, victims, n), rounds)
    return {"outside (ms)": outside * 1000, "transaction (ms)": inside * 1000,
            "ratio": inside / outside, "mixed outside (ms)": mixed_outside * 1000,
            "mixed transaction (ms)": mixed_inside * 1000,
            "mixed ratio": mixed_inside / mixed_outside}


#: the rounds ``--instructions`` counts: name -> (workload, the one it is compared with)
_COUNTED = {"outside": None, "transaction": "outside",
            "mixed outside": None, "mixed transaction": "mixed outside"}
#: rounds run before the counted one (a steady state: code specialised, caches full)
_WARM_UP = 12


def _counted_round(workload: str, documents: int, n: int = 100) -> None:
    """One round of ``workload`` inside ``functools.reduce`` (what callgrind counts),
    after the set-up and the warm-up rounds."""
    client = mim.MongoClient(server=mim.Server())
    coll = client.bench.txn
    coll.create_index("k")
    filled = [next(_IDS) for _ in range(documents + n * (_WARM_UP + 1))]
    coll.insert_many([{"_id": i, "name": "y", "k": i} for i in filled])
    victims = iter(filled)
    rounds = {"outside": lambda: _outside(coll, client, n),
              "transaction": lambda: _inside(coll, client, n),
              "mixed outside": lambda: _mixed(coll, victims, n),
              "mixed transaction": lambda: _mixed_inside(coll, client, victims, n)}
    for _ in range(_WARM_UP):
        rounds[workload]()
    # the counted round starts from a collected heap: a cyclic collection the warm-up
    # left pending (over a million instructions, whole-heap) does not fall into it by
    # the chance of where the allocation counters stand
    gc.collect()
    functools.reduce(lambda _, __: rounds[workload](), [None], None)


def count(documents: int) -> None:
    """Print the instructions of one round of each workload, and the ratios."""
    counts: dict[str, int] = {}
    for workload, baseline in _COUNTED.items():
        counts[workload] = counted_instructions(
            ["benchmarks.bench_transactions", "--child", workload,
             "--documents", str(documents)])
        ratio = f"  ratio {counts[workload] / counts[baseline]:.2f}" if baseline else ""
        print(f"{workload:18} {counts[workload]:>13,} instructions{ratio}", flush=True)


def diagnose(rounds: int, documents: int, n: int = 100) -> None:
    """Print, per in-process workload, the best and median round, the minor page faults
    and the garbage collections per round (count, total time, the mean time of a
    generation-0 one, the generations seen)."""
    collections: list[tuple[int, float]] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            on_gc.started = time.perf_counter()  # type: ignore[attr-defined]
        else:
            collections.append((info["generation"],
                                time.perf_counter() - on_gc.started))  # type: ignore[attr-defined]

    client = mim.MongoClient(server=mim.Server())
    coll = client.bench.txn
    coll.create_index("k")
    filled = [next(_IDS) for _ in range(documents + 2 * n * rounds)]
    coll.insert_many([{"_id": i, "name": "y", "k": i} for i in filled])
    victims = iter(filled)
    workloads = {"outside": lambda: _outside(coll, client, n),
                 "transaction": lambda: _inside(coll, client, n),
                 "mixed outside": lambda: _mixed(coll, victims, n),
                 "mixed transaction": lambda: _mixed_inside(coll, client, victims, n)}
    gc.callbacks.append(on_gc)
    try:
        print(f"{'workload':18} {'best ms':>8} {'median':>8} {'faults':>7} {'gcs':>5} "
              f"{'gc ms':>7} {'ms/gen0':>8}  generations")
        for name, workload in workloads.items():
            times, faults, seen = [], 0, []
            for _ in range(rounds):
                collections.clear()
                before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                start = time.perf_counter()
                workload()
                times.append(time.perf_counter() - start)
                faults += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
                seen += collections
            times.sort()
            spent = sum(duration for _, duration in seen)
            young = [duration for generation, duration in seen if generation == 0]
            print(f"{name:18} {times[0] * 1000:8.2f} {times[len(times) // 2] * 1000:8.2f} "
                  f"{faults / rounds:7.1f} {len(seen) / rounds:5.2f} "
                  f"{spent / rounds * 1000:7.3f} "
                  f"{(sum(young) / len(young) * 1000 if young else 0):8.3f}  "
                  f"{sorted({generation for generation, _ in seen})}")
    finally:
        gc.callbacks.remove(on_gc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind instead of timing")
    parser.add_argument("--diagnose", action="store_true",
                        help="page faults and garbage collections per in-process round")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.diagnose:
        diagnose(max(args.rounds, 30), args.documents)
        return
    if args.child is not None:
        _counted_round(args.child, args.documents)
        return
    if args.instructions:
        if shutil.which("valgrind") is None:
            parser.error("valgrind is not on the PATH")
        count(args.documents)
        return
    rows = {"in process": measure(mim.MongoClient(server=mim.Server()), args.rounds,
                                  args.documents)}
    with mim.serve(port=0) as server, pymongo.MongoClient(server.uri) as wire:
        rows["wire (pymongo)"] = measure(wire, args.rounds, args.documents)
    print(f"100 insert_one, then 50 update_one + 50 delete_one (mixed), collection of "
          f"{args.documents} documents + 1 index (best of {args.rounds})")
    print(f"{'face':16} {'outside (ms)':>13} {'transaction (ms)':>17} {'ratio':>6} "
          f"{'mixed out':>10} {'mixed txn':>10} {'ratio':>6}")
    for face, row in rows.items():
        print(f"{face:16} {row['outside (ms)']:13.2f} {row['transaction (ms)']:17.2f} "
              f"{row['ratio']:6.2f} {row['mixed outside (ms)']:10.2f} "
              f"{row['mixed transaction (ms)']:10.2f} {row['mixed ratio']:6.2f}")


if __name__ == "__main__":
    main()
