"""``$type`` queries use an index as mongod 7.0 uses one, on both faces.

``IndexBoundsBuilder::translate`` (TYPE_OPERATOR): each type's interval runs from
its ``appendMinForType`` to its ``appendMaxForType`` value, both included
(strings ``["", {}]``, numbers ``[nan.0, inf.0]``, booleans ``[false, true]``),
unioned; ``$type: "array"`` reads every key (``[MinKey, MaxKey]``); the bounds
are EXACT only for ``"number"`` alone, so FETCH re-checks every other ``$type``.
On a wildcard index (jstests/core/index/wildcard/wildcard_index_type.js) an
``object`` or ``array`` type reads the path and its subpaths
(``$_path: ["a", "a"], ["a.", "a/")``) with ``[MinKey, MaxKey]``.
"""

from __future__ import annotations

import pytest


def _plan(cursor):
    explained = cursor.explain()
    return explained["queryPlanner"]["winningPlan"], explained["executionStats"]["nReturned"]


@pytest.fixture
def wild(db):
    coll = db.wild
    coll.create_index([("$**", 1)])
    return coll


@pytest.mark.parametrize("doc, query, bounds", [
    ({"a": "a"}, {"a": {"$type": "string"}}, {"$_path": ['["a", "a"]'], "a": ['["", {}]']}),
    ({"a": 1.1}, {"a": {"$type": "double"}}, {"$_path": ['["a", "a"]'],
                                              "a": ["[nan.0, inf.0]"]}),
    ({"a": True}, {"a": {"$type": "bool"}}, {"$_path": ['["a", "a"]'], "a": ["[false, true]"]}),
    ({"a": {"": ""}}, {"a": {"$type": "object"}},
     {"$_path": ['["a", "a"]', '["a.", "a/")'], "a": ["[MinKey, MaxKey]"]}),
    ({"a": {}}, {"a": {"$type": "object"}},
     {"$_path": ['["a", "a"]', '["a.", "a/")'], "a": ["[MinKey, MaxKey]"]}),
    ({"b": {"a": {}}}, {"b.a": {"$type": "object"}},
     {"$_path": ['["b.a", "b.a"]', '["b.a.", "b.a/")'], "b.a": ["[MinKey, MaxKey]"]}),
    ({"a": [["c"]]}, {"a": {"$type": "array"}},
     {"$_path": ['["a", "a"]', '["a.", "a/")'], "a": ["[MinKey, MaxKey]"]}),
])
def test_a_wildcard_index_answers_type_queries(wild, doc, query, bounds):
    wild.insert_one(doc)
    plan, returned = _plan(wild.find(query))
    assert returned == 1
    assert plan["stage"] == "FETCH" and plan["inputStage"]["stage"] == "IXSCAN"
    assert plan["inputStage"]["keyPattern"] == {"$_path": 1, next(iter(query)): 1}
    assert plan["inputStage"]["indexBounds"] == bounds


def test_a_type_that_does_not_match_finds_nothing(wild):
    wild.insert_one({"a": "a", "b": "b"})
    _, returned = _plan(wild.find({"a": {"$type": "string"}, "b": {"$type": "double"}}))
    assert returned == 0


@pytest.fixture
def plain(db):
    coll = db.plain
    coll.insert_many([{"a": "s"}, {"a": 1.5}, {"a": 2}, {"a": None}, {"a": [1, "x"]}, {}])
    coll.create_index("a")
    return coll


def test_numbers_alone_are_exact(plain):
    plan, returned = _plan(plain.find({"a": {"$type": "number"}}))
    assert returned == 3
    assert plan["stage"] == "FETCH" and "filter" not in plan
    assert plan["inputStage"]["indexBounds"] == {"a": ["[nan.0, inf.0]"]}


def test_other_types_are_checked_again(plain):
    plan, returned = _plan(plain.find({"a": {"$type": ["string", "object"]}}))
    assert returned == 2
    assert plan["filter"] == {"a": {"$type": [2, 3]}}
    assert plan["inputStage"]["indexBounds"] == {"a": ['["", []]']}
    plan, returned = _plan(plain.find({"a": {"$type": "array"}}))
    assert returned == 1
    assert plan["inputStage"]["indexBounds"] == {"a": ["[MinKey, MaxKey]"]}
