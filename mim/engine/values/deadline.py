"""``maxTimeMS``: an operation's deadline, and the checks that enforce it.

A command with ``maxTimeMS`` runs inside :func:`operation_deadline`; the
loops that can run long (collection scans, every pipeline stage's output,
``$densify``'s generator, regex matching) call :func:`check` or iterate
through :func:`checked`, which raise the server's 50 MaxTimeMSExpired
"operation exceeded time limit" once the deadline has passed.

Without a deadline nothing is wrapped and nothing is checked: the cost of
``maxTimeMS`` is paid only by the operations that ask for it.  The deadline
is per thread (each wire connection and each in-process caller runs its own
operation).

A regular expression is one call into the regex engine and cannot be
interrupted between documents only: with the optional ``regex`` package
installed (``pip install mim-odm[timeouts]``), a match under a deadline runs
with that package's ``timeout`` and a catastrophic pattern stops at the
deadline; with the standard ``re`` module alone the deadline is checked
between matches.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import ServerError

try:  # optional (mim-odm[timeouts]): regex matching that a deadline can interrupt
    import regex as _interruptible_re
except ImportError:  # pragma: no cover - depends on the environment
    _interruptible_re = None

__all__ = ["operation_deadline", "THREAD_DEADLINE", "parse_max_time_ms", "check", "checked", "remaining",
           "active", "expired_error", "regex_search", "INTERRUPTIBLE_REGEX", "CHECK_EVERY"]

#: True when the ``regex`` package is installed: a deadline interrupts a match
INTERRUPTIBLE_REGEX = _interruptible_re is not None

#: documents between two clock reads in a checked loop
CHECK_EVERY = 64
_INT32_MAX = 2**31 - 1

class _DeadlineState(threading.local):
    #: when the current thread's operation must stop (``time.monotonic()``), or None
    expires: float | None = None


_state = _DeadlineState()
#: the current thread's deadline state: a hot path reads ``THREAD_DEADLINE.expires``
#: (None: no deadline) and calls :func:`check` only when there is one
THREAD_DEADLINE = _state


def expired_error() -> ServerError:
    return ServerError(50, "operation exceeded time limit")


def parse_max_time_ms(value: Any) -> int:
    """``parseMaxTimeMS``: a non-negative int32 number of milliseconds (0: no limit)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) and \
            not hasattr(value, "to_decimal"):
        raise ServerError(2, "maxTimeMS must be a number")
    if hasattr(value, "to_decimal"):
        value = float(value.to_decimal())
    if isinstance(value, float):
        if value != value:
            value_long = 0
        elif value >= 2**63:
            value_long = 2**63 - 1
        elif value < -(2**63):
            value_long = -(2**63)
        else:
            value_long = int(value)
    else:
        value_long = int(value)
    if value_long < 0 or value_long > _INT32_MAX:
        raise ServerError(2, f"{value_long} value for maxTimeMS is out of range")
    if isinstance(value, float) and value != int(value):
        raise ServerError(2, "maxTimeMS has non-integral value")
    return value_long


class operation_deadline:  # noqa: N801 - used as a function: ``with operation_deadline(ms):``
    """Run the body under a deadline ``max_time_ms`` from now (None or 0: none).

    A deadline already set by an enclosing operation stays if it is earlier.
    (A class, not a generator: without ``maxTimeMS`` it costs next to nothing.)
    """

    __slots__ = ("milliseconds", "previous")

    def __init__(self, max_time_ms: Any) -> None:
        self.milliseconds = parse_max_time_ms(max_time_ms) if max_time_ms is not None else 0
        self.previous: float | None = None

    def __enter__(self) -> None:
        if self.milliseconds:
            self.previous = previous = _state.expires
            expires = time.monotonic() + self.milliseconds / 1000.0
            _state.expires = expires if previous is None else min(previous, expires)

    def __exit__(self, *exc: Any) -> None:
        if self.milliseconds:
            _state.expires = self.previous


def active() -> bool:
    """True while the current thread's operation has a deadline."""
    return _state.expires is not None


def remaining() -> float | None:
    """Seconds left before the deadline (None: no deadline)."""
    expires = _state.expires
    if expires is None:
        return None
    return expires - time.monotonic()


def check() -> None:
    """Raise 50 MaxTimeMSExpired if the current operation's deadline has passed."""
    expires = _state.expires
    if expires is not None and time.monotonic() >= expires:
        raise expired_error()


def _checking(items: Iterable[Any], expires: float) -> Iterator[Any]:
    monotonic = time.monotonic
    countdown = CHECK_EVERY
    for item in items:
        countdown -= 1
        if not countdown:
            countdown = CHECK_EVERY
            if monotonic() >= expires:
                raise expired_error()
        yield item
    if monotonic() >= expires:
        raise expired_error()


def checked(items: Iterable[Any]) -> Iterable[Any]:
    """``items``, checking the deadline every :data:`CHECK_EVERY` items; ``items``
    itself when there is no deadline (no cost)."""
    expires = _state.expires
    if expires is None:
        return items
    if time.monotonic() >= expires:
        raise expired_error()
    return _checking(items, expires)


@functools.lru_cache(maxsize=256)
def _interruptible(pattern: str, flags: int) -> Any:
    return _interruptible_re.compile(pattern, flags)  # type: ignore[union-attr]


def regex_search(compiled: re.Pattern) -> Callable[..., Any]:
    """``compiled.search`` for the operation about to run: as it is without a
    deadline; under one, a search that checks the deadline first and, with
    the ``regex`` package, stops a match still running at the deadline."""
    expires = _state.expires
    if expires is None:
        return compiled.search
    plain = compiled.search
    timed = _interruptible(compiled.pattern, compiled.flags).search \
        if _interruptible_re is not None else None

    def search(text: str, pos: int = 0) -> Any:
        left = expires - time.monotonic()
        if left <= 0:
            raise expired_error()
        if timed is None:
            return plain(text, pos)
        try:
            return timed(text, pos, timeout=left)
        except TimeoutError:
            raise expired_error() from None

    return search
