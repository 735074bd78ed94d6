"""``AsyncClientSession``: pymongo's async session over a mim sync session.

A subclass of pymongo's :class:`~pymongo.asynchronous.client_session.AsyncClientSession`
(so ``isinstance`` checks and type hints of async ODMs hold, and
``with_transaction``'s retry loop is pymongo's own), whose state lives in the
:class:`mim.session.ClientSession` it wraps: every transaction step and every
property is the sync session's, so both faces share one state machine and one
set of server-side rules.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession as _PyMongoAsyncSession

from ..session import ClientSession
from .facade import AsyncFacade, delegated_property

__all__ = ["AsyncClientSession"]


class _AsyncTransactionContext:
    """What ``await session.start_transaction()`` returns: ``async with`` commits
    on success and aborts on error (pymongo's behaviour)."""

    def __init__(self, session: "AsyncClientSession") -> None:
        self._session = session

    async def __aenter__(self) -> "_AsyncTransactionContext":
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._session.in_transaction:
            if exc is None:
                await self._session.commit_transaction()
            else:
                await self._session.abort_transaction()


class _AsyncBoundSession:
    """What ``session.bind()`` returns: inside ``async with``, operations without a
    ``session=`` argument use this session (pymongo >= 4.17)."""

    def __init__(self, session: "AsyncClientSession", end_session: bool) -> None:
        self._session = session
        self._end_session = end_session
        self._context: Any = None

    async def __aenter__(self) -> "AsyncClientSession":
        self._context = self._session._delegate.bind(end_session=False)
        self._context.__enter__()
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        self._context.__exit__(*exc)
        if self._end_session:
            await self._session.end_session()


class SessionState(AsyncFacade):
    """A session face's state, read from its sync delegate (pymongo's and Motor's
    spellings share it)."""

    options = delegated_property("options")
    session_id = delegated_property("session_id")
    cluster_time = delegated_property("cluster_time")
    operation_time = delegated_property("operation_time")
    has_ended = delegated_property("has_ended")
    in_transaction = delegated_property("in_transaction")

    def advance_cluster_time(self, cluster_time: Any) -> None:
        self._delegate.advance_cluster_time(cluster_time)

    def advance_operation_time(self, operation_time: Any) -> None:
        self._delegate.advance_operation_time(operation_time)


class AsyncClientSession(SessionState, _PyMongoAsyncSession):
    """A logical session on a :class:`mim.AsyncMongoClient`."""

    def __init__(self, client: Any, delegate: ClientSession) -> None:
        # pymongo's __init__ is not run: every piece of state is the delegate's
        self._delegate = delegate
        self._async_client = client
        delegate._async_face = self

    @property
    def client(self) -> Any:
        return self._async_client

    @property
    def _client(self) -> Any:
        return self._async_client

    _transaction = delegated_property("_transaction")
    _server_session = delegated_property("_server_session")

    async def start_transaction(self, read_concern: Any = None, write_concern: Any = None,
                                read_preference: Any = None,
                                max_commit_time_ms: int | None = None
                                ) -> _AsyncTransactionContext:
        self._delegate.start_transaction(read_concern, write_concern, read_preference,
                                         max_commit_time_ms)
        return _AsyncTransactionContext(self)

    async def commit_transaction(self) -> None:
        self._delegate.commit_transaction()

    async def abort_transaction(self) -> None:
        self._delegate.abort_transaction()

    async def end_session(self) -> None:
        self._delegate.end_session()

    def bind(self, end_session: bool = True) -> _AsyncBoundSession:  # type: ignore[override]
        return _AsyncBoundSession(self, end_session)

    async def __aenter__(self) -> "AsyncClientSession":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.end_session()

    def __repr__(self) -> str:
        return f"<mim.asynchronous.AsyncClientSession object at {id(self):#x}>"
