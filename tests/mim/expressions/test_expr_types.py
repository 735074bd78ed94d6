"""$convert and its shortcuts, $type and $isNumber (the manual's conversion tables)."""

import math

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from mim.engine.values.order import MISSING

from .helpers import compile_err, date, err, ev, same


class TestConvert:
    def test_manual_example_with_on_error_and_on_null(self):
        spec = {"$convert": {"input": "$price", "to": "decimal",
                             "onError": "Error", "onNull": Decimal128("0")}}
        assert same(ev(spec, {"price": 1.99}), Decimal128("1.99000000000000"))
        assert same(ev(spec, {"price": "5.5"}), Decimal128("5.5"))
        assert same(ev(spec, {"price": True}), Decimal128("1"))
        assert ev(spec, {"price": "apple"}) == "Error"
        assert same(ev(spec, {}), Decimal128("0"))
        assert same(ev(spec, {"price": None}), Decimal128("0"))

    def test_null_input_without_on_null_is_null(self):
        assert ev({"$convert": {"input": None, "to": "int"}}) is None

    def test_to_by_number_and_nullish_to(self):
        assert same(ev({"$convert": {"input": "5", "to": 16}}), 5)
        assert ev({"$convert": {"input": "5", "to": None}}) is None

    def test_failure_without_on_error(self):
        e = err({"$convert": {"input": "apple", "to": "int"}})
        assert e.code == 241
        assert e.errmsg.startswith("Failed to parse number 'apple' in $convert with no onError "
                                   "value")

    def test_unsupported_conversion(self):
        e = err({"$convert": {"input": {"a": 1}, "to": "int"}})
        assert (e.code, e.errmsg) == (241, "Unsupported conversion from object to int in "
                                           "$convert with no onError value")
        assert ev({"$convert": {"input": {"a": 1}, "to": "int", "onError": 0}}) == 0

    def test_parse_errors(self):
        assert compile_err({"$convert": {"to": "int"}}).code == 9
        assert compile_err({"$convert": {"input": 1}}).code == 9
        assert compile_err({"$convert": {"input": 1, "to": "int", "x": 1}}).code == 9
        assert compile_err({"$convert": 1}).code == 9
        assert err({"$convert": {"input": 1, "to": "nope"}}).code == 2
        assert err({"$convert": {"input": 1, "to": 1.5}}).code == 9
        assert err({"$convert": {"input": 1, "to": 100}}).code == 9

    def test_bad_to_is_not_caught_by_on_error(self):
        assert err({"$convert": {"input": 1, "to": "nope", "onError": 0}}).code == 2


class TestShortcuts:
    @pytest.mark.parametrize("value, expected", [
        (False, False), (1.99, True), (Decimal128("5"), True), (Decimal128("0"), False),
        (100, True), (date(2018, 3, 26), True), ("false", True), ("", True), (0, False),
        ([], True), ({}, True), (ObjectId(), True),
    ])
    def test_to_bool(self, value, expected):
        assert ev({"$toBool": {"$literal": value}}) is expected

    def test_to_bool_null(self):
        assert ev({"$toBool": None}) is None
        assert ev({"$toBool": "$nope"}) is None

    @pytest.mark.parametrize("value, expected", [
        (120000000000.5, date(1973, 10, 20, 21, 20, 0)),
        (Decimal128("1253372036000.50"), date(2009, 9, 19, 14, 53, 56)),
        (Int64(1100000000000), date(2004, 11, 9, 11, 33, 20)),
        (Int64(-1100000000000), date(1935, 2, 22, 12, 26, 40)),
        (ObjectId("5ab9c3da31c2ab715d421285"), date(2018, 3, 27, 4, 8, 58)),
        ("2018-03-03", date(2018, 3, 3)),
        ("2018-03-20 11:00:06 +0500", date(2018, 3, 20, 6, 0, 6)),
        (Timestamp(1522139638, 1), date(2018, 3, 27, 8, 33, 58)),
    ])
    def test_to_date(self, value, expected):
        assert ev({"$toDate": {"$literal": value}}) == expected

    def test_int_to_date_is_unsupported(self):
        assert err({"$toDate": 5}).code == 241

    @pytest.mark.parametrize("value, expected", [
        (True, Decimal128("1")), (2.5, Decimal128("2.50000000000000")), (5, Decimal128("5")),
        (Int64(10000), Decimal128("10000")), ("-5.5", Decimal128("-5.5")),
        (date(2018, 3, 27, 5, 4, 47, 890), Decimal128("1522127087890")),
    ])
    def test_to_decimal(self, value, expected):
        assert same(ev({"$toDecimal": {"$literal": value}}), expected)

    @pytest.mark.parametrize("value, expected", [
        (True, 1.0), ("-5.5", -5.5), (Int64(50000), 50000.0),
        (date(2018, 3, 27, 5, 4, 47, 890), 1522127087890.0), ("1e3", 1000.0),
    ])
    def test_to_double(self, value, expected):
        assert same(ev({"$toDouble": {"$literal": value}}), expected)

    def test_to_double_special_strings(self):
        assert math.isinf(ev({"$toDouble": "Infinity"}))
        assert err({"$toDouble": "0x1F"}).code == 241
        assert err({"$toDouble": "5 apples"}).code == 241

    @pytest.mark.parametrize("value, expected", [
        (True, 1), (2.5, 2), (-2.5, -2), (Int64(5000), 5000), ("-2", -2),
        (Decimal128("5.9"), 5),
    ])
    def test_to_int(self, value, expected):
        assert same(ev({"$toInt": {"$literal": value}}), expected)

    @pytest.mark.parametrize("value", ["2.5", 2.0**40, Int64(2**40), float("nan"),
                                       float("inf"), Decimal128("NaN"), "", " 1"])
    def test_to_int_failures(self, value):
        assert err({"$toInt": {"$literal": value}}).code == 241

    @pytest.mark.parametrize("value, expected", [
        (True, Int64(1)), (1.5, Int64(1)), (5, Int64(5)), ("-42", Int64(-42)),
        (date(2018, 3, 26, 4, 38, 28, 44), Int64(1522039108044)),
    ])
    def test_to_long(self, value, expected):
        assert same(ev({"$toLong": {"$literal": value}}), expected)

    def test_to_long_overflow(self):
        assert err({"$toLong": 9223372036854775808.0}).code == 241
        assert err({"$toLong": Decimal128("9223372036854775808")}).code == 241

    def test_to_object_id(self):
        assert ev({"$toObjectId": "5ab9cbfa31c2ab715d42129e"}) == \
            ObjectId("5ab9cbfa31c2ab715d42129e")
        assert err({"$toObjectId": "5ab9cbfa31c2"}).code == 241
        assert err({"$toObjectId": "zzzzzzzzzzzzzzzzzzzzzzzz"}).code == 241

    @pytest.mark.parametrize("value, expected", [
        (True, "true"), (False, "false"), (2.5, "2.5"), (2, "2"), (Int64(1000), "1000"),
        (Decimal128("1.5"), "1.5"), (ObjectId("5ab9c3da31c2ab715d421285"),
                                     "5ab9c3da31c2ab715d421285"),
        (date(2018, 3, 27, 16, 58, 51, 538), "2018-03-27T16:58:51.538Z"),
        (float("inf"), "Infinity"), (float("-inf"), "-Infinity"), (float("nan"), "NaN"),
        (-0.0, "-0"), ("x", "x"),
    ])
    def test_to_string(self, value, expected):
        assert ev({"$toString": {"$literal": value}}) == expected

    def test_shortcut_arity(self):
        e = compile_err({"$toInt": [1, 2]})
        assert (e.code, e.errmsg) == (50723, "$toInt requires a single argument, got 2")

    def test_identity_keeps_the_value(self):
        assert same(ev({"$toInt": 5}), 5)


class TestTypeAndIsNumber:
    @pytest.mark.parametrize("value, expected", [
        ("a", "string"), (1, "int"), (Int64(1), "long"), (1.5, "double"),
        (Decimal128("1"), "decimal"), ([1], "array"), ({"a": 1}, "object"), (None, "null"),
        (True, "bool"), (ObjectId(), "objectId"), (date(2020, 1, 1), "date"),
        (Timestamp(0, 1), "timestamp"), (2**40, "long"),
    ])
    def test_type(self, value, expected):
        assert ev({"$type": {"$literal": value}}) == expected

    def test_type_of_missing(self):
        assert ev({"$type": "$nope"}) == "missing"
        assert ev({"$type": "$a"}, {"a": [1]}) == "array"

    def test_is_number(self):
        assert ev({"$isNumber": 1}) is True
        assert ev({"$isNumber": Decimal128("1")}) is True
        assert ev({"$isNumber": "1"}) is False
        assert ev({"$isNumber": True}) is False
        assert ev({"$isNumber": "$nope"}) is False
        assert ev({"$isNumber": "$nope"}) is not MISSING


class TestToStringDoubleSource:
    """7.0's performFormatDouble (expression.cpp conversion table): Infinity/-Infinity/NaN/-0
    spelled out, otherwise ``str::stream() << double``, i.e. StringBuilder's "%g"
    (six significant digits); the fmt::format("{}") form is the later 8.x code."""

    def test_double_to_string(self):
        assert ev({"$toString": 2.5}) == "2.5"  # the manual's table
        assert ev({"$toString": 3.14159265}) == "3.14159"
        assert ev({"$toString": 123456789.0}) == "1.23457e+08"
        assert ev({"$toString": {"$literal": float("inf")}}) == "Infinity"
        assert ev({"$toString": {"$literal": float("-inf")}}) == "-Infinity"
        assert ev({"$toString": {"$literal": float("nan")}}) == "NaN"
        assert ev({"$toString": -0.0}) == "-0"
