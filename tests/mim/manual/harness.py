"""Run the MongoDB manual's worked examples as data.

An example is a dict:
  name      test id (page/section)
  docs      documents inserted into collection ``coll`` (default "c"), or
  colls     {collection name: documents}
  pipeline  aggregate on ``coll`` (``db=True``: db.aggregate, for $documents)
  filter / projection / sort   a find on ``coll`` instead of a pipeline
  expected  the documented output
  ordered   True when the example sorts (or order is defined); otherwise the
            results are compared as a multiset
  sorted_by (field, direction): the output must be sorted on it; ties compared unordered
  unordered_arrays  field names whose array values the manual leaves unordered
  after     {collection name: expected contents} checked after the run ($merge/$out)

Comparison follows what the shell shows: Int64 (NumberLong/Long) and Decimal128
(NumberDecimal) must come back with that type; a plain integer in the manual may be
an int32 or a whole double (the shell prints both the same way); a double with a
fraction must be a double; ``Approx`` is for the values the manual shows rounded.
Field order is compared (the shell prints documents in their order) unless the
example says ``any_key_order``.
"""

from __future__ import annotations

import datetime
import math

from bson.decimal128 import Decimal128
from bson.int64 import Int64


class Approx:
    def __init__(self, value, places=6):
        self.value = value
        self.places = places

    def __repr__(self):
        return f"Approx({self.value!r})"


class AnyValue:
    """A value the manual shows but that depends on the run (ObjectId, $$NOW)."""

    def __repr__(self):
        return "AnyValue"


ANY = AnyValue()


def _same_multiset(actual, expected, key_order, unordered):
    if not (isinstance(actual, list) and isinstance(expected, list)):
        return same(actual, expected, key_order, unordered)
    if len(actual) != len(expected):
        return False
    left = list(actual)
    for e in expected:
        for i, a in enumerate(left):
            if same(a, e, key_order, unordered):
                del left[i]
                break
        else:
            return False
    return True


def same(actual, expected, key_order=True, unordered=frozenset()):
    if expected is ANY:
        return True
    if isinstance(expected, Approx):
        return (isinstance(actual, (int, float)) and not isinstance(actual, bool)
                and round(float(actual) - expected.value, expected.places) == 0)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False
        if key_order and list(actual) != list(expected):
            return False
        if not key_order and set(actual) != set(expected):
            return False
        return all(
            (_same_multiset if k in unordered else same)(actual[k], expected[k], key_order,
                                                        unordered)
            for k in expected)
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(same(a, e, key_order, unordered) for a, e in zip(actual, expected)))
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual == expected
    if isinstance(expected, Int64):
        return type(actual) is Int64 and actual == expected
    if isinstance(expected, Decimal128):
        return isinstance(actual, Decimal128) and actual == expected
    if isinstance(expected, int):
        return (type(actual) is int or type(actual) is float) and actual == expected
    if isinstance(expected, float):
        if math.isnan(expected):
            return isinstance(actual, float) and math.isnan(actual)
        return type(actual) is float and actual == expected
    if isinstance(expected, datetime.datetime):
        return isinstance(actual, datetime.datetime) and actual == expected
    return type(actual) is type(expected) and actual == expected


def compare(actual, expected, ordered, key_order=True, unordered=frozenset()):
    if ordered:
        ok = len(actual) == len(expected) and all(
            same(a, e, key_order, unordered) for a, e in zip(actual, expected))
    else:
        ok = _same_multiset(actual, expected, key_order, unordered)
    assert ok, f"\nactual:   {actual!r}\nexpected: {expected!r}"


def _coll(db, name):
    """A collection by name, or by (database, collection) for another database."""
    if isinstance(name, tuple):
        return db.client[name[0]][name[1]]
    return db[name]


def run(db, ex):
    coll_name = ex.get("coll", "c")
    colls = dict(ex.get("colls", {}))
    if "docs" in ex:
        colls[coll_name] = ex["docs"]
    for name, docs in colls.items():
        if docs:
            _coll(db, name).insert_many([dict(d) for d in docs])
    if "pipeline" in ex:
        opts = ex.get("options", {})
        if ex.get("db"):
            actual = list(db.aggregate(ex["pipeline"], **opts))
        else:
            actual = list(db[coll_name].aggregate(ex["pipeline"], **opts))
    else:
        cursor = db[coll_name].find(ex.get("filter", {}), ex.get("projection"))
        if "sort" in ex:
            cursor = cursor.sort(list(ex["sort"].items()))
        actual = list(cursor)
    key_order = not ex.get("any_key_order", False)
    if "sorted_by" in ex:  # sorted output whose ties the manual leaves unordered
        from mim.engine.values.order import compare as compare_values
        field, direction = ex["sorted_by"]
        keys = [doc.get(field) for doc in actual]
        assert all(compare_values(a, b) * direction <= 0 for a, b in zip(keys, keys[1:])), keys
    if "expected" in ex:
        compare(actual, ex["expected"], ex.get("ordered", False), key_order,
                frozenset(ex.get("unordered_arrays", ())))
    for name, contents in ex.get("after", {}).items():
        compare(list(_coll(db, name).find()), contents, False, key_order)


def ids(examples):
    return [ex["name"] for ex in examples]


#: The manual's ``cakeSales`` sample collection ($dateTrunc, $setWindowFields pages).
CAKE_SALES = [
    {"_id": 0, "type": "chocolate", "orderDate": datetime.datetime(2020, 5, 18, 14, 10, 30), "state": "CA",
     "price": 13, "quantity": 120},
    {"_id": 1, "type": "chocolate", "orderDate": datetime.datetime(2021, 3, 20, 11, 30, 5), "state": "WA",
     "price": 14, "quantity": 140},
    {"_id": 2, "type": "vanilla", "orderDate": datetime.datetime(2021, 1, 11, 6, 31, 15), "state": "CA",
     "price": 12, "quantity": 145},
    {"_id": 3, "type": "vanilla", "orderDate": datetime.datetime(2020, 2, 8, 13, 13, 23), "state": "WA",
     "price": 13, "quantity": 104},
    {"_id": 4, "type": "strawberry", "orderDate": datetime.datetime(2019, 5, 18, 16, 9, 1), "state": "CA",
     "price": 41, "quantity": 162},
    {"_id": 5, "type": "strawberry", "orderDate": datetime.datetime(2019, 1, 8, 6, 12, 3), "state": "WA",
     "price": 43, "quantity": 134},
]
