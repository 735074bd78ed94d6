"""$setWindowFields: window functions over sorted partitions.

Each output field is a window function: a ``$group`` accumulator evaluated
over a window of the partition (``documents`` or ``range`` bounds, ``unit``
for dates), or one of the order-based functions (``$rank $denseRank
$documentNumber $shift $derivative $integral $expMovingAvg $covariancePop
$covarianceSamp $linearFill $locf``).  ``WINDOW_FUNCTIONS`` is the table.
"""

from __future__ import annotations

import bisect
import decimal
import math
from fractions import Fraction
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bson.decimal128 import Decimal128

from ..values.errors import ServerError
from ..languages.expressions import compile_expression
from ..languages.expressions.coercion import (coerce_to_date_ms, element_repr, expr_compare, is_date,
                                    is_integral, is_integral64, is_numeric, ms_to_date, nullish,
                                    make_decimal, to_decimal, to_double, to_long, value_repr)
from ..languages.expressions.coercion import DECIMAL_CONTEXT
from ..languages.expressions.dates import date_add
from ..languages.expressions.timezones import UTC
from ..languages.sorting import compile_sort, parse_sort_spec
from ..values.order import MISSING, sort_key, type_name
from .basic import _set_path
from .group import ACCUMULATORS
from .memory import check_sort_memory, check_window_memory
from .registry import pipeline_stage
from ..languages.expressions.compiler import path_value
from ..languages.expressions.compiler import is_constant

UNBOUNDED, CURRENT = "unbounded", "current"
_UNIT_MS = {"week": 604_800_000, "day": 86_400_000, "hour": 3_600_000, "minute": 60_000,
            "second": 1000, "millisecond": 1}
_DATE_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second",
               "millisecond")

#: window function name -> compiler(name, arg, window_spec, stage_info, ctx) -> WindowFunction
WINDOW_FUNCTIONS: dict[str, Any] = {}


def window_function(*names: str):
    def register(fn):
        for name in names:
            WINDOW_FUNCTIONS[name] = fn
        return fn
    return register


class StageInfo:
    """What a window function may need from the stage: the sortBy spec and its key."""

    def __init__(self, sort_fields: list[tuple[str, int]] | None,
                 key_of: Callable[[Any], tuple] = sort_key) -> None:
        self.sort_fields = sort_fields
        #: how values key (ranks tie, partitions group): the operation collation's key
        self.key_of = key_of
        self.sort_parts = tuple(sort_fields[0][0].split(".")) if sort_fields and \
            len(sort_fields) == 1 else None

    def single_sort_value(self, doc: Mapping) -> Any:
        return path_value(doc, self.sort_parts)


# ---------------------------------------------------------------------------
# windows
# ---------------------------------------------------------------------------

class Window:
    """Bounds of a window; ``indices(partition, i, keys)`` -> (start, stop) slice."""

    def __init__(self, kind: str, lower: Any, upper: Any, unit: str | None) -> None:
        self.kind, self.lower, self.upper, self.unit = kind, lower, upper, unit

    @property
    def whole(self) -> bool:
        return self.lower == UNBOUNDED and self.upper == UNBOUNDED

    @property
    def running(self) -> bool:
        return self.kind == "documents" and self.lower == UNBOUNDED and self.upper == CURRENT


def _failed_to_parse(message: str) -> ServerError:
    return ServerError(9, message)


def _parse_bound(bound: Any, check) -> Any:
    """parseBound in window_bounds.cpp: 'unbounded', 'current' or a constant number."""
    if isinstance(bound, str):
        if bound in (UNBOUNDED, CURRENT):
            return bound
        raise _failed_to_parse("Window bounds must be 'unbounded', 'current', or a number.")
    fn = compile_expression(bound)
    value = getattr(fn, "constant_value", _NOT_CONSTANT)
    if value is _NOT_CONSTANT and _folds_to_constant(bound):
        # the server optimizes the bound first: operators over constants fold
        value = fn({})
    if value is _NOT_CONSTANT:
        raise _failed_to_parse("Window bounds expression must be a constant.")
    return check(value)


_NOT_CONSTANT = object()


def _folds_to_constant(spec: Any) -> bool:
    """No field path, variable or $rand inside (so Expression::optimize folds it)."""
    if isinstance(spec, str):
        return not spec.startswith("$")
    if isinstance(spec, list):
        return all(_folds_to_constant(v) for v in spec)
    if isinstance(spec, Mapping):
        if "$literal" in spec and len(spec) == 1:
            return True
        return "$rand" not in spec and all(_folds_to_constant(v) for v in spec.values())
    return True


def _check_int_bound(message: str):
    def check(value: Any) -> Any:
        # Value::integral(): a number with an exact 32-bit integer value
        if not is_integral(value):
            raise _failed_to_parse(message)
        return to_long(value)
    return check


def _check_number_bound(value: Any) -> Any:
    if not is_numeric(value):
        raise _failed_to_parse("Range-based bounds expression must be a number")
    return value


def _check_forward(lower: Any, upper: Any) -> None:
    """checkBoundsForward: 'current' counts as 0; two numbers must satisfy lower <= upper."""
    lo = 0 if lower == CURRENT else lower
    hi = 0 if upper == CURRENT else upper
    if UNBOUNDED in (lo, hi) or (isinstance(lo, str) or isinstance(hi, str)):
        return
    if expr_compare(lo, hi) > 0:
        raise ServerError(5339900, f"Lower bound must not exceed upper bound: "
                                   f"[{value_repr(lo)}, {value_repr(hi)}]")


def parse_window(spec: Any, info: StageInfo) -> Window:
    """WindowBounds::parse in window_function/window_bounds.cpp (FailedToParse, code 9,
    for the shape errors; 5339900-5339902 for the semantic ones)."""
    if not isinstance(spec, Mapping):
        raise _failed_to_parse("'window' field must be an object")
    has_documents, has_range, has_unit = "documents" in spec, "range" in spec, "unit" in spec
    if has_documents and has_range:
        # sic: the server's message names 'unit' here
        raise _failed_to_parse("Window bounds can specify either 'documents' or 'unit', "
                               "not both.")
    if not has_range and has_unit:
        raise _failed_to_parse("Window bounds can only specify 'unit' with range-based bounds.")
    if not has_range and not has_documents:
        if spec:
            raise _failed_to_parse("'window' field can only contain 'documents' as the only "
                                   "argument or 'range' with an optional 'unit' field")
        return Window("documents", UNBOUNDED, UNBOUNDED, None)

    def unpack(key: str) -> tuple[Any, Any]:
        value = spec[key]
        if not isinstance(value, list) or len(value) != 2:
            raise _failed_to_parse("Window bounds must be a 2-element array: "
                                   + element_repr(key, value))
        return value[0], value[1]

    unit = None
    if has_documents:
        if len(spec) != 1:
            raise _failed_to_parse("'window' field that specifies documents cannot have "
                                   "other fields")
        lower_spec, upper_spec = unpack("documents")
        check = _check_int_bound("Numeric document-based bounds must be an integer")
        lower, upper = _parse_bound(lower_spec, check), _parse_bound(upper_spec, check)
        _check_forward(lower, upper)
        if not (lower == UNBOUNDED and upper == UNBOUNDED) and not info.sort_fields:
            raise ServerError(5339901, "Document-based bounds require a sortBy")
        return Window("documents", lower, upper, None)
    lower_spec, upper_spec = unpack("range")
    if has_unit:
        if len(spec) != 2:
            raise _failed_to_parse("'window' field that specifies unit cannot have other "
                                   "fields besides 'range'")
        unit = spec["unit"]
        if not isinstance(unit, str):
            raise _failed_to_parse("'unit' must be a string")
        check = _check_int_bound("With 'unit', range-based bounds must be an integer")
        lower, upper = _parse_bound(lower_spec, check), _parse_bound(upper_spec, check)
        _check_forward(lower, upper)
        if unit not in _DATE_UNITS:
            raise _failed_to_parse(f"unknown time unit value: {unit}")
    else:
        if len(spec) != 1:
            raise _failed_to_parse("'window' field that specifies range cannot have other "
                                   "fields besides 'unit'")
        lower = _parse_bound(lower_spec, _check_number_bound)
        upper = _parse_bound(upper_spec, _check_number_bound)
        _check_forward(lower, upper)
    if info.sort_parts is None:
        raise ServerError(5339902, "Range-based bounds require sortBy a single field")
    return Window("range", lower, upper, unit)


def _documents_slice(window: Window, i: int, n: int) -> tuple[int, int]:
    lo = 0 if window.lower == UNBOUNDED else i if window.lower == CURRENT else i + window.lower
    hi = n if window.upper == UNBOUNDED else i + 1 if window.upper == CURRENT \
        else i + window.upper + 1
    return max(0, lo), min(n, max(hi, 0))


class RangeKeys:
    """The sortBy values of a partition, as numbers (or date milliseconds)."""

    def __init__(self, window: Window, info: StageInfo, docs: list[dict]) -> None:
        self.window = window
        values = [info.single_sort_value(d) for d in docs]
        keys = []
        for value in values:
            if window.unit is not None:
                if not is_date(value):
                    raise ServerError(5429513, "Invalid range: Expected the sortBy field to be "
                                               "a Date, but it was "
                                               f"{type_name(value) if value is not MISSING else 'missing'}")
                keys.append(coerce_to_date_ms(value))
            else:
                if not is_numeric(value):
                    if is_date(value):
                        raise ServerError(5429513, "Invalid range: Expected the sortBy field to "
                                                   "be a number, but it was date")
                    raise ServerError(5429414, "Invalid range: Expected the sortBy field to be a "
                                               "number, but it was "
                                               f"{type_name(value) if value is not MISSING else 'missing'}")
                keys.append(to_double(value))
        self.keys = keys
        self.descending = bool(info.sort_fields and info.sort_fields[0][1] < 0)

    def _shift(self, key: float, amount: Any) -> float:
        unit = self.window.unit
        if unit is None:
            return key + to_double(amount)
        if unit in _UNIT_MS:
            return key + to_long(amount) * _UNIT_MS[unit]
        return date_add(int(key), unit, to_long(amount), UTC)

    def slice(self, i: int) -> tuple[int, int]:
        keys, w = self.keys, self.window
        key = keys[i]
        low = float("-inf") if w.lower == UNBOUNDED else key if w.lower == CURRENT \
            else self._shift(key, w.lower)
        high = float("inf") if w.upper == UNBOUNDED else key if w.upper == CURRENT \
            else self._shift(key, w.upper)
        if not self.descending:
            return bisect.bisect_left(keys, low), bisect.bisect_right(keys, high)
        negated = [-k for k in keys]
        return bisect.bisect_left(negated, -high), bisect.bisect_right(negated, -low)


# ---------------------------------------------------------------------------
# window functions
# ---------------------------------------------------------------------------

class AccumulatorFunction:
    """A $group accumulator over a window (whole partition by default)."""

    def __init__(self, acc: Any, window: Window) -> None:
        self.acc, self.window = acc, window

    def compute(self, scopes: list[dict], info: StageInfo, docs: list[dict]) -> list:
        acc, window, n = self.acc, self.window, len(scopes)
        if window.whole:
            state = acc.new()
            for scope in scopes:
                acc.process(state, scope)
            value = acc.result(state)
            return [_copy(value) for _ in range(n)]
        if window.running:
            state = acc.new()
            out = []
            for scope in scopes:
                acc.process(state, scope)
                out.append(_copy(acc.result(state)))
            return out
        ranges = RangeKeys(window, info, docs) if window.kind == "range" else None
        out = []
        for i in range(n):
            start, stop = ranges.slice(i) if ranges else _documents_slice(window, i, n)
            state = acc.new()
            for j in range(start, stop):
                acc.process(state, scopes[j])
            out.append(_copy(acc.result(state)))
        return out


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _no_window(name: str, window_spec: Any) -> None:
    if window_spec is not MISSING:
        raise ServerError(5371601, f"{name} does not accept a 'window' field")


def _need_sort(name: str, info: StageInfo, single: bool = True) -> None:
    if not info.sort_fields or (single and info.sort_parts is None):
        raise ServerError(5371602, f"{name} must be specified with a top level sortBy "
                                   "expression with exactly one element")


class RankFunction:
    def __init__(self, name: str) -> None:
        self.name = name

    def compute(self, scopes: list[dict], info: StageInfo, docs: list[dict]) -> list:
        out = []
        last = MISSING
        rank = 0
        dense = 0
        for i, doc in enumerate(docs):
            if self.name == "$documentNumber":
                out.append(i + 1)
                continue
            key = info.key_of(_rank_value(info.single_sort_value(doc)))
            if key != last:
                rank = i + 1
                dense += 1
                last = key
            out.append(rank if self.name == "$rank" else dense)
        return out


def _rank_value(value: Any) -> Any:
    return None if value is MISSING else value


@window_function("$rank", "$denseRank", "$documentNumber")
def _rank(name: str, arg: Any, window_spec: Any, info: StageInfo, ctx: Any):
    if arg != {}:
        raise ServerError(5371603, f"{name} must be specified with an empty object: "
                                   f"{value_repr(arg)}" if name != "$documentNumber" else
                          f"{name} must be specified with an empty object")
    _no_window(name, window_spec)
    if name != "$documentNumber":
        _need_sort(name, info)
    return RankFunction(name)


class ShiftFunction:
    def __init__(self, output_fn, by: int, default: Any) -> None:
        self.output_fn, self.by, self.default = output_fn, by, default

    def compute(self, scopes: list[dict], info: StageInfo, docs: list[dict]) -> list:
        n = len(scopes)
        out = []
        for i in range(n):
            j = i + self.by
            if 0 <= j < n:
                value = self.output_fn(scopes[j])
                out.append(None if value is MISSING else value)
            else:
                out.append(self.default)
        return out


@window_function("$shift")
def _shift(name: str, arg: Any, window_spec: Any, info: StageInfo, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(5433600, "Argument to $shift must be an object")
    for key in arg:
        if key not in ("output", "by", "default"):
            raise ServerError(5433601, f"Unknown argument in $shift: {key}")
    if "output" not in arg:
        raise ServerError(5433602, "$shift requires an 'output' expression")
    by = arg.get("by", MISSING)
    if by is MISSING:
        raise ServerError(5433603, "$shift requires 'by' as an integer value")
    if not is_numeric(by) or not is_integral64(by) or not -2**31 <= to_long(by) < 2**31:
        raise ServerError(5433604, "'$shift:by' field must be an integer, but found "
                                   f"{value_repr(by)}")
    default = arg.get("default", None)
    default_fn = compile_expression(default, ctx.expressions)
    if not is_constant(default_fn):
        raise ServerError(5433604, "'$shift:default' expression must yield a constant value.")
    _no_window(name, window_spec)
    _need_sort(name, info, single=False)
    value = default_fn({})
    return ShiftFunction(compile_expression(arg["output"], ctx.expressions), to_long(by),
                         None if value is MISSING else value)


def _time_unit(name: str, arg: Mapping) -> int | None:
    unit = arg.get("unit")
    if unit is None:
        return None
    if unit not in _UNIT_MS:
        if unit in _DATE_UNITS:
            raise ServerError(5490704, f"{name} with unit expects the sortBy field to be a Date")
        raise ServerError(9, f"unknown time unit value: {unit}")
    return _UNIT_MS[unit]


def _x_value(name: str, value: Any, unit_ms: int | None) -> float:
    if unit_ms is not None:
        if not is_date(value):
            raise ServerError(5624901, f"{name} with 'unit' expects the sortBy field to be a "
                                       f"Date, but it was: {type_name(value)}")
        # Dates stay whole milliseconds: differences are taken exactly, then divided
        # by the unit (the server subtracts the dates before scaling).
        return coerce_to_date_ms(value)
    if is_date(value):
        raise ServerError(5624902, f"{name} where the sortBy is a Date requires an 'unit'")
    if not is_numeric(value):
        raise ServerError(5624903, f"{name} requires the sortBy field to be numeric, but it was: "
                                   f"{type_name(value)}")
    return to_double(value)


class DerivativeFunction:
    def __init__(self, name, input_fn, unit_ms, window: Window) -> None:
        self.name, self.input_fn, self.unit_ms, self.window = name, input_fn, unit_ms, window

    def compute(self, scopes: list[dict], info: StageInfo, docs: list[dict]) -> list:
        n = len(scopes)
        xs = [_x_value(self.name, info.single_sort_value(d), self.unit_ms) for d in docs]
        ys = [self.input_fn(s) for s in scopes]
        ranges = RangeKeys(self.window, info, docs) if self.window.kind == "range" else None
        out = []
        for i in range(n):
            start, stop = ranges.slice(i) if ranges else _documents_slice(self.window, i, n)
            out.append(self._value(xs[start:stop], ys[start:stop]))
        return out

    def _value(self, xs: list, ys: list) -> Any:
        if self.name == "$derivative":
            if len(xs) < 2:
                return None
            y0, y1 = ys[0], ys[-1]
            if not is_numeric(y0) or not is_numeric(y1):
                return None
            dx = xs[-1] - xs[0]
            if dx == 0:
                return None
            # The server divides by the millisecond difference, then scales to the unit.
            slope = (to_double(y1) - to_double(y0)) / dx
            return slope if self.unit_ms is None else slope * self.unit_ms
        pairs = [(x, to_double(y)) for x, y in zip(xs, ys) if is_numeric(y)]
        if not pairs:
            return None
        # The server's WindowFunctionIntegral sums (x1 - x0) * (y0 + y1) (date
        # differences in whole milliseconds) exactly, then divides by 2 * unit.
        total = math.fsum((x1 - x0) * (y0 + y1)
                          for (x0, y0), (x1, y1) in zip(pairs, pairs[1:]))
        return total / ((self.unit_ms or 1) * 2.0)


@window_function("$derivative", "$integral")
def _derivative(name: str, arg: Any, window_spec: Any, info: StageInfo, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(5433700, f"{name} expects an object, but got a {type_name(arg)}: "
                                   f"{value_repr(arg)}")
    for key in arg:
        if key not in ("input", "unit"):
            raise ServerError(5433701, f"{name} got unexpected argument: {key}")
    if "input" not in arg:
        raise ServerError(5433702, f"{name} requires an 'input' expression")
    _need_sort(name, info)
    if name == "$derivative" and window_spec is MISSING:
        raise ServerError(5490701, "$derivative requires explicit window bounds")
    window = parse_window(window_spec, info) if window_spec is not MISSING \
        else Window("documents", UNBOUNDED, UNBOUNDED, None)
    return DerivativeFunction(name, compile_expression(arg["input"], ctx.expressions),
                              _time_unit(name, arg), window)


class ExpMovingAvgFunction:
    """The server's AccumulatorExpMovingAvg: the running result is kept as a decimal
    (alpha = 2 / (N + 1) or the given alpha as a Decimal128, doubles converted at 15
    significant digits) and handed out as a double unless a decimal was seen."""

    def __init__(self, input_fn, alpha: decimal.Decimal) -> None:
        self.input_fn, self.alpha = input_fn, alpha

    def compute(self, scopes: list[dict], info: StageInfo, docs: list[dict]) -> list:
        out = []
        current = None
        is_decimal = False
        alpha = self.alpha
        keep = DECIMAL_CONTEXT.subtract(decimal.Decimal(1), alpha)
        for scope in scopes:
            value = self.input_fn(scope)
            if is_numeric(value):
                if isinstance(value, Decimal128):
                    is_decimal = True
                x = to_decimal(value)
                if current is None:
                    current = x
                else:
                    current = DECIMAL_CONTEXT.add(DECIMAL_CONTEXT.multiply(x, alpha),
                                                  DECIMAL_CONTEXT.multiply(current, keep))
            if current is None:
                out.append(None)
            else:
                out.append(make_decimal(current) if is_decimal else float(current))
        return out


@window_function("$expMovingAvg")
def _exp_moving_avg(name: str, arg: Any, window_spec: Any, info: StageInfo, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(5433600, "$expMovingAvg must have exactly one of 'N' or 'alpha' set")
    for key in arg:
        if key not in ("input", "N", "alpha"):
            raise ServerError(5433603, "Got unrecognized field in $expMovingAvg, $expMovingAvg "
                                       "sub object must have exactly two fields: An 'input' "
                                       "field, and either an 'N' field or an 'alpha' field")
    if "input" not in arg:
        raise ServerError(5433601, "$expMovingAvg sub object must have exactly two fields: An "
                                   "'input' field, and either an 'N' field or an 'alpha' field")
    if ("N" in arg) == ("alpha" in arg):
        raise ServerError(5433602, "$expMovingAvg sub object must have exactly two fields: An "
                                   "'input' field, and either an 'N' field or an 'alpha' field")
    _need_sort(name, info, single=False)
    _no_window(name, window_spec)
    if "N" in arg:
        n = arg["N"]
        if not is_numeric(n) or not is_integral64(n) or to_long(n) <= 0:
            raise ServerError(5433603 if not is_numeric(n) else 5433604,
                              "'N' field must be an integer, but found type "
                              f"{type_name(n)}" if not is_numeric(n) else
                              "'N' must be greater than zero. Got " f"{value_repr(n)}")
        alpha = DECIMAL_CONTEXT.divide(decimal.Decimal(2), decimal.Decimal(to_long(n) + 1))
    else:
        alpha = arg["alpha"]
        if not is_numeric(alpha) or not 0 < to_double(alpha) < 1:
            raise ServerError(5433605, "'alpha' must be between 0 and 1 (exclusive), found "
                                       f"{value_repr(alpha)}")
        alpha = to_decimal(alpha)
    return ExpMovingAvgFunction(compile_expression(arg["input"], ctx.expressions), alpha)


class CovarianceFunction:
    def __init__(self, sample: bool, x_fn, y_fn, window: Window) -> None:
        self.sample, self.x_fn, self.y_fn, self.window = sample, x_fn, y_fn, window

    def compute(self, scopes: list[dict], info: StageInfo, docs: list[dict]) -> list:
        pairs = []
        for scope in scopes:
            x, y = self.x_fn(scope), self.y_fn(scope)
            pairs.append((to_double(x), to_double(y)) if is_numeric(x) and is_numeric(y)
                         else None)
        n = len(scopes)
        ranges = RangeKeys(self.window, info, docs) if self.window.kind == "range" else None
        out = []
        cache = None
        for i in range(n):
            if self.window.whole:
                if cache is None:
                    cache = [self._value(pairs)]
                out.append(cache[0])
                continue
            start, stop = ranges.slice(i) if ranges else _documents_slice(self.window, i, n)
            out.append(self._value(pairs[start:stop]))
        return out

    def _value(self, pairs: list) -> Any:
        points = [p for p in pairs if p is not None]
        n = len(points)
        if n == 0 or (self.sample and n < 2):
            return None
        # The server's WindowFunctionCovariance adds points one at a time:
        # c += (x - meanX_before) * (y - meanY_after), the means and c being exact sums
        # (WindowFunctionSum) divided out as doubles.
        sum_x = sum_y = Fraction(0)
        c = Fraction(0)
        for k, (x, y) in enumerate(points):
            if k:
                dx = x - float(sum_x / k)
            sum_x += Fraction(x)
            sum_y += Fraction(y)
            if k:
                c += Fraction(dx * (y - float(sum_y / (k + 1))))
        return float(c) / (n - 1 if self.sample else n)


@window_function("$covariancePop", "$covarianceSamp")
def _covariance(name: str, arg: Any, window_spec: Any, info: StageInfo, ctx: Any):
    if not isinstance(arg, list) or len(arg) != 2:
        raise ServerError(5371301 if not isinstance(arg, list) else 5371302,
                          f"{name} requires exactly two expressions")
    window = parse_window(window_spec, info) if window_spec is not MISSING \
        else Window("documents", UNBOUNDED, UNBOUNDED, None)
    return CovarianceFunction(name == "$covarianceSamp",
                              compile_expression(arg[0], ctx.expressions),
                              compile_expression(arg[1], ctx.expressions), window)


class FillFunction:
    def __init__(self, name: str, input_fn) -> None:
        self.name, self.input_fn = name, input_fn

    def compute(self, scopes: list[dict], info: StageInfo, docs: list[dict]) -> list:
        values = [self.input_fn(s) for s in scopes]
        values = [None if v is MISSING else v for v in values]
        if self.name == "$locf":
            out, last = [], None
            for value in values:
                if value is not None:
                    last = value
                out.append(last)
            return out
        xs = [info.single_sort_value(d) for d in docs]
        out = list(values)
        known = [i for i, v in enumerate(values) if v is not None]
        for v in (values[i] for i in known):
            if not is_numeric(v):
                raise ServerError(6050105, f"Value to be filled must be numeric or nullish, but "
                                           f"found {type_name(v)}")
        for a, b in zip(known, known[1:]):
            if b - a < 2:
                continue
            xa, xb = _fill_x(xs[a]), _fill_x(xs[b])
            ya, yb = to_double(values[a]), to_double(values[b])
            for k in range(a + 1, b):
                xk = _fill_x(xs[k])
                out[k] = ya + (yb - ya) * (xk - xa) / (xb - xa)
        for i in range(1, len(xs)):
            if sort_key(xs[i]) == sort_key(xs[i - 1]):
                raise ServerError(6050106, "There can be no repeated values in the sort field")
        return out


def _fill_x(value: Any) -> float:
    if is_date(value):
        return float(coerce_to_date_ms(value))
    if not is_numeric(value):
        raise ServerError(6050104, "The sortBy field must be numeric or a date, but found "
                                   f"{type_name(value)}")
    return to_double(value)


@window_function("$locf", "$linearFill")
def _fill(name: str, arg: Any, window_spec: Any, info: StageInfo, ctx: Any):
    _no_window(name, window_spec)
    if name == "$linearFill":
        _need_sort(name, info)
    return FillFunction(name, compile_expression(arg, ctx.expressions))


#: ``$group`` accumulators that are no window functions
_NOT_WINDOW_ACCUMULATORS = ("$mergeObjects", "$accumulator")


def _compile_output(field: str, spec: Any, info: StageInfo, ctx: Any):
    if not isinstance(spec, Mapping):
        raise ServerError(5371700, f"Expected a $-prefixed window function, {field}")
    window_spec = spec.get("window", MISSING)
    names = [k for k in spec if k != "window"]
    if not names:
        raise ServerError(5371700, "Expected a $-prefixed window function, window")
    if len(names) > 1:
        raise ServerError(5371700, f"Expected a $-prefixed window function, {names[1]}")
    name = names[0]
    if not name.startswith("$"):
        raise ServerError(5371700, f"Expected a $-prefixed window function, {name}")
    arg = spec[name]
    if name in WINDOW_FUNCTIONS:
        return WINDOW_FUNCTIONS[name](name, arg, window_spec, info, ctx)
    if name in ACCUMULATORS and name not in _NOT_WINDOW_ACCUMULATORS:
        acc = ACCUMULATORS[name](name, arg, ctx)
        window = parse_window(window_spec, info) if window_spec is not MISSING \
            else Window("documents", UNBOUNDED, UNBOUNDED, None)
        return AccumulatorFunction(acc, window)
    raise ServerError(5397900, f"Unrecognized window function, {name}")


@pipeline_stage("$setWindowFields")
def compile_set_window_fields(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(10065, f"the $setWindowFields stage specification must be an object, found "
                          f"{type_name(arg)}")
    for key in arg:
        if key not in ("partitionBy", "sortBy", "output"):
            raise ServerError(40415, f"BSON field '$setWindowFields.{key}' is an unknown field.")
    if "output" not in arg:
        raise ServerError(40414, "BSON field '$setWindowFields.output' is missing but a required "
                                 "field")
    output = arg["output"]
    if not isinstance(output, Mapping):
        raise ServerError(14, f"BSON field '$setWindowFields.output' is the wrong type "
                          f"'{type_name(output)}', expected type 'object'")
    partition_fn = None
    if "partitionBy" in arg:
        spec = arg["partitionBy"]
        partition_fn = compile_expression(spec, ctx.expressions)
    sort_fields = None
    sort_fn = None
    if "sortBy" in arg:
        if not isinstance(arg["sortBy"], Mapping):
            raise ServerError(14, "BSON field '$setWindowFields.sortBy' is the wrong type "
                                  f"'{type_name(arg['sortBy'])}', expected type 'object'")
        sort_fields = parse_sort_spec(dict(arg["sortBy"]))
        sort_fn = compile_sort(dict(arg["sortBy"]), collation=ctx.expressions.collation)
    collation = ctx.expressions.collation
    key_of = sort_key if collation is None else collation.sort_key
    info = StageInfo(sort_fields, key_of)
    outputs = []
    for field, spec in output.items():
        if field.startswith("$"):
            raise ServerError(16410, "FieldPath field names may not start with '$'. Consider "
                                     "using $getField or $setField.")
        outputs.append((tuple(field.split(".")), _compile_output(field, spec, info, ctx)))

    bounded = not ctx.allow_disk_use

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        rows = list(docs)
        if bounded and (partition_fn is not None or sort_fn is not None):
            check_sort_memory(rows)  # the $sort the stage begins with
        if partition_fn is not None:
            groups: dict = {}
            for doc in rows:
                value = partition_fn({**variables, "ROOT": doc, "CURRENT": doc})
                if isinstance(value, list):
                    raise ServerError(5722200, "An expression used to partition cannot evaluate "
                                               "to value of type array")
                groups.setdefault(key_of(None if value is MISSING else value), []).append(doc)
            partitions = [groups[k] for k in sorted(groups)]
        else:
            partitions = [rows]
        for partition in partitions:
            if bounded:
                check_window_memory(partition)
            if sort_fn is not None:
                partition.sort(key=sort_fn)
            scopes = [{**variables, "ROOT": d, "CURRENT": d} for d in partition]
            columns = [fn.compute(scopes, info, partition) for _, fn in outputs]
            for i, doc in enumerate(partition):
                out = doc
                for (parts, _), column in zip(outputs, columns):
                    value = column[i]
                    out = _set_path(out, parts, value)
                yield out

    return run


__all__ = ["WINDOW_FUNCTIONS", "window_function", "expr_compare", "nullish", "ms_to_date"]
