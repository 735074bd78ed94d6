"""pytest plugin: in-memory MongoDB fixtures, and the same fixtures on a real server.

Registered through the ``pytest11`` entry point, so it is active whenever mim
is installed.  Fixtures:

``mim_client`` / ``mim_db``
    A fresh client (on a fresh, private :class:`mim.Server`) and a database on
    it, per test: nothing leaks from one test to the next.
``mim_session_client`` / ``mim_session_db``
    One client and database for the whole session (their own server, so the
    per-test fixtures never see or wipe them).
``mim_async_client`` / ``mim_async_db``
    The async face of ``mim_client`` / ``mim_db``: a :class:`mim.AsyncMongoClient`
    on the same per-test server (data written through one is seen through the
    other).  Plain fixtures, so they serve ``async def`` tests under
    pytest-asyncio and anyio alike, on whatever loop the test runs; on a real
    server, a ``pymongo.AsyncMongoClient``.
``mim_driver_client`` / ``mim_driver_db`` / ``mim_driver_async_client``
    *Real* pymongo clients (``pymongo.MongoClient`` / ``AsyncMongoClient``)
    whose connections reach ``mim_client``'s server in process
    (:mod:`mim.driver`): for code that insists on pymongo's own classes
    (``isinstance`` checks, pymongo's ``gridfs``, monitoring).  On a real
    server, real clients to it.
``mim_server``
    The per-test :class:`mim.Server` behind ``mim_client`` (``None`` on a real
    server).
``mim_patch``
    Applies :func:`mim.patch` for the test: every ``pymongo.MongoClient(...)``
    the code under test builds lands on the test's server, so ``mim_client``
    sees its writes.  ``@pytest.mark.mim`` does the same for a marked test
    (or class, or module: ``pytestmark = pytest.mark.mim``), and
    ``@pytest.mark.mim(servers=["db:27017"])`` redirects only those addresses;
    ``@pytest.mark.mim(driver=True)`` keeps pymongo's own client classes and
    routes their connections into mim (``mim.patch(driver=True)``).

Options:

``--mim-real-server URI`` (or the ``MIM_REAL_SERVER`` / ``MONGODB_URI``
environment variables)
    Point the very same fixtures at a real server: ``mim_client`` is a real
    ``pymongo.MongoClient``, ``mim_db`` a uniquely named database, and every
    database a test creates is dropped after it.  ``mim_patch`` and the marker
    then patch nothing (the code under test connects where it is configured
    to).  Use a server dedicated to tests.
``--mim-patch``
    Patch ``pymongo.MongoClient`` for the whole run, from before test modules
    are imported (so module-level clients are in memory too); the patched
    servers are wiped after every test.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pymongo
import pytest

import mim

_REAL_KEY = pytest.StashKey[Any]()
_SESSION_PATCH_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mim", "mim (in-memory MongoDB)")
    group.addoption("--mim-real-server", metavar="URI", default=None,
                    help="run the mim fixtures against the real MongoDB server at URI "
                         "(default: $MIM_REAL_SERVER, then $MONGODB_URI; unset: in memory)")
    group.addoption("--mim-patch", action="store_true", default=False,
                    help="patch pymongo.MongoClient to mim for the whole run (before test "
                         "modules are imported); patched servers are wiped after each test")


def real_server_uri(config: pytest.Config) -> str | None:
    """The real server the fixtures use, or ``None`` for in-memory mim."""
    return (config.getoption("--mim-real-server") or os.environ.get("MIM_REAL_SERVER")
            or os.environ.get("MONGODB_URI") or None)


def _mask(uri: str) -> str:
    return re.sub(r"://[^@/]*@", "://***@", uri)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mim(servers=None, driver=False): patch pymongo.MongoClient to mim for this "
                   "test (only the given addresses if servers is set; real pymongo clients "
                   "connected to mim in process if driver); see the mim_patch fixture")
    if config.getoption("--mim-patch") and real_server_uri(config) is None:
        config.stash[_SESSION_PATCH_KEY] = mim.patch().start()


def pytest_unconfigure(config: pytest.Config) -> None:
    session_patch = config.stash.get(_SESSION_PATCH_KEY, None)
    if session_patch is not None and session_patch.active:
        session_patch.stop()


def pytest_report_header(config: pytest.Config) -> str:
    uri = real_server_uri(config)
    if uri is None:
        patched = ", pymongo patched for the whole run" if config.getoption("--mim-patch") \
            else ""
        return f"mim: in-memory MongoDB (mim {mim.__version__}){patched}"
    return f"mim: fixtures on the real server {_mask(uri)}"


class _RealServer:
    """The session's connection to a real server and the databases it made."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.client: Any = pymongo.MongoClient(uri)
        self.prefix = f"mim_test_{uuid.uuid4().hex[:8]}_"
        self._count = 0

    def database_name(self) -> str:
        self._count += 1
        return f"{self.prefix}{self._count}"

    def names(self) -> set[str]:
        return set(self.client.list_database_names())

    def drop_new(self, before: set[str], keep: set[str] = frozenset()) -> None:
        """Drop the databases created since ``before`` (never another run's test DBs)."""
        for name in self.names() - before - set(keep):
            if name.startswith("mim_test_") and not name.startswith(self.prefix):
                continue
            self.client.drop_database(name)


@pytest.fixture(scope="session")
def _mim_real(pytestconfig: pytest.Config) -> Iterator[_RealServer | None]:
    uri = real_server_uri(pytestconfig)
    if uri is None:
        yield None
        return
    real = _RealServer(uri)
    try:
        yield real
    finally:
        real.client.close()


@pytest.fixture
def mim_server(_mim_real: _RealServer | None) -> mim.Server | None:
    """A fresh, private in-memory server for this test (``None`` on a real server)."""
    return mim.Server() if _mim_real is None else None


@pytest.fixture
def mim_client(_mim_real: _RealServer | None, mim_server: mim.Server | None,
               _mim_session_names: set[str]) -> Iterator[Any]:
    """A client on a fresh in-memory server; on a real server, databases created by
    the test are dropped after it."""
    if _mim_real is None:
        client = mim.MongoClient(server=mim_server)
        yield client
        client.reset()
        return
    before = _mim_real.names()
    try:
        yield _mim_real.client
    finally:
        _mim_real.drop_new(before, keep=_mim_session_names)


@pytest.fixture
def mim_db(mim_client: Any, _mim_real: _RealServer | None) -> Any:
    """A database on ``mim_client`` (``test`` in memory, a unique name on a real server)."""
    name = "test" if _mim_real is None else _mim_real.database_name()
    database = mim_client[name]
    yield database
    if _mim_real is not None:
        mim_client.drop_database(name)


@pytest.fixture
def mim_async_client(mim_client: Any, _mim_real: _RealServer | None) -> Iterator[Any]:
    """``mim_client``'s async face (same server); a pymongo ``AsyncMongoClient`` on a
    real server.  A plain fixture: the async client binds to no loop until used."""
    if _mim_real is None:
        yield mim.AsyncMongoClient._wrapping(mim_client)
        return
    client = pymongo.AsyncMongoClient(_mim_real.uri)
    yield client
    _close_real_async_client(client)


def _close_real_async_client(client: Any) -> None:
    """Close a pymongo async client after its test's loop has ended (a fresh loop)."""
    try:
        asyncio.run(client.close())
    except RuntimeError:  # a loop still runs in this thread: the client dies with it
        pass


@pytest.fixture
def mim_async_db(mim_async_client: Any, mim_db: Any) -> Any:
    """``mim_db``'s database on ``mim_async_client``."""
    return mim_async_client[mim_db.name]


@pytest.fixture
def mim_driver_client(mim_client: Any, mim_server: mim.Server | None,
                      _mim_real: _RealServer | None) -> Iterator[Any]:
    """A real ``pymongo.MongoClient`` on ``mim_client``'s server (in process)."""
    if _mim_real is not None:
        yield mim_client
        return
    client = mim.driver_client(server=mim_server)
    yield client
    client.close()


@pytest.fixture
def mim_driver_db(mim_driver_client: Any, mim_db: Any) -> Any:
    """``mim_db``'s database through ``mim_driver_client`` (a ``pymongo`` Database)."""
    return mim_driver_client[mim_db.name]


@pytest.fixture
def mim_driver_async_client(mim_client: Any, mim_server: mim.Server | None,
                            _mim_real: _RealServer | None) -> Iterator[Any]:
    """A real ``pymongo.AsyncMongoClient`` on ``mim_client``'s server (in process);
    a plain fixture, so it serves pytest-asyncio and anyio tests alike."""
    uri = _mim_real.uri if _mim_real is not None else None
    client = pymongo.AsyncMongoClient(uri) if uri else mim.driver_async_client(server=mim_server)
    yield client
    _close_real_async_client(client)


@pytest.fixture(scope="session")
def _mim_session_names() -> set[str]:
    """Names of the session-scoped databases (kept until the session ends)."""
    return set()


@pytest.fixture(scope="session")
def mim_session_client(_mim_real: _RealServer | None) -> Iterator[Any]:
    """One client for the whole session, on its own in-memory server."""
    if _mim_real is None:
        client = mim.MongoClient(server=mim.Server())
        yield client
        client.reset()
        return
    yield _mim_real.client


@pytest.fixture(scope="session")
def mim_session_db(mim_session_client: Any, _mim_real: _RealServer | None,
                   _mim_session_names: set[str]) -> Iterator[Any]:
    """One database for the whole session (dropped at the end on a real server)."""
    name = "test_session" if _mim_real is None else _mim_real.database_name()
    _mim_session_names.add(name)
    yield mim_session_client[name]
    if _mim_real is not None:
        mim_session_client.drop_database(name)


@pytest.fixture
def mim_patch(request: pytest.FixtureRequest, mim_client: Any,
              mim_server: mim.Server | None) -> Iterator[Any]:
    """Patch ``pymongo.MongoClient`` for this test onto ``mim_client``'s server;
    yields ``mim_client``.  No patch on a real server."""
    if mim_server is None:
        yield mim_client
        return
    marker = request.node.get_closest_marker("mim")
    servers = marker.kwargs.get("servers") if marker is not None else None
    if marker is not None and marker.args:
        servers = marker.args[0]
    driver = bool(marker.kwargs.get("driver", False)) if marker is not None else False
    with mim.patch(servers=servers, server=mim_server, driver=driver):
        yield mim_client


@pytest.fixture(autouse=True)
def _mim_marker_and_session_patch(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("mim") is not None:
        request.getfixturevalue("mim_patch")
    yield
    session_patch = request.config.stash.get(_SESSION_PATCH_KEY, None)
    if session_patch is not None:
        session_patch.reset()
