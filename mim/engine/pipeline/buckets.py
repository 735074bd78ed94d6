"""$bucketAuto: documents sorted by a group key and cut into evenly filled buckets,
with optional preferred-number ``granularity`` for the boundaries."""

from __future__ import annotations

import bisect
import decimal
import math
from collections.abc import Iterable, Mapping
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64

from ..values.errors import ServerError
from ..languages.expressions import compile_expression
from ..languages.expressions.coercion import (compare_key_of, comparer, is_integral, is_numeric,
                                              to_double)
from ..values.order import MISSING, type_name
from .group import compile_accumulators
from .memory import check_bucket_auto_memory
from .registry import pipeline_stage

_SERIES: dict[str, list[float]] = {
    "R5": [10, 16, 25, 40, 63],
    "R10": [100, 125, 160, 200, 250, 315, 400, 500, 630, 800],
    "R20": [100, 112, 125, 140, 160, 180, 200, 224, 250, 280, 315, 355, 400, 450, 500, 560,
            630, 710, 800, 900],
    "R40": [100, 106, 112, 118, 125, 132, 140, 150, 160, 170, 180, 190, 200, 212, 224, 236,
            250, 265, 280, 300, 315, 355, 375, 400, 425, 450, 475, 500, 530, 560, 600,
            630, 670, 710, 750, 800, 850, 900, 950],
    "R80": [103, 109, 115, 122, 128, 136, 145, 155, 165, 175, 185, 195, 206, 218, 230, 243,
            258, 272, 290, 307, 325, 345, 365, 387, 412, 437, 462, 487, 515, 545, 575, 615,
            650, 690, 730, 775, 825, 875, 925, 975],
    "1-2-5": [10, 20, 50],
    "E6": [10, 15, 22, 33, 47, 68],
    "E12": [10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82],
    "E24": [10, 11, 12, 13, 15, 16, 18, 20, 22, 24, 27, 30, 33, 36, 39, 43, 47, 51, 56, 62,
            68, 75, 82, 91],
    "E48": [100, 105, 110, 115, 121, 127, 133, 140, 147, 154, 162, 169, 178, 187, 196, 205,
            215, 226, 237, 249, 261, 274, 287, 301, 316, 332, 348, 365, 383, 402, 422, 442,
            464, 487, 511, 536, 562, 590, 619, 649, 681, 715, 750, 787, 825, 866, 909, 953],
    "E96": [100, 102, 105, 107, 110, 113, 115, 118, 121, 124, 127, 130, 133, 137, 140, 143,
            147, 150, 154, 158, 162, 165, 169, 174, 178, 182, 187, 191, 196, 200, 205, 210,
            215, 221, 226, 232, 237, 243, 249, 255, 261, 267, 274, 280, 287, 294, 301, 309,
            316, 324, 332, 340, 348, 357, 365, 374, 383, 392, 402, 412, 422, 432, 442, 453,
            464, 475, 487, 499, 511, 523, 536, 549, 562, 576, 590, 604, 619, 634, 649, 665,
            681, 698, 715, 732, 750, 768, 787, 806, 825, 845, 866, 887, 909, 931, 953, 976],
}
_SERIES["E192"] = [
    100, 101, 102, 104, 105, 106, 107, 109, 110, 111, 113, 114, 115, 117, 118, 120, 121, 123,
    124, 126, 127, 129, 130, 132, 133, 135, 137, 138, 140, 142, 143, 145, 147, 149, 150, 152,
    154, 156, 158, 160, 162, 164, 165, 167, 169, 172, 174, 176, 178, 180, 182, 184, 187, 189,
    191, 193, 196, 198, 200, 203, 205, 208, 210, 213, 215, 218, 221, 223, 226, 229, 232, 234,
    237, 240, 243, 246, 249, 252, 255, 258, 261, 264, 267, 271, 274, 277, 280, 284, 287, 291,
    294, 298, 301, 305, 309, 312, 316, 320, 324, 328, 332, 336, 340, 344, 348, 352, 357, 361,
    365, 370, 374, 379, 383, 388, 392, 397, 402, 407, 412, 417, 422, 427, 432, 437, 442, 448,
    453, 459, 464, 470, 475, 481, 487, 493, 499, 505, 511, 517, 523, 530, 536, 542, 549, 556,
    562, 569, 576, 583, 590, 597, 604, 612, 619, 626, 634, 642, 649, 657, 665, 673, 681, 690,
    698, 706, 715, 723, 732, 741, 750, 759, 768, 777, 787, 796, 806, 816, 825, 835, 845, 856,
    866, 876, 887, 898, 909, 920, 931, 942, 953, 965, 976, 988]
GRANULARITIES = tuple(_SERIES) + ("POWERSOF2",)


def _check_roundable(value: Any) -> float:
    if not is_numeric(value):
        raise ServerError(40262, "A granularity rounder can only round numeric values, but found "
                                 f"type: {type_name(value)}")
    x = to_double(value)
    if x != x:
        raise ServerError(40263, "A granularity rounder cannot round NaN")
    if x < 0:
        raise ServerError(40268, "A granularity rounder can only round non-negative numbers")
    return x


class PreferredNumbers:
    """Rounds up / down to a preferred-number series scaled by powers of ten."""

    def __init__(self, series: list[float]) -> None:
        self.series = [float(s) for s in series]

    def round_up(self, value: Any) -> Any:
        x = _check_roundable(value)
        if x == 0:
            return value
        s = self.series
        m = 1.0
        while x >= s[-1] * m:
            m *= 10.0
        while x < s[0] * m:
            previous = s[0] * m
            m /= 10.0
            if x >= s[-1] * m:
                return _as_type(previous, value)
        i = bisect.bisect_right([v * m for v in s], x)
        return _as_type(s[i] * m, value)

    def round_down(self, value: Any) -> Any:
        x = _check_roundable(value)
        if x == 0:
            return value
        s = self.series
        m = 1.0
        while x <= s[0] * m:
            m /= 10.0
        while x > s[-1] * m:
            previous = s[-1] * m
            m *= 10.0
            if x <= s[0] * m:
                return _as_type(previous, value)
        i = bisect.bisect_left([v * m for v in s], x)
        return _as_type(s[i - 1] * m, value)


class PowersOfTwo:
    def round_up(self, value: Any) -> Any:
        x = _check_roundable(value)
        if x == 0:
            return value
        p = 2.0 ** (math.floor(math.log2(x)) + 1)
        return _pow2_type(p, value)

    def round_down(self, value: Any) -> Any:
        x = _check_roundable(value)
        if x == 0:
            return value
        e = math.floor(math.log2(x))
        p = 2.0 ** e
        if p >= x:
            p = 2.0 ** (e - 1)
        return _pow2_type(p, value)


def _as_type(result: float, original: Any) -> Any:
    if isinstance(original, Decimal128):
        return Decimal128(decimal.Decimal(repr(result)).normalize())
    return result


def _pow2_type(result: float, original: Any) -> Any:
    if isinstance(original, Decimal128):
        return Decimal128(decimal.Decimal(result))
    if isinstance(original, float):
        return result
    if result != int(result):
        return result  # 2 ** negative exponent is a double, as $pow gives
    n = int(result)
    if n < 2**31:
        return n
    return Int64(n) if n < 2**63 else result


def make_rounder(name: str):
    if name == "POWERSOF2":
        return PowersOfTwo()
    if name in _SERIES:
        return PreferredNumbers(_SERIES[name])
    raise ServerError(40257, f"Unknown rounding granularity '{name}'")


@pipeline_stage("$bucketAuto")
def compile_bucket_auto(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(40240, "The argument to $bucketAuto must be an object, but found type: "
                                 f"{type_name(arg)}")
    group_fn = None
    n_buckets = None
    output: Mapping = {}
    rounder = None
    for key, value in arg.items():
        if key == "groupBy":
            if not (isinstance(value, Mapping) or (isinstance(value, str) and
                                                   value.startswith("$"))):
                raise ServerError(40239, "The $bucketAuto 'groupBy' field must be defined as a "
                                         "$-prefixed path or an expression object, but found: "
                                         f"{value!r}")
            group_fn = compile_expression(value, ctx.expressions)
        elif key == "buckets":
            if not is_numeric(value):
                raise ServerError(40241, "The $bucketAuto 'buckets' field must be a numeric "
                                         f"value, but found type: {type_name(value)}")
            if not is_integral(value) or not -2**31 <= to_double(value) < 2**31:
                raise ServerError(40242, "The $bucketAuto 'buckets' field must be representable "
                                         f"as a 32-bit integer, but found {to_double(value)}")
            n_buckets = int(to_double(value))
        elif key == "output":
            if not isinstance(value, Mapping):
                raise ServerError(40244, "The $bucketAuto 'output' field must be an object, but "
                                         f"found type: {type_name(value)}")
            output = value
        elif key == "granularity":
            if not isinstance(value, str):
                raise ServerError(40261, "The $bucketAuto 'granularity' field must be a string, "
                                         f"but found type: {type_name(value)}")
            rounder = make_rounder(value)
        else:
            raise ServerError(40245, f"Unrecognized option to $bucketAuto: {key}")
    if group_fn is None or n_buckets is None:
        raise ServerError(40246, "$bucketAuto requires 'groupBy' and 'buckets' to be specified")
    if n_buckets <= 0:
        raise ServerError(40243, "The $bucketAuto 'buckets' field must be greater than 0, but "
                                 f"found: {n_buckets}")
    accs = compile_accumulators(output or {"count": {"$sum": 1}}, ctx, "$bucketAuto")
    # values order and tie as the operation's collation says
    order_key = compare_key_of(ctx.expressions.collation)
    compare = comparer(ctx.expressions.collation)

    def key_of(scope: dict) -> Any:
        value = group_fn(scope)
        if rounder is not None:
            if not is_numeric(value):
                raise ServerError(40258, "$bucketAuto can specify a 'granularity' with numeric "
                                         "boundaries only, but found a value with type: "
                                         f"{type_name(value)}")
            x = to_double(value)
            if x != x:
                raise ServerError(40259, "$bucketAuto can specify a 'granularity' with numeric "
                                         "boundaries only, but found a NaN")
            if x < 0:
                raise ServerError(40260, "$bucketAuto can specify a 'granularity' with "
                                         "non-negative numbers only, but found a negative number")
        return None if value is MISSING else value

    bounded = not ctx.allow_disk_use

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        entries = []
        for doc in docs:
            scope = {**variables, "ROOT": doc, "CURRENT": doc}
            entries.append((key_of(scope), scope))
        if bounded:
            check_bucket_auto_memory([scope["ROOT"] for _, scope in entries])
        entries.sort(key=lambda e: order_key(e[0]))
        n = len(entries)
        if not n:
            return []
        size = max(1, int(math.floor(n / n_buckets + 0.5)))
        out = []
        i = 0
        bucket_number = 0
        previous_max = MISSING
        while i < n:
            bucket_number += 1
            first = entries[i][0]
            low = first
            if rounder is not None:
                low = previous_max if previous_max is not MISSING else rounder.round_down(first)
            states = [acc.new() for _, acc in accs]
            last = bucket_number == n_buckets
            stop = n if last else min(n, i + size)
            high = entries[stop - 1][0]
            for j in range(i, stop):
                for (_, acc), state in zip(accs, states):
                    acc.process(state, entries[j][1])
            i = stop
            if rounder is not None:
                boundary = rounder.round_up(high)
                while i < n and (compare(boundary, entries[i][0]) > 0 or
                                 compare(high, entries[i][0]) == 0):
                    high = entries[i][0]
                    for (_, acc), state in zip(accs, states):
                        acc.process(state, entries[i][1])
                    i += 1
                if to_double(boundary) == 0.0 and i < n:
                    high = rounder.round_down(entries[i][0])
                else:
                    high = boundary
            else:
                while i < n and compare(high, entries[i][0]) == 0:
                    for (_, acc), state in zip(accs, states):
                        acc.process(state, entries[i][1])
                    i += 1
                if i < n:
                    high = entries[i][0]
            previous_max = high
            result = {"_id": {"min": low, "max": high}}
            for (field, acc), state in zip(accs, states):
                value = acc.result(state)
                result[field] = None if value is MISSING else value
            out.append(result)
        return out

    return run
