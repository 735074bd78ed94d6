"""Collation: a case-insensitive lookup, mim beside the peers that take a
``collation`` (a peer that refuses it shows n/a).

    python -m benchmarks.bench_collation [--docs 100000] [--peers mim,mongomock,montydb]

Rows (lower is better), over ``--docs`` documents whose ``name`` is a mixed-case
word, queried with ``collation={"locale": "en", "strength": 2}``:
- ``find_one`` by name with a matching case-insensitive index, µs/query;
- the same lookup on a collection whose ``name`` index has the simple collation (the
  server cannot use it: every document is compared under the collation), µs/query;
- ``find`` sorted by name under the collation with limit 10, read from the index, ms/query;
- ``insert_many`` into the collection with the collated index (ICU keys), µs/doc.
"""

from __future__ import annotations

import random

from .bench_geo import command_line, indexed_load, per_query, print_results
from .peers import available_peers

DEFAULT_PEERS = ["mim", "mongomock", "montydb"]
CASELESS = {"locale": "en", "strength": 2}


def make_documents(n: int) -> list[dict]:
    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    docs = []
    for i in range(n):
        word = "".join(rng.choice(letters) for _ in range(8))
        name = "".join(c.upper() if rng.random() < 0.3 else c for c in word)
        docs.append({"_id": i, "name": name, "n": i})
    return docs


def _lookups(coll: object, names: list[str], repeat: int) -> float | None:
    """Best µs per find_one over ``names`` (upper-cased: only the collation matches them)."""
    wanted = [name.upper() for name in names]
    best = per_query(lambda: [coll.find_one({"name": w}, collation=CASELESS)  # type: ignore
                              for w in wanted], repeat)
    return None if best is None else best * 1000 / len(wanted)


def run(n_docs: int, peer_names: list[str] | None) -> None:
    peers = available_peers(peer_names or DEFAULT_PEERS)
    docs = make_documents(n_docs)
    sample = [d["name"] for d in random.Random(5).sample(docs, 200)]
    results: dict[str, dict[str, float | None]] = {name: {} for name in peers}
    for name, factory in peers.items():
        db = factory()
        coll = db["people"]
        results[name]["insert_many, collated index"] = indexed_load(
            name, coll, docs, "name", collation=CASELESS, name="name_caseless")
        results[name]["find_one, matching collated index"] = _lookups(coll, sample, 3)
        plain = db["people_plain"]
        indexed_load(name, plain, docs, "name")
        results[name]["find_one, simple index (scan)"] = _lookups(plain, sample[:5], 1)
        results[name]["sort by name, limit 10"] = per_query(
            lambda: list(coll.find({}, collation=CASELESS).sort("name", 1).limit(10)), 3)
        print(f"# {name}: done", flush=True)
    print_results(f"case-insensitive collation, {n_docs} documents", results, (
        ("find_one, matching collated index", "µs/query"),
        ("find_one, simple index (scan)", "µs/query"),
        ("sort by name, limit 10", "ms/query"),
        ("insert_many, collated index", "µs/doc")))


if __name__ == "__main__":
    command_line(__doc__, run, "docs", 100000)
