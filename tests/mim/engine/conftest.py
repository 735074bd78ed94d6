"""Fixtures for the engine-internals suite (write path, planning): the core suite's
private server per test."""

from core.conftest import client, coll, db  # noqa: F401  (fixtures)
