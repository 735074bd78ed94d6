"""Declarative mapped classes: subclass :class:`MappedClass` and declare properties.

::

    class WikiPage(MappedClass):
        class __mongometa__:
            session = session
            name = 'wiki_page'

        query: 'Query[WikiPage]'

        _id = FieldProperty(schema.ObjectId)
        title = FieldProperty(schema.String(required=True))

Creating an instance validates it (defaults filled in, ``Invalid`` for bad
values) and adds it to the session as *new*; the next flush inserts it.
"""
from __future__ import annotations

from typing import Any, TypeVar

from ..utils import all_class_properties
from .mapper import InstanceQuery, Mapper, QueryDescriptor, instrumented_init, mapper
from .property import ORMProperty
from .state import ObjectState

__all__ = ["MappedClass", "_MappedClassMeta"]

M = TypeVar("M", bound="MappedClass")


def _merged_meta(bases: tuple, namespace: dict) -> type:
    mm_bases = tuple(b.__mongometa__ for b in bases if hasattr(b, "__mongometa__"))
    own = namespace.get("__mongometa__")
    own_dict = {k: v for k, v in vars(own).items() if k not in ("__dict__", "__weakref__")} if own is not None else {}
    merged = type("__mongometa__", mm_bases or (object,), own_dict)
    return merged


class _MappedClassMeta(type):
    """Registers a :class:`Mapper` for every subclass of :class:`MappedClass`."""

    def __new__(mcs, name: str, bases: tuple, namespace: dict, **kwargs: Any) -> "_MappedClassMeta":
        is_root = not any(isinstance(b, _MappedClassMeta) for b in bases)
        own_meta = namespace.get("__mongometa__")
        if not is_root:
            merged = _merged_meta(bases, namespace)
            if own_meta is not None:
                # keep the class's own options visible (polymorphic_identity is not inherited)
                merged._odm_own_ = own_meta  # type: ignore[attr-defined]
            namespace["__mongometa__"] = merged
            namespace["__mongometa_own__"] = own_meta
        init = namespace.get("__init__")
        if init is not None and not getattr(init, "_odm_wrapped_", False):
            namespace["__init__"] = instrumented_init(init)
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        cls._odm_properties_ = {n: p for n, p in all_class_properties(cls) if isinstance(p, ORMProperty)}  # type: ignore[attr-defined]
        if not is_root:
            meta = cls.__mongometa__  # type: ignore[attr-defined]
            Mapper(cls, session=getattr(meta, "session", None), extensions=getattr(meta, "extensions", None))
        return cls


class MappedClass(metaclass=_MappedClassMeta):
    """Base of declarative mapped classes (see the module docstring)."""

    query = QueryDescriptor()
    _odm_declarative_ = True

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__new__(cls)
        obj.__dict__["_odm_state_"] = ObjectState()
        return obj

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)

    def delete(self) -> None:
        """Mark this object deleted; the next flush removes it from the database."""
        InstanceQuery(self).delete()

    def __repr__(self) -> str:
        return mapper(type(self)).repr_object(self)
