"""Fail points: mongod's fault injection for tests (``configureFailPoint``).

mim runs as ``mongod --setParameter enableTestCommands=1`` does, with the fail
points drivers' and users' test suites use: ``failCommand``
(``src/mongo/db/commands.cpp``, ``CommandHelpers::evaluateFailCommandFailPoint``),
and ``maxTimeAlwaysTimeOut`` / ``maxTimeNeverTimeOut`` (an operation run with a
``maxTimeMS`` always / never exceeds it: :func:`max_time_override`).
A fail point has a mode (``off``, ``alwaysOn``, ``{times: n}``, ``{skip: n}``,
``{activationProbability: p}``, parsed as ``FailPoint::parseBSON`` does) and a
``data`` document saying which commands fail and how.

Both faces ask :func:`fail_command` before running a command, outside the
engine's lock (so ``blockConnection`` stalls one client, not the server); it
answers with a :class:`Failure` the face turns into its own kind of failure
(a reply, a closed socket, pymongo's ``AutoReconnect``).

Error labels are the data's ``errorLabels``, else the ones mongod adds on its
own (``getErrorLabels``, :func:`server_error_labels`): TransientTransactionError
on a transaction's statement or commit, RetryableWriteError on a retryable write
or a commit/abort failing with a retryable code - what drivers decide to retry on.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..storage.attached import PerServer
from ..values.errors import ServerError
from .error_labels import RETRIABLE_CODES, error_labels
from ..values.order import type_name

__all__ = ["FailPoints", "Failure", "fail_points_of", "fail_command", "FAIL_COMMAND_ERRMSG",
           "write_concern_error_reply", "max_time_override", "fail_get_more",
           "RESUMABLE_CHANGE_STREAM_CODES", "server_error_labels", "RETRIABLE_CODES",
           "ConnectionClosedByFailPoint"]

#: the message of every error the failCommand fail point raises
FAIL_COMMAND_ERRMSG = "Failing command via 'failCommand' failpoint"

#: commands a fail point never fails (``shouldActivateFailCommandFailPoint``:
#: "Banned even if in failCommands")
_NEVER_FAILED = frozenset({"configureFailPoint"})

_INT_MAX = 2 ** 31 - 1


class ConnectionClosedByFailPoint(Exception):
    """A fail point ended the client's connection (``onPrimaryTransactionalWrite``'s
    ``closeConnection``): the command gets no reply; the wire server closes the
    socket, the in-process face raises pymongo's AutoReconnect."""


@dataclass
class FailPoint:
    """One fail point's mode and data (``FailPoint`` in ``util/fail_point.h``)."""

    mode: str = "off"  # off | alwaysOn | times | skip | random
    value: float = 0
    data: dict[str, Any] = field(default_factory=dict)
    times_entered: int = 0

    def document(self) -> dict[str, Any]:
        modes = {"off": 0, "alwaysOn": 1, "random": 2, "times": 3, "skip": 4}
        return {"mode": modes[self.mode], "data": self.data, "timesEntered": self.times_entered}


class FailPoints:
    """The fail points of one server, by name (mongod's ``globalFailPointRegistry``)."""

    NAMES = ("failCommand", "maxTimeAlwaysTimeOut", "maxTimeNeverTimeOut",
             "failGetMoreAfterCursorCheckout", "onPrimaryTransactionalWrite")

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._points = {name: FailPoint() for name in self.NAMES}
        #: whether any fail point is on: the faces' plain path reads this one attribute
        self.armed = False

    def configure(self, name: Any, cmd: Mapping[str, Any]) -> int:
        """Set fail point ``name`` from a ``configureFailPoint`` command; the number of
        times it had been entered."""
        if not isinstance(name, str) or name not in self._points:
            raise ServerError(266, f"{name} not found")
        mode, value = _parse_mode(cmd)
        data = cmd.get("data", {})
        if "data" in cmd and not isinstance(data, Mapping):
            raise ServerError(14, "the 'data' option must be a JSON object")
        with self._lock:
            point = self._points[name]
            entered = point.times_entered
            point.mode, point.value, point.data = mode, value, dict(data)
            self._update_armed()
            self._lock.notify_all()
            return entered

    def _update_armed(self) -> None:
        self.armed = any(point.mode != "off" for point in self._points.values())

    def wait_for(self, name: Any, times_entered: int, deadline: float | None) -> None:
        """Block until fail point ``name`` has been entered ``times_entered`` times
        (``waitForFailPoint``)."""
        if not isinstance(name, str) or name not in self._points:
            raise ServerError(266, f"{name} not found")
        with self._lock:
            while self._points[name].times_entered < times_entered:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise ServerError(50, "operation exceeded time limit")
                self._lock.wait(remaining)

    def enter(self, name: str, applies: Any) -> dict[str, Any] | None:
        """The fail point's data if it fires for this evaluation, else None.

        ``applies(data)`` says whether the point concerns this command at all; as in
        ``FailPoint::executeIf``, a ``times``/``skip`` count moves only when it does."""
        if self._points[name].mode == "off":
            return None  # the common case, decided without the lock (a read of one attribute)
        with self._lock:
            point = self._points[name]
            if point.mode == "off" or not applies(point.data):
                return None
            if point.mode == "skip" and point.value > 0:
                point.value -= 1
                return None
            if point.mode == "random" and random.random() >= point.value:
                return None
            if point.mode == "times":
                point.value -= 1
                if point.value <= 0:
                    point.mode = "off"
                    self._update_armed()
            point.times_entered += 1
            self._lock.notify_all()
            return point.data


#: ``fail_points_of(server)``: the fail points of an engine server
fail_points_of: PerServer[FailPoints] = PerServer(FailPoints)


def _always(data: Any) -> bool:
    return True


def max_time_override(server: Any) -> str | None:
    """For an operation with a time limit: ``"expire"`` when ``maxTimeAlwaysTimeOut``
    fires (the operation fails with MaxTimeMSExpired), ``"ignore"`` when
    ``maxTimeNeverTimeOut`` fires (its limit is not enforced), else None."""
    points = fail_points_of(server)
    if not points.armed:
        return None
    if points.enter("maxTimeAlwaysTimeOut", _always) is not None:
        return "expire"
    if points.enter("maxTimeNeverTimeOut", _always) is not None:
        return "ignore"
    return None


def _parse_mode(cmd: Mapping[str, Any]) -> tuple[str, float]:
    """``FailPoint::parseBSON``'s reading of ``mode``."""
    if "mode" not in cmd:
        raise ServerError(20, "When setting a failpoint, you must supply a 'mode'")
    mode = cmd["mode"]
    if isinstance(mode, str):
        if mode in ("off", "alwaysOn"):
            return mode, 0
        raise ServerError(2, f"unknown mode: {mode}")
    if not isinstance(mode, Mapping):
        raise ServerError(14, "'mode' must be a string or JSON object")
    for key in ("times", "skip"):
        if key in mode:
            count = mode[key]
            if isinstance(count, bool) or not isinstance(count, (int, float)) \
                    or count != int(count):
                raise ServerError(14, f"Expected field \"{key}\" to have numeric type, but "
                                      f"found {type_name(count)}")
            if count < 0:
                raise ServerError(2, f"'{key}' option to 'mode' must be positive")
            if count > _INT_MAX:
                raise ServerError(2, f"'{key}' option to 'mode' is too large")
            return key, int(count)
    if "activationProbability" in mode:
        probability = mode["activationProbability"]
        if isinstance(probability, bool) or not isinstance(probability, (int, float)):
            raise ServerError(14, "the 'activationProbability' option to 'mode' must be a "
                                  "double between 0 and 1")
        if not 0 <= probability <= 1:
            raise ServerError(2, f"activationProbability must be between 0.0 and 1.0; "
                                 f"found {probability}")
        return "random", float(probability)
    raise ServerError(2, "'mode' must be one of 'off', 'alwaysOn', '{times:n}', '{skip:n}' or "
                         "'{activationProbability:p}'")


@dataclass
class Failure:
    """What the failCommand fail point does to one command."""

    close_connection: bool = False
    #: the error reply (``ok: 0``), or None
    error: ServerError | None = None
    #: a ``writeConcernError`` to add to the command's successful reply, or None
    write_concern_error: dict[str, Any] | None = None
    #: labels to put on the reply (the data's ``errorLabels``), or None for the default
    error_labels: list[str] | None = None


def server_error_labels(name: str, cmd: Mapping[str, Any], code: int | None,
                        write_concern_code: int | None) -> list[str]:
    """The labels mongod's ``getErrorLabels`` puts on an error of command ``name``
    (:func:`.error_labels.error_labels`, the one reading of ``error_labels.cpp``)."""
    return error_labels(cmd, name, code, write_concern_code)


def fail_command(server: Any, name: str, app_name: str | None,
                 cmd: Mapping[str, Any] | None = None,
                 aliases: tuple[str, ...] = ()) -> Failure | None:
    """Evaluate the failCommand fail point for command ``name`` sent by a client
    called ``app_name``: None when it does not fire; else what to do (after
    sleeping ``blockTimeMS`` when ``blockConnection`` is set).  ``cmd``, the
    command itself, gives the labels the server adds when the data names none;
    ``aliases``, every name of the command: ``failCommands`` matches any of them."""
    if name in _NEVER_FAILED:
        return None

    def applies(data: Mapping[str, Any]) -> bool:
        commands = data.get("failCommands")
        if not isinstance(commands, list) or (
                name not in commands and not any(alias in commands for alias in aliases)):
            return False
        return "appName" not in data or data["appName"] == app_name

    data = fail_points_of(server).enter("failCommand", applies)
    if data is None:
        return None
    if data.get("blockConnection"):
        time.sleep(max(0, data.get("blockTimeMS", 0)) / 1000)
    labels = data.get("errorLabels")
    failure = Failure(error_labels=list(labels) if isinstance(labels, list) else None)
    if data.get("closeConnection"):
        failure.close_connection = True
        return failure
    if "writeConcernError" in data:
        failure.write_concern_error = dict(data["writeConcernError"])
    code = int(data["errorCode"]) if "errorCode" in data else None
    if failure.error_labels is None and cmd is not None:
        concern_code = (failure.write_concern_error or {}).get("code")
        labels = server_error_labels(name, cmd, code,
                                     int(concern_code) if concern_code is not None else None)
        failure.error_labels = labels or None
    if code is not None:
        extra = {"errorLabels": failure.error_labels} if failure.error_labels is not None \
            else {}
        failure.error = ServerError(code, FAIL_COMMAND_ERRMSG, **extra)
    return failure if failure.error or failure.write_concern_error else None


def write_concern_error_reply(reply: dict[str, Any], failure: Failure) -> dict[str, Any]:
    """A successful ``reply`` with the fail point's ``writeConcernError`` added."""
    assert failure.write_concern_error is not None
    error = failure.write_concern_error  # passed on as the data gives it
    reply["writeConcernError"] = error
    if failure.error_labels is not None:
        reply["errorLabels"] = failure.error_labels
    return reply


#: codes a change stream ``getMore`` fails with that the server labels
#: ``ResumableChangeStreamError`` (retriable, network, not-primary, shutdown and
#: stale-routing errors, ``RetryChangeStream``, ``FailedToSatisfyReadPreference``)
RESUMABLE_CHANGE_STREAM_CODES = frozenset({6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602,
                                           13435, 13436, 63, 150, 13388, 234, 133})


def fail_get_more(server: Any, change_stream: bool) -> None:
    """The ``failGetMoreAfterCursorCheckout`` fail point, evaluated once a
    ``getMore`` has its cursor: it fails with the data's ``errorCode``
    (InternalError by default).  Unlike ``failCommand`` the error goes through
    the server's own labelling, so a change stream's resumable error carries
    ``ResumableChangeStreamError`` (what drivers decide to resume on)."""
    data = fail_points_of(server).enter("failGetMoreAfterCursorCheckout", _always)
    if data is None:
        return
    code = int(data.get("errorCode", 1))
    extra = {"errorLabels": ["ResumableChangeStreamError"]} \
        if change_stream and code in RESUMABLE_CHANGE_STREAM_CODES else {}
    raise ServerError(code, "Hit the 'failGetMoreAfterCursorCheckout' failpoint", **extra)


def _always(data: Mapping[str, Any]) -> bool:
    return True
