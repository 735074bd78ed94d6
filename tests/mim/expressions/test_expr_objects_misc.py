"""Object operators, accumulator expressions, trigonometry, bitwise and misc operators."""

import math

import pytest
from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.timestamp import Timestamp

from mim.engine.values.order import MISSING

from .helpers import compile_err, err, ev, same


class TestMergeObjects:
    def test_merge(self):
        assert ev({"$mergeObjects": [{"a": 1, "b": 1}, {"b": 2, "c": 3}]}) == \
            {"a": 1, "b": 2, "c": 3}
        assert ev({"$mergeObjects": [{"a": 1}, None, "$nope"]}) == {"a": 1}
        assert ev({"$mergeObjects": []}) == {}

    def test_single_array_argument_merges_its_elements(self):
        assert ev({"$mergeObjects": "$docs"}, {"docs": [{"a": 1}, {"b": 2}]}) == \
            {"a": 1, "b": 2}

    def test_non_object(self):
        assert err({"$mergeObjects": [{"a": 1}, 5]}).code == 40400


class TestGetSetField:
    def test_get_field(self):
        doc = {"price.usd": 45, "$price": 10, "qty": 2}
        assert ev({"$getField": "price.usd"}, doc) == 45
        assert ev({"$getField": {"$literal": "$price"}}, doc) == 10
        assert ev({"$getField": {"field": "qty", "input": "$$CURRENT"}}, doc) == 2
        assert ev({"$getField": {"field": "x", "input": {"x": 1}}}) == 1
        assert ev({"$getField": {"field": "x", "input": "$nope"}}) is MISSING
        assert ev({"$getField": {"field": "x", "input": None}}) is None
        assert ev({"$getField": {"field": "x", "input": 5}}) is MISSING

    def test_get_field_errors(self):
        assert compile_err({"$getField": "$price"}).code == 5654600
        assert compile_err({"$getField": {"field": {"$concat": ["a", "$b"]}}}).code in (
            5654601, 3041703)
        assert compile_err({"$getField": {"field": 5, "input": {}}}).code == 5654602
        assert compile_err({"$getField": {"input": {}}}).code == 3041702
        assert compile_err({"$getField": {"field": "a", "x": 1}}).code == 3041701

    def test_set_field(self):
        assert ev({"$setField": {"field": "price.usd", "input": "$$ROOT", "value": 5}},
                  {"a": 1}) == {"a": 1, "price.usd": 5}
        assert ev({"$setField": {"field": "a", "input": {"a": 1, "b": 2}, "value": 9}}) == \
            {"a": 9, "b": 2}
        assert ev({"$setField": {"field": "a", "input": {"a": 1, "b": 2},
                                 "value": "$$REMOVE"}}) == {"b": 2}
        assert ev({"$setField": {"field": "a", "input": None, "value": 1}}) is None
        assert err({"$setField": {"field": "a", "input": 5, "value": 1}}).code == 4161105

    def test_unset_field(self):
        assert ev({"$unsetField": {"field": {"$literal": "$price"},
                                   "input": {"$literal": {"$price": 1, "x": 2}}}}) == {"x": 2}
        assert compile_err({"$unsetField": {"field": "$price", "input": {}}}).code == 4161108
        assert compile_err({"$unsetField": {"field": "a", "input": {}, "value": 1}}).code == \
            4161101

    def test_set_field_errors(self):
        assert compile_err({"$setField": {"field": "a", "value": 1}}).code == 4161109
        assert compile_err({"$setField": {"input": {}, "value": 1}}).code == 4161102
        assert compile_err({"$setField": {"field": "a", "input": {}}}).code == 4161103
        assert compile_err({"$setField": {"field": "$a", "input": {}, "value": 1}}).code == \
            4161108
        assert compile_err({"$setField": 1}).code == 4161100


class TestAccumulatorExpressions:
    def test_sum(self):
        assert same(ev({"$sum": "$quizzes"}, {"quizzes": [10, 6, 7]}), 23)
        assert same(ev({"$sum": [1, 2.5, "x", None]}), 3.5)
        assert same(ev({"$sum": "$nope"}), 0)
        assert same(ev({"$sum": [Int64(1), 2]}), Int64(3))
        assert same(ev({"$sum": [2147483647, 1]}), Int64(2147483648))
        assert same(ev({"$sum": [1, Decimal128("0.5")]}), Decimal128("1.5"))

    def test_avg(self):
        assert same(ev({"$avg": "$quizzes"}, {"quizzes": [10, 6, 7]}), 23 / 3)
        assert same(ev({"$avg": [1, 2, 3, 4]}), 2.5)
        assert ev({"$avg": ["a", None]}) is None
        assert same(ev({"$avg": [Decimal128("1"), 2]}), Decimal128("1.5"))

    def test_max_min(self):
        assert ev({"$max": "$quizzes"}, {"quizzes": [10, 6, 7]}) == 10
        assert ev({"$min": [5, None, 3, "$nope"]}) == 3
        assert ev({"$max": [5, "a", [1]]}) == [1]
        assert ev({"$max": [None, "$nope"]}) is None
        assert ev({"$min": []}) is None

    def test_std_dev(self):
        assert ev({"$stdDevPop": [[1, 2, 3, 4]]}) == pytest.approx(math.sqrt(1.25))
        assert ev({"$stdDevSamp": [[1, 2, 3, 4]]}) == pytest.approx(math.sqrt(5 / 3))
        assert ev({"$stdDevSamp": [[1]]}) is None
        assert ev({"$stdDevPop": [["a"]]}) is None

    def test_median_and_percentile(self):
        assert ev({"$median": {"input": [1, 2, 3, 4, 5], "method": "approximate"}}) == 3.0
        assert ev({"$percentile": {"input": [1, 2, 3, 4, 5], "p": [0.2, 1.0],
                                   "method": "approximate"}}) == [1.0, 5.0]
        assert ev({"$median": {"input": ["a"], "method": "approximate"}}) is None
        assert compile_err({"$median": {"input": [1], "method": "exact"}}).code == 2
        assert compile_err({"$median": {"input": [1]}}).code == 40414
        assert compile_err({"$percentile": {"input": [1], "p": [2], "method":
                                            "approximate"}}).code == 7750303


class TestPercentileSource:
    """accumulator_percentile.cpp (parseExpression, parseP, validatePercentileMethod),
    percentile_algo.h computeTrueRank (the expression form is always discrete)."""

    def msg(self, spec):
        e = compile_err(spec)
        return e.code, e.details["errmsg"]

    def test_spec_not_object_codes(self):
        assert self.msg({"$percentile": 1}) == (
            7436200, "specification must be an object; found $percentile: 1")
        assert self.msg({"$median": "x"}) == (
            7436201, 'specification must be an object; found $median: "x"')

    def test_method(self):
        assert self.msg({"$median": {"input": [1], "method": "exact"}}) == (
            2, "Currently only 'approximate' can be used as percentile 'method'.")
        assert self.msg({"$median": {"input": [1], "method": 1}}) == (
            14, "BSON field '$median.method' is the wrong type 'int', expected type 'string'")
        assert self.msg({"$median": {"input": [1], "p": [0.5], "method": "approximate"}}) == (
            40415, "BSON field '$median.p' is an unknown field.")
        assert self.msg({"$percentile": {"input": [1], "method": "approximate"}}) == (
            40414, "BSON field '$percentile.p' is missing but a required field")

    def test_p(self):
        base = "The $percentile 'p' field must be an array of numbers from [0.0, 1.0], but found: "
        spec = {"input": [1], "method": "approximate"}
        assert self.msg({"$percentile": {**spec, "p": 0.5}}) == (7750301, base + "0.5")
        assert self.msg({"$percentile": {**spec, "p": []}}) == (7750301, base + "[]")
        assert self.msg({"$percentile": {**spec, "p": ["a"]}}) == (7750302, base + '"a"')
        assert self.msg({"$percentile": {**spec, "p": [0.5, 1.5]}}) == (7750303, base + "1.5")
        assert self.msg({"$percentile": {**spec, "p": "$x"}}) == (
            7750300, "The $percentile 'p' field must be an array of constant values, but found "
                     'value: "$x".')

    def test_discrete_rank(self):
        # computeTrueRank: p >= 1 -> n - 1, else max(0, ceil(n * p) - 1)
        spec = {"input": [5, 1, 4, 2, 3], "p": [0, 0.1, 0.5, 0.7, 1], "method": "approximate"}
        assert ev({"$percentile": spec}) == [1.0, 1.0, 3.0, 4.0, 5.0]
        assert ev({"$median": {"input": 7, "method": "approximate"}}) == 7.0
        assert ev({"$median": {"input": [], "method": "approximate"}}) is None
        assert ev({"$percentile": {"input": "a", "p": [0.5, 0.9],
                                   "method": "approximate"}}) == [None, None]


class TestTrigonometry:
    def test_basic(self):
        assert ev({"$sin": 0}) == 0.0
        assert ev({"$cos": 0}) == 1.0
        assert ev({"$tan": 0}) == 0.0
        assert ev({"$atan2": [1, 1]}) == pytest.approx(math.pi / 4)
        assert ev({"$asin": 1}) == pytest.approx(math.pi / 2)
        assert ev({"$acosh": 1}) == 0.0
        assert ev({"$sinh": 0}) == 0.0
        assert ev({"$degreesToRadians": 180}) == pytest.approx(math.pi)
        assert ev({"$radiansToDegrees": math.pi}) == pytest.approx(180.0)

    def test_decimal_in_decimal_out(self):
        assert isinstance(ev({"$cos": Decimal128("0")}), Decimal128)
        assert isinstance(ev({"$degreesToRadians": Decimal128("180")}), Decimal128)

    def test_bounds(self):
        e = err({"$acos": 2})
        assert (e.code, e.errmsg) == (50989, "cannot apply $acos to 2, value must in [-1,1]")
        assert err({"$cos": float("inf")}).code == 50989
        assert math.isnan(ev({"$asin": float("nan")}))

    def test_null_and_type(self):
        assert ev({"$sin": None}) is None
        assert err({"$sin": "a"}).code == 28765
        assert ev({"$atan2": [None, 1]}) is None
        assert err({"$atan2": ["a", 1]}).code == 51044


class TestBitwise:
    def test_operators(self):
        assert same(ev({"$bitAnd": [3, 5]}), 1)
        assert same(ev({"$bitOr": [3, 5]}), 7)
        assert same(ev({"$bitXor": [3, 5]}), 6)
        assert same(ev({"$bitNot": 3}), -4)
        assert same(ev({"$bitAnd": [Int64(3), 5]}), Int64(1))
        assert ev({"$bitOr": [1, None]}) is None
        assert err({"$bitAnd": [1, 1.0]}).code == 14


class TestMisc:
    def test_rand(self):
        values = [ev({"$rand": {}}) for _ in range(20)]
        assert all(isinstance(v, float) and 0 <= v < 1 for v in values)
        assert len(set(values)) > 1
        assert compile_err({"$rand": {"a": 1}}).code == 3040501

    def test_bson_size(self):
        assert ev({"$bsonSize": {"$literal": {}}}) == 5
        assert ev({"$bsonSize": "$$ROOT"}, {"a": 1}) == 12
        assert ev({"$bsonSize": None}) is None
        assert err({"$bsonSize": 1}).code == 31393

    def test_binary_size(self):
        assert ev({"$binarySize": "abc"}) == 3
        assert ev({"$binarySize": "寿司"}) == 6
        assert ev({"$binarySize": Binary(b"\x00\x01")}) == 2
        assert ev({"$binarySize": "$nope"}) is None
        assert err({"$binarySize": 1}).code == 51276

    def test_timestamp_parts(self):
        assert same(ev({"$tsSecond": Timestamp(1622731060, 10)}), Int64(1622731060))
        assert same(ev({"$tsIncrement": Timestamp(1622731060, 10)}), Int64(10))
        assert err({"$tsSecond": 1}).code == 5687301

    def test_meta(self):
        from mim.engine.languages.expressions import compile_expression
        fn = compile_expression({"$meta": "textScore"})
        assert fn({"ROOT": {}, "META": {"textScore": 1.5}}) == 1.5
        assert fn({"ROOT": {}}) is MISSING
        assert compile_err({"$meta": "nope"}).code == 17308
        assert compile_err({"$meta": 1}).code == 17307
