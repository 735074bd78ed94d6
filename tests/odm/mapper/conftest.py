"""Fixtures for the mapper tests: one ODM session per test on each backend.

Backends (parametrised through ``odm_backend``):

* ``mim``: an in-process mim server (``mim://<unique host>/...``);
* ``wire``: real pymongo talking to ``mim.serve(port=0)`` over the wire
  protocol (the one server of the test session, shared with the foundation
  suite);
* ``pymongo``: a real server named by ``MONGODB_URI`` (skipped without it);
* ``mim-async``, ``wire-async``, ``pymongo-async`` (the async twin, for every module but
  those of :data:`SYNC_ONLY_MODULES`): the same servers through an async client
  (``mim.AsyncMongoClient``, ``pymongo.AsyncMongoClient``) on an event loop running in a
  thread of its own; ``odm_session`` is then an :class:`odm.AsyncODMSession` and
  ``odm_datastore`` its datastore, both seen through :class:`odm.blocking.Blocking`, so
  every call of the unchanged test body goes through the awaited API and the async driver.

Mapped classes are declared inside each test, so the global mapper registry
is restored after every test.
"""
from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any, Iterator

import mim
import pymongo
import pytest

from conftest import _real_engines, backend_uri
from odm import AsyncODMSession, create_datastore, create_engine
from odm.blocking import Blocking, blocking_datastore, run, use_loop
from odm.datastore import DataStore
from odm.odm import ODMSession, ThreadLocalODMSession
from odm.odm.mapper import Mapper

MAPPER_BACKENDS = ["mim", "wire", "pymongo"]
ASYNC_BACKENDS = ["mim-async", "wire-async", "pymongo-async"]

#: The modules whose tests do not run on the async backends (every other one does: the async twin).
SYNC_ONLY_MODULES = {
    "test_flask": "Flask's request cycle is synchronous: the extension's per-request session is an ODMSession",
}

#: Tests that check what only the sync session is (not run on the async backends).
ASYNC_TWIN_EXCLUDED: dict[str, str] = {
    "test_flush_sends_only_the_changed_paths": "calls ODMSession._prepare, the sync session's internals",
    "test_validation_reordering_a_sub_document_is_not_a_change": "calls ODMSession._prepare",
    "test_thread_local_sessions_are_per_thread": "a ThreadLocalODMSession in threads of its own, not an async session",
    # what the harness's Blocking view cannot stand in for: the AsyncODMSession object itself
    "test_session_mapper_maps_a_plain_class_onto_a_document_class":
        "session.mapper() maps onto the AsyncODMSession itself, whose queries a sync body cannot await",
    "test_session_mapper_takes_properties_and_include_exclude": "the same (session.mapper)",
    "test_load_options_of_the_mapper_and_of_a_query": "the same (session.mapper)",
    "test_flush_signals_are_sent_by_the_session":
        "the sender is the AsyncODMSession, not the test's view of it (test_async_session checks it)",
    "test_dropping_down_below_the_odm": "compares database objects by identity: each Blocking view is a new one",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "odm_backend" not in metafunc.fixturenames:
        return
    backends = list(MAPPER_BACKENDS)
    if metafunc.module.__name__.rpartition(".")[2] not in SYNC_ONLY_MODULES \
            and metafunc.function.__name__ not in ASYNC_TWIN_EXCLUDED:
        backends += ASYNC_BACKENDS
    metafunc.parametrize("odm_backend", backends, indirect=True)


def make_mapper_datastore(backend: str) -> DataStore:
    unique = uuid.uuid4().hex[:12]
    if backend == "mim":
        return create_datastore(f"mim://odm-mapper-{unique}/odm_mapper")
    # the wire server (one per test session) and the engines are shared with the
    # foundation suite: see tests/odm/conftest.py
    uri = backend_uri(backend)
    engine = _real_engines.get(uri)
    if engine is None:
        engine = _real_engines[uri] = create_engine(uri)
    return DataStore(engine, f"odm_mapper_{unique}")  # type: ignore[arg-type]


@pytest.fixture
def odm_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def event_loop_in_thread() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own; the test's thread sends it the async driver's work."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="odm-test-loop", daemon=True)
    thread.start()
    use_loop(loop)
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


def async_client(backend: str, **kwargs: Any) -> Any:
    """The async client of an async backend (``mim-async``: a private in-process server)."""
    if backend == "mim-async":
        return mim.AsyncMongoClient(f"mim://odm-async-{uuid.uuid4().hex[:12]}", **kwargs)

    return pymongo.AsyncMongoClient(backend_uri(backend.removesuffix("-async")), **kwargs)


@pytest.fixture
def odm_datastore(odm_backend: str, request: pytest.FixtureRequest) -> Iterator[DataStore]:
    if odm_backend in ASYNC_BACKENDS:
        request.getfixturevalue("event_loop_in_thread")
        client = async_client(odm_backend)
        ds = blocking_datastore(client[f"odm_mapper_{uuid.uuid4().hex[:12]}"])
        yield ds
        if odm_backend != "mim-async":
            ds.conn.drop_database(ds.name)
        run(client.close())
        return
    ds = make_mapper_datastore(odm_backend)
    yield ds
    if odm_backend != "mim":
        ds.conn.drop_database(ds.name)


@pytest.fixture
def odm_session(odm_backend: str, odm_datastore: DataStore) -> Any:
    if odm_backend in ASYNC_BACKENDS:
        return Blocking(AsyncODMSession(bind=odm_datastore))
    return ODMSession(bind=odm_datastore)


@pytest.fixture
def tl_session(odm_datastore: DataStore) -> Iterator[ThreadLocalODMSession]:
    sess = ThreadLocalODMSession(bind=odm_datastore)
    yield sess
    sess.close()


@pytest.fixture(autouse=True)
def _restore_mapper_registry() -> Iterator[None]:
    saved = (dict(Mapper._registry), dict(Mapper._by_name), dict(Mapper._by_collection))
    yield
    Mapper._registry.clear()
    Mapper._registry.update(saved[0])
    Mapper._by_name.clear()
    Mapper._by_name.update(saved[1])
    Mapper._by_collection.clear()
    Mapper._by_collection.update(saved[2])


@pytest.fixture
def standalone_session(odm_backend: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """An ODM session on a mim that answers as a 7.0 standalone (``mim.Server(standalone=True)``):
    in process for ``mim``, through ``mim.serve`` for ``wire``; the real-server run has none."""
    if odm_backend.startswith("pymongo"):
        pytest.skip("a standalone is started only as mim (in process or behind the wire server)")

    server = mim.Server(standalone=True)
    name = f"odm_standalone_{uuid.uuid4().hex[:8]}"
    if odm_backend in ASYNC_BACKENDS:
        yield from _async_standalone_session(odm_backend, server, name, request)
        return
    if odm_backend == "mim":
        engine = create_engine(use_class=lambda *args, **kwargs: mim.MongoClient(server=server))
        wire = None
    else:
        wire = mim.serve(port=0, engine=server)
        engine = create_engine(wire.uri)
    sess = ODMSession(bind=DataStore(engine, name))
    yield sess
    engine.conn.close()
    if wire is not None:
        wire.stop()


def _async_standalone_session(backend: str, server: Any, name: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    request.getfixturevalue("event_loop_in_thread")
    wire = None
    if backend == "mim-async":
        client = mim.AsyncMongoClient(server=server)
    else:
        wire = mim.serve(port=0, engine=server)
        client = pymongo.AsyncMongoClient(wire.uri)
    yield Blocking(AsyncODMSession(client[name]))
    run(client.close())
    if wire is not None:
        wire.stop()
