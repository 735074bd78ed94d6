"""Indexes and the planner: mim vs mongomock vs Ming's MIM, in one run.

    python -m benchmarks.bench_indexes [--docs 100000] [--peers mim,mongomock,ming.mim]

Rows (lower is better):
- indexed equality lookup (``find_one({"uid": x})`` on an indexed field), µs/query;
- range + sort + limit 20 on an indexed field, µs/query;
- the indexed lookup at 1,000 documents and at ``--docs`` documents (growth);
- ``insert_one`` into a collection with three secondary indexes, and with none;
- memory per stored document (documents + indexes), bytes, via tracemalloc;
- mim only (the peers have no collations): a case-insensitive lookup
  (``collation={"locale": "en", "strength": 2}``) with an index of that collation, and
  with only a simple index (which cannot serve it: a scan), at up to 20,000 documents.

The peers scan for every query, so they get fewer repetitions than mim.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc
from typing import Any

from .peers import available_peers, print_table, timed

DEFAULT_PEERS = ["mim", "mongomock", "ming.mim"]


def make_doc(i: int) -> dict:
    return {
        "_id": i,
        "uid": f"user{i:07d}",
        "age": i % 90,
        "city": ["Paris", "Lima", "Oslo", "Pune"][i % 4],
        "score": (i * 7919) % 100003,
        "tags": ["a", "b", "c"][: i % 3 + 1],
        "address": {"street": f"{i} Main St", "zip": f"{i % 100000:05d}"},
        "active": i % 2 == 0,
    }


def _create_indexes(coll: Any, names: list[str]) -> None:
    for name in names:
        coll.create_index(name)


def _load(factory: Any, n: int, indexes: list[str]) -> Any:
    coll = factory()["items"]
    _create_indexes(coll, indexes)
    batch = 10000
    for start in range(0, n, batch):
        coll.insert_many([make_doc(i) for i in range(start, min(n, start + batch))])
    return coll


def _per_query(fn: Any, queries: list[Any], budget: float, batch: int = 1) -> float:
    """µs per query: the best batch average, running batches of ``batch``
    queries until ``budget`` seconds are spent (at least one batch) — the
    minimum is what the code costs, the rest is the machine's noise."""
    start = time.perf_counter()
    best = float("inf")
    for first in range(0, len(queries), batch):
        chunk = queries[first:first + batch]
        began = time.perf_counter()
        for query in chunk:
            fn(query)
        best = min(best, (time.perf_counter() - began) / len(chunk))
        if time.perf_counter() - start > budget:
            break
    return best * 1e6


def lookup_fn(coll: Any) -> Any:
    return lambda uid: coll.find_one({"uid": uid})


def range_fn(coll: Any) -> Any:
    return lambda low: list(coll.find({"score": {"$gte": low}}).sort("score", 1).limit(20))


CASE_INSENSITIVE = {"locale": "en", "strength": 2}


def collated_lookups(factory: Any, n: int, rng: random.Random, budget: float) -> dict:
    """µs per case-insensitive ``find_one`` with a matching collated index, and with
    only a simple one (the query's collation differs: the planner scans)."""
    out = {}
    for label, collation in (("collated lookup, matching index", CASE_INSENSITIVE),
                             ("collated lookup, simple index only", None)):
        coll = factory()["collated"]
        coll.create_index("uid", collation=collation) if collation else coll.create_index("uid")
        coll.insert_many([make_doc(i) for i in range(n)])
        uids = [f"USER{rng.randrange(n):07d}" for _ in range(500 if collation else 5)]
        lookup = lambda uid: coll.find_one({"uid": uid}, collation=CASE_INSENSITIVE)  # noqa: E731
        assert lookup(uids[0])["uid"] == uids[0].lower()
        out[label] = _per_query(lookup, uids, budget, 50 if collation else 1)
        coll.drop()
    return out


def memory_per_document(factory: Any, n: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    coll = _load(factory, n, ["uid", "score", "age"])
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del coll
    return (after - before) / n


def run(n_docs: int, peer_names: list[str] | None, memory: bool) -> None:
    peers = available_peers(peer_names or DEFAULT_PEERS)
    rng = random.Random(7)
    results: dict[str, dict[str, float]] = {name: {} for name in peers}
    for name, factory in peers.items():
        fast = name == "mim"
        started = time.perf_counter()
        coll = _load(factory, n_docs, ["uid", "score", "age"])
        load_seconds = time.perf_counter() - started
        uids = [f"user{rng.randrange(n_docs):07d}" for _ in range(2000 if fast else 20)]
        lows = [rng.randrange(100003) for _ in range(500 if fast else 10)]
        budget = 2.0 if fast else 6.0
        lookup = lookup_fn(coll)
        assert lookup(uids[0])["uid"] == uids[0]
        batch = 100 if fast else 1
        results[name]["indexed equality lookup"] = _per_query(lookup, uids, budget, batch)
        ranged = range_fn(coll)
        first = ranged(lows[0])
        assert len(first) == 20 and first == sorted(first, key=lambda d: d["score"])
        results[name]["range+sort+limit 20"] = _per_query(ranged, lows, budget, batch // 4 or 1)
        results[name][f"indexed lookup @{n_docs}"] = results[name]["indexed equality lookup"]
        del coll, lookup, ranged
        gc.collect()
        small = _load(factory, 1000, ["uid", "score", "age"])
        small_uids = [f"user{rng.randrange(1000):07d}" for _ in range(2000 if fast else 200)]
        results[name]["indexed lookup @1000"] = _per_query(lookup_fn(small), small_uids, budget,
                                                           batch)
        del small
        # insert_one: three secondary indexes vs none
        count = 5000 if fast else 1000
        docs = [make_doc(i) for i in range(count)]
        for label, indexes in (("insert_one, 3 secondary indexes", ["uid", "score", "age"]),
                               ("insert_one, no secondary index", [])):
            def insert_all() -> None:
                target = factory()["items"]
                _create_indexes(target, indexes)
                for doc in docs:
                    target.insert_one(dict(doc))
            results[name][label] = timed(insert_all, repeat=3) / count * 1e6
        if fast:
            collated_docs = min(n_docs, 20000)
            for label, value in collated_lookups(factory, collated_docs, rng, budget).items():
                results[name][f"{label} @{collated_docs}"] = value
        if memory:
            results[name]["memory per document"] = memory_per_document(factory, n_docs)
        print(f"# {name}: loaded {n_docs} documents with 3 indexes in {load_seconds:.1f}s; "
              f"peer total {time.perf_counter() - started:.1f}s", flush=True)
        gc.collect()
    rows = []
    operations = [("indexed equality lookup", "µs/query"), ("range+sort+limit 20", "µs/query"),
                  ("indexed lookup @1000", "µs/query"),
                  (f"indexed lookup @{n_docs}", "µs/query"),
                  ("insert_one, 3 secondary indexes", "µs/doc"),
                  ("insert_one, no secondary index", "µs/doc")]
    collated_docs = min(n_docs, 20000)
    operations += [(f"collated lookup, matching index @{collated_docs}", "µs/query"),
                   (f"collated lookup, simple index only @{collated_docs}", "µs/query")]
    if memory:
        operations.append(("memory per document", "bytes"))
    for operation, unit in operations:
        rows.append((operation, unit, {p: results[p].get(operation) for p in peers}))
    print_table(f"indexes and planner, {n_docs} documents", rows, list(peers))
    mim = results.get("mim")
    if mim:
        print("\n## mim targets\n")
        checks = []
        for peer in ("mongomock",):
            if peer in results:
                eq = results[peer]["indexed equality lookup"] / mim["indexed equality lookup"]
                rs = results[peer]["range+sort+limit 20"] / mim["range+sort+limit 20"]
                checks.append((f"equality lookup vs {peer} (target >= 100x)", f"{eq:.0f}x",
                               eq >= 100))
                checks.append((f"range+sort+limit vs {peer} (target >= 50x)", f"{rs:.0f}x",
                               rs >= 50))
        growth = mim[f"indexed lookup @{n_docs}"] / mim["indexed lookup @1000"]
        checks.append((f"lookup growth 1000 -> {n_docs} (target <= 1.5x)", f"{growth:.2f}x",
                       growth <= 1.5))
        ratio = mim["insert_one, 3 secondary indexes"] / mim["insert_one, no secondary index"]
        checks.append(("insert_one 3 indexes / none (target <= 3x)", f"{ratio:.2f}x",
                       ratio <= 3))
        print("| check | measured | met |")
        print("|---|---|---|")
        for label, value, ok in checks:
            print(f"| {label} | {value} | {'yes' if ok else 'NO'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100000)
    parser.add_argument("--peers", default="")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the (slow, tracemalloc) memory measurement")
    args = parser.parse_args()
    run(args.docs, [p for p in args.peers.split(",") if p] or None, not args.no_memory)


if __name__ == "__main__":
    main()
