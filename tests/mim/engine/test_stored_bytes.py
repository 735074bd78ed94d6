"""What a stored document costs in memory (issue 25's memory row): each document
keeps its BSON bytes and one decoded shadow whose field names are shared per
collection. tracemalloc's count is deterministic for one Python and one pymongo,
so a bound catches a change that silently stops the sharing (unshared field
names alone add ~450 bytes per benchmark-shaped document)."""

from __future__ import annotations

import gc
import tracemalloc


def _benchmark_document(i: int) -> dict:
    """The shape of ``benchmarks.workloads.make_doc`` (~205 bytes of BSON)."""
    return {"_id": f"d{i:07d}", "uid": f"user{i:07d}", "name": f"user {i}", "age": i % 90,
            "city": ("Paris", "Lima", "Oslo", "Pune")[i % 4], "score": (i * 7919) % 1000 / 10,
            "tags": ["a", "b", "c"][: i % 3 + 1],
            "address": {"street": f"{i} Main St", "zip": f"{i % 100000:05d}"},
            "active": i % 2 == 0, "visits": 0}


def test_a_stored_document_costs_a_bounded_number_of_bytes(coll):
    """~1,436 bytes each today (BSON bytes, shadow, record and key); the bound
    leaves room for small layout changes, not for losing the shared names."""
    coll.insert_one({"_id": "warm-up"})
    coll.delete_one({"_id": "warm-up"})
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for start in range(0, 2000, 1000):
            coll.insert_many([_benchmark_document(i) for i in range(start, start + 1000)])
        gc.collect()
        per_document = (tracemalloc.get_traced_memory()[0] - before) / 2000
    finally:
        tracemalloc.stop()
    assert per_document < 1550, per_document
