"""One planner: every read is planned once, by the planner, whatever the face.

``find({b: {$gt: 5}}).sort(b)`` on a collection indexed on ``a`` used to be
planned twice (once with the sort, once more without it when the first plan was
a collection scan); the index catalog no longer calls up into the planner.
"""

from __future__ import annotations

import pytest

from mim.engine.index.indexes import IndexCatalog
from mim.engine.planner import choosing


@pytest.fixture
def plans(monkeypatch):
    calls: list[tuple] = []
    original = choosing.choose_plan

    def counting(coll, node, sort, want):
        calls.append((coll.name, sort))
        return original(coll, node, sort, want)

    monkeypatch.setattr(choosing, "choose_plan", counting)
    return calls


def test_a_sorted_find_not_served_by_the_index_is_planned_once(coll, plans):
    coll.create_index("a")
    coll.insert_many([{"_id": i, "a": i % 3, "b": i} for i in range(20)])
    found = list(coll.find({"b": {"$gt": 5}}).sort("b", 1))
    assert [d["_id"] for d in found] == list(range(6, 20))
    assert len(plans) == 1


def test_writes_and_counts_are_planned_once(coll, plans):
    coll.create_index("a")
    coll.insert_many([{"_id": i, "a": i % 3} for i in range(10)])
    coll.update_many({"a": 1}, {"$set": {"x": 1}})
    coll.count_documents({"a": 2})
    coll.delete_many({"a": 0})
    assert len(plans) == 3
    assert coll.count_documents({}) == 6


def test_the_index_catalog_does_not_plan():
    assert not hasattr(IndexCatalog, "plan")
