"""The value types every other ODM module builds on.

* :data:`Missing` marks a key that is absent from a document.  ``None`` is a
  perfectly good MongoDB value (``null``), so absence needs its own sentinel.
* :data:`NoDefault` marks a keyword argument that was not given at all, so
  ``if_missing=None`` can be told apart from "no default".
* :class:`Object` is the dict with attribute access that all documents are
  made of: it *is* a ``dict``, so it goes to pymongo unchanged.
"""
from __future__ import annotations

import decimal
import warnings
from datetime import datetime
from collections.abc import Mapping
from typing import Any, Iterable

import bson
import pymongo

from .cursor import Cursor  # Ming's ``ming.base.Cursor``: the Document cursor

__all__ = [
    "Cursor",
    "Missing",
    "NoDefault",
    "Object",
    "ASCENDING",
    "DESCENDING",
]

ASCENDING = pymongo.ASCENDING
DESCENDING = pymongo.DESCENDING


class _Sentinel:
    """A named singleton that is falsy, so ``if value:`` treats it like "nothing"."""

    __slots__ = ("_label",)

    def __init__(self, label: str) -> None:
        self._label = label

    def __repr__(self) -> str:
        return f"<{self._label}>"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        # Pickling/copying must hand back the very same singleton, because the
        # whole library compares sentinels with ``is``.
        return self._label

    def __copy__(self) -> "_Sentinel":
        return self

    def __deepcopy__(self, memo: dict) -> "_Sentinel":
        return self


#: The value of a field that is absent from a document.
Missing = _Sentinel("Missing")
#: The value of a keyword argument that was not passed.
NoDefault = _Sentinel("NoDefault")


def _is_data_descriptor(cls: type, name: str) -> bool:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return hasattr(klass.__dict__[name], "__set__")
    return False


class Object(dict):
    """A ``dict`` whose keys can also be read and written as attributes.

    ``doc.title`` and ``doc['title']`` are the same thing.  A missing key raises
    ``AttributeError`` (not ``KeyError``) on attribute access so ``getattr(doc,
    name, default)`` and ``hasattr`` behave as Python programmers expect.
    Attributes that a subclass defines as data descriptors (``property``, the
    ``.m`` manager, renamed-field accessors) keep working normally.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if _is_data_descriptor(type(self), name):
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        if _is_data_descriptor(type(self), name):
            object.__delattr__(self, name)
            return
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def from_bson(cls, bson: Any) -> Any:
        """Convert a decoded BSON value so every nested ``dict`` becomes an :class:`Object`.

        Lists (and tuples) are rebuilt as lists; other values are returned as is.
        The top-level mapping becomes an instance of ``cls``.
        """
        if isinstance(bson, Mapping):
            result = cls()
            for key, value in bson.items():
                dict.__setitem__(result, key, Object.from_bson(value))
            return result
        if isinstance(bson, (list, tuple)):
            return [Object.from_bson(v) for v in bson]
        return bson

    def make_safe(self) -> None:
        """Check that every value can be BSON-encoded, turning ``Decimal`` into ``Decimal128``.

        As in Ming, only documents, lists, ``str``, ``int``, ``float``,
        ``datetime``, ``None`` and ``ObjectId`` are safe; anything else (a
        tuple, say) raises ``AssertionError`` and leaves the object unchanged.
        Deprecated, as in Ming: validation already produces BSON-ready values.
        """
        warnings.warn("make_safe is deprecated: validate documents with a schema instead", DeprecationWarning, stacklevel=2)
        self.update(_safe_bson(self))


#: Leaf types Ming's ``make_safe`` lets through unchanged.
_BSON_SAFE_LEAVES = (str, int, float, datetime, type(None), bson.ObjectId)


def _safe_bson(obj: Any, _no_warning: bool = False) -> Any:
    """Return a BSON-safe copy of ``obj`` (Decimals become ``Decimal128``); ``AssertionError`` on anything else."""
    if isinstance(obj, list):
        return [_safe_bson(v) for v in obj]
    if isinstance(obj, dict):
        return Object((k, _safe_bson(v)) for k, v in obj.items())
    if isinstance(obj, _BSON_SAFE_LEAVES):
        return obj
    if isinstance(obj, decimal.Decimal):
        return bson.Decimal128(obj)
    raise AssertionError(f"{type(obj)} is not safe for bsonification: {obj!r}")


def dotted_keys(items: Iterable[tuple[str, Any]]) -> dict:
    """Turn ``[('a.b', 1)]`` into ``{'a': {'b': 1}}`` (used to read flat config)."""
    result: dict = {}
    for key, value in items:
        node = result
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"config key {key!r} conflicts with a value at {part!r}")
        node[parts[-1]] = value
    return result
