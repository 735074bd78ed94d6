"""Date operators: $year $month $dayOfMonth $hour $minute $second $millisecond
$dayOfYear $dayOfWeek $week $isoWeek $isoWeekYear $isoDayOfWeek $dateToParts
$dateFromParts $dateToString $dateFromString $dateAdd $dateSubtract $dateDiff
$dateTrunc.

Every operator takes an optional ``timezone`` (an Olson name or a UTC offset);
dates are computed on milliseconds since the epoch in the proleptic Gregorian
calendar, as MongoDB does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson.int64 import Int64

from ...values.errors import ServerError
from ...values.order import type_name
from .coercion import (INT64_MAX, INT64_MIN, coerce_to_date_ms, coercible_to_date, is_integral64,
                       ms_to_date, nullish, to_long, value_repr)
from .compiler import compile_operand, parse_arguments
from .dateformat import (FROM_STRING_SPECIFIERS, ISO_FORMAT, TO_STRING_SPECIFIERS, format_date,
                         parse_date, validate_format, week_of_year)
from .registry import expression_operator
from .timezones import (MS_PER_DAY, UTC, TimeZone, civil_from_days, day_of_year, days_from_civil,
                        days_from_iso, days_in_month, get_time_zone, iso_week_date, iso_weekday,
                        split_ms)

_UNIT_MS = {"millisecond": 1, "second": 1000, "minute": 60_000, "hour": 3_600_000,
            "day": MS_PER_DAY, "week": 7 * MS_PER_DAY}
TIME_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second",
              "millisecond")
_DAYS_OF_WEEK = {"monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "wednesday": 3, "wed": 3,
                 "thursday": 4, "thu": 4, "friday": 5, "fri": 5, "saturday": 6, "sat": 6,
                 "sunday": 7, "sun": 7}


# ---------------------------------------------------------------------------
# shared argument handling
# ---------------------------------------------------------------------------

def make_time_zone(tz_fn, variables: dict) -> TimeZone | None:
    """The evaluated timezone argument (UTC when absent, None when nullish)."""
    if tz_fn is None:
        return UTC
    value = tz_fn(variables)
    if nullish(value):
        return None
    if not isinstance(value, str):
        raise ServerError(40517, f"timezone must evaluate to a string, found {type_name(value)}")
    return get_time_zone(value)


def _with_context(error: ServerError, context: str) -> ServerError:
    return ServerError(error.code, f"{context} :: caused by :: {error.errmsg}")


def _object_args(name: str, arg: Any, ctx: Any, allowed: tuple[str, ...], object_code: int,
                 object_message: str, unknown_code: int, unknown_message: str) -> dict:
    if not isinstance(arg, Mapping):
        raise ServerError(object_code, object_message)
    out = {}
    for key, value in arg.items():
        if key not in allowed:
            raise ServerError(unknown_code, unknown_message.format(key=key))
        out[key] = compile_operand(value, ctx)
    return out


def parse_time_unit(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ServerError(5439013, f"{name} requires 'unit' to be a string, but got "
                                   f"{type_name(value)}")
    if value not in TIME_UNITS:
        raise ServerError(5439014, f"{name} parameter 'unit' value cannot be recognized as a "
                                   f"time unit: {value}")
    return value


def parse_day_of_week(value: Any, name: str) -> int:
    if not isinstance(value, str):
        raise ServerError(5439015, f"{name} requires 'startOfWeek' to be a string, but got "
                                   f"{type_name(value)}")
    if value.lower() not in _DAYS_OF_WEEK:
        raise ServerError(5439016, f"{name} parameter 'startOfWeek' value cannot be recognized "
                                   f"as a day of a week: {value}")
    return _DAYS_OF_WEEK[value.lower()]


# ---------------------------------------------------------------------------
# $year, $month … (date part extractors)
# ---------------------------------------------------------------------------

def _iso_parts(p):
    return iso_week_date(p.year, p.month, p.day)


_EXTRACTORS = {
    "$year": lambda p: p.year,
    "$month": lambda p: p.month,
    "$dayOfMonth": lambda p: p.day,
    "$hour": lambda p: p.hour,
    "$minute": lambda p: p.minute,
    "$second": lambda p: p.second,
    "$millisecond": lambda p: p.millisecond,
    "$dayOfYear": lambda p: day_of_year(p.year, p.month, p.day),
    "$dayOfWeek": lambda p: iso_weekday(p.days) % 7 + 1,
    "$week": lambda p: week_of_year(p.year, p.month, p.day, p.days),
    "$isoWeek": lambda p: _iso_parts(p)[1],
    "$isoWeekYear": lambda p: Int64(_iso_parts(p)[0]),
    "$isoDayOfWeek": lambda p: iso_weekday(p.days),
}


def _parse_date_and_zone(name: str, arg: Any, ctx: Any):
    if isinstance(arg, Mapping) and arg and not str(next(iter(arg))).startswith("$"):
        date_fn = tz_fn = None
        for key, value in arg.items():
            if key == "date":
                date_fn = compile_operand(value, ctx)
            elif key == "timezone":
                tz_fn = compile_operand(value, ctx)
            else:
                raise ServerError(40535, f'unrecognized option to {name}: "{key}"')
        if date_fn is None:
            raise ServerError(40539, f"missing 'date' argument to {name}, provided: "
                                     f"{name}: {value_repr(dict(arg))}")
        return date_fn, tz_fn
    if isinstance(arg, list):
        if len(arg) != 1:
            raise ServerError(40536, f"{name} accepts exactly one argument if given an array, "
                                     f"but was given {len(arg)}")
        return compile_operand(arg[0], ctx), None
    return compile_operand(arg, ctx), None


@expression_operator(*_EXTRACTORS)
def compile_date_part(arg: Any, ctx: Any, name: str):
    date_fn, tz_fn = _parse_date_and_zone(name, arg, ctx)
    extract = _EXTRACTORS[name]

    def evaluate(variables: dict) -> Any:
        date = date_fn(variables)
        if nullish(date):
            return None
        tz = make_time_zone(tz_fn, variables)
        if tz is None:
            return None
        return extract(tz.parts(coerce_to_date_ms(date)))

    return evaluate


# ---------------------------------------------------------------------------
# $dateToParts and $dateFromParts
# ---------------------------------------------------------------------------

@expression_operator("$dateToParts")
def compile_date_to_parts(arg: Any, ctx: Any, name: str):
    args = _object_args(name, arg, ctx, ("date", "timezone", "iso8601"), 40524,
                        "$dateToParts only supports an object as its argument", 40520,
                        "Unrecognized argument to $dateToParts: {key}")
    if "date" not in args:
        raise ServerError(40522, "Missing 'date' parameter to $dateToParts")
    date_fn, tz_fn, iso_fn = args["date"], args.get("timezone"), args.get("iso8601")

    def evaluate(variables: dict) -> Any:
        date = date_fn(variables)
        tz = make_time_zone(tz_fn, variables)
        if tz is None:
            return None
        iso = False
        if iso_fn is not None:
            iso = iso_fn(variables)
            if nullish(iso):
                return None
            if not isinstance(iso, bool):
                raise ServerError(40521, f"iso8601 must evaluate to a bool, found "
                                         f"{type_name(iso)}")
        if nullish(date):
            return None
        p = tz.parts(coerce_to_date_ms(date))
        if iso:
            iso_year, iso_week, iso_day = iso_week_date(p.year, p.month, p.day)
            return {"isoWeekYear": iso_year, "isoWeek": iso_week, "isoDayOfWeek": iso_day,
                    "hour": p.hour, "minute": p.minute, "second": p.second,
                    "millisecond": p.millisecond}
        return {"year": p.year, "month": p.month, "day": p.day, "hour": p.hour,
                "minute": p.minute, "second": p.second, "millisecond": p.millisecond}

    return evaluate


_PART_NAMES = ("year", "month", "day", "hour", "minute", "second", "millisecond",
               "isoWeekYear", "isoWeek", "isoDayOfWeek", "timezone")


def _date_part(fn, variables: dict, field: str, default: int, bounded: bool):
    """The integer value of a part, its default when absent, None when nullish."""
    if fn is None:
        return default
    value = fn(variables)
    if nullish(value):
        return None
    if not is_integral64(value):
        raise ServerError(40515, f"'{field}' must evaluate to an integer, found "
                                 f"{type_name(value)} with value {value_repr(value)}")
    n = to_long(value)
    if bounded and not -32768 <= n <= 32767:
        raise ServerError(31034, f"'{field}' must evaluate to a value in the range "
                                 f"[-32768, 32767]; value {n} is not in range")
    return n


@expression_operator("$dateFromParts")
def compile_date_from_parts(arg: Any, ctx: Any, name: str):
    args = _object_args(name, arg, ctx, _PART_NAMES, 40519,
                        "$dateFromParts only supports an object as its argument", 40518,
                        "Unrecognized argument to $dateFromParts: {key}")
    if "year" not in args and "isoWeekYear" not in args:
        raise ServerError(40516, "$dateFromParts requires either 'year' or 'isoWeekYear' to be "
                                 "present")
    if "year" in args and ("isoWeekYear" in args or "isoWeek" in args
                           or "isoDayOfWeek" in args):
        raise ServerError(40489, "$dateFromParts does not allow mixing natural dates with ISO "
                                 "dates")
    if "isoWeekYear" in args and ("year" in args or "month" in args or "day" in args):
        raise ServerError(40525, "$dateFromParts does not allow mixing ISO dates with natural "
                                 "dates")
    get = args.get

    def evaluate(variables: dict) -> Any:
        hour = _date_part(get("hour"), variables, "hour", 0, True)
        minute = _date_part(get("minute"), variables, "minute", 0, True) if hour is not None \
            else None
        second = _date_part(get("second"), variables, "second", 0, False) \
            if minute is not None else None
        millis = _date_part(get("millisecond"), variables, "millisecond", 0, False) \
            if second is not None else None
        if millis is None:
            return None
        tz = make_time_zone(get("timezone"), variables)
        if tz is None:
            return None
        if "year" in args:
            year = _date_part(get("year"), variables, "year", 1970, False)
            month = _date_part(get("month"), variables, "month", 1, True) \
                if year is not None else None
            day = _date_part(get("day"), variables, "day", 1, True) if month is not None else None
            if day is None:
                return None
            if not 1 <= year <= 9999:
                raise ServerError(40523, f"'year' must evaluate to an integer in the range 1 to "
                                         f"9999, found {year}")
            year += (month - 1) // 12
            month = (month - 1) % 12 + 1
            days = days_from_civil(year, month, 1) + day - 1
        else:
            iso_year = _date_part(get("isoWeekYear"), variables, "isoWeekYear", 1970, False)
            week = _date_part(get("isoWeek"), variables, "isoWeek", 1, True) \
                if iso_year is not None else None
            weekday = _date_part(get("isoDayOfWeek"), variables, "isoDayOfWeek", 1, True) \
                if week is not None else None
            if weekday is None:
                return None
            if not 1 <= iso_year <= 9999:
                raise ServerError(31095, "'isoWeekYear' must evaluate to an integer in the "
                                         f"range 1 to 9999, found {iso_year}")
            days = days_from_iso(iso_year, week, weekday)
        local = (days * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000
                 + millis)
        return ms_to_date(tz.from_local_ms(local))

    return evaluate


# ---------------------------------------------------------------------------
# $dateToString and $dateFromString
# ---------------------------------------------------------------------------

def _format_argument(fmt_fn: Any, variables: dict, default: Any, name: str, code: int,
                     specifiers: Any) -> Any:
    """The evaluated ``format`` of ``$dateToString`` / ``$dateFromString``
    (``default`` when absent): nullish, or a string whose every ``%`` specifier
    ``name`` knows; anything else is the server's error ``code``."""
    if fmt_fn is None:
        return default
    fmt = fmt_fn(variables)
    if not nullish(fmt):
        if not isinstance(fmt, str):
            raise ServerError(code, f"{name} requires that 'format' be a string, found: "
                                    f"{type_name(fmt)} with value {value_repr(fmt)}")
        validate_format(fmt, specifiers)
    return fmt


@expression_operator("$dateToString")
def compile_date_to_string(arg: Any, ctx: Any, name: str):
    args = _object_args(name, arg, ctx, ("format", "date", "timezone", "onNull"), 18629,
                        "$dateToString only supports an object as its argument", 18534,
                        "Unrecognized argument to $dateToString: {key}")
    if "date" not in args:
        raise ServerError(18628, "Missing 'date' parameter to $dateToString")
    date_fn, fmt_fn = args["date"], args.get("format")
    tz_fn, on_null = args.get("timezone"), args.get("onNull")
    if fmt_fn is not None and hasattr(fmt_fn, "constant_value"):
        fmt = fmt_fn.constant_value
        if isinstance(fmt, str):
            validate_format(fmt, TO_STRING_SPECIFIERS)

    def evaluate(variables: dict) -> Any:
        date = date_fn(variables)
        fmt = _format_argument(fmt_fn, variables, ISO_FORMAT, name, 18533, TO_STRING_SPECIFIERS)
        tz = make_time_zone(tz_fn, variables)
        if nullish(date):
            return on_null(variables) if on_null is not None else None
        if tz is None or nullish(fmt):
            return None
        return format_date(fmt, coerce_to_date_ms(date), tz)

    return evaluate


@expression_operator("$dateFromString")
def compile_date_from_string(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(40540, f"$dateFromString only supports an object as an argument, "
                                 f"found: {type_name(arg)}")
    args = _object_args(name, arg, ctx, ("format", "dateString", "timezone", "onNull",
                                         "onError"), 40540, "", 40541,
                        "Unrecognized argument to $dateFromString: {key}")
    if "dateString" not in args:
        raise ServerError(40542, "Missing 'dateString' parameter to $dateFromString")
    text_fn, fmt_fn, tz_fn = args["dateString"], args.get("format"), args.get("timezone")
    on_null, on_error = args.get("onNull"), args.get("onError")

    def evaluate(variables: dict) -> Any:
        text = text_fn(variables)
        fmt = _format_argument(fmt_fn, variables, None, name, 40684, FROM_STRING_SPECIFIERS)
        tz = make_time_zone(tz_fn, variables)
        if nullish(text):
            return on_null(variables) if on_null is not None else None
        try:
            if not isinstance(text, str):
                raise ServerError(241, "$dateFromString requires that 'dateString' be a string, "
                                       f"found: {type_name(text)} with value {value_repr(text)}")
            if tz is None:
                return None
            if fmt_fn is not None and nullish(fmt):
                return None
            return ms_to_date(parse_date(text, tz, fmt, tz_given=tz_fn is not None))
        except ServerError as exc:
            if exc.code == 241 and on_error is not None:
                return on_error(variables)
            raise

    return evaluate


# ---------------------------------------------------------------------------
# date arithmetic
# ---------------------------------------------------------------------------

def _add_months(year: int, month: int, amount: int) -> tuple[int, int]:
    total = year * 12 + (month - 1) + amount
    return total // 12, total % 12 + 1


_MAX_DAYS = (2**64 - 1) // MS_PER_DAY + 1
_MAX_YEARS = _MAX_DAYS // 365 + 1
_MAX_AMOUNT = {"year": _MAX_YEARS, "quarter": _MAX_YEARS * 4, "month": _MAX_YEARS * 12,
               "week": _MAX_DAYS // 7, "day": _MAX_DAYS, "hour": _MAX_DAYS * 24,
               "minute": _MAX_DAYS * 24 * 60, "second": _MAX_DAYS * 24 * 3600}


def date_add(utc_ms: int, unit: str, amount: int, tz: TimeZone) -> int:
    """Add ``amount`` ``unit``s to an instant, calendar-aware in ``tz`` (MongoDB's dateAdd)."""
    if unit == "millisecond":
        result = utc_ms + amount
    else:
        limit = _MAX_AMOUNT[unit]
        if not -limit < amount < limit:
            raise ServerError(5976500, f"invalid dateAdd 'amount' parameter value: {amount} "
                                       f"{unit}")
        offset = tz.offset_ms(utc_ms)
        local = utc_ms + offset
        if unit in ("year", "quarter", "month"):
            months = amount * (12 if unit == "year" else 3 if unit == "quarter" else 1)
            p = split_ms(local)
            time_of_day = local - p.days * MS_PER_DAY
            year, month = _add_months(p.year, p.month, months)
            day = min(p.day, days_in_month(year, month))
            new_local = days_from_civil(year, month, day) * MS_PER_DAY + time_of_day
            result = tz.from_local_ms(new_local)
        elif unit in ("day", "week"):
            new_local = local + amount * _UNIT_MS[unit]
            result = tz.from_local_ms(new_local) if not tz.is_fixed else new_local - offset
        else:
            result = utc_ms + amount * _UNIT_MS[unit]
    if not INT64_MIN <= result <= INT64_MAX:
        raise ServerError(5166406, "dateAdd overflowed")
    return result


def _cdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _week_day(days: int, start_of_week: int) -> int:
    return (iso_weekday(days) - start_of_week + 7) % 7


def date_diff(start_ms: int, end_ms: int, unit: str, tz: TimeZone, start_of_week: int = 7) -> int:
    """Number of ``unit`` boundaries crossed from start to end in ``tz`` (MongoDB's dateDiff)."""
    if unit == "millisecond":
        result = end_ms - start_ms
        if not INT64_MIN <= result <= INT64_MAX:
            raise ServerError(5166308, "dateDiff overflowed")
        return result
    so, eo = tz.offset_ms(start_ms), tz.offset_ms(end_ms)
    s, e = split_ms(start_ms + so), split_ms(end_ms + eo)
    if unit == "year":
        return e.year - s.year
    if unit == "quarter":
        return (e.month - 1) // 3 - (s.month - 1) // 3 + (e.year - s.year) * 4
    if unit == "month":
        return e.month - s.month + (e.year - s.year) * 12
    days = e.days - s.days
    if unit == "day":
        return days
    if unit == "week":
        return _cdiv(days + _week_day(s.days, start_of_week) - _week_day(e.days, start_of_week),
                     7)
    hours = e.hour - s.hour + days * 24
    correction_s = (so - eo) // 1000
    if unit == "hour":
        return hours + _cdiv(correction_s, 3600)
    minutes = e.minute - s.minute + hours * 60
    if unit == "minute":
        return minutes + _cdiv(correction_s, 60)
    return e.second - s.second + minutes * 60 + correction_s


def date_trunc(utc_ms: int, unit: str, bin_size: int, tz: TimeZone, start_of_week: int = 7) -> int:
    """The lower bound of the ``bin_size``-``unit`` bin holding ``utc_ms`` (MongoDB's dateTrunc)."""
    reference_utc = 946684800000  # 2000-01-01T00:00:00Z
    reference = reference_utc - tz.offset_ms(reference_utc)
    ref_day = 1
    if unit == "week":
        adjust = (7 - (6 - start_of_week + 7) % 7) % 7  # 2000-01-01 is a Saturday (6)
        reference += adjust * MS_PER_DAY
        ref_day += adjust
    if unit in _UNIT_MS and unit not in ("day", "week"):
        bin_ms = bin_size * _UNIT_MS[unit]
        if bin_ms > INT64_MAX:
            raise ServerError(5439002, "dateTrunc overflowed")
        return utc_ms - (utc_ms - reference) % bin_ms
    if bin_size > 100_000_000_000:
        raise ServerError(5439006, "dateTrunc unsupported binSize value")
    ref_days = days_from_civil(2000, 1, ref_day)
    p = tz.parts(utc_ms)
    if unit == "day":
        distance = p.days - ref_days
    elif unit == "week":
        distance = _cdiv(p.days - ref_days + _week_day(ref_days, start_of_week)
                         - _week_day(p.days, start_of_week), 7)
    elif unit == "month":
        distance = p.month - 1 + (p.year - 2000) * 12
    elif unit == "quarter":
        distance = (p.month - 1) // 3 + (p.year - 2000) * 4
    else:
        distance = p.year - 2000
    lower = distance - distance % bin_size
    return date_add(reference, unit, lower, tz)


def _amount(value: Any, name: str) -> int:
    if not is_integral64(value):
        raise ServerError(5166405, f"{name} expects integer amount of time units")
    return to_long(value)


def _compile_date_arithmetic(arg: Any, ctx: Any, name: str, sign: int):
    if not isinstance(arg, Mapping):
        raise ServerError(5166400, f"{name} expects an object as its argument")
    args = {}
    for key, value in arg.items():
        if key not in ("startDate", "unit", "amount", "timezone"):
            raise ServerError(5166401, f"Unrecognized argument to {name}: {key}. Expected "
                                       "arguments are startDate, unit, amount, and optionally "
                                       "timezone.")
        args[key] = compile_operand(value, ctx)
    if not all(k in args for k in ("startDate", "unit", "amount")):
        raise ServerError(5166402, f"{name} requires startDate, unit, and amount to be present")
    start_fn, unit_fn, amount_fn, tz_fn = (args["startDate"], args["unit"], args["amount"],
                                           args.get("timezone"))

    def evaluate(variables: dict) -> Any:
        start = start_fn(variables)
        if nullish(start):
            return None
        unit = unit_fn(variables)
        if nullish(unit):
            return None
        amount = amount_fn(variables)
        if nullish(amount):
            return None
        tz = make_time_zone(tz_fn, variables)
        if tz is None:
            return None
        if not coercible_to_date(start):
            raise ServerError(5166403, f"{name} requires startDate to be convertible to a date")
        if not isinstance(unit, str):
            raise ServerError(5166404, f"{name} expects string defining the time unit")
        if unit not in TIME_UNITS:
            raise ServerError(9, f"unknown time unit value: {unit}")
        n = _amount(amount, name)
        if sign < 0:
            if n == INT64_MIN:
                raise ServerError(6045000, f"invalid $dateSubtract 'amount' parameter value: {n}")
            n = -n
        return ms_to_date(date_add(coerce_to_date_ms(start), unit, n, tz))

    return evaluate


@expression_operator("$dateAdd")
def compile_date_add(arg: Any, ctx: Any, name: str):
    return _compile_date_arithmetic(arg, ctx, name, 1)


@expression_operator("$dateSubtract")
def compile_date_subtract(arg: Any, ctx: Any, name: str):
    return _compile_date_arithmetic(arg, ctx, name, -1)


def _week_start(start_of_week_fn, unit: Any, variables: dict, name: str) -> int | None:
    if start_of_week_fn is None or unit != "week":
        return 7
    value = start_of_week_fn(variables)
    if nullish(value):
        return None
    return parse_day_of_week(value, name)


def _zone_with_context(tz_fn, variables: dict, name: str) -> TimeZone | None:
    try:
        return make_time_zone(tz_fn, variables)
    except ServerError as exc:
        raise _with_context(exc, f"{name} parameter 'timezone' value parsing failed") from None


@expression_operator("$dateDiff")
def compile_date_diff(arg: Any, ctx: Any, name: str):
    args = _object_args(name, arg, ctx, ("startDate", "endDate", "unit", "timezone",
                                         "startOfWeek"), 5166301,
                        "$dateDiff only supports an object as its argument", 5166302,
                        "Unrecognized argument to $dateDiff: {key}")
    for key, code in (("startDate", 5166303), ("endDate", 5166304), ("unit", 5166305)):
        if key not in args:
            raise ServerError(code, f"Missing '{key}' parameter to $dateDiff")

    def evaluate(variables: dict) -> Any:
        start = args["startDate"](variables)
        if nullish(start):
            return None
        end = args["endDate"](variables)
        if nullish(end):
            return None
        unit = args["unit"](variables)
        if nullish(unit):
            return None
        week_start = _week_start(args.get("startOfWeek"), unit, variables, name)
        if week_start is None:
            return None
        tz = _zone_with_context(args.get("timezone"), variables, name)
        if tz is None:
            return None
        for value, label in ((start, "startDate"), (end, "endDate")):
            if not coercible_to_date(value):
                raise ServerError(5166307, f"$dateDiff requires '{label}' to be a date, but got "
                                           f"{type_name(value)}")
        unit = parse_time_unit(unit, name)
        return Int64(date_diff(coerce_to_date_ms(start), coerce_to_date_ms(end), unit, tz,
                               week_start))

    return evaluate


@expression_operator("$dateTrunc")
def compile_date_trunc(arg: Any, ctx: Any, name: str):
    if not isinstance(arg, Mapping):
        raise ServerError(5439007, "$dateTrunc only supports an object as its argument")
    args = {}
    for key, value in arg.items():
        if key not in ("date", "unit", "binSize", "timezone", "startOfWeek"):
            raise ServerError(5439008, f"Unrecognized argument to $dateTrunc: {key}. Expected "
                                       "arguments are date, unit, and optionally, binSize, "
                                       "timezone, startOfWeek")
        args[key] = compile_operand(value, ctx)
    if "date" not in args:
        raise ServerError(5439009, "Missing 'date' parameter to $dateTrunc")
    if "unit" not in args:
        raise ServerError(5439010, "Missing 'unit' parameter to $dateTrunc")

    def evaluate(variables: dict) -> Any:
        date = args["date"](variables)
        if nullish(date):
            return None
        unit = args["unit"](variables)
        if nullish(unit):
            return None
        bin_value: Any = 1
        if "binSize" in args:
            bin_value = args["binSize"](variables)
            if nullish(bin_value):
                return None
        week_start = _week_start(args.get("startOfWeek"), unit, variables, name)
        if week_start is None:
            return None
        tz = _zone_with_context(args.get("timezone"), variables, name)
        if tz is None:
            return None
        if not coercible_to_date(date):
            raise ServerError(5439012, f"$dateTrunc requires 'date' to be a date, but got "
                                       f"{type_name(date)}")
        unit = parse_time_unit(unit, name)
        if not is_integral64(bin_value):
            raise ServerError(5439017, "$dateTrunc requires 'binSize' to be a 64-bit integer, "
                                       f"but got value '{value_repr(bin_value)}' of type "
                                       f"{type_name(bin_value)}")
        bin_size = to_long(bin_value)
        if bin_size <= 0:
            raise ServerError(5439018, "$dateTrunc requires 'binSize' to be greater than 0, but "
                                       f"got value {bin_size}")
        return ms_to_date(date_trunc(coerce_to_date_ms(date), unit, bin_size, tz, week_start))

    return evaluate


__all__ = ["date_add", "date_diff", "date_trunc", "make_time_zone", "parse_arguments",
           "civil_from_days"]
