"""Exceptions raised by the ODM that are not schema validation errors.

Schema errors live in :mod:`odm.schema` (``Invalid``) because user code that
writes custom schemas raises them itself; everything here is raised by the
library about misuse or about the database going away.
"""
from __future__ import annotations

from pymongo.errors import ConnectionFailure

__all__ = ["MingException", "ODMError", "MongoGone", "MingConfigError", "NotFound", "BlockingCallInEventLoop"]


class MingException(Exception):
    """Base class of the ODM's own errors (named as in Ming so ported code catches it)."""


#: Our own name for the same class; both spellings are the same object.
ODMError = MingException


class MongoGone(MingException, ConnectionFailure):
    """The engine could not reach the database after all its connection retries.

    Also a :class:`pymongo.errors.ConnectionFailure` (Ming lets the driver's
    error through), so code catching either keeps working.
    """


class MingConfigError(MingException):
    """Contradictory configuration, e.g. client options given with an existing engine."""


class NotFound(MingException, LookupError):
    """``get_or_404()`` / ``first_or_404()`` found nothing; ``odm.flask`` answers it with a 404."""


class BlockingCallInEventLoop(MingException):
    """A sync ODM call would have waited for the database inside the running event loop.

    With an :class:`odm.AsyncODMSession` every query and write is awaited
    (``await session.flush()``, ``await Book.query.get(i)``); what would read
    the database on attribute access (a relation not loaded with
    ``selectinload``) cannot wait there and raises this instead.
    """
