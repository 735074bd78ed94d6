"""The ``profile`` command (the database profiler: :mod:`mim.engine.ops.profiler`)."""

from __future__ import annotations

from collections.abc import Mapping

from ..ops.profiler import profile_command
from ..storage.store import Server
from .registry import command


@command("profile")
def cmd_profile(server: Server, db: str, cmd: Mapping) -> dict:
    return profile_command(server, db, cmd)
