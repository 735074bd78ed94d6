"""The runner's own matching rules (unified format, "Evaluating Matches")."""

from __future__ import annotations

from bson.int64 import Int64
from bson.decimal128 import Decimal128

from conformance.unified.matching import match, match_exact


def test_root_documents_allow_extra_fields_nested_ones_do_not() -> None:
    assert match({"a": 1}, {"a": 1, "b": 2}) is None
    assert match([{"a": 1}], [{"a": 1, "b": 2}]) is None
    assert match({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}) is not None
    assert match_exact([{"a": 1}], [{"a": 1, "b": 2}]) is not None


def test_numbers_compare_by_value_but_bool_and_decimal_do_not() -> None:
    assert match(1, 1.0) is None and match(Int64(2), 2) is None
    assert match(1, True) is not None and match(True, 1) is not None
    assert match(Decimal128("1"), 1) is not None
    assert match(Decimal128("1.0"), Decimal128("1")) is None


def test_arrays_need_equal_length() -> None:
    assert match([1, 2], [1, 2, 3]) is not None
    assert match([], []) is None


def test_special_operators() -> None:
    assert match({"a": {"$$exists": False}}, {}) is None
    assert match({"a": {"$$exists": True}}, {}) is not None
    assert match({"a": {"$$unsetOrMatches": 1}}, {}) is None
    assert match({"a": {"$$unsetOrMatches": 1}}, {"a": 2}) is not None
    assert match({"$$unsetOrMatches": {"insertedId": 1}}, {"insertedId": 1, "x": 0}) is None
    assert match({"a": {"$$type": ["int", "long"]}}, {"a": Int64(1)}) is None
    assert match({"a": {"$$type": "string"}}, {"a": 1}) is not None
    assert match({"a": {"$$lte": 5}}, {"a": 3}) is None
    assert match({"a": {"$$lte": 5}}, {"a": 6}) is not None
    assert match({"a": {"$$matchesEntity": "e"}}, {"a": 7}, entity={"e": 7}.__getitem__) is None
    assert match({"a": {"$$matchesHexBytes": "0aff"}}, {"a": b"\x0a\xff"}) is None
