"""Formatting dates to strings and parsing strings to dates ($dateToString,
$dateFromString, $toDate, $toString of a date)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...values.errors import ServerError
from .timezones import (MS_PER_DAY, UTC, TimeZone, civil_from_days, day_of_year,
                        days_from_civil, days_from_iso, get_time_zone, iso_week_date, iso_weekday,
                        split_ms)

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%LZ"
TO_STRING_SPECIFIERS = frozenset("bBdGHjLmMSwuUVYzZ")
FROM_STRING_SPECIFIERS = frozenset("bBdGHjLmMSuVYzZ")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
_MONTH_LOOKUP = {name.lower(): i + 1 for i, name in enumerate(MONTHS)}
_MONTH_LOOKUP.update({name[:3].lower(): i + 1 for i, name in enumerate(MONTHS)})
_MONTH_LOOKUP["sept"] = 9


def validate_format(fmt: str, allowed: frozenset[str]) -> None:
    """Every '%' must introduce a known specifier (codes 18535, 18536)."""
    i = 0
    n = len(fmt)
    while i < n:
        if fmt[i] == "%":
            i += 1
            if i >= n:
                raise ServerError(18535, "Unmatched '%' at end of format string")
            if fmt[i] != "%" and fmt[i] not in allowed:
                raise ServerError(18536, f"Invalid format character '%{fmt[i]}' in format "
                                         "string")
        i += 1


def _padded(number: int, width: int) -> str:
    if number < 0 or number > 9999:
        raise ServerError(18537, "Could not convert date to string: date component was outside "
                                 f"the supported range of 0-9999: {number}")
    return str(number).rjust(width, "0")


def format_date(fmt: str, utc_ms: int, tz: TimeZone = UTC) -> str:
    """Render ``utc_ms`` in ``tz`` with a (validated) $dateToString format."""
    offset = tz.offset_ms(utc_ms)
    p = split_ms(utc_ms + offset)
    out = []
    i = 0
    n = len(fmt)
    while i < n:
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        spec = fmt[i + 1]
        i += 2
        if spec == "%":
            out.append("%")
        elif spec == "Y":
            out.append(_padded(p.year, 4))
        elif spec == "m":
            out.append(_padded(p.month, 2))
        elif spec == "d":
            out.append(_padded(p.day, 2))
        elif spec == "H":
            out.append(_padded(p.hour, 2))
        elif spec == "M":
            out.append(_padded(p.minute, 2))
        elif spec == "S":
            out.append(_padded(p.second, 2))
        elif spec == "L":
            out.append(_padded(p.millisecond, 3))
        elif spec == "j":
            out.append(_padded(day_of_year(p.year, p.month, p.day), 3))
        elif spec == "w":
            out.append(_padded(iso_weekday(p.days) % 7 + 1, 1))
        elif spec == "U":
            out.append(_padded(week_of_year(p.year, p.month, p.day, p.days), 2))
        elif spec == "G":
            out.append(_padded(iso_week_date(p.year, p.month, p.day)[0], 4))
        elif spec == "V":
            out.append(_padded(iso_week_date(p.year, p.month, p.day)[1], 2))
        elif spec == "u":
            out.append(_padded(iso_weekday(p.days), 1))
        elif spec == "b":
            out.append(MONTHS[p.month - 1][:3])
        elif spec == "B":
            out.append(MONTHS[p.month - 1])
        elif spec == "z":
            minutes = abs(offset) // 60_000
            out.append(("-" if offset < 0 else "+") + _padded(minutes // 60, 2)
                       + _padded(minutes % 60, 2))
        elif spec == "Z":
            out.append(str(int(offset / 60_000)))
    return "".join(out)


def format_iso(utc_ms: int) -> str:
    return format_date(ISO_FORMAT, utc_ms)


def week_of_year(year: int, month: int, day: int, days: int) -> int:
    """$week: weeks start on Sunday; days before the first Sunday are week 0."""
    week_day = iso_weekday(days) % 7 + 1
    prev_sunday = day_of_year(year, month, day) - week_day
    return (prev_sunday + 7) // 7


# ---------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------

@dataclass
class _Parsed:
    year: int | None = None
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    ms: int = 0
    offset_ms: int | None = None
    zone_abbr: str | None = None
    iso_year: int | None = None
    iso_week: int | None = None
    iso_day: int | None = None
    day_of_year: int | None = None
    errors: list = field(default_factory=list)


def _fail(text: str, message: str) -> ServerError:
    return ServerError(241, f"Error parsing date string '{text}'; {message}")


_ISO = re.compile(
    r"^\s*(?P<y>[+-]?\d{4}|[+-]\d{5,19})-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?"
    r"(?:(?:T|t|\s+)(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?)?"
    r"\s*(?P<tz>Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?|[A-Za-z]+(?:/[A-Za-z_+\-0-9]+)+)?\s*$")
_SLASH = re.compile(
    r"^\s*(?P<a>\d{1,4})/(?P<b>\d{1,2})/(?P<c>\d{1,4})"
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$")
_TEXT = re.compile(
    r"^\s*(?:(?P<wd>[A-Za-z]+),?\s+)??(?:(?P<m1>[A-Za-z]+)\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?"
    r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m2>[A-Za-z]+)\.?,?)\s+(?P<y>\d{4})"
    r"(?:(?:T|\s+|,\s*)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<ampm>[AaPp][Mm])?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?|[A-Za-z]+/[A-Za-z_/]+)?\s*$")


def _offset(tz: str, parsed: _Parsed, text: str) -> None:
    if tz in ("Z", "z", "UTC", "GMT"):
        parsed.zone_abbr = tz.upper()
        parsed.offset_ms = 0
    elif tz[0] in "+-":
        digits = tz[1:].replace(":", "")
        hours = int(digits[:2])
        minutes = int(digits[2:4] or 0)
        sign = -1 if tz[0] == "-" else 1
        parsed.offset_ms = sign * (hours * 3_600_000 + minutes * 60_000)
    else:
        raise _fail(text, f"{text.index(tz)}: passing a time zone identifier as part of the "
                          f"string is not allowed '{tz[0]}'")


def _fraction_ms(fraction: str | None) -> int:
    if not fraction:
        return 0
    return int((fraction + "000")[:3])


def _parse_free(text: str) -> _Parsed:
    parsed = _Parsed()
    m = _ISO.match(text)
    if m:
        parsed.year, parsed.month = int(m["y"]), int(m["m"])
        parsed.day = int(m["d"]) if m["d"] else None
    else:
        m = _SLASH.match(text)
        if m:
            a, b, c = m["a"], m["b"], m["c"]
            if len(a) == 4:
                parsed.year, parsed.month, parsed.day = int(a), int(b), int(c)
            else:
                parsed.month, parsed.day, parsed.year = int(a), int(b), int(c)
        else:
            m = _TEXT.match(text)
            if not m:
                raise _fail(text, _first_error(text))
            month_name = (m["m1"] or m["m2"]).lower()
            if month_name not in _MONTH_LOOKUP:
                raise _fail(text, f"{text.lower().index(month_name)}: The timezone could not be "
                                  f"found in the database '{month_name[0]}'")
            parsed.month = _MONTH_LOOKUP[month_name]
            parsed.day = int(m["d1"] or m["d2"])
            parsed.year = int(m["y"])
            if m["ampm"] and m["H"]:
                hour = int(m["H"]) % 12
                if m["ampm"].lower() == "pm":
                    hour += 12
                parsed.hour = hour
    if m["H"] is not None:
        if parsed.hour is None:
            parsed.hour = int(m["H"])
        parsed.minute = int(m["M"]) if m["M"] else 0
        parsed.second = int(m["S"]) if m["S"] else 0
        parsed.ms = _fraction_ms(m["f"])
    if m["tz"]:
        _offset(m["tz"], parsed, text)
    return parsed


def _first_error(text: str) -> str:
    for i, ch in enumerate(text):
        if not (ch.isalnum() or ch in " -:/.,+TZ"):
            return f"{i}: Unexpected character '{ch}'"
    return f"0: The timezone could not be found in the database '{text[:1]}'"


def _parse_with_format(text: str, fmt: str) -> _Parsed:
    parsed = _Parsed()
    pos = 0
    i = 0
    n = len(text)

    def number(width: int, name: str, signed: bool = False) -> int:
        nonlocal pos
        start = pos
        if signed and pos < n and text[pos] in "+-":
            pos += 1
        while pos < n and pos - start < width and text[pos].isdigit():
            pos += 1
        if pos == start or not text[start:pos].lstrip("+-"):
            raise _fail(text, f"{start}: {name} '{text[start:start + 1]}'")
        return int(text[start:pos])

    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt):
            spec = fmt[i + 1]
            i += 2
            if spec == "%":
                if pos < n and text[pos] == "%":
                    pos += 1
                    continue
                raise _fail(text, f"{pos}: The escaped character could not be found "
                                  f"'{text[pos:pos + 1]}'")
            if spec == "Y":
                parsed.year = number(4, "A four digit year could not be found")
            elif spec == "G":
                parsed.iso_year = number(4, "A four digit ISO year could not be found")
            elif spec == "m":
                parsed.month = number(2, "A two digit month could not be found")
            elif spec == "d":
                parsed.day = number(2, "A two digit day could not be found")
            elif spec == "H":
                parsed.hour = number(2, "A two digit hour could not be found")
            elif spec == "M":
                parsed.minute = number(2, "A two digit minute could not be found")
            elif spec == "S":
                parsed.second = number(2, "A two digit second could not be found")
            elif spec == "L":
                start = pos
                value = number(3, "A three digit millisecond could not be found")
                parsed.ms = int((str(value).rjust(pos - start, "0") + "000")[:3])
            elif spec == "j":
                parsed.day_of_year = number(3, "A three digit day-of-year could not be found")
            elif spec == "V":
                parsed.iso_week = number(2, "A two digit ISO week could not be found")
            elif spec == "u":
                parsed.iso_day = number(1, "A single digit day of week could not be found")
            elif spec in ("b", "B"):
                m = re.match(r"[A-Za-z]+", text[pos:])
                word = m.group(0).lower() if m else ""
                if spec == "b":
                    word = word[:3]
                if word not in _MONTH_LOOKUP:
                    raise _fail(text, f"{pos}: A textual month could not be found "
                                      f"'{text[pos:pos + 1]}'")
                parsed.month = _MONTH_LOOKUP[word]
                pos += len(word)
            elif spec == "z":
                m = re.match(r"[+-]\d{2}:?\d{2}|Z", text[pos:])
                if not m:
                    raise _fail(text, f"{pos}: The timezone could not be found in the database "
                                      f"'{text[pos:pos + 1]}'")
                _offset(m.group(0), parsed, text)
                pos += len(m.group(0))
            elif spec == "Z":
                minutes = number(5, "A minutes offset could not be found", signed=True)
                parsed.offset_ms = minutes * 60_000
            continue
        if pos < n and text[pos] == ch:
            pos += 1
            i += 1
            continue
        raise _fail(text, f"{pos}: The separation symbol could not be found "
                          f"'{text[pos:pos + 1]}'")
    if pos < n:
        raise _fail(text, f"{pos}: Trailing data '{text[pos]}'")
    return parsed


def parse_date(text: str, tz: TimeZone = UTC, fmt: str | None = None,
               tz_given: bool = False) -> int:
    """Milliseconds since the epoch of a date string (code 241 ConversionFailure if not)."""
    parsed = _parse_with_format(text, fmt) if fmt is not None else _parse_free(text)
    if parsed.iso_year is not None and parsed.year is None:
        days = days_from_iso(parsed.iso_year, parsed.iso_week or 1, parsed.iso_day or 1)
        parsed.year, parsed.month, parsed.day = civil_from_days(days)
    if parsed.day_of_year is not None and parsed.year is not None and parsed.month is None:
        days = days_from_civil(parsed.year, 1, 1) + parsed.day_of_year - 1
        parsed.year, parsed.month, parsed.day = civil_from_days(days)
    if parsed.hour is None and parsed.minute is None and parsed.second is None:
        parsed.hour = parsed.minute = parsed.second = 0
    if None in (parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute,
                parsed.second):
        raise ServerError(241, "an incomplete date/time string has been found, with elements "
                               f'missing: "{text}"')
    if not (1 <= parsed.month <= 12) or not (1 <= parsed.day <= 31) or parsed.hour > 24 \
            or parsed.minute > 59 or parsed.second > 60:
        raise _fail(text, "0: The parsed date was invalid ''")
    if tz_given and not tz.is_utc:
        if parsed.zone_abbr is not None:
            raise ServerError(241, "you cannot pass in a date/time string with time zone "
                                   f"information ('{parsed.zone_abbr}') together with a "
                                   "timezone argument")
        if parsed.offset_ms is not None:
            raise ServerError(241, "you cannot pass in a date/time string with GMT offset "
                                   "together with a timezone argument")
    local = (days_from_civil(parsed.year, parsed.month, parsed.day) * MS_PER_DAY
             + parsed.hour * 3_600_000 + parsed.minute * 60_000 + parsed.second * 1000
             + parsed.ms)
    if parsed.offset_ms is not None:
        return local - parsed.offset_ms
    return tz.from_local_ms(local)


__all__ = ["format_date", "format_iso", "parse_date", "validate_format", "ISO_FORMAT",
           "TO_STRING_SPECIFIERS", "FROM_STRING_SPECIFIERS", "week_of_year", "get_time_zone"]
