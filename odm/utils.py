"""Small helpers shared by the foundation layer and the mapper built on it."""
from __future__ import annotations

from typing import Any, Callable, Generic, Iterator, Mapping, Optional, TypeVar, overload

__all__ = ["LazyProperty", "encode_keys", "all_class_properties"]

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
