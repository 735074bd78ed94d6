"""Aggregation workload: mim vs mongomock (and other installed peers), in one run.

    python -m benchmarks.bench_aggregate [--docs 100000] [--peers mim,mongomock]

Rows (milliseconds per pipeline, lower is better):
- $match → $unwind → $group → $sort over ``--docs`` order documents;
- $lookup of every order into a 20-document ``regions`` collection, then a
  $group on a looked-up field.
"""

from __future__ import annotations

import argparse

from .peers import available_peers, print_table, timed

REGIONS = 20


def make_order(i: int) -> dict:
    return {
        "_id": i,
        "customer": f"c{i % 5000}",
        "region": i % REGIONS,
        "status": ["new", "paid", "shipped", "closed"][i % 4],
        "total": (i * 7919) % 1000 / 10,
        "items": [{"sku": f"s{(i + k) % 50}", "qty": k + 1} for k in range(i % 4 + 1)],
    }


UNWIND_GROUP = [
    {"$match": {"status": {"$in": ["paid", "shipped"]}, "total": {"$gte": 10}}},
    {"$unwind": "$items"},
    {"$group": {"_id": "$items.sku", "qty": {"$sum": "$items.qty"}, "orders": {"$sum": 1},
                "avgTotal": {"$avg": "$total"}}},
    {"$sort": {"qty": -1, "_id": 1}},
]

LOOKUP = [
    {"$lookup": {"from": "regions", "localField": "region", "foreignField": "_id",
                 "as": "r"}},
    {"$unwind": "$r"},
    {"$group": {"_id": "$r.name", "n": {"$sum": 1}}},
    {"$sort": {"_id": 1}},
]


def _rounded(value):
    """Results compared up to float rounding (mim sums with compensation)."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def run(n_docs: int, peer_names: list[str] | None, repeat: int) -> None:
    peers = available_peers(peer_names or ["mim", "mongomock"])
    orders = [make_order(i) for i in range(n_docs)]
    regions = [{"_id": r, "name": f"region{r:02d}"} for r in range(REGIONS)]
    results: dict[str, dict[str, float]] = {name: {} for name in peers}
    answers: dict[str, dict[str, list]] = {name: {} for name in peers}
    for name, factory in peers.items():
        db = factory()
        db["orders"].insert_many([dict(o) for o in orders])
        db["regions"].insert_many([dict(r) for r in regions])
        for label, pipeline in (("match→unwind→group→sort", UNWIND_GROUP),
                                ("$lookup→unwind→group", LOOKUP)):
            out: list = []
            seconds = timed(lambda: out.append(list(db["orders"].aggregate(pipeline))),
                            repeat)
            results[name][label] = seconds * 1e3
            answers[name][label] = out[-1]
    reference = _rounded(answers.get("mim"))
    for name in peers:
        if reference is not None and _rounded(answers[name]) != reference:
            print(f"# warning: {name} answers differ from mim's")
    rows = [(label, "ms/pipeline", {p: results[p].get(label) for p in peers})
            for label in ("match→unwind→group→sort", "$lookup→unwind→group")]
    print_table(f"aggregation, {n_docs} documents", rows, list(peers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--peers", default="")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    run(args.docs, [p for p in args.peers.split(",") if p] or None, args.repeat)


if __name__ == "__main__":
    main()
