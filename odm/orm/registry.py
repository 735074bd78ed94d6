"""The mapped classes declared so far (class → mapper, name → class), and the mapping errors.

Below the properties and the mapper: a property resolves the class a relation
names (``RelationProperty('Author')``) and reaches its mapper through here,
without importing :mod:`odm.orm.mapper`, which imports the properties.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

from ..exc import MingException

if TYPE_CHECKING:  # pragma: no cover
    from .mapper import Mapper

__all__ = ["ORMError", "NoJoin", "AmbiguousJoin", "mappers", "class_names", "embedded_mappers", "resolve_class",
           "compiled_mapper", "io_session"]


class ORMError(MingException):
    """A mapped class is declared in a way the mapper cannot use."""


class NoJoin(ORMError):
    """No :class:`ForeignIdProperty` links the two classes of a relation."""


class AmbiguousJoin(ORMError):
    """More than one :class:`ForeignIdProperty` could drive a relation: pass ``via=``."""


#: every mapper by its mapped class, in declaration order (``Mapper._registry``)
mappers: dict[type, "Mapper"] = {}
#: the most recently declared mapped class of each name (``Mapper._by_name``)
class_names: dict[str, type] = {}
#: the mapper of every embedded document class (:mod:`odm.orm.embedded`); they have no collection
embedded_mappers: dict[type, Any] = {}


def resolve_class(spec: Union[type, str]) -> type:
    """A mapped class given itself or its name (the most recently declared class of that name)."""
    if isinstance(spec, type):
        return spec
    found = class_names.get(spec)
    if found is None and "." in spec:
        found = class_names.get(spec.rsplit(".", 1)[1])
    if found is None:
        raise ORMError(f"no mapped class named {spec!r}")
    return found


def compiled_mapper(cls_or_obj: Any) -> "Mapper":
    """The compiled mapper of a mapped class or object (``ORMError`` for anything else)."""
    cls = cls_or_obj if isinstance(cls_or_obj, type) else type(cls_or_obj)
    m = mappers.get(cls) or embedded_mappers.get(cls)
    if m is None:
        raise ORMError(f"{cls.__name__} is not a mapped class")
    return m.compile()


def io_session(session: Any) -> Any:
    """The session that reads and writes for ``session``: an async session's sync one, which the
    mapper's own reads (relations, eager loading) go through; any other session itself."""
    return getattr(session, "sync_session", session)
