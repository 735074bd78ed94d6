"""Instrumented containers: lists and dicts that tell their owner when they change.

A mapped object's nested values (``page.metadata``, ``page.metadata['tags']``)
are handed out as :class:`InstrumentedObj` / :class:`InstrumentedList`.  Every
in-place change (``append``, ``item assignment``, ``update``, ``sort``...)
calls the owner's ``soil()`` so the object becomes dirty, exactly as assigning
an attribute does.  Values put into them are instrumented too, so a change at
any depth is seen.

Their repr is ``I{...}`` / ``I[...]`` (the contents shown as plain values), and
they are real ``dict`` / ``list`` subclasses, so pymongo encodes them as is.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Protocol

from ..base import Object

__all__ = ["InstrumentedObj", "InstrumentedList", "instrument", "deinstrument"]


class Tracker(Protocol):
    def soil(self) -> None: ...


def instrument(value: Any, tracker: Optional[Tracker]) -> Any:
    """``value`` with every dict/list in it (recursively) made an instrumented copy reporting to ``tracker``."""
    if isinstance(value, dict):
        if type(value) is InstrumentedObj and value._tracker is tracker:
            return value
        result = InstrumentedObj()
        for key, item in value.items():
            dict.__setitem__(result, key, instrument(item, tracker))
        result._tracker = tracker
        return result
    if isinstance(value, (list, tuple)):
        if type(value) is InstrumentedList and value._tracker is tracker:
            return value
        result_list = InstrumentedList()
        list.extend(result_list, (instrument(item, tracker) for item in value))
        result_list._tracker = tracker
        return result_list
    return value


def deinstrument(value: Any) -> Any:
    """A plain (``dict``/``list``) deep copy of ``value``."""
    if isinstance(value, dict):
        return {key: deinstrument(item) for key, item in value.items()}
    if isinstance(value, list):
        return [deinstrument(item) for item in value]
    return value


class InstrumentedObj(Object):
    """A ``dict`` (with attribute access) that marks its owning object dirty when changed."""

    __slots__ = ("_tracker",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._tracker = None
        if args or kwargs:
            for key, value in dict(*args, **kwargs).items():
                dict.__setitem__(self, key, value)

    def _changed(self) -> None:
        if self._tracker is not None:
            self._tracker.soil()

    def _wrap(self, value: Any) -> Any:
        return instrument(value, self._tracker)

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, key, self._wrap(value))
        self._changed()

    def __delitem__(self, key: Any) -> None:
        dict.__delitem__(self, key)
        self._changed()

    def clear(self) -> None:
        dict.clear(self)
        self._changed()

    def pop(self, *args: Any) -> Any:
        result = dict.pop(self, *args)
        self._changed()
        return result

    def popitem(self) -> Any:
        result = dict.popitem(self)
        self._changed()
        return result

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            dict.__setitem__(self, key, self._wrap(value))
        self._changed()

    def __ior__(self, other: Any) -> "InstrumentedObj":  # type: ignore[override]
        self.update(other)
        return self

    def __repr__(self) -> str:
        return "I" + repr(deinstrument(self))

    def __reduce__(self) -> Any:
        return (dict, (deinstrument(self),))

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo: dict) -> dict:
        return deinstrument(self)


class InstrumentedList(list):
    """A ``list`` that marks its owning object dirty when changed.

    With ``readonly=True`` (the lists relation properties return) every
    change raises ``TypeError``: assign a new list to the relation instead.
    """

    __slots__ = ("_tracker", "_readonly")

    def __init__(self, iterable: Iterable[Any] = (), readonly: bool = False) -> None:
        list.__init__(self, iterable)
        self._tracker = None
        self._readonly = readonly

    def _check(self) -> None:
        if getattr(self, "_readonly", False):
            raise TypeError("read-only: assign a new list to the relation instead")

    def _changed(self) -> None:
        tracker = getattr(self, "_tracker", None)
        if tracker is not None:
            tracker.soil()

    def _wrap(self, value: Any) -> Any:
        return instrument(value, getattr(self, "_tracker", None))

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check()
        if isinstance(index, slice):
            list.__setitem__(self, index, [self._wrap(v) for v in value])
        else:
            list.__setitem__(self, index, self._wrap(value))
        self._changed()

    def __delitem__(self, index: Any) -> None:
        self._check()
        list.__delitem__(self, index)
        self._changed()

    def append(self, value: Any) -> None:
        self._check()
        list.append(self, self._wrap(value))
        self._changed()

    def extend(self, values: Iterable[Any]) -> None:
        self._check()
        list.extend(self, [self._wrap(v) for v in values])
        self._changed()

    def insert(self, index: int, value: Any) -> None:  # type: ignore[override]
        self._check()
        list.insert(self, index, self._wrap(value))
        self._changed()

    def pop(self, *args: Any) -> Any:
        self._check()
        result = list.pop(self, *args)
        self._changed()
        return result

    def remove(self, value: Any) -> None:
        self._check()
        list.remove(self, value)
        self._changed()

    def clear(self) -> None:
        self._check()
        list.clear(self)
        self._changed()

    def reverse(self) -> None:
        self._check()
        list.reverse(self)
        self._changed()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._check()
        list.sort(self, *args, **kwargs)
        self._changed()

    def __iadd__(self, values: Iterable[Any]) -> "InstrumentedList":  # type: ignore[override]
        self.extend(values)
        return self

    def __imul__(self, n: int) -> "InstrumentedList":  # type: ignore[override]
        self._check()
        list.__imul__(self, n)
        self._changed()
        return self

    def __add__(self, other: Any) -> list:  # type: ignore[override]
        return list(self) + list(other)

    def __repr__(self) -> str:
        return "I" + repr(deinstrument(self))

    def __reduce__(self) -> Any:
        return (list, (deinstrument(self),))

    def __copy__(self) -> list:
        return list(self)

    def __deepcopy__(self, memo: dict) -> list:
        return deinstrument(self)
