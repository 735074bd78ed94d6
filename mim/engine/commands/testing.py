"""Test commands (mongod with ``enableTestCommands=1``): ``configureFailPoint``
and ``waitForFailPoint`` over the fail points of :mod:`..ops.failpoints`, and the
Stable API's test commands drivers use to check their API parameters
(``testVersion1``, ``testVersion2`` — outside API Version 1 —, ``testDeprecation`` —
deprecated in it —, ``testDeprecationInVersion2``, ``testRemoval``): each answers
``ok`` once :mod:`.api_version`'s checks let it run."""

from __future__ import annotations

import time
from collections.abc import Mapping

from ..ops.failpoints import fail_points_of
from ..storage.store import Server
from ..values.errors import ServerError
from ..values.order import type_name
from .registry import command


@command("configureFailPoint")
def cmd_configure_fail_point(server: Server, db: str, cmd: Mapping) -> dict:
    """Set a fail point's mode and data; replies with how often it had been entered."""
    entered = fail_points_of(server).configure(cmd["configureFailPoint"], cmd)
    return {"count": entered, "ok": 1.0}


@command("waitForFailPoint")
def cmd_wait_for_fail_point(server: Server, db: str, cmd: Mapping) -> dict:
    """Wait until a fail point has been entered ``timesEntered`` times (``maxTimeMS``
    is required, as in the server's IDL)."""
    for field in ("timesEntered", "maxTimeMS"):
        if field not in cmd:
            raise ServerError(40414, f"BSON field 'waitForFailPoint.{field}' is missing but "
                                     f"a required field")
    times = cmd["timesEntered"]
    if isinstance(times, bool) or not isinstance(times, (int, float)):
        raise ServerError(14, f"BSON field 'waitForFailPoint.timesEntered' is the wrong type "
                              f"'{type_name(times)}', expected types '[long, int, decimal, "
                              f"double]'")
    limit = cmd["maxTimeMS"]
    deadline = time.monotonic() + limit / 1000 if limit else None
    fail_points_of(server).wait_for(cmd["waitForFailPoint"], int(times), deadline)
    return {"ok": 1.0}


@command("testVersion1", "testVersion2", "testDeprecation", "testDeprecationInVersion2",
         "testRemoval")
def cmd_api_version_test_command(server: Server, db: str, cmd: Mapping) -> dict:
    """A Stable API test command: it does nothing (``ok``)."""
    return {"ok": 1.0}
