"""Time zones and the proleptic Gregorian calendar for the date operators.

A :class:`TimeZone` is UTC, a fixed UTC offset ("+05:30", "-0800", "+03") or
an Olson zone ("Europe/Paris") from :mod:`zoneinfo`.  Calendar arithmetic is
done on day numbers so that dates far outside Python's ``datetime`` range
still work.
"""

from __future__ import annotations

import datetime
import functools
import re
from typing import NamedTuple

from ...values.errors import ServerError

try:  # pragma: no cover - depends on the platform's tz database
    import zoneinfo
except ImportError:  # pragma: no cover
    zoneinfo = None  # type: ignore[assignment]

MS_PER_DAY = 86_400_000
_OFFSET = re.compile(r"^([+-])(\d\d)(?::?(\d\d))?$")


# ---------------------------------------------------------------------------
# civil calendar on day numbers (days since 1970-01-01)
# ---------------------------------------------------------------------------

def days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if is_leap(y) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def day_of_year(y: int, m: int, d: int) -> int:
    """1-based day of the year."""
    return days_from_civil(y, m, d) - days_from_civil(y, 1, 1) + 1


def iso_weekday(days: int) -> int:
    """ISO day of week of a day number: Monday 1 .. Sunday 7."""
    return (days + 3) % 7 + 1


def iso_week_date(y: int, m: int, d: int) -> tuple[int, int, int]:
    """(ISO week-numbering year, ISO week, ISO weekday)."""
    days = days_from_civil(y, m, d)
    wd = iso_weekday(days)
    thursday = days - wd + 4
    iso_year = civil_from_days(thursday)[0]
    week = (thursday - days_from_civil(iso_year, 1, 1)) // 7 + 1
    return iso_year, week, wd


def days_from_iso(iso_year: int, week: int, weekday: int) -> int:
    jan4 = days_from_civil(iso_year, 1, 4)
    week1_monday = jan4 - (iso_weekday(jan4) - 1)
    return week1_monday + (week - 1) * 7 + (weekday - 1)


class Parts(NamedTuple):
    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    millisecond: int
    days: int  # day number of the local date


def split_ms(local_ms: int) -> Parts:
    days, rem = divmod(local_ms, MS_PER_DAY)
    y, m, d = civil_from_days(days)
    hour, rem = divmod(rem, 3_600_000)
    minute, rem = divmod(rem, 60_000)
    second, ms = divmod(rem, 1000)
    return Parts(y, m, d, hour, minute, second, ms, days)


# ---------------------------------------------------------------------------
# time zones
# ---------------------------------------------------------------------------

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_MIN_SAFE_MS = -62135596800000 + MS_PER_DAY
_MAX_SAFE_MS = 253402300799999 - MS_PER_DAY


class TimeZone:
    """UTC, a fixed offset or an Olson zone."""

    __slots__ = ("name", "fixed_offset_ms", "zone")

    def __init__(self, name: str, fixed_offset_ms: int | None, zone=None) -> None:
        self.name = name
        self.fixed_offset_ms = fixed_offset_ms
        self.zone = zone

    @property
    def is_utc(self) -> bool:
        return self.zone is None and not self.fixed_offset_ms

    @property
    def is_fixed(self) -> bool:
        return self.zone is None

    def offset_ms(self, utc_ms: int) -> int:
        """The zone's UTC offset at an instant."""
        if self.zone is None:
            return self.fixed_offset_ms or 0
        clamped = min(max(utc_ms, _MIN_SAFE_MS), _MAX_SAFE_MS)
        instant = _EPOCH + datetime.timedelta(milliseconds=clamped)
        offset = instant.astimezone(self.zone).utcoffset()
        return int(offset.total_seconds() * 1000) if offset else 0

    def to_local_ms(self, utc_ms: int) -> int:
        return utc_ms + self.offset_ms(utc_ms)

    def parts(self, utc_ms: int) -> Parts:
        return split_ms(self.to_local_ms(utc_ms))

    def from_local_ms(self, local_ms: int) -> int:
        """The instant whose local wall-clock time is ``local_ms`` (earlier offset on folds)."""
        if self.zone is None:
            return local_ms - (self.fixed_offset_ms or 0)
        clamped = min(max(local_ms, _MIN_SAFE_MS), _MAX_SAFE_MS)
        naive = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=clamped)
        offset = naive.replace(tzinfo=self.zone).utcoffset()
        return local_ms - (int(offset.total_seconds() * 1000) if offset else 0)

    def __repr__(self) -> str:
        return f"TimeZone({self.name!r})"


UTC = TimeZone("UTC", 0)


@functools.lru_cache(maxsize=512)
def get_time_zone(name: str) -> TimeZone:
    """The zone named ``name`` (an Olson id or ±HH, ±HHMM, ±HH:MM); code 40485 otherwise."""
    if name in ("UTC", "GMT", "Z", "Etc/UTC", "Etc/GMT", "UCT", "Etc/UCT", "Zulu",
                "Etc/Zulu", "Universal", "Etc/Universal", "Etc/Greenwich", "Greenwich",
                "GMT0", "Etc/GMT0", "GMT+0", "GMT-0", "Etc/GMT+0", "Etc/GMT-0"):
        return TimeZone(name, 0)
    m = _OFFSET.match(name)
    if m and (len(name) in (3, 5, 6)) and not (len(name) == 5 and ":" in name):
        sign = 1 if m.group(1) == "+" else -1
        hours = int(m.group(2))
        minutes = int(m.group(3) or 0)
        return TimeZone(name, sign * (hours * 3_600_000 + minutes * 60_000))
    if zoneinfo is not None and name and not name.startswith("/") and ".." not in name:
        try:
            return TimeZone(name, None, zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise ServerError(40485, f'unrecognized time zone identifier: "{name}"')
