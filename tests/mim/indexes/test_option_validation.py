"""Index option validation as MongoDB 7.0 does it: ``expireAfterSeconds``
(``validateIndexSpecTTL``), the ``_id`` index's options
(``validateIdIndexSpec``) and what a ``partialFilterExpression`` may hold
(``_checkValidFilterExpressions``)."""

from __future__ import annotations

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from pymongo.errors import OperationFailure


def refused(coll, keys, **options):
    with pytest.raises(OperationFailure) as info:
        coll.create_index(keys, **options)
    assert [i["name"] for i in coll.list_indexes()] in (["_id_"], [])
    return info.value


# -- expireAfterSeconds -------------------------------------------------------------------


@pytest.mark.parametrize("value, reason", [
    ("10", "TTL index 'expireAfterSeconds' option must be numeric, but received a type of "
           "'string'"),
    (True, "TTL index 'expireAfterSeconds' option must be numeric, but received a type of "
           "'bool'"),
    (float("nan"), "TTL index 'expireAfterSeconds' option must not be NaN"),
    (-1, "TTL index 'expireAfterSeconds' option cannot be less than 0"),
    (2 ** 31, "TTL index 'expireAfterSeconds' must be within the range of a 32-bit integer"),
    (Int64(-2 ** 40), "TTL index 'expireAfterSeconds' must be within the range of a 32-bit "
                      "integer"),
    (1e300, "TTL index 'expireAfterSeconds' must be within the range of a 32-bit integer"),
])
def test_bad_expire_after_seconds(coll, value, reason):
    error = refused(coll, "t", expireAfterSeconds=value)
    assert error.code == 67 and error.details["codeName"] == "CannotCreateIndex"
    assert error.details["errmsg"].startswith(". Index spec: { expireAfterSeconds: ")
    assert error.details["errmsg"].endswith(" :: caused by :: " + reason)


@pytest.mark.parametrize("value", [0, 10, 10.5, 2 ** 31 - 1, Int64(60), Decimal128("7")])
def test_good_expire_after_seconds(coll, value):
    coll.create_index("t", expireAfterSeconds=value)
    assert coll.index_information()["t_1"]["expireAfterSeconds"] == value


def test_compound_ttl_is_refused(coll):
    error = refused(coll, [("a", 1), ("b", 1)], expireAfterSeconds=60)
    assert error.code == 67
    assert error.details["errmsg"] == (
        "TTL indexes are single-field indexes, compound indexes do not support TTL. Index "
        "spec: { expireAfterSeconds: 60, name: \"a_1_b_1\", key: { a: 1, b: 1 } }")


def test_ttl_on_id_is_refused(coll):
    error = refused(coll, "_id", expireAfterSeconds=60)
    assert error.code == 197
    assert error.details["errmsg"] == (
        "The field 'expireAfterSeconds' is not valid for an _id index specification. "
        "Specification: { expireAfterSeconds: 60, name: \"_id_1\", key: { _id: 1 }, v: 2 }")


@pytest.mark.parametrize("option", [{"unique": True}, {"sparse": True}, {"hidden": True},
                                    {"partialFilterExpression": {"a": 1}}])
def test_id_index_takes_no_options(coll, option):
    error = refused(coll, "_id", **option)
    assert error.code == 197
    assert error.details["errmsg"].startswith(
        f"The field '{next(iter(option))}' is not valid for an _id index specification.")


def test_plain_id_index_is_the_existing_one(coll):
    coll.insert_one({})
    # the server corrects an _id index's name to _id_ (jstests/core/index_id_options.js),
    # so this is the existing index again (issue 20; it used to expect 85)
    coll.create_index("_id", name="other")
    assert list(coll.index_information()) == ["_id_"]
    coll.create_index("_id", name="_id_")  # the same index: nothing to do


# -- partialFilterExpression -----------------------------------------------------------------


@pytest.mark.parametrize("flt, tree", [
    ({"a": {"$ne": 1}}, "$not\n    a $eq 1\n"),
    ({"a": {"$nin": [1]}}, "$not\n    a $in [ 1]\n"),
    ({"a": {"$not": {"$gt": 1}}}, "$not\n    $and\n        a $gt 1\n"),
    ({"$nor": [{"a": 1}]}, "$nor\n    a $eq 1\n"),
    ({"a": {"$exists": False}}, "$not\n    a exists\n"),
    ({"a": {"$regex": "x"}}, "a regex /x/\n"),
    ({"a": {"$mod": [2, 0]}}, "a mod 2 % x == 0\n"),
    ({"a": {"$size": 2}}, "a $size : 2\n"),
])
def test_partial_filter_refuses_what_it_cannot_hold(coll, flt, tree):
    error = refused(coll, "k", partialFilterExpression=flt)
    assert error.code == 67
    assert error.details["errmsg"].endswith(
        "Expression not supported in partial index: " + tree)


def test_partial_filter_depth_limit(coll):
    deep = {"$and": [{"$or": [{"$and": [{"$or": [{"a": 1}, {"b": 1}]}]}]}]}
    error = refused(coll, "k", partialFilterExpression=deep)
    assert error.code == 67
    assert error.details["errmsg"].endswith("partialFilterExpression depth may not exceed 4")


@pytest.mark.parametrize("flt", [
    {"a": {"$exists": True}},
    {"a": {"$in": [1, 2]}},
    {"a": {"$type": "string"}},
    {"$or": [{"a": 1}, {"b": {"$gt": 2}}]},
    {"$and": [{"a": {"$gte": 1}}, {"$or": [{"b": 1}, {"c": {"$lt": 0}}]}]},
    {"a": {"$gte": 1, "$lt": 5}},
    {"a": None},
    {"a": {"$eq": 3}, "b": 1},
])
def test_partial_filter_accepts_7_0_operators(coll, flt):
    coll.insert_many([{"a": 1, "b": 1, "k": 1}, {"a": 3, "b": 2, "k": 2}, {"k": 3}])
    coll.create_index("k", partialFilterExpression=flt)
    info = coll.index_information()["k_1"]
    assert info["partialFilterExpression"] == flt
    assert sorted(d["_id"] for d in coll.find({"k": {"$gte": 1}, **flt})) == \
        sorted(d["_id"] for d in coll.find({"k": {"$gte": 1}, **flt}, hint=[("$natural", 1)]))
