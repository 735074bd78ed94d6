"""Fixtures for the mapper tests: one ODM session per test on each backend.

Backends (parametrised through ``odm_backend``):

* ``mim``: an in-process mim server (``mim://<unique host>/...``);
* ``wire``: real pymongo talking to ``mim.serve(port=0)`` over the wire
  protocol (the one server of the test session, shared with the foundation
  suite);
* ``pymongo``: a real server named by ``MONGODB_URI`` (skipped without it).

Mapped classes are declared inside each test, so the global mapper registry
is restored after every test.
"""
from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from conftest import _real_engines, backend_uri
from odm import create_datastore, create_engine
from odm.datastore import DataStore
from odm.odm import ODMSession, ThreadLocalODMSession
from odm.odm.mapper import Mapper

MAPPER_BACKENDS = ["mim", "wire", "pymongo"]

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


@pytest.fixture(params=MAPPER_BACKENDS)
def odm_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def odm_datastore(odm_backend: str) -> Iterator[DataStore]:
    ds = make_mapper_datastore(odm_backend)
    yield ds
    if odm_backend != "mim":
        ds.conn.drop_database(ds.name)


@pytest.fixture
def odm_session(odm_datastore: DataStore) -> ODMSession:
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
def standalone_session(odm_backend: str) -> Iterator[ODMSession]:
    """An ODM session on a mim that answers as a 7.0 standalone (``mim.Server(standalone=True)``):
    in process for ``mim``, through ``mim.serve`` for ``wire``; the real-server run has none."""
    if odm_backend == "pymongo":
        pytest.skip("a standalone is started only as mim (in process or behind the wire server)")
    import mim

    server = mim.Server(standalone=True)
    name = f"odm_standalone_{uuid.uuid4().hex[:8]}"
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
