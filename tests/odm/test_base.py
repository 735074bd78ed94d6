"""odm.base: Object, Missing and friends."""
from __future__ import annotations

import copy
import datetime
import decimal
import pickle

import bson
import pytest

import odm
from odm import Missing, NoDefault, Object
from odm.base import _safe_bson, dotted_keys


def test_object_attribute_and_item_access_are_the_same():
    o = Object(a=1)
    o.b = 2
    assert o == {"a": 1, "b": 2} and o.a == 1 and o["b"] == 2
    del o.a
    assert "a" not in o


def test_object_missing_attribute_raises_attribute_error():
    o = Object()
    with pytest.raises(AttributeError):
        o.nope
    with pytest.raises(AttributeError):
        del o.nope
    assert getattr(o, "nope", 3) == 3 and not hasattr(o, "nope")


def test_object_from_bson_converts_nested_documents():
    o = Object.from_bson({"a": {"b": [{"c": 1}, 2]}, "t": (1, 2)})
    assert o.a.b[0].c == 1 and isinstance(o.a, Object) and o.t == [1, 2]


def test_object_make_safe_refuses_tuples_and_turns_decimals_into_decimal128():
    now, oid = datetime.datetime(2024, 1, 2, 3, 4, 5), bson.ObjectId()
    o = Object(a=[1, "x", 1.5, now, None, oid], d=decimal.Decimal("1.5"), s={"x": [decimal.Decimal("2")]})
    with pytest.warns(DeprecationWarning):
        o.make_safe()
    assert o == {"a": [1, "x", 1.5, now, None, oid], "d": bson.Decimal128("1.5"), "s": {"x": [bson.Decimal128("2")]}}
    assert _safe_bson([decimal.Decimal("2")]) == [bson.Decimal128("2")]
    unsafe = Object(ok=decimal.Decimal("1"), t=(1, 2))
    with pytest.warns(DeprecationWarning), pytest.raises(AssertionError):
        unsafe.make_safe()
    assert unsafe == {"ok": decimal.Decimal("1"), "t": (1, 2)}


def test_object_keeps_data_descriptors_of_subclasses():
    class WithProperty(Object):
        @property
        def upper(self):
            return self["name"].upper()

        @upper.setter
        def upper(self, value):
            self["name"] = value.lower()

    o = WithProperty(name="ada")
    assert o.upper == "ADA"
    o.upper = "GRACE"
    assert o == {"name": "grace"}


def test_sentinels_are_falsy_singletons_that_survive_copying():
    assert not Missing and not NoDefault
    assert repr(Missing) == "<Missing>" and repr(NoDefault) == "<NoDefault>"
    assert copy.copy(Missing) is Missing and copy.deepcopy(Missing) is Missing
    assert pickle.loads(pickle.dumps(Missing)) is Missing


def test_dotted_keys():
    assert dotted_keys([("a.b", 1), ("a.c", 2), ("d", 3)]) == {"a": {"b": 1, "c": 2}, "d": 3}
    with pytest.raises(ValueError):
        dotted_keys([("a", 1), ("a.b", 2)])


def test_sort_directions():
    assert (odm.ASCENDING, odm.DESCENDING) == (1, -1)
