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

from typing import TYPE_CHECKING, Any, TypeVar, overload

from ..utils import all_class_properties
from .asynchronous import AsyncQuery
from .mapper import InstanceQuery, ItemAccess, Mapper, QueryDescriptor, check_collection_options, instrumented_init, mapper, set_attributes
from .property import ORMProperty
from .registry import ORMError
from .session import ThreadLocalODMSession
from .serialize import DriftReport, drift_report, json_schema, to_dict, to_json
from .state import ObjectState

__all__ = ["MappedClass", "AsyncMappedClass", "_MappedClassMeta"]

#: The ``__mongometa__`` options a mapped class may declare (Ming's, minus those not implemented).
MONGOMETA_OPTIONS = frozenset({
    "name", "session", "indexes", "unique_indexes", "custom_indexes", "polymorphic_on", "polymorphic_identity",
    "version_of", "migrate", "before_save", "extensions", "write_concern", "read_concern", "read_preference",
    "connection_alias", "collation",
})


def _check_meta_options(class_name: str, own_meta: Any) -> None:
    """Refuse ``__mongometa__`` options the mapper does not know, rather than ignore them."""
    unknown = sorted(k for k in vars(own_meta) if not (k.startswith("__") and k.endswith("__")) and k not in MONGOMETA_OPTIONS)
    if unknown:
        raise ORMError(f"{class_name}.__mongometa__ has unknown option(s) {', '.join(map(repr, unknown))}; "
                       f"known: {', '.join(sorted(MONGOMETA_OPTIONS))}")
    check_collection_options(class_name, vars(own_meta))


def _merged_meta(bases: tuple, namespace: dict) -> type:
    mm_bases = tuple(b.__mongometa__ for b in bases if hasattr(b, "__mongometa__"))
    own = namespace.get("__mongometa__")
    own_dict = {k: v for k, v in vars(own).items() if k not in ("__dict__", "__weakref__")} if own is not None else {}
    merged = type("__mongometa__", mm_bases or (object,), own_dict)
    return merged


def _session_of_alias(class_name: str, meta: Any) -> None:
    """PyMODM's ``connection_alias``: the class's session is the thread-local session of that name,
    bound to the datastore configured under it (``odm.configure(**{'odm.<alias>.uri': ...})``)."""
    alias = getattr(meta, "connection_alias", None)
    if alias is None:
        return
    if not isinstance(alias, str):
        raise ORMError(f"{class_name}.__mongometa__.connection_alias must be a name, not {alias!r}")
    current = getattr(meta, "session", None)
    named = ThreadLocalODMSession.by_name(alias)
    if current is not None and current is not named:
        raise ORMError(f"{class_name}.__mongometa__ has both a session and connection_alias={alias!r}: give one")
    meta.session = named


class _MappedClassMeta(type):
    """Registers a :class:`Mapper` for every subclass of :class:`MappedClass`."""

    def __new__(mcs, name: str, bases: tuple, namespace: dict, **kwargs: Any) -> "_MappedClassMeta":
        is_root = not any(isinstance(b, _MappedClassMeta) for b in bases)
        own_meta = namespace.get("__mongometa__")
        if not is_root:
            if own_meta is not None:
                _check_meta_options(name, own_meta)
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
            _session_of_alias(name, meta)
            Mapper(cls, session=getattr(meta, "session", None), extensions=getattr(meta, "extensions", None))
        return cls


class MappedClass(ItemAccess, metaclass=_MappedClassMeta):
    """Base of declarative mapped classes (see the module docstring)."""

    query = QueryDescriptor()
    _odm_declarative_ = True

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__new__(cls)
        obj.__dict__["_odm_state_"] = ObjectState()
        return obj

    def __init__(self, **kwargs: Any) -> None:
        set_attributes(self, **kwargs)

    def __repr__(self) -> str:
        return mapper(type(self)).repr_object(self)

    def to_dict(self, by_alias: bool = False) -> dict:
        """The object's values as plain dicts/lists by attribute name (see :func:`odm.orm.serialize.to_dict`)."""
        return to_dict(self, by_alias)

    def to_json(self, by_alias: bool = False, **kwargs: Any) -> str:
        """The object as Extended JSON (see :func:`odm.orm.serialize.to_json`)."""
        return to_json(self, by_alias, **kwargs)

    @classmethod
    def json_schema(cls, additional_properties: bool = True) -> dict:
        """The class's ``$jsonSchema`` (see :func:`odm.orm.serialize.json_schema`)."""
        return json_schema(cls, additional_properties)

    @classmethod
    def drift_report(cls, **kwargs: Any) -> DriftReport:
        """Stored documents that no longer fit the class (see :func:`odm.orm.serialize.drift_report`)."""
        return drift_report(cls, **kwargs)



if TYPE_CHECKING:
    M = TypeVar("M")

    class _AsyncQueryDescriptor:
        @overload
        def __get__(self, instance: None, owner: type[M]) -> AsyncQuery[M]: ...

        @overload
        def __get__(self, instance: M, owner: type[M]) -> InstanceQuery[M]: ...

        def __get__(self, instance: Any, owner: Any = None) -> Any: ...

    class AsyncMappedClass(MappedClass):
        """:class:`MappedClass` whose queries type checkers see awaited (map it to an AsyncODMSession)."""

        query = _AsyncQueryDescriptor()  # type: ignore[assignment]
else:
    #: Base of classes mapped to an :class:`~odm.orm.asynchronous.AsyncODMSession`: :class:`MappedClass`
    #: itself at run time; for mypy and pyright, ``Model.query`` is an ``AsyncQuery[Model]``
    #: (``await Model.query.get(i)`` is ``Model | None``).
    AsyncMappedClass = MappedClass
