"""Small helpers shared by the foundation layer and the mapper built on it."""
from __future__ import annotations

import inspect
import threading
from typing import Any, Callable, Generic, Hashable, Iterator, Mapping, Optional, TypeVar, overload

__all__ = ["then", "LazyProperty", "ThreadLocalProxy", "ContextualProxy", "encode_keys",
           "all_class_properties"]

T = TypeVar("T")


class LazyProperty(Generic[T]):
    """A read-only attribute computed on first access and then cached on the instance.

    The cached value lives in the instance ``__dict__`` under the same name, so
    later reads never call the function again; ``del obj.name`` forgets it.
    """

    def __init__(self, func: Callable[[Any], T]) -> None:
        self._func = func
        self.__name__ = func.__name__
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, obj: None, klass: Optional[type] = None) -> "LazyProperty[T]": ...

    @overload
    def __get__(self, obj: Any, klass: Optional[type] = None) -> T: ...

    def __get__(self, obj: Any, klass: Optional[type] = None) -> Any:
        if obj is None:
            return self
        value = self._func(obj)
        obj.__dict__[self.__name__] = value
        return value


def encode_keys(d: Mapping[Any, Any]) -> dict[str, Any]:
    """A copy of ``d`` whose keys are all ``str``, so it can be passed as ``**kwargs``."""
    return {str(k): v for k, v in d.items()}


def all_class_properties(cls: type) -> Iterator[tuple[str, Any]]:
    """Every attribute defined on ``cls`` or a base, as ``(name, value)``; the most derived definition wins."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        for name, value in vars(klass).items():
            if name not in seen:
                seen.add(name)
                yield name, value


class _ScopedProxy(Generic[T]):
    """Stands for one ``cls(*args, **kwargs)`` instance per scope, made on first use.

    Attribute reads go to the current scope's instance; :meth:`close` forgets
    it, so the next use in that scope makes a fresh one.  Subclasses say what a
    scope is.
    """

    def __init__(self, cls: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        self._cls = cls
        self._args = args
        self._kwargs = kwargs

    def _lookup(self) -> Optional[T]:
        raise NotImplementedError

    def _store(self, value: Optional[T]) -> None:
        raise NotImplementedError

    def _get(self) -> T:
        """The current scope's instance, created the first time it is asked for."""
        value = self._lookup()
        if value is None:
            value = self._cls(*self._args, **self._kwargs)
            self._store(value)
        return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_cls", "_args", "_kwargs", "_registry", "_context"):
            raise AttributeError(name)
        return getattr(self._get(), name)

    def close(self) -> None:
        """Forget the current scope's instance (the next use makes a new one)."""
        self._store(None)


class ThreadLocalProxy(_ScopedProxy[T]):
    """One ``cls(*args, **kwargs)`` per thread (Ming's ``ming.utils.ThreadLocalProxy``)."""

    def __init__(self, cls: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        super().__init__(cls, *args, **kwargs)
        self._registry = threading.local()

    def _lookup(self) -> Optional[T]:
        return getattr(self._registry, "value", None)

    def _store(self, value: Optional[T]) -> None:
        self._registry.value = value

    def __repr__(self) -> str:
        return f"TLProxy of {self._get()!r}"


class ContextualProxy(_ScopedProxy[T]):
    """One ``cls(*args, **kwargs)`` per context, ``context()`` naming the current one
    (a request id, a greenlet…): Ming's ``ming.utils.ContextualProxy``."""

    def __init__(self, cls: Callable[..., T], context: Callable[[], Hashable], *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(cls, *args, **kwargs)
        self._context = context
        self._registry: dict[Hashable, T] = {}

    def _lookup(self) -> Optional[T]:
        return self._registry.get(self._context())

    def _store(self, value: Optional[T]) -> None:
        if value is None:
            self._registry.pop(self._context(), None)
        else:
            self._registry[self._context()] = value

    def __repr__(self) -> str:
        return f"CProxy of {self._get()!r}"


def then(function: Callable[..., Any], *values: Any) -> Any:
    """``function(*values)``; when a value is awaitable (what an async session's query gives), an awaitable of it.

    How an operation built from queries (a page and its total, ``get_or_404``)
    is written once for the sync and the async session: the values are
    awaited one after the other, then ``function`` runs on their results.
    """
    if not any(inspect.isawaitable(v) for v in values):
        return function(*values)

    async def awaited() -> Any:
        return function(*[await v if inspect.isawaitable(v) else v for v in values])

    return awaited()
