"""WSGI middleware that flushes and closes the thread-local ODM sessions around each request."""
from __future__ import annotations

from typing import Any, Callable, ContextManager, Iterable, Optional

from .session import ThreadLocalODMSession

__all__ = ["ODMMiddleware", "MingMiddleware"]


class ODMMiddleware:
    """Wrap a WSGI ``app``: flush every :class:`ThreadLocalODMSession` when a request ends, then close them.

    The flush is skipped when the application raised, unless the exception is
    an instance of one of ``flush_on_errors`` (e.g. an HTTP redirect raised as
    an exception).  The sessions are closed (their objects forgotten) in every
    case.  ``context_func``, when given, is called for each request and must
    return a context manager the request runs inside.  The response body is
    read completely before flushing, so writes made while it is generated are
    included.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], context_func: Optional[Callable[[], ContextManager[Any]]] = None,
                 flush_on_errors: Iterable[type] = ()) -> None:
        self.app = app
        self.context_func = context_func
        self.flush_on_errors = tuple(flush_on_errors)

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> list[bytes]:
        if self.context_func is None:
            return self._run(environ, start_response)
        with self.context_func():
            return self._run(environ, start_response)

    def _run(self, environ: dict, start_response: Callable[..., Any]) -> list[bytes]:
        try:
            result = self.app(environ, start_response)
            try:
                body = list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            ThreadLocalODMSession.flush_all()
            return body
        except self.flush_on_errors:
            ThreadLocalODMSession.flush_all()
            raise
        finally:
            ThreadLocalODMSession.close_all()


#: Ming's name for the same middleware.
MingMiddleware = ODMMiddleware
