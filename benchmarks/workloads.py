"""The steering workloads, each written once for pymongo-like peers and once for
the pure-Python limit (:mod:`benchmarks.limit`), with the answer each must give.

``bench_core`` runs them at 10,000 documents for every peer side by side;
``bench_large`` runs the read rows at 1,000,000 documents for mim alone.

A workload is a name, a unit, the call for a pymongo-like collection, the
call for the limit, and the arguments of its successive operations.  Every
peer's answer to the first operations is compared with the limit's (the
reference, hand-written); a peer that answers differently is flagged.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .limit import LimitStore

CITIES = ("Paris", "Lima", "Oslo", "Pune")
TAGS = ("a", "b", "c")
#: the query collection's secondary indexes (every peer and the limit build both)
INDEXED = ("uid", "age")


def make_doc(i: int) -> dict:
    """A ~210-byte document; ``_id`` is a string (mongita accepts no other scalar)."""
    return {
        "_id": f"d{i:07d}",
        "uid": f"user{i:07d}",
        "name": f"user {i}",
        "age": i % 90,
        "city": CITIES[i % 4],
        "score": (i * 7919) % 1000 / 10,
        "tags": list(TAGS[: i % 3 + 1]),
        "address": {"street": f"{i} Main St", "zip": f"{i % 100000:05d}"},
        "active": i % 2 == 0,
        "visits": 0,
    }


def load(target: Any, n: int, batch: int = 1000) -> None:
    """``n`` documents in batches of ``batch`` (a collection or a LimitStore)."""
    for start in range(0, n, batch):
        target.insert_many([make_doc(i) for i in range(start, min(n, start + batch))])


def create_indexes(target: Any) -> None:
    if isinstance(target, LimitStore):
        target.create_indexes()
    else:
        for name in INDEXED:
            target.create_index(name)


@dataclass
class Workload:
    name: str
    unit: str
    #: fn(collection, *args) for a pymongo-like peer
    peer: Callable[..., Any]
    #: fn(limit_store, *args)
    limit: Callable[..., Any]
    #: the arguments of successive operations: make_args(n_docs, rng) -> list of tuples
    make_args: Callable[[int, random.Random], list[tuple]]
    #: operations per timed batch (the best batch average is the row's value)
    batch: int = 50
    #: how an answer is compared (order-free results are sorted by _id)
    normalize: Callable[[Any], Any] = field(default=lambda answer: normalize(answer))
    #: peers that cannot run it at all (NotImplementedError is reported as n/a too)
    kind: str = "read"


def normalize(value: Any) -> Any:
    """Answers compared up to float rounding and document key order."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return value


def by_id(answer: Any) -> Any:
    return normalize(sorted(answer, key=lambda doc: doc["_id"]))


def _uid(n: int, rng: random.Random) -> str:
    return f"user{rng.randrange(n):07d}"


def _update_counts(result: Any) -> tuple[int, int]:
    return result.matched_count, result.modified_count


AGGREGATE_WINDOW = 10


def _tags_pipeline(low: int, high: int) -> list[dict]:
    return [{"$match": {"age": {"$gte": low, "$lt": high}}},
            {"$unwind": "$tags"},
            {"$group": {"_id": "$tags", "n": {"$sum": 1}, "total": {"$sum": "$score"}}},
            {"$sort": {"n": -1, "_id": 1}}]


READS = [
    Workload("find_one _id", "µs/op",
             lambda c, i: c.find_one({"_id": i}),
             lambda s, i: s.find_one_id(i),
             lambda n, rng: [(f"d{rng.randrange(n):07d}",) for _ in range(2000)], batch=100),
    Workload("find_one indexed equality", "µs/op",
             lambda c, uid: c.find_one({"uid": uid}),
             lambda s, uid: s.find_one_uid(uid),
             lambda n, rng: [(_uid(n, rng),) for _ in range(2000)], batch=100),
    Workload("indexed range+sort other+limit 20", "µs/op",
             lambda c, lo, hi: list(c.find({"age": {"$gte": lo, "$lt": hi}})
                                    .sort([("score", -1), ("_id", 1)]).limit(20)),
             lambda s, lo, hi: s.range_sort_limit(lo, hi, 20),
             lambda n, rng: [(a, a + 3) for a in (rng.randrange(87) for _ in range(500))],
             batch=10),
    Workload("count_documents range (unindexed)", "µs/op",
             lambda c, lo, hi: c.count_documents({"score": {"$gte": lo, "$lt": hi}}),
             lambda s, lo, hi: s.count_score_range(lo, hi),
             lambda n, rng: [(x, x + 20) for x in (rng.randrange(80) for _ in range(200))],
             batch=2),
    Workload("find $in 100 (indexed)", "µs/op",
             lambda c, uids: list(c.find({"uid": {"$in": uids}})),
             lambda s, uids: s.find_uid_in(uids),
             lambda n, rng: [([_uid(n, rng) for _ in range(100)],) for _ in range(200)],
             batch=5, normalize=by_id),
    Workload("aggregate match/unwind/group/sort", "µs/op",
             lambda c, lo, hi: list(c.aggregate(_tags_pipeline(lo, hi))),
             lambda s, lo, hi: s.tags_by_age(lo, hi),
             lambda n, rng: [(a, a + AGGREGATE_WINDOW)
                             for a in (rng.randrange(90 - AGGREGATE_WINDOW) for _ in range(200))],
             batch=2),
    Workload("unindexed scan (~2% returned)", "µs/op",
             lambda c, lo, hi: list(c.find({"city": "Lima", "score": {"$gte": lo, "$lt": hi}})),
             lambda s, lo, hi: s.scan_city_score("Lima", lo, hi),
             lambda n, rng: [(x, x + 8) for x in (rng.randrange(92) for _ in range(200))],
             batch=2, normalize=by_id),
]

WRITES = [
    Workload("update_one indexed $set", "µs/op",
             lambda c, uid, name: _update_counts(c.update_one({"uid": uid},
                                                              {"$set": {"name": name}})),
             lambda s, uid, name: s.set_name_by_uid(uid, name),
             lambda n, rng: [(_uid(n, rng), f"renamed {k}") for k in range(2000)],
             batch=100, kind="write"),
    Workload("update_many $inc ~2% (unindexed)", "µs/op",
             lambda c, city, below: _update_counts(c.update_many(
                 {"city": city, "score": {"$lt": below}}, {"$inc": {"visits": 1}})),
             lambda s, city, below: s.inc_visits_where(city, below),
             lambda n, rng: [(CITIES[k % 4], 8) for k in range(200)],
             batch=1, kind="write"),
]


def per_op(fn: Callable[..., Any], args: list[tuple], budget: float, batch: int,
           rounds: int = 1) -> float:
    """µs per operation: the best batch average, running batches of ``batch``
    operations until ``budget`` seconds are spent (at least ``rounds`` batches)
    — the minimum is what the code costs, the rest is the machine's noise.

    Time is the process's CPU time (:func:`time.process_time`): on a shared
    machine the wall clock also counts the time other processes held the CPU."""
    start = time.perf_counter()
    best = float("inf")
    position = 0
    done = 0
    while True:
        chunk = args[position:position + batch]
        if len(chunk) < batch:
            position = 0
            chunk = args[:batch]
        position += batch
        began = time.process_time()
        for arguments in chunk:
            fn(*arguments)
        best = min(best, (time.process_time() - began) / len(chunk))
        done += 1
        if done >= rounds and time.perf_counter() - start > budget:
            break
    return best * 1e6
