"""Arithmetic operators, with the manual's examples and MongoDB's result-type rules."""

import math

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64

from mim.engine.values.order import MISSING

from .helpers import compile_err, date, err, ev, same


class TestAdd:
    def test_numbers_of_the_manual_example(self):
        assert same(ev({"$add": ["$price", "$fee"]}, {"price": 10, "fee": 2}), 12)

    def test_date_plus_milliseconds_is_a_date(self):
        d = date(2014, 3, 1, 8, 0, 0)
        assert ev({"$add": ["$date", 3 * 24 * 60 * 60000]}, {"date": d}) == date(2014, 3, 4, 8)

    def test_int_overflow_widens_to_long(self):
        assert same(ev({"$add": [2147483647, 1]}), Int64(2147483648))

    def test_long_stays_long(self):
        assert same(ev({"$add": [Int64(1), 1]}), Int64(2))

    def test_long_overflow_widens_to_double(self):
        assert same(ev({"$add": [Int64(2**63 - 1), 1]}), float(2**63))

    def test_int_plus_double_is_double(self):
        assert same(ev({"$add": [1, 0.5]}), 1.5)

    def test_decimal_wins(self):
        assert same(ev({"$add": [1, Decimal128("0.5")]}), Decimal128("1.5"))

    def test_null_or_missing_gives_null(self):
        assert ev({"$add": [1, None]}) is None
        assert ev({"$add": [1, "$nope"]}) is None

    def test_empty_is_zero(self):
        assert same(ev({"$add": []}), 0)

    def test_string_is_a_type_mismatch(self):
        e = err({"$add": [1, "a"]})
        assert e.code == 14
        assert e.errmsg == "$add only supports numeric or date types, not string"

    def test_two_dates_are_refused(self):
        d = date(2020, 1, 1)
        assert err({"$add": [d, d]}).code == 16612


class TestSubtract:
    def test_numbers(self):
        assert same(ev({"$subtract": [10, 3]}), 7)
        assert same(ev({"$subtract": [10, 0.5]}), 9.5)

    def test_date_minus_date_is_milliseconds_as_long(self):
        assert same(ev({"$subtract": [date(2020, 1, 1, 0, 0, 1), date(2020, 1, 1)]}),
                    Int64(1000))

    def test_date_minus_number_is_a_date(self):
        assert ev({"$subtract": [date(2014, 3, 1, 8, 5), 5 * 60 * 1000]}) == date(2014, 3, 1, 8)

    def test_number_minus_date_fails(self):
        e = err({"$subtract": [1, date(2020, 1, 1)]})
        assert (e.code, e.errmsg) == (14, "can't $subtract date from int")

    def test_null(self):
        assert ev({"$subtract": [None, 1]}) is None

    def test_arity(self):
        e = compile_err({"$subtract": [1]})
        assert e.code == 16020
        assert e.errmsg == "Expression $subtract takes exactly 2 arguments. 1 were passed in."


class TestMultiplyDivideMod:
    def test_multiply(self):
        assert same(ev({"$multiply": ["$price", "$quantity"]}, {"price": 10, "quantity": 2}), 20)
        assert same(ev({"$multiply": [65536, 65536]}), Int64(2**32))
        assert same(ev({"$multiply": [2, 1.5]}), 3.0)
        assert ev({"$multiply": [2, None]}) is None
        assert err({"$multiply": [2, "x"]}).code == 14

    def test_divide_is_double(self):
        assert same(ev({"$divide": ["$hours", 8]}, {"hours": 80}), 10.0)

    def test_divide_decimal(self):
        assert same(ev({"$divide": [Decimal128("1"), 4]}), Decimal128("0.25"))

    def test_divide_by_zero(self):
        e = err({"$divide": [1, 0]})
        assert (e.code, e.errmsg) == (2, "can't $divide by zero")

    def test_divide_null_and_types(self):
        assert ev({"$divide": [None, 0]}) is None
        e = err({"$divide": [1, "a"]})
        assert (e.code, e.errmsg) == (14, "$divide only supports numeric types, not int and string")

    def test_mod(self):
        assert same(ev({"$mod": ["$hours", "$tasks"]}, {"hours": 80, "tasks": 7}), 3)
        assert same(ev({"$mod": [-5, 3]}), -2)
        assert same(ev({"$mod": [5.5, 2]}), 1.5)
        assert same(ev({"$mod": [Int64(7), 2]}), Int64(1))
        assert err({"$mod": [5, 0]}).code == 16610
        assert ev({"$mod": [None, 0]}) is None


class TestSingleArgument:
    def test_abs(self):
        assert same(ev({"$abs": {"$subtract": ["$start", "$end"]}}, {"start": 5, "end": 8}), 3)
        assert same(ev({"$abs": -2.5}), 2.5)
        assert ev({"$abs": None}) is None
        assert err({"$abs": Int64(-(2**63))}).code == 28680

    def test_abs_of_int_min_is_long(self):
        assert same(ev({"$abs": -(2**31)}), Int64(2**31))

    def test_ceil_floor(self):
        assert same(ev({"$ceil": 9.25}), 10.0)
        assert same(ev({"$ceil": -2.25}), -2.0)
        assert same(ev({"$ceil": 10}), 10)
        assert same(ev({"$floor": 9.25}), 9.0)
        assert same(ev({"$floor": -2.25}), -3.0)
        assert same(ev({"$floor": Decimal128("-2.5")}), Decimal128("-3"))

    def test_non_numeric(self):
        e = err({"$ceil": "x"})
        assert (e.code, e.errmsg) == (28765, "$ceil only supports numeric types, not string")

    def test_exp_ln_log(self):
        assert ev({"$exp": 0}) == 1.0
        assert ev({"$exp": 1}) == pytest.approx(math.e)
        assert ev({"$ln": 1}) == 0.0
        assert ev({"$log10": 100}) == 2.0
        assert ev({"$log": [100, 10]}) == 2.0
        assert ev({"$log": [8, 2]}) == pytest.approx(3.0)
        assert err({"$ln": 0}).code == 28766
        assert err({"$log": [10, 1]}).code == 28759
        assert err({"$log10": -1}).code == 28761

    def test_sqrt(self):
        assert same(ev({"$sqrt": 25}), 5.0)
        assert err({"$sqrt": -1}).code == 28714

    def test_arity_of_single_argument_operators(self):
        assert compile_err({"$abs": [1, 2]}).code == 16020


class TestPow:
    def test_ints(self):
        assert same(ev({"$pow": [5, 0]}), 1)
        assert same(ev({"$pow": [5, 2]}), 25)
        assert same(ev({"$pow": [2, 62]}), Int64(2**62))

    def test_negative_exponent_is_double(self):
        assert same(ev({"$pow": [2, -1]}), 0.5)

    def test_zero_to_negative_fails(self):
        assert err({"$pow": [0, -1]}).code == 28764

    def test_nan_for_negative_base_fractional_exponent(self):
        assert math.isnan(ev({"$pow": [-5, 0.5]}))


class TestRoundTrunc:
    @pytest.mark.parametrize("args, expected", [
        ([1234.5678, 2], 1234.57), ([1234.5678, -2], 1200.0), ([1234.5678, 0], 1235.0),
        ([19.25, 1], 19.2), ([28.73, 1], 28.7), ([-45.39, 1], -45.4),
        ([10.5], 10.0), ([11.5], 12.0), ([12.5], 12.0),
    ])
    def test_round(self, args, expected):
        assert same(ev({"$round": args}), expected)

    @pytest.mark.parametrize("args, expected", [
        ([1234.5678, 2], 1234.56), ([1234.5678, -2], 1200.0), ([1234.5678, 0], 1234.0),
        ([-45.39, 1], -45.3),
    ])
    def test_trunc(self, args, expected):
        assert same(ev({"$trunc": args}), expected)

    def test_integers_keep_their_type(self):
        assert same(ev({"$round": [1234, -2]}), 1200)
        assert same(ev({"$round": [Int64(1250), -2]}), Int64(1200))
        assert same(ev({"$round": [1234, 2]}), 1234)

    def test_decimal(self):
        assert same(ev({"$round": [Decimal128("1.25"), 1]}), Decimal128("1.2"))

    def test_null_and_errors(self):
        assert ev({"$round": [None, 1]}) is None
        assert ev({"$round": [1.5, None]}) is None
        assert err({"$round": ["x"]}).code == 51081
        assert err({"$round": [1.5, 1.5]}).code == 51082
        assert err({"$round": [1.5, 101]}).code == 51083
        assert compile_err({"$round": [1, 2, 3]}).code == 28667


def test_missing_in_arithmetic_is_null_not_missing():
    assert ev({"$multiply": ["$a", 2]}) is None
    assert ev({"$multiply": ["$a", 2]}) is not MISSING
