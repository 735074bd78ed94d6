"""Motor's spelling of the async face, for code not yet moved to ``AsyncMongoClient``.

Motor (deprecated in favour of pymongo's async API) differs in two visible ways:
``await client.start_session()`` is a coroutine, and ``client.close()`` is a
plain call.  Databases, collections and cursors behave as pymongo's async ones
(what Motor 3 delegates to), so the ``AsyncIOMotor*`` names of those are the
same classes.
"""

from __future__ import annotations

from typing import Any

from .client import AsyncMongoClient
from .collection import AsyncCollection
from .cursor import AsyncCommandCursor, AsyncCursor
from .database import AsyncDatabase
from .session import AsyncClientSession

__all__ = ["AsyncIOMotorClient", "AsyncIOMotorDatabase", "AsyncIOMotorCollection",
           "AsyncIOMotorCursor", "AsyncIOMotorCommandCursor", "AsyncIOMotorClientSession"]


class AsyncIOMotorClient(AsyncMongoClient):
    """A mim async client spelled as Motor's ``AsyncIOMotorClient``."""

    async def start_session(self, causal_consistency: bool | None = None,  # type: ignore[override]
                            default_transaction_options: Any = None,
                            snapshot: bool | None = False) -> AsyncClientSession:
        """``await client.start_session()``, as in Motor."""
        return self._start_session(causal_consistency, default_transaction_options, snapshot)

    def close(self) -> None:  # type: ignore[override]
        """Motor's ``close()`` is a plain call."""
        self._delegate.close()

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


AsyncIOMotorDatabase = AsyncDatabase
AsyncIOMotorCollection = AsyncCollection
AsyncIOMotorCursor = AsyncCursor
AsyncIOMotorCommandCursor = AsyncCommandCursor
AsyncIOMotorClientSession = AsyncClientSession
