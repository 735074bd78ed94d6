"""Geospatial queries: mim beside the peers that run them (none of mongomock,
Ming's MIM or montydb implements ``$near``; a peer that refuses a row shows n/a).

    python -m benchmarks.bench_geo [--points 10000] [--peers mim,mongomock,montydb]

Rows (lower is better), over ``--points`` GeoJSON points with a 2dsphere index:
- ``$near`` (GeoJSON point, ``$maxDistance`` 50 km) with limit 10, ms/query: the index's
  grid visits the nearest cells first;
- the same ``$near`` with a ``hint`` of the index: mim then measures every point (what a
  near query costs without the index's help);
- ``$near`` without a limit (every point within 50 km, nearest first), ms/query;
- ``$geoWithin`` ``$centerSphere`` (50 km), ms/query;
- ``$geoNear`` stage with a following ``$limit`` 10, ms/query;
- ``insert_many`` into the 2dsphere-indexed collection (geometry validated), µs/doc.

A near query with a limit and no other order reads the 2dsphere index's grid
cells nearest first; the other rows measure every document, so their costs
grow linearly with the collection.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from .peers import available_peers, print_table

DEFAULT_PEERS = ["mim", "mongomock", "montydb"]
EARTH_RADIUS_KM = 6378.1


def make_points(n: int) -> list[dict]:
    rng = random.Random(11)
    return [{"_id": i, "loc": {"type": "Point",
                               "coordinates": [rng.uniform(-10, 10), rng.uniform(40, 55)]}}
            for i in range(n)]


def per_query(fn: Any, repeat: int) -> float | None:
    """Best wall-clock ms of ``repeat`` runs of ``fn``; None (n/a) when a peer refuses it."""
    best = float("inf")
    try:
        for _ in range(repeat):
            began = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - began)
    except Exception as exc:  # noqa: BLE001 - a peer without the feature reports n/a
        print(f"#   refused: {type(exc).__name__}: {str(exc)[:80]}")
        return None
    return best * 1e3


def indexed_load(peer: str, coll: Any, docs: list[dict], keys: Any, **options: Any) -> float:
    """Create the index (a peer without it says so) and insert ``docs``: µs per document."""
    try:
        coll.create_index(keys, **options)
    except Exception as exc:  # noqa: BLE001 - the peer runs without the index
        print(f"# {peer}: no index {keys} ({type(exc).__name__})")
    began = time.perf_counter()
    coll.insert_many([dict(d) for d in docs])
    return (time.perf_counter() - began) / len(docs) * 1e6


def run(n_points: int, peer_names: list[str] | None) -> None:
    peers = available_peers(peer_names or DEFAULT_PEERS)
    points = make_points(n_points)
    centre = {"type": "Point", "coordinates": [2.35, 48.85]}
    results: dict[str, dict[str, float | None]] = {name: {} for name in peers}
    for name, factory in peers.items():
        coll = factory()["places"]
        results[name]["insert_many, 2dsphere index"] = indexed_load(
            name, coll, points, [("loc", "2dsphere")])
        near = {"loc": {"$near": {"$geometry": centre, "$maxDistance": 50000}}}
        results[name]["$near limit 10"] = per_query(
            lambda: list(coll.find(near).limit(10)), 3)
        results[name]["$near limit 10, every point measured"] = per_query(
            lambda: list(coll.find(near).hint([("loc", "2dsphere")]).limit(10)), 3)
        results[name]["$near, no limit"] = per_query(lambda: list(coll.find(near)), 3)
        within = {"loc": {"$geoWithin": {"$centerSphere": [centre["coordinates"],
                                                           50 / EARTH_RADIUS_KM]}}}
        results[name]["$geoWithin $centerSphere"] = per_query(
            lambda: list(coll.find(within)), 3)
        pipeline = [{"$geoNear": {"near": centre, "distanceField": "d", "spherical": True}},
                    {"$limit": 10}]
        results[name]["$geoNear + $limit 10"] = per_query(
            lambda: list(coll.aggregate(pipeline)), 3)
        print(f"# {name}: done", flush=True)
    print_results(f"geospatial, {n_points} points", results, (
        ("$near limit 10", "ms/query"),
        ("$near limit 10, every point measured", "ms/query"),
        ("$near, no limit", "ms/query"),
        ("$geoWithin $centerSphere", "ms/query"),
        ("$geoNear + $limit 10", "ms/query"),
        ("insert_many, 2dsphere index", "µs/doc")))


def print_results(title: str, results: dict[str, dict[str, float | None]],
                  rows: tuple[tuple[str, str], ...]) -> None:
    """The table of ``results`` (peer -> row -> value), one line per (row, unit)."""
    print_table(title, [(op, unit, {p: results[p].get(op) for p in results})
                        for op, unit in rows], list(results))


def command_line(doc: str, run: Any, size_option: str, default: int) -> None:
    """``--<size_option> N [--peers a,b]``: run one of these benchmarks."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument(f"--{size_option}", type=int, default=default)
    parser.add_argument("--peers", default="")
    args = parser.parse_args()
    run(getattr(args, size_option), [p for p in args.peers.split(",") if p] or None)


def main() -> None:
    command_line(__doc__, run, "points", 10000)


if __name__ == "__main__":
    main()
