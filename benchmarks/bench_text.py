"""Text search: ``$text`` over a text-indexed collection, mim beside the peers
that run it (mongomock, montydb and mongita implement no ``$text``: n/a).

    python -m benchmarks.bench_text [--docs 100000] [--peers mim,mongomock,montydb]

Rows (lower is better), over ``--docs`` documents of eight to twenty words drawn
from a Zipf-like English vocabulary, with a text index on ``body``:
- the first ``$text`` query (a rare term) after the load, ms/query;
- ``$text`` of a rare term (about 0.1 % of the documents), ms/query;
- ``$text`` of a common term (about a third of them), ms/query;
- ``$text`` of two terms sorted by ``{$meta: "textScore"}`` with limit 10, ms/query;
- ``$text`` of a quoted phrase, ms/query;
- ``insert_many`` into the text-indexed collection (stemming every word, writing the
  index's postings), µs/doc.
"""

from __future__ import annotations

import random

from .bench_geo import command_line, indexed_load, per_query, print_results
from .peers import available_peers

DEFAULT_PEERS = ["mim", "mongomock", "montydb"]

WORDS = ("coffee tea cake bread cheese garden river mountain city village market school "
         "teacher student music painting window kitchen travel winter summer morning "
         "evening friend family letter story history science market harbour forest "
         "library museum bridge castle island station theatre festival journey").split()
#: a handful of words rare enough for a selective query
RARE = ["zeppelin", "quokka", "marzipan"]


def make_documents(n: int) -> list[dict]:
    rng = random.Random(7)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    docs = []
    for i in range(n):
        words = rng.choices(WORDS, weights, k=rng.randint(8, 20))
        if rng.random() < 0.001:
            words.append(rng.choice(RARE))
        docs.append({"_id": i, "body": " ".join(words), "n": i})
    return docs


def run(n_docs: int, peer_names: list[str] | None) -> None:
    peers = available_peers(peer_names or DEFAULT_PEERS)
    docs = make_documents(n_docs)
    results: dict[str, dict[str, float | None]] = {name: {} for name in peers}
    for name, factory in peers.items():
        coll = factory()["articles"]
        results[name]["insert_many, text index"] = indexed_load(
            name, coll, docs, [("body", "text")])
        # the first query after the load (mim's postings are written by the inserts)
        results[name]["$text rare term, first query"] = per_query(
            lambda: list(coll.find({"$text": {"$search": "zeppelin"}})), 1)
        results[name]["$text rare term"] = per_query(
            lambda: list(coll.find({"$text": {"$search": "zeppelin"}})), 3)
        results[name]["$text common term"] = per_query(
            lambda: list(coll.find({"$text": {"$search": "museum"}})), 3)
        score = {"score": {"$meta": "textScore"}}
        results[name]["$text two terms, by score, limit 10"] = per_query(
            lambda: list(coll.find({"$text": {"$search": "castle bridges"}}, score)
                         .sort([("score", {"$meta": "textScore"})]).limit(10)), 3)
        results[name]["$text phrase"] = per_query(
            lambda: list(coll.find({"$text": {"$search": "\"coffee tea\""}})), 3)
        print(f"# {name}: done", flush=True)
    print_results(f"text search, {n_docs} documents", results, (
        ("$text rare term, first query", "ms/query"),
        ("$text rare term", "ms/query"),
        ("$text common term", "ms/query"),
        ("$text two terms, by score, limit 10", "ms/query"),
        ("$text phrase", "ms/query"),
        ("insert_many, text index", "µs/doc")))


if __name__ == "__main__":
    command_line(__doc__, run, "docs", 100000)
