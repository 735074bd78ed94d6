"""The both-faces fixtures every suite that must answer alike on both faces uses:
each test runs once on the in-process ``mim.MongoClient`` and once on a real
pymongo client talking to ``mim.serve`` over the wire.

A suite's ``conftest.py`` calls :func:`install` with its choices, which defines
the fixtures in that conftest's namespace (as :func:`asyncface.twin.twin` fills a
twin module's).  The fixtures build clients with the conftest's own ``mim`` name,
read when they run, so an async twin that swaps ``mim`` in the conftest for its
async adapter reaches them too.
"""

from __future__ import annotations

from typing import Any

import pymongo
import pytest

__all__ = ["install"]


def install(namespace: dict[str, Any], *, in_process_id: str = "inprocess",
            db_name: str | None = None, standalone_wire: bool = False,
            standalone_in_process: bool = False, shared_engine: bool = False) -> None:
    """Define ``wire_server``, ``client`` and ``engine`` (and ``db`` when ``db_name``
    is given) in ``namespace``, a conftest's globals.

    ``in_process_id``: the in-process parameter's id (the wire one is ``"wire"``);
    ``standalone_wire`` / ``standalone_in_process``: a standalone server instead of
    the one-node replica set on that face; ``shared_engine``: the in-process client
    runs on the wire server's engine (one member, two faces).  The wire server's
    engine is reset before and after each wire test."""

    def _mim() -> Any:
        return namespace["mim"]

    def _engine_of(mim: Any, standalone: bool) -> Any:
        return mim.Server(standalone=True) if standalone else mim.Server()

    @pytest.fixture(scope="module")
    def wire_server():
        mim = _mim()
        options = {"engine": _engine_of(mim, True)} if standalone_wire else {}
        with mim.serve(port=0, **options) as running:
            yield running

    @pytest.fixture(params=[in_process_id, "wire"])
    def client(request):
        mim = _mim()
        if request.param != "wire" and not shared_engine:
            local = mim.MongoClient(server=_engine_of(mim, standalone_in_process))
            yield local
            local.close()
            return
        running = request.getfixturevalue("wire_server")
        running.engine.reset()
        if request.param == "wire":
            remote = pymongo.MongoClient(running.uri, serverSelectionTimeoutMS=5000)
        else:
            remote = mim.MongoClient(server=running.engine)
        yield remote
        remote.close()
        running.engine.reset()

    @pytest.fixture
    def engine(request, client):
        """The engine server behind ``client`` (to run a TTL pass, look inside …)."""
        if isinstance(client, pymongo.MongoClient):
            return request.getfixturevalue("wire_server").engine
        return client.server

    namespace.update(wire_server=wire_server, client=client, engine=engine)
    if db_name is not None:
        @pytest.fixture
        def db(client):
            return client[db_name]

        namespace["db"] = db
