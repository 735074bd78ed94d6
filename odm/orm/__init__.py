"""The ODM mapper: mapped classes, sessions, unit of work, identity map, relations, events.

Built on the foundation layer (:mod:`odm.session`, :mod:`odm.metadata`), which
never imports anything from here.  Split the way SQLAlchemy splits its ORM,
each module importing only those listed before it:

* :mod:`~odm.orm.state` - :class:`ObjectState`, one per mapped object;
* :mod:`~odm.orm.events` - the one event registry (``SessionExtension``,
  ``MapperExtension`` and :mod:`odm.signals` are adapters over it);
* :mod:`~odm.orm.icollection`, :mod:`~odm.orm.property` - instrumented values, properties;
* :mod:`~odm.orm.embedded` - embedded document classes (``EmbeddedMappedClass``, ``EmbeddedProperty``);
* :mod:`~odm.orm.serialize` - ``to_dict``/``to_json``, ``json_schema``, ``drift_report``;
* :mod:`~odm.orm.mapper` - :class:`Mapper`, ``Query``;
* :mod:`~odm.orm.identity_map` - one object per document;
* :mod:`~odm.orm.delete_rules` - what deleting an object does to the documents referring to it;
* :mod:`~odm.orm.persistence` - insert/update/delete emission, the ``$set``/``$unset`` diff;
* :mod:`~odm.orm.loading` - raw document → object, :class:`ODMCursor`;
* :mod:`~odm.orm.unit_of_work` - tracking, flush order and batching;
* :mod:`~odm.orm.session` - :class:`ODMSession`, the API over all of them;
* :mod:`~odm.orm.asynchronous` - :class:`AsyncODMSession`, the same session awaited (asyncio);
* :mod:`~odm.orm.declarative` - :class:`MappedClass`.

Everything is also importable from :mod:`odm` and, under Ming's module names,
from :mod:`odm.odm` (``odm.odm.odmsession``, ``odm.odm.base`` ...), so code
written for ``ming.odm`` (or the older ``ming.orm``) ports by renaming
``ming`` to ``odm``.
"""
from __future__ import annotations

from .session import ContextualODMSession, ODMSession, ThreadLocalODMSession
from .asynchronous import AsyncExpressionQuery, AsyncODMCursor, AsyncODMSession, AsyncQuery
from .declarative import AsyncMappedClass, MappedClass
from .embedded import EmbeddedList, EmbeddedMappedClass, EmbeddedProperty
from .serialize import DriftReport, drift_report, json_schema, to_dict, to_json
from .delete_rules import CASCADE, DENY, DO_NOTHING, NULLIFY, PULL, DeleteDenied, DeleteRule
from .events import EventRegistry, MapperExtension, SessionExtension, registry as event_registry
from .icollection import InstrumentedList, InstrumentedObj
from .identity_map import IdentityMap
from .loading import NPlusOneError, NPlusOneWarning, ODMCursor, detect_n_plus_one, selectinload
from .mapper import InstanceQuery, Mapper, Query, mapper, session  # after .session: the function, not the module
from .property import (
    AmbiguousJoin,
    FieldProperty,
    FieldPropertyWithMissingNone,
    ForeignIdProperty,
    NoJoin,
    ORMError,
    RelationProperty,
)
from .state import ObjectState, state
from .unit_of_work import UnitOfWork

#: Ming's old names for the ODM sessions (``ming.orm``).
ORMSession = ODMSession
ThreadLocalORMSession = ThreadLocalODMSession
ContextualORMSession = ContextualODMSession

__all__ = [
    "MappedClass",
    "EmbeddedMappedClass",
    "EmbeddedProperty",
    "EmbeddedList",
    "to_dict",
    "to_json",
    "json_schema",
    "drift_report",
    "DriftReport",
    "DeleteRule",
    "DeleteDenied",
    "DO_NOTHING",
    "NULLIFY",
    "CASCADE",
    "DENY",
    "PULL",
    "FieldProperty",
    "FieldPropertyWithMissingNone",
    "ForeignIdProperty",
    "RelationProperty",
    "ODMSession",
    "ThreadLocalODMSession",
    "ContextualODMSession",
    "AsyncODMSession",
    "AsyncODMCursor",
    "AsyncMappedClass",
    "AsyncQuery",
    "AsyncExpressionQuery",
    "ORMSession",
    "ThreadLocalORMSession",
    "ContextualORMSession",
    "Mapper",
    "mapper",
    "MapperExtension",
    "SessionExtension",
    "EventRegistry",
    "event_registry",
    "ODMCursor",
    "selectinload",
    "detect_n_plus_one",
    "NPlusOneWarning",
    "NPlusOneError",
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
