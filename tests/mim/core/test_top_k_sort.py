"""A sort with a limit (``find().sort().limit()``, ``$sort`` + ``$limit``) keeps the
first documents of the full sort, ties in natural order, whatever the values of the
sort fields: numbers of every kind, NaN, strings, null, missing fields, arrays
(smallest element ascending, largest descending), mixed types (the manual's
"Comparison/Sort Order": null < numbers < strings < objects < arrays …).  The
top-k selection a numeric or string first field allows must answer exactly as
the full sort does, on every input that forces the general path too."""

from __future__ import annotations

import heapq
import math
import random

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64

from mim.engine.languages.sorting import compile_sort, smallest, smallest_positions

SPECS = [
    [("a", 1)], [("a", -1)],
    [("a", -1), ("_id", 1)], [("a", 1), ("_id", -1)],
    [("a", 1), ("b", 1)], [("a", -1), ("b", -1)],
    [("a", 1), ("b", -1), ("_id", 1)],
    [("s", 1)], [("s", -1), ("a", 1)],
]

#: value makers, from those the top-k selection takes to those that force the general path
PLAIN_NUMBERS = [lambda r: r.randrange(5), lambda r: r.randrange(5) / 2, lambda r: -0.0]
ODD_VALUES = [lambda r: math.nan, lambda r: None, lambda r: Int64(r.randrange(5)),
              lambda r: Decimal128(str(r.randrange(5))), lambda r: True,
              lambda r: [r.randrange(5), r.randrange(5)], lambda r: [], lambda r: "x",
              lambda r: {"k": 1}, lambda r: math.inf, lambda r: -math.inf]
STRINGS = [lambda r: r.choice(["a", "b", "ab", "B", "é", "z", ""])]


def _documents(rng: random.Random, n: int, odd_share: float) -> list[dict]:
    docs = []
    for i in range(n):
        doc: dict = {"_id": rng.randrange(1000)}  # (duplicates: the tie-breaker ties too)
        for field, plain in (("a", PLAIN_NUMBERS), ("b", PLAIN_NUMBERS), ("s", STRINGS)):
            if rng.random() < odd_share:
                if rng.random() < 0.2:
                    continue  # missing: sorts as null
                doc[field] = rng.choice(ODD_VALUES)(rng)
            else:
                doc[field] = rng.choice(plain)(rng)
        docs.append(doc)
    return docs


@pytest.mark.parametrize("odd_share", [0.0, 0.02, 0.3])
@pytest.mark.parametrize("seed", range(12))
def test_smallest_answers_as_the_full_sort(seed, odd_share):
    rng = random.Random(seed)
    docs = _documents(rng, rng.randrange(0, 60), odd_share)
    for spec in SPECS:
        key = compile_sort(spec)
        for n in (1, 2, 5, 20, 100):
            expected = sorted(docs, key=key)[:n]
            got = smallest(docs, n, key)
            assert [id(d) for d in got] == [id(d) for d in expected], (spec, n)
            assert [id(docs[i]) for i in smallest_positions(docs, n, key)] == \
                [id(d) for d in expected], (spec, n)
            assert [id(d) for d in heapq.nsmallest(n, docs, key=key)] == \
                [id(d) for d in expected]


def test_positions_of_the_first_documents():
    docs = [{"a": v} for v in (3, 1, 2, 1, 0.5)]
    assert smallest_positions(docs, 3, compile_sort([("a", 1)])) == [4, 1, 3]
    assert smallest_positions(docs, 2, compile_sort([("a", -1)])) == [0, 2]
    assert smallest_positions(docs + [{}], 2, compile_sort([("a", 1)])) == [5, 4]  # null first
    assert smallest(iter(docs), 1, compile_sort([("a", 1)])) == [docs[4]]


@pytest.fixture
def mixed(coll):
    rng = random.Random(7)
    docs = _documents(rng, 300, 0.05)
    for i, doc in enumerate(docs):
        doc["_id"] = i
    coll.insert_many(docs)
    return coll


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_limit_keeps_the_first_documents_of_the_full_sort(mixed, spec):
    full = [doc["_id"] for doc in mixed.find().sort(spec)]
    for limit in (1, 3, 20, 299, 400):
        assert [doc["_id"] for doc in mixed.find().sort(spec).limit(limit)] == full[:limit]
        assert [doc["_id"] for doc in mixed.find().sort(spec).skip(2).limit(limit)] == \
            full[2:2 + limit]
        stages = [{"$sort": dict(spec)}, {"$limit": limit}]
        assert [doc["_id"] for doc in mixed.aggregate(stages)] == full[:limit]


def test_numbers_and_strings_in_the_manual_order(coll):
    # null < numbers (NaN first, then by value, whatever their type) < strings
    coll.insert_many([{"_id": 1, "a": 2}, {"_id": 2, "a": 1.5}, {"_id": 3, "a": "b"},
                      {"_id": 4, "a": Int64(3)}, {"_id": 5, "a": math.nan}, {"_id": 6},
                      {"_id": 7, "a": Decimal128("2.5")}, {"_id": 8, "a": 2.0}])
    assert [d["_id"] for d in coll.find().sort("a", 1).limit(4)] == [6, 5, 2, 1]
    assert [d["_id"] for d in coll.find().sort("a", -1).limit(4)] == [3, 4, 7, 1]
    coll.delete_many({"_id": {"$in": [3, 5, 6]}})
    # all numbers now: the first two by value, 2 and 2.0 tie (natural order)
    assert [d["_id"] for d in coll.find().sort("a", 1).limit(3)] == [2, 1, 8]
    assert [d["_id"] for d in coll.find().sort("a", -1).limit(2)] == [4, 7]


def test_collated_strings_keep_the_collation_order(coll):
    coll.insert_many([{"_id": i, "s": s} for i, s in enumerate(["b", "B", "a", "C", "c"])])
    found = coll.find().sort("s", 1).collation({"locale": "en", "strength": 1}).limit(3)
    assert [d["_id"] for d in found] == [2, 0, 1]


@pytest.mark.parametrize("values", [
    [math.inf, -math.inf, 1.0, 2, -0.0, 0, 5.5, math.inf, 3],   # infinities (their sum is NaN)
    [1, 1, 1.0, 2, 2, 2.0, 2, 1, 0, 0.0],                      # ties across int and float
    ["b", "a", "ab", "", "b", "B", "é", "a"],                    # strings, by code point
    [10 ** 18, 10 ** 18 + 1, 1e18, -(10 ** 18), 2 ** 62],         # large ints against a double
])
def test_plain_first_field_values_with_ties(values):
    docs = [{"a": v, "_id": i % 3} for i, v in enumerate(values)]
    for spec in ([("a", 1)], [("a", -1)], [("a", 1), ("_id", -1)], [("a", -1), ("_id", 1)]):
        key = compile_sort(spec)
        for n in range(1, len(docs)):
            expected = sorted(range(len(docs)), key=lambda i: key(docs[i]))[:n]
            assert smallest_positions(docs, n, key) == expected, (spec, n)
