"""Memory per stored document and per index entry, every peer and the limit.

    python -m benchmarks.bench_memory [--docs 10000,100000] [--peers mim,limit]
        [--breakdown]

For each size, tracemalloc measures what loading the steering documents
(:func:`benchmarks.workloads.make_doc`, ~210 bytes of BSON each) allocates and
keeps, divided by the number of documents; then what building the two
secondary indexes (``uid``, ``age``) and one equality lookup on each keeps,
divided by the number of index entries (documents × 2): a store may build a
lookup structure on first use (mim's one-field point maps), which belongs to
its index entries, not to its documents.  The mean BSON size is printed for
scale.  ``--breakdown`` also prints, per peer and size, where the bytes per
document were allocated (the source lines that keep the most, per document):
what each part of a stored document costs.
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from typing import Any

import bson

from .limit import LimitStore
from .peers import available_peers, print_table
from .workloads import INDEXED, create_indexes, load, make_doc

DEFAULT_PEERS = ["mim", "mongomock", "montydb", "mongita", "limit"]


def _look_up_each_index(target: Any) -> None:
    """One equality lookup per indexed field, so what an index builds on first use
    (mim's point maps) is counted with its entries."""
    first = make_doc(0)
    if isinstance(target, LimitStore):
        target.find_one_uid(first["uid"])
        target.range_sort_limit(first["age"], first["age"] + 1, 1)
    else:
        for name in INDEXED:
            target.find_one({name: first[name]})


#: how many allocation sites ``--breakdown`` prints per measurement
BREAKDOWN_LINES = 12


def _measure(name: str, factory: Any, n: int, breakdown: bool = False) -> tuple[float, float]:
    """(bytes per document, bytes per index entry) for ``n`` documents; with
    ``breakdown``, the allocation sites that keep the most bytes per document are
    printed."""
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.take_snapshot() if breakdown else None  # (before ``before``)
    before = tracemalloc.get_traced_memory()[0]
    target = LimitStore() if name == "limit" else factory()["items"]
    load(target, n)
    gc.collect()
    loaded = tracemalloc.get_traced_memory()[0]
    if start is not None:
        _print_breakdown(name, n, tracemalloc.take_snapshot().compare_to(start, "lineno"))
    create_indexes(target)
    _look_up_each_index(target)
    gc.collect()
    indexed = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del target
    gc.collect()
    return (loaded - before) / n, (indexed - loaded) / (n * len(INDEXED))


def _print_breakdown(name: str, n: int, differences: list) -> None:
    """The allocation sites that keep the most bytes per document (and blocks, the
    objects kept per document, for scale)."""
    print(f"# {name} @{n}: bytes per document by allocation site")
    for difference in differences[:BREAKDOWN_LINES]:
        frame = difference.traceback[0]
        print(f"#   {difference.size_diff / n:8.1f} B  {difference.count_diff / n:5.2f} objects"
              f"  {frame.filename}:{frame.lineno}")


def run(sizes: list[int], peer_names: list[str] | None, breakdown: bool = False) -> None:
    wanted = peer_names or DEFAULT_PEERS
    peers: dict[str, Any] = available_peers([p for p in wanted if p != "limit"])
    if "limit" in wanted:
        peers["limit"] = None
    mean = sum(len(bson.encode(make_doc(i))) for i in range(1000)) / 1000
    print(f"# mean BSON size of a document: {mean:.0f} bytes")
    results: dict[str, dict[str, float]] = {name: {} for name in peers}
    for name, factory in peers.items():
        for n in sizes:
            per_doc, per_entry = _measure(name, factory, n, breakdown)
            results[name][f"per document @{n}"] = per_doc
            results[name][f"per index entry @{n}"] = per_entry
        print(f"# {name}: done", flush=True)
    rows = [(operation, "bytes", {p: results[p].get(operation) for p in peers})
            for n in sizes for operation in (f"per document @{n}", f"per index entry @{n}")]
    print_table(f"memory (tracemalloc; mean BSON {mean:.0f} bytes per document)", rows,
                list(peers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", default="10000,100000", help="comma-separated sizes")
    parser.add_argument("--peers", default="")
    parser.add_argument("--breakdown", action="store_true",
                        help="print where each peer's bytes per document were allocated")
    args = parser.parse_args()
    run([int(n) for n in args.docs.split(",") if n],
        [p for p in args.peers.split(",") if p] or None, args.breakdown)


if __name__ == "__main__":
    main()
