"""Fixtures running every ODM test on each database backend.

* ``mim``: an in-process mim server reached through ``create_datastore('mim://...')``,
  a private server (unique host name) per test;
* ``wire``: a real ``pymongo.MongoClient(server.uri)`` talking to
  ``mim.serve(port=0)`` over the wire protocol — one server for the whole test
  session, a fresh database per test (dropped afterwards);
* ``pymongo``: a real ``pymongo.MongoClient`` on the server named by the
  ``MONGODB_URI`` environment variable, a fresh database per test (dropped
  afterwards).  Without ``MONGODB_URI`` these runs are skipped, saying so.

The ODM never imports mim itself; ``create_datastore('mim://...')`` does, at
connect time, and for ``wire`` the tests start the server and the ODM only
sees a ``mongodb://`` URI.
"""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from odm import Session, create_datastore, create_engine  # noqa: E402
from odm.datastore import DataStore  # noqa: E402

BACKENDS = ["mim", "wire", "pymongo"]
# backends whose databases outlive a test and are dropped by the fixtures
SHARED_SERVER_BACKENDS = ("wire", "pymongo")


def pytest_report_header(config: pytest.Config) -> str:
    uri = os.environ.get("MONGODB_URI")
    real = "MONGODB_URI=" + uri if uri else "skipped: MONGODB_URI unset"
    return f"odm backends: mim (mim://), wire (pymongo -> mim.serve(port=0)), pymongo ({real})"


_real_engines: dict[str, object] = {}
_wire: dict[str, object] = {}


def wire_uri() -> str:
    """The URI of the session's wire server (``mim.serve(port=0)``), started on first use."""
    server = _wire.get("server")
    if server is None:
        import mim

        server = _wire["server"] = mim.serve(port=0)
    return server.uri  # type: ignore[attr-defined]


def backend_uri(backend: str) -> str:
    """The ``mongodb://`` URI a non-mim backend connects to (skipping when there is none)."""
    if backend == "wire":
        return wire_uri()
    uri = os.environ.get("MONGODB_URI")
    if not uri:
        pytest.skip("MONGODB_URI is not set: the real-MongoDB run of the ODM suite needs a server URI")
    return uri


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for engine in _real_engines.values():
        conn = getattr(engine, "_conn", None)
        if conn is not None:
            conn.close()
    _real_engines.clear()
    server = _wire.pop("server", None)
    if server is not None:
        server.stop()  # type: ignore[attr-defined]


def make_datastore(backend: str, name: str = "odm_test") -> DataStore:
    """A datastore on a fresh, empty database of the given backend."""
    unique = uuid.uuid4().hex[:12]
    if backend == "mim":
        # a host name of its own: a private in-memory server for this test
        return create_datastore(f"mim://odm-{unique}/{name}")
    uri = backend_uri(backend)
    engine = _real_engines.get(uri)
    if engine is None:
        engine = _real_engines[uri] = create_engine(uri)
    return DataStore(engine, f"{name}_{unique}")  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def datastore(backend: str) -> Iterator[DataStore]:
    ds = make_datastore(backend)
    yield ds
    if backend in SHARED_SERVER_BACKENDS:
        ds.conn.drop_database(ds.name)


@pytest.fixture
def session(datastore: DataStore) -> Session:
    return Session(datastore)


@pytest.fixture(autouse=True)
def _clean_session_registry() -> Iterator[None]:
    # Session.by_name/configure keep process-wide registries; tests must not leak them.
    saved_registry = dict(Session._registry)
    saved_datastores = dict(Session._datastores)
    yield
    Session._registry.clear()
    Session._registry.update(saved_registry)
    Session._datastores = saved_datastores
