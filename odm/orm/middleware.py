"""WSGI middleware that flushes and closes the thread-local and contextual ODM sessions around each request."""
from __future__ import annotations

from contextlib import ExitStack
from typing import Any, Callable, Hashable, Iterable, Iterator, Optional

from .session import ContextualODMSession, ThreadLocalODMSession

try:  # an HTTP redirect raised as an exception is a success: flush (Ming's default)
    from webob.exc import HTTPRedirection as _HTTPRedirection

    DEFAULT_FLUSH_ERRORS: tuple[type, ...] = (_HTTPRedirection,)
except ImportError:  # pragma: no cover - webob is optional
    DEFAULT_FLUSH_ERRORS = ()

__all__ = ["ODMMiddleware", "MingMiddleware", "DEFAULT_FLUSH_ERRORS"]


class ODMMiddleware:
    """Wrap a WSGI ``app``: flush every :class:`ThreadLocalODMSession` (and the current context's
    :class:`ContextualODMSession`) when a request ends, then close them.

    The flush is skipped when the application raised, unless the exception is
    an instance of one of ``flush_on_errors`` (by default webob's
    ``HTTPRedirection`` when webob is installed, as in Ming).  The sessions are
    closed (their objects forgotten) in every case.  A response body that is a
    list is complete when the application returns; any other iterable is
    streamed, and the sessions are flushed and closed when it ends - even when
    it fails part way, as Ming does, since the response has started.

    ``context_func``, when given, is called once per request.  What it returns
    is either a context manager the request runs inside (entered before the
    application is called, left once the sessions are cleaned up), or, as in
    Ming, the key of the :class:`ContextualODMSession` context to flush and close.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], context_func: Optional[Callable[[], Any]] = None,
                 flush_on_errors: Iterable[type] = DEFAULT_FLUSH_ERRORS) -> None:
        self.app = app
        self.context_func = context_func
        self.flush_on_errors = tuple(flush_on_errors)

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        context = self.context_func() if self.context_func is not None else None
        scope = ExitStack()
        key: Hashable = context
        if hasattr(context, "__enter__") and hasattr(context, "__exit__"):
            scope.enter_context(context)
            key = None
        with scope:
            try:
                result = self.app(environ, start_response)
            except self.flush_on_errors:
                self._cleanup(key, flush=True)
                raise
            except BaseException:
                self._cleanup(key, flush=False)
                raise
            if isinstance(result, list):
                self._cleanup(key, flush=True)
                return result
            return self._streamed(result, key, scope.pop_all())

    def _streamed(self, result: Iterable[bytes], key: Hashable, scope: ExitStack) -> Iterator[bytes]:
        with scope:
            try:
                yield from result
            finally:
                self._cleanup(key, flush=True)

    @staticmethod
    def _cleanup(key: Hashable, flush: bool) -> None:
        try:
            if flush:
                ThreadLocalODMSession.flush_all()
                ContextualODMSession.flush_all(key)
        finally:
            ThreadLocalODMSession.close_all()
            ContextualODMSession.close_all(key)


#: Ming's name for the same middleware.
MingMiddleware = ODMMiddleware
