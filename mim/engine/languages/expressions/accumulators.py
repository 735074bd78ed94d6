"""Accumulators and their expression forms: $sum $avg $max $min $stdDevPop
$stdDevSamp $median $percentile.

Each accumulator is a small class (``process(value)`` then ``result()``) that
``$group``, ``$setWindowFields`` and ``$bucket`` reuse; as expressions they
take either several operands or one operand that evaluates to an array, whose
elements are accumulated.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Mapping, Sequence
from typing import Any

from bson.int64 import Int64

from ...values.errors import ServerError
from ...values.order import MISSING, type_name
from .coercion import (DECIMAL_CONTEXT, KIND_DECIMAL, KIND_DOUBLE, KIND_LONG, compare_key,
                       comparer, double_to_decimal, fits_long, int_or_long, is_numeric,
                       element_repr, element_value_repr, format_double, make_decimal, nullish,
                       numeric_kind, to_decimal, to_double, value_repr)
from .compiler import compile_operand, parse_arguments
from .registry import expression_operator


_INT32_MIN, _INT32_MAX = -2**31, 2**31 - 1
#: the value types :meth:`SumAccumulator.process_values` adds without a per-value dispatch
_DOUBLES, _INTS = frozenset((float,)), frozenset((int,))


class SumAccumulator:
    """$sum: adds numbers, ignores everything else; int/long overflow widens to double."""

    __slots__ = ("kind", "int_total", "float_total", "float_comp", "dec_total", "count")

    def __init__(self) -> None:
        self.kind = 1
        self.int_total = 0
        self.float_total = 0.0
        self.float_comp = 0.0
        self.dec_total = decimal.Decimal(0)
        self.count = 0

    def process(self, value: Any) -> None:
        cls = type(value)
        if cls is float:  # the common cases first, without numeric_kind's call
            self.count += 1
            if self.kind < KIND_DOUBLE:
                self.kind = KIND_DOUBLE
            # _add_float, inline (one call less per value)
            before = self.float_total
            total = before + value
            if math.isfinite(total):
                if abs(before) >= abs(value):
                    self.float_comp += (before - total) + value
                else:
                    self.float_comp += (value - total) + before
            self.float_total = total
            return
        if cls is int and _INT32_MIN <= value <= _INT32_MAX:
            self.count += 1
            self.int_total += value
            return
        kind = numeric_kind(value)
        if not kind:
            return
        self.count += 1
        if kind > self.kind:
            self.kind = kind
        if kind == KIND_DECIMAL:
            self.dec_total = DECIMAL_CONTEXT.add(self.dec_total, value.to_decimal())
        elif kind == KIND_DOUBLE:
            self._add_float(value)
        else:
            self.int_total += int(value)

    def process_values(self, values: Sequence) -> None:
        """``process(value)`` for each value, in order (a ``$group``'s buffered
        inputs).  Only doubles (the common case): each addition's exact rounding
        error is found by Knuth's branch-free TwoSum — the very error
        :meth:`process`'s Neumaier step finds — and added up as it adds them, so
        the totals are the same; kept when every total stayed finite (else the
        values go through the general loop from the same state).  Only int32s: one
        exact ``sum``.  Anything else: doubles and int32s added in locals, exactly
        as :meth:`process` adds them, any other value through it."""
        if _DOUBLES.issuperset(map(type, values)):
            total, comp = self.float_total, self.float_comp
            for value in values:
                after = total + value
                back = after - total
                comp += (total - (after - back)) + (value - back)
                total = after
            # a total that once overflowed (or met an inf/nan) stays non-finite, and an
            # overflow inside TwoSum leaves an inf or nan in comp: both are seen here
            if total - total == 0.0 and comp - comp == 0.0:
                self.float_total, self.float_comp = total, comp
                self.count += len(values)
                if values and self.kind < KIND_DOUBLE:
                    self.kind = KIND_DOUBLE
                return
        elif values and _INTS.issuperset(map(type, values)) \
                and min(values) >= _INT32_MIN and max(values) <= _INT32_MAX:
            self.int_total += sum(values)
            self.count += len(values)
            return
        count, int_total = self.count, self.int_total
        total, comp = self.float_total, self.float_comp
        doubles = False
        for value in values:
            cls = type(value)
            if cls is float:
                count += 1
                doubles = True
                after = total + value
                # (what _add_float does, without its calls: finite iff after - after
                # is 0, and each magnitude by a conditional expression)
                if after - after == 0.0:
                    if (total if total >= 0.0 else -total) >= (value if value >= 0.0 else -value):
                        comp += (total - after) + value
                    else:
                        comp += (value - after) + total
                total = after
            elif cls is int and _INT32_MIN <= value <= _INT32_MAX:
                count += 1
                int_total += value
            else:
                self.count, self.int_total, self.float_total, self.float_comp = \
                    count, int_total, total, comp
                self.process(value)
                count, int_total = self.count, self.int_total
                total, comp = self.float_total, self.float_comp
        self.count, self.int_total, self.float_total, self.float_comp = \
            count, int_total, total, comp
        if doubles and self.kind < KIND_DOUBLE:
            self.kind = KIND_DOUBLE

    def _add_float(self, x: float) -> None:
        total = self.float_total + x
        if math.isfinite(total):
            if abs(self.float_total) >= abs(x):
                self.float_comp += (self.float_total - total) + x
            else:
                self.float_comp += (x - total) + self.float_total
        self.float_total = total

    def _double(self) -> float:
        total = self.float_total + self.float_comp if math.isfinite(self.float_total) \
            else self.float_total
        return total + float(self.int_total) if self.int_total else total

    def result(self) -> Any:
        if self.kind == KIND_DECIMAL:
            rest = decimal.Decimal(self.int_total)
            if self.float_total or self.float_comp:
                rest = DECIMAL_CONTEXT.add(rest, double_to_decimal(self.float_total, 34))
                rest = DECIMAL_CONTEXT.add(rest, double_to_decimal(self.float_comp, 34))
            return make_decimal(DECIMAL_CONTEXT.add(self.dec_total, rest))
        if self.kind == KIND_DOUBLE:
            return self._double()
        if fits_long(self.int_total):
            return Int64(self.int_total) if self.kind == KIND_LONG else int_or_long(self.int_total)
        return float(self.int_total)


class AvgAccumulator(SumAccumulator):
    """$avg: the mean of the numbers (null when there are none)."""

    __slots__ = ()

    def result(self) -> Any:
        if not self.count:
            return None
        if self.kind == KIND_DECIMAL:
            total = to_decimal(super().result())
            return make_decimal(DECIMAL_CONTEXT.divide(total, decimal.Decimal(self.count)))
        if self.kind == KIND_DOUBLE:
            return self._double() / self.count
        return float(self.int_total) / self.count if fits_long(self.int_total) \
            else float(self.int_total) / self.count


class MinMaxAccumulator:
    """$min / $max in BSON order, skipping null and missing (null when nothing remains)."""

    __slots__ = ("sign", "value", "compare")

    def __init__(self, is_max: bool, collation: Any = None) -> None:
        self.sign = 1 if is_max else -1
        self.value: Any = MISSING
        self.compare = comparer(collation)

    def process(self, value: Any) -> None:
        if nullish(value):
            return
        if self.value is MISSING or self.compare(value, self.value) * self.sign > 0:
            self.value = value

    def result(self) -> Any:
        return None if self.value is MISSING else self.value


class StdDevAccumulator:
    """$stdDevPop / $stdDevSamp over the numbers (Welford's algorithm, as doubles)."""

    __slots__ = ("sample", "count", "mean", "m2")

    def __init__(self, sample: bool) -> None:
        self.sample = sample
        self.count = 0
        self.mean = 0.0
        self.m2 = 0.0

    def process(self, value: Any) -> None:
        if not is_numeric(value):
            return
        x = to_double(value)
        self.count += 1
        delta = x - self.mean
        self.mean += delta / self.count
        self.m2 += delta * (x - self.mean)

    def result(self) -> Any:
        n = self.count - 1 if self.sample else self.count
        if n <= 0:
            return None
        return math.sqrt(self.m2 / n)


class PercentileAccumulator:
    """$percentile / $median: discrete percentiles of the numbers."""

    __slots__ = ("ps", "values", "single")

    def __init__(self, ps: list[float], single: bool = False) -> None:
        self.ps = ps
        self.values: list[float] = []
        self.single = single

    def process(self, value: Any) -> None:
        if is_numeric(value):
            x = to_double(value)
            if x == x:
                self.values.append(x)

    def result(self) -> Any:
        if not self.values:
            return None if self.single else [None for _ in self.ps]
        ordered = sorted(self.values)
        n = len(ordered)
        out = [ordered[min(n - 1, max(0, math.ceil(p * n) - 1))] for p in self.ps]
        return out[0] if self.single else out


def make_accumulator(name: str, collation: Any = None):
    """A fresh accumulator for one of this module's operator names (``$min``/``$max``
    order strings by ``collation``)."""
    if name == "$sum":
        return SumAccumulator()
    if name == "$avg":
        return AvgAccumulator()
    if name in ("$max", "$min"):
        return MinMaxAccumulator(name == "$max", collation)
    if name in ("$stdDevPop", "$stdDevSamp"):
        return StdDevAccumulator(name == "$stdDevSamp")
    raise KeyError(name)


@expression_operator("$sum", "$avg", "$max", "$min", "$stdDevPop", "$stdDevSamp")
def compile_accumulator_expression(arg: Any, ctx: Any, name: str):
    args = parse_arguments(arg, ctx)
    collation = ctx.collation

    if len(args) == 1:
        (single,) = args

        def evaluate_one(variables: dict) -> Any:
            acc = make_accumulator(name, collation)
            value = single(variables)
            if isinstance(value, list):
                for item in value:
                    acc.process(item)
            else:
                acc.process(value)
            return acc.result()

        return evaluate_one

    def evaluate(variables: dict) -> Any:
        acc = make_accumulator(name, collation)
        for fn in args:
            acc.process(fn(variables))
        return acc.result()

    return evaluate


_PERCENTILE_SPEC_CODES = {  # (accumulator, expression), accumulator_percentile.cpp
    "$percentile": (7429703, 7436200),
    "$median": (7436100, 7436201),
}


def parse_percentile_spec(name: str, arg: Any, ctx: Any, accumulator: bool = False):
    """(input evaluator, list of p) of a $percentile / $median specification.

    Follows AccumulatorPercentile/AccumulatorMedian::parseArgs/parseExpression
    (accumulator_percentile.cpp) and their IDL specs (strict; fields input, p,
    method; method a string checked by validatePercentileMethod while parsing),
    then parseP for 'p'.
    """
    if not isinstance(arg, Mapping):
        code = _PERCENTILE_SPEC_CODES[name][0 if accumulator else 1]
        raise ServerError(code, f"specification must be an object; found "
                                f"{element_repr(name, arg)}")
    allowed = ("input", "p", "method") if name == "$percentile" else ("input", "method")
    for key, value in arg.items():
        if key not in allowed:
            raise ServerError(40415, f"BSON field '{name}.{key}' is an unknown field.")
        if key == "method":
            if type(value) is not str:
                raise ServerError(14, f"BSON field '{name}.method' is the wrong type "
                                      f"'{type_name(value)}', expected type 'string'")
            if value != "approximate":
                raise ServerError(2, "Currently only 'approximate' can be used as percentile "
                                     "'method'.")
    for key in allowed:
        if key not in arg:
            raise ServerError(40414, f"BSON field '{name}.{key}' is missing but a required "
                                     "field")
    ps = [0.5]
    if name == "$percentile":
        raw = arg["p"]
        fn = compile_operand(raw, ctx)
        value = getattr(fn, "constant_value", MISSING)
        if value is MISSING:
            raise ServerError(7750300, "The $percentile 'p' field must be an array of constant "
                                       f"values, but found value: {element_value_repr(raw)}.")
        message = "The $percentile 'p' field must be an array of numbers from [0.0, 1.0], " \
                  "but found: "
        if not isinstance(value, list) or not value:
            raise ServerError(7750301, message + value_repr(value))
        ps = []
        for p in value:
            if not is_numeric(p):
                raise ServerError(7750302, message + value_repr(p))
            x = to_double(p)
            if x < 0 or x > 1:
                raise ServerError(7750303, message + format_double(x))
            ps.append(x)
    return compile_operand(arg["input"], ctx), ps


@expression_operator("$percentile", "$median")
def compile_percentile(arg: Any, ctx: Any, name: str):
    input_fn, ps = parse_percentile_spec(name, arg, ctx)

    def evaluate(variables: dict) -> Any:
        acc = PercentileAccumulator(ps, single=(name == "$median"))
        value = input_fn(variables)
        for item in value if isinstance(value, list) else [value]:
            acc.process(item)
        return acc.result()

    return evaluate


__all__ = ["SumAccumulator", "AvgAccumulator", "MinMaxAccumulator", "StdDevAccumulator",
           "PercentileAccumulator", "make_accumulator", "parse_percentile_spec", "compare_key"]
