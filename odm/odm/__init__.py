"""The ODM mapper: mapped classes, unit of work, identity map, relations, events.

Built on the foundation layer (:mod:`odm.session`, :mod:`odm.metadata`), which
never imports anything from here.  Everything is also importable from the
top-level :mod:`odm` package; this module exists so code written for
``ming.odm`` ports by renaming ``ming`` to ``odm``.
"""
from __future__ import annotations

from .base import ObjectState, session, state
from .declarative import MappedClass
from .icollection import InstrumentedList, InstrumentedObj
from .identity_map import IdentityMap
from .mapper import InstanceQuery, Mapper, MapperExtension, Query, mapper
from .odmsession import ODMCursor, ODMSession, SessionExtension, ThreadLocalODMSession
from .property import (
    AmbiguousJoin,
    FieldProperty,
    FieldPropertyWithMissingNone,
    ForeignIdProperty,
    NoJoin,
    ORMError,
    RelationProperty,
)
from .unitofwork import UnitOfWork

#: Ming's old name for the ODM session.
ORMSession = ODMSession
ThreadLocalORMSession = ThreadLocalODMSession

__all__ = [
    "MappedClass",
    "FieldProperty",
    "FieldPropertyWithMissingNone",
    "ForeignIdProperty",
    "RelationProperty",
    "ODMSession",
    "ThreadLocalODMSession",
    "ORMSession",
    "ThreadLocalORMSession",
    "Mapper",
    "mapper",
    "MapperExtension",
    "SessionExtension",
    "ODMCursor",
    "Query",
    "InstanceQuery",
    "state",
    "session",
    "ObjectState",
    "UnitOfWork",
    "IdentityMap",
    "InstrumentedList",
    "InstrumentedObj",
    "ORMError",
    "NoJoin",
    "AmbiguousJoin",
]
