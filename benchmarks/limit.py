"""The "pure-Python limit": the least work any faithful pure-Python store can do.

It keeps what a faithful in-memory MongoDB must keep — each document's BSON
bytes (what a reply is made of) and one decoded dict per document (what
predicates read) — and answers each benchmark workload with a hand-written
Python predicate over those dicts: no query language, no planner, no
generality.  Every document handed out is decoded afresh from its bytes, so a
caller never aliases stored state (the isolation every real store owes its
callers), and every write re-encodes the whole document, as a store that keeps
BSON must.

Indexes are the simplest structures that answer each indexed workload: a dict
(value -> ids) for equality and a sorted list of (value, id) pairs for ranges.
A real store is measured as a fraction of this baseline: 100% means no
overhead at all beyond the work itself.
"""

from __future__ import annotations

import heapq
from typing import Any

import bson
from sortedcontainers import SortedList

__all__ = ["LimitStore"]


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


class LimitStore:
    """Documents by ``_id``: BSON bytes and one decoded dict each, plus the
    benchmark's two secondary indexes once :meth:`create_indexes` built them."""

    def __init__(self) -> None:
        self.raw: dict[Any, bytes] = {}
        self.docs: dict[Any, dict] = {}
        #: uid -> [_id, …] (equality); None until create_indexes
        self.by_uid: dict[Any, list] | None = None
        #: (age, _id) sorted (ranges); None until create_indexes
        self.by_age: SortedList | None = None

    # -- writes -------------------------------------------------------------

    def insert_one(self, doc: dict) -> Any:
        raw = bson.encode(doc)
        shadow = bson.decode(raw)
        key = shadow["_id"]
        if key in self.raw:
            raise KeyError(key)
        self.raw[key] = raw
        self.docs[key] = shadow
        if self.by_uid is not None:
            self._index(shadow)
        return key

    def insert_many(self, docs: list[dict]) -> list:
        return [self.insert_one(doc) for doc in docs]

    def create_indexes(self) -> None:
        self.by_uid = {}
        self.by_age = SortedList()
        for shadow in self.docs.values():
            self._index(shadow)

    def _index(self, shadow: dict) -> None:
        self.by_uid.setdefault(shadow.get("uid"), []).append(shadow["_id"])
        self.by_age.add((shadow.get("age"), shadow["_id"]))

    def _rewrite(self, key: Any, new: dict) -> None:
        """Store an updated document: re-encode it; the fresh dict is the shadow."""
        self.raw[key] = bson.encode(new)
        self.docs[key] = new

    # -- reads --------------------------------------------------------------

    def _out(self, key: Any) -> dict:
        return bson.decode(self.raw[key])

    def find_one_id(self, id_value: Any) -> dict | None:
        raw = self.raw.get(id_value)
        return None if raw is None else bson.decode(raw)

    def find_one_uid(self, uid: str) -> dict | None:
        ids = self.by_uid.get(uid)
        return self._out(ids[0]) if ids else None

    def _age_ids(self, low: int, high: int) -> list:
        return [key for _, key in self.by_age.irange((low,), (high,), inclusive=(True, False))]

    def range_sort_limit(self, low: int, high: int, limit: int) -> list[dict]:
        docs = self.docs
        best = heapq.nsmallest(limit, self._age_ids(low, high),
                               key=lambda key: (-docs[key]["score"], key))
        return [self._out(key) for key in best]

    def count_score_range(self, low: float, high: float) -> int:
        n = 0
        for shadow in self.docs.values():
            value = shadow.get("score")
            if _is_number(value) and low <= value < high:
                n += 1
        return n

    def find_uid_in(self, uids: list[str]) -> list[dict]:
        by_uid = self.by_uid
        return [self._out(key) for uid in sorted(set(uids)) for key in by_uid.get(uid, ())]

    def scan_city_score(self, city: str, low: float, high: float) -> list[dict]:
        out = []
        for key, shadow in self.docs.items():
            value = shadow.get("score")
            if shadow.get("city") == city and _is_number(value) and low <= value < high:
                out.append(self._out(key))
        return out

    def tags_by_age(self, low: int, high: int) -> list[dict]:
        """$match age range (indexed) → $unwind tags → $group count/sum score → $sort."""
        docs = self.docs
        groups: dict[Any, list] = {}
        for key in self._age_ids(low, high):
            shadow = docs[key]
            score = shadow.get("score")
            for tag in shadow.get("tags", ()):
                group = groups.get(tag)
                if group is None:
                    group = groups[tag] = [0, 0]
                group[0] += 1
                if _is_number(score):
                    group[1] += score
        rows = [{"_id": tag, "n": n, "total": total} for tag, (n, total) in groups.items()]
        rows.sort(key=lambda row: (-row["n"], row["_id"]))
        return rows

    # -- updates --------------------------------------------------------------

    def set_name_by_uid(self, uid: str, name: str) -> tuple[int, int]:
        ids = self.by_uid.get(uid)
        if not ids:
            return 0, 0
        key = ids[0]
        new = bson.decode(self.raw[key])
        if new.get("name") == name:
            return 1, 0
        new["name"] = name
        self._rewrite(key, new)  # name is not indexed: the indexes stay
        return 1, 1

    def inc_visits_where(self, city: str, below: float) -> tuple[int, int]:
        matched = 0
        for key, shadow in list(self.docs.items()):
            value = shadow.get("score")
            if shadow.get("city") == city and _is_number(value) and value < below:
                matched += 1
                new = bson.decode(self.raw[key])
                new["visits"] += 1
                self._rewrite(key, new)
        return matched, matched
