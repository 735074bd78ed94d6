"""Core CRUD workload: mim vs mongomock vs Ming's MIM vs montydb, in one run.

    python -m benchmarks.bench_core [--docs 10000] [--peers mim,mongomock]

Rows (microseconds per operation, lower is better):
insert_one, insert_many (per document), find_one by _id, an unindexed scan
query with sort (per query), update_one by _id with $set, update_many $inc
over 10% of the documents (per query).  Each peer is warmed up first and every
row is the best of ``--repeat`` runs (2 by default).
"""

from __future__ import annotations

import argparse
import random

from .peers import available_peers, print_table, timed


def make_doc(i: int) -> dict:
    return {
        "_id": i,
        "name": f"user{i}",
        "age": i % 90,
        "city": ["Paris", "Lima", "Oslo", "Pune"][i % 4],
        "score": (i * 7919) % 1000 / 10,
        "tags": ["a", "b", "c"][: i % 3 + 1],
        "address": {"street": f"{i} Main St", "zip": f"{i % 100000:05d}"},
        "active": i % 2 == 0,
    }


def _best_insert(factory, docs: list[dict], repeat: int, many: bool) -> float:
    """Best of ``repeat`` runs, each into a fresh collection (inserts can't repeat)."""
    best = float("inf")
    for _ in range(repeat):
        coll = factory()["items"]
        batch = [dict(d) for d in docs]
        if many:
            best = min(best, timed(lambda: coll.insert_many(batch)))
        else:
            best = min(best, timed(lambda: [coll.insert_one(d) for d in batch]))
    return best


def run(n_docs: int, peer_names: list[str] | None, repeat: int = 2) -> None:
    peers = available_peers(peer_names)
    rng = random.Random(42)
    results: dict[str, dict[str, float]] = {name: {} for name in peers}
    for name, factory in peers.items():
        # warm up: first calls pay for imports and lazily built code paths
        warm = factory()["warm"]
        warm.insert_many([make_doc(i) for i in range(200)])
        list(warm.find({"age": {"$gt": 3}}).sort("score", -1))
        warm.update_one({"_id": 1}, {"$set": {"name": "w"}})
        # insert_one
        count = min(n_docs, 2000)
        seconds = _best_insert(factory, [make_doc(i) for i in range(count)], repeat, False)
        results[name]["insert_one"] = seconds / count * 1e6
        # insert_many
        seconds = _best_insert(factory, [make_doc(i) for i in range(n_docs)], repeat, True)
        results[name]["insert_many"] = seconds / n_docs * 1e6
        coll = factory()["items"]
        coll.insert_many([make_doc(i) for i in range(n_docs)])
        # find_one by _id
        ids = [rng.randrange(n_docs) for _ in range(300)]
        seconds = timed(lambda: [coll.find_one({"_id": i}) for i in ids], repeat)
        results[name]["find_one _id"] = seconds / len(ids) * 1e6
        # unindexed scan with sort
        queries = 5
        seconds = timed(lambda: [list(coll.find({"age": {"$gte": 30, "$lt": 40},
                                                 "city": "Paris"}).sort("score", -1))
                                 for _ in range(queries)], repeat)
        results[name]["scan+sort"] = seconds / queries * 1e6
        # update_one by _id with $set
        seconds = timed(lambda: [coll.update_one({"_id": i}, {"$set": {"name": "x"}})
                                 for i in ids], repeat)
        results[name]["update_one _id $set"] = seconds / len(ids) * 1e6
        # update_many $inc over 10%
        seconds = timed(lambda: coll.update_many({"age": {"$lt": 9}}, {"$inc": {"score": 1}}),
                        repeat)
        results[name]["update_many $inc 10%"] = seconds * 1e6
    rows = []
    for operation in ["insert_one", "insert_many", "find_one _id", "scan+sort",
                      "update_one _id $set", "update_many $inc 10%"]:
        unit = "µs/doc" if operation == "insert_many" else "µs/op"
        rows.append((operation, unit, {p: results[p].get(operation) for p in peers}))
    print_table(f"core CRUD, {n_docs} documents", rows, list(peers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--peers", default="")
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs per row")
    args = parser.parse_args()
    run(args.docs, [p for p in args.peers.split(",") if p] or None, args.repeat)


if __name__ == "__main__":
    main()
