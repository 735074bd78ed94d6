"""Comparison, boolean and conditional operators."""

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey

from mim.engine.values.order import MISSING

from .helpers import compile_err, date, err, ev


class TestComparison:
    @pytest.mark.parametrize("qty, expected", [(250, 0), (200, -1), (300, 1)])
    def test_cmp_manual_example(self, qty, expected):
        assert ev({"$cmp": ["$qty", 250]}, {"qty": qty}) == expected

    def test_numbers_compare_by_value_across_types(self):
        assert ev({"$eq": [1, 1.0]}) is True
        assert ev({"$eq": [Int64(1), Decimal128("1")]}) is True
        assert ev({"$lt": [1, 1.5]}) is True

    def test_bson_type_order(self):
        assert ev({"$lt": [5, "a"]}) is True
        assert ev({"$lt": ["a", {}]}) is True
        assert ev({"$lt": [{}, []]}) is True
        assert ev({"$lt": [None, 0]}) is True
        assert ev({"$gt": [date(2020, 1, 1), True]}) is True
        assert ev({"$lt": [MinKey(), None]}) is True
        assert ev({"$gt": [MaxKey(), date(2020, 1, 1)]}) is True

    def test_missing_is_below_null_and_not_equal_to_it(self):
        assert ev({"$eq": ["$nope", None]}) is False
        assert ev({"$lt": ["$nope", None]}) is True
        assert ev({"$eq": ["$nope", "$other"]}) is True
        assert ev({"$cmp": ["$nope", None]}) == -1

    def test_all_operators(self):
        assert [ev({op: [2, 3]}) for op in ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte")] == \
            [False, True, False, False, True, True]

    def test_arrays_compare_as_whole_values(self):
        assert ev({"$eq": [[1, 2], [1, 2]]}) is True
        assert ev({"$lt": [[1, 2], [1, 3]]}) is True

    def test_arity(self):
        e = compile_err({"$lt": "abc"})
        assert (e.code, e.errmsg) == (16020, "Expression $lt takes exactly 2 arguments. "
                                             "1 were passed in.")
        assert compile_err({"$eq": [1, 2, 3]}).code == 16020


class TestBoolean:
    def test_and(self):
        assert ev({"$and": [1, "green"]}) is True
        assert ev({"$and": []}) is True
        assert ev({"$and": [[None], [False], [0]]}) is True
        assert ev({"$and": [None, True]}) is False
        assert ev({"$and": [0, True]}) is False
        assert ev({"$and": ["$nope", True]}) is False

    def test_or(self):
        assert ev({"$or": []}) is False
        assert ev({"$or": [0, None, "$nope", ""]}) is True
        assert ev({"$or": [0, False, None]}) is False

    def test_not(self):
        assert ev({"$not": [[False]]}) is False
        assert ev({"$not": [None]}) is True
        assert ev({"$not": [0]}) is True
        assert ev({"$not": [Decimal128("0")]}) is True
        assert compile_err({"$not": [1, 2]}).code == 16020


class TestCond:
    def test_object_and_array_forms(self):
        spec = {"$cond": {"if": {"$gte": ["$qty", 250]}, "then": 30, "else": 20}}
        assert ev(spec, {"qty": 300}) == 30
        assert ev(spec, {"qty": 100}) == 20
        assert ev({"$cond": [{"$gte": ["$qty", 250]}, 30, 20]}, {"qty": 100}) == 20

    def test_errors(self):
        assert compile_err({"$cond": {"then": 1, "else": 2}}).code == 17080
        assert compile_err({"$cond": {"if": 1, "else": 2}}).code == 17081
        assert compile_err({"$cond": {"if": 1, "then": 2}}).code == 17082
        assert compile_err({"$cond": {"if": 1, "then": 2, "else": 3, "x": 4}}).code == 17083
        assert compile_err({"$cond": [1, 2]}).code == 16020


class TestIfNull:
    def test_replacement(self):
        spec = {"$ifNull": ["$description", "Unspecified"]}
        assert ev(spec, {"description": "x"}) == "x"
        assert ev(spec, {"description": None}) == "Unspecified"
        assert ev(spec, {}) == "Unspecified"

    def test_multiple_inputs(self):
        assert ev({"$ifNull": ["$a", "$b", "c"]}, {"b": None}) == "c"
        assert ev({"$ifNull": ["$a", "$b", "c"]}, {"b": 2}) == 2

    def test_last_value_is_returned_as_is(self):
        assert ev({"$ifNull": ["$a", "$b"]}) is MISSING

    def test_needs_two_arguments(self):
        e = compile_err({"$ifNull": ["$a"]})
        assert (e.code, e.errmsg) == (1257300, "$ifNull needs at least two arguments, had: 1")


class TestSwitch:
    SPEC = {"$switch": {"branches": [
        {"case": {"$gte": [{"$avg": "$scores"}, 90]}, "then": "Doing great!"},
        {"case": {"$and": [{"$gte": [{"$avg": "$scores"}, 80]},
                           {"$lt": [{"$avg": "$scores"}, 90]}]}, "then": "Doing pretty well."},
        {"case": {"$lt": [{"$avg": "$scores"}, 80]}, "then": "Needs improvement."}],
        "default": "No scores found."}}

    def test_manual_example(self):
        assert ev(self.SPEC, {"scores": [87, 86, 78]}) == "Doing pretty well."
        assert ev(self.SPEC, {"scores": [71, 64, 81]}) == "Needs improvement."
        assert ev(self.SPEC, {"scores": [91, 84, 97]}) == "Doing great!"
        # without scores $avg is null, and null sorts below 80
        assert ev(self.SPEC, {}) == "Needs improvement."
        assert ev({"$switch": {"branches": [{"case": "$nope", "then": 1}], "default": 2}}) == 2

    def test_no_match_without_default(self):
        e = err({"$switch": {"branches": [{"case": False, "then": 1}]}})
        assert e.code == 40066

    def test_parse_errors(self):
        assert compile_err({"$switch": 1}).code == 40060
        assert compile_err({"$switch": {"branches": 1}}).code == 40061
        assert compile_err({"$switch": {"branches": [1]}}).code == 40062
        assert compile_err({"$switch": {"branches": [{"case": 1, "x": 1}]}}).code == 40063
        assert compile_err({"$switch": {"branches": [{"then": 1}]}}).code == 40064
        assert compile_err({"$switch": {"branches": [{"case": 1}]}}).code == 40065
        assert compile_err({"$switch": {"branches": [], "default": 1}}).code == 40068
        assert compile_err({"$switch": {"branches": [{"case": 1, "then": 1}], "x": 1}}).code \
            == 40067
