"""The steering workloads: mim vs mongomock vs montydb vs mongita vs the
pure-Python limit, side by side in one run.

    python -m benchmarks.bench_core [--docs 10000] [--peers mim,limit] [--rounds 3]

Rows (microseconds per operation or per inserted document, lower is better):
``insert_one`` loop and ``insert_many`` (1000 per batch) into a collection with
no secondary index; on a collection of ``--docs`` documents indexed on ``uid``
and ``age``: ``find_one`` by ``_id``, ``find_one`` on an indexed field, an
indexed range sorted on another field with limit 20, ``count_documents`` over
an unindexed range, ``find`` with ``$in`` of 100 indexed values, an aggregation
($match on the indexed range, $unwind, $group, $sort), an unindexed scan
returning ~2%, ``update_one`` by an indexed field with ``$set`` and
``update_many`` ``$inc`` over ~2% (unindexed filter).

The ``limit`` column is the least work any faithful pure-Python store can do
(:mod:`benchmarks.limit`); ``mim % of limit`` is the limit's time over mim's.
Every peer's answers are checked against the limit's: a cell marked ``✗``
answered differently (the value is still shown), ``n/a`` could not run it.

Every peer is measured in a fresh process of its own, once per ``--rounds``,
the peers' order rotated from round to round, and each row is the best of the
rounds (:mod:`benchmarks.isolation`): measured one after another in one process,
a peer's rows depended on when in the run it came and on what the peers before
it had imported and allocated.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
from typing import Any

from .guards import NO_GUARDS_ENV, install_noops
from .isolation import CHILD_FLAG, OUT_FLAG, best_rows, interleaved, write_result
from .limit import LimitStore
from .peers import PEERS, print_table, timed
from .workloads import READS, WRITES, Workload, create_indexes, load, make_doc, per_op

DEFAULT_PEERS = ["mim", "mongomock", "montydb", "mongita", "limit"]


def _fresh(name: str, factory: Any) -> Any:
    """An empty collection of peer ``name`` (a LimitStore for the limit)."""
    return LimitStore() if name == "limit" else factory()["items"]


def _insert_rows(name: str, factory: Any, n_docs: int, rounds: int) -> dict[str, float | None]:
    """µs per document of an insert_one loop and of insert_many (best of ``rounds``)."""
    count = min(n_docs, 2000)
    one = many = float("inf")
    for _ in range(rounds):
        docs = [make_doc(i) for i in range(count)]
        target = _fresh(name, factory)
        gc.collect()
        one = min(one, timed(lambda: [target.insert_one(d) for d in docs]) / count)
        assert _count(target) == count
        target = _fresh(name, factory)
        batches = [[make_doc(i) for i in range(start, min(n_docs, start + 1000))]
                   for start in range(0, n_docs, 1000)]
        gc.collect()
        many = min(many, timed(lambda: [target.insert_many(b) for b in batches]) / n_docs)
        assert _count(target) == n_docs
    return {"insert_one": one * 1e6, "insert_many (1000 per batch)": many * 1e6}


def _count(target: Any) -> int:
    return len(target.raw) if isinstance(target, LimitStore) else target.count_documents({})


def measure(name: str, n_docs: int, rounds: int, budget: float) -> dict[str, Any]:
    """One peer's rows (µs) and its normalised answer to each workload's checked
    operation, measured in this process (see :func:`run` for why in a fresh one)."""
    if name == "limit":
        factory = None
    else:
        factory = PEERS[name]
        try:
            factory()
        except Exception as exc:  # noqa: BLE001 - report any reason a peer cannot run
            return {"unavailable": repr(exc)}
    workloads: list[Workload] = READS + WRITES
    rows: dict[str, float | None] = _insert_rows(name, factory, n_docs, rounds)
    answers: dict[str, Any] = {}
    target = _fresh(name, factory)
    load(target, n_docs)
    create_indexes(target)
    for workload in workloads:
        call = workload.limit if name == "limit" else workload.peer
        args = workload.make_args(n_docs, random.Random(workload.name))
        check = args[-1] if workload.kind == "write" else args[0]
        try:
            answers[workload.name] = workload.normalize(call(target, *check))
        except Exception as exc:  # noqa: BLE001 - a peer that cannot run it: n/a
            print(f"# {name}: {workload.name}: cannot run ({type(exc).__name__}: "
                  f"{str(exc)[:120]})", flush=True)
            rows[workload.name] = None
            continue
        # the slow peers scan where mim uses an index: fewer operations per batch
        batch = workload.batch if name in ("mim", "limit") else max(1, workload.batch // 10)
        gc.collect()
        rows[workload.name] = per_op(lambda *a: call(target, *a), args, budget, batch, rounds)
    return {"rows": rows, "answers": answers}


def run(n_docs: int, peer_names: list[str] | None, rounds: int, budget: float) -> None:
    """Each peer in a fresh process of its own, once per round, the peers' order
    rotated from round to round (:mod:`benchmarks.isolation`); each row the best
    of the rounds, each round spending ``budget / rounds`` seconds per row."""
    wanted = peer_names or DEFAULT_PEERS
    arguments = ["--docs", str(n_docs), "--budget", str(budget / rounds)]
    measured = interleaved("benchmarks.bench_core", wanted, arguments, rounds)
    peers = list(measured)
    results = {name: best_rows([found["rows"] for found in measured[name]]) for name in peers}
    answers = {name: measured[name][0]["answers"] for name in peers}
    reference = answers.get("limit") or answers.get("mim") or {}
    wrong = {(workload, name) for name in peers for workload, answer in answers[name].items()
             if workload in reference and answer != reference[workload]}
    for workload, name in sorted(wrong):
        print(f"# {name} answered {workload!r} differently from the reference")
    operations = ["insert_one", "insert_many (1000 per batch)"] + [w.name for w in READS + WRITES]
    rows = []
    for operation in operations:
        unit = "µs/doc" if operation.startswith("insert") else "µs/op"
        rows.append((operation, unit, {p: results[p].get(operation) for p in peers}))
    print_table(f"core workloads, {n_docs} documents ({rounds} interleaved rounds, "
                f"each peer in its own process)", rows, peers, wrong=wrong)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--peers", default="",
                        help=f"comma-separated, from {', '.join(DEFAULT_PEERS)}, ming.mim")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds: each peer measured in a fresh process per "
                             "round, each row the best of the rounds")
    parser.add_argument("--budget", type=float, default=0.5,
                        help="seconds spent per row and peer over all the rounds (at least "
                             "one timed batch per round)")
    parser.add_argument(CHILD_FLAG, default=None, help=argparse.SUPPRESS)
    parser.add_argument(OUT_FLAG, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if os.environ.get(NO_GUARDS_ENV):  # ``python -m benchmarks --guards``' other build
        install_noops()
    if args.child:
        write_result(args.out, measure(args.child, args.docs, 1, args.budget))
        return
    run(args.docs, [p for p in args.peers.split(",") if p] or None, max(args.rounds, 1),
        args.budget)


if __name__ == "__main__":
    main()
