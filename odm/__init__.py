"""odm: a Ming-style object-document mapper speaking only the public pymongo API.

Everything a Ming user imports from ``ming`` is importable from here, so
porting is a matter of renaming imports::

    from odm import create_datastore, Session, collection, Field, schema

The ODM never imports ``mim``: ``create_datastore('mim://...')`` loads it when
the first connection is opened, and every other module talks to whatever
pymongo-compatible database its datastore hands over.
"""
from __future__ import annotations

from . import schema
from .base import ASCENDING, DESCENDING, Missing, NoDefault, Object
from .config import configure, configure_from_nested_dict
from .cursor import Cursor
from .datastore import DataStore, Engine, create_datastore, create_engine
from .exc import MingException, ODMError
from .metadata import Document, Field, Index, collection
from .manager import InstanceManager, Manager
from .session import Session
from . import signals
from .orm import (
    AsyncMappedClass,
    AsyncODMCursor,
    AsyncODMSession,
    CASCADE,
    DENY,
    DO_NOTHING,
    NULLIFY,
    PULL,
    DeleteDenied,
    DeleteRule,
    EmbeddedMappedClass,
    EmbeddedProperty,
    DriftReport,
    NPlusOneError,
    NPlusOneWarning,
    drift_report,
    json_schema,
    to_dict,
    to_json,
    detect_n_plus_one,
    selectinload,
    FieldProperty,
    FieldPropertyWithMissingNone,
    ForeignIdProperty,
    MappedClass,
    Mapper,
    MapperExtension,
    ODMCursor,
    ODMSession,
    Query,
    RelationProperty,
    SessionExtension,
    ThreadLocalODMSession,
    mapper,
    session,
    state,
)

__all__ = [
    "schema",
    "signals",
    "ASCENDING",
    "DESCENDING",
    "Missing",
    "NoDefault",
    "Object",
    "configure",
    "configure_from_nested_dict",
    "Cursor",
    "DataStore",
    "Engine",
    "create_datastore",
    "create_engine",
    "MingException",
    "ODMError",
    "Document",
    "Field",
    "Index",
    "collection",
    "InstanceManager",
    "Manager",
    "Session",
    "MappedClass",
    "FieldProperty",
    "FieldPropertyWithMissingNone",
    "ForeignIdProperty",
    "RelationProperty",
    "ODMSession",
    "ThreadLocalODMSession",
    "AsyncODMSession",
    "AsyncODMCursor",
    "AsyncMappedClass",
    "Mapper",
    "mapper",
    "MapperExtension",
    "SessionExtension",
    "ODMCursor",
    "Query",
    "state",
    "session",
    "to_dict",
    "to_json",
    "json_schema",
    "drift_report",
    "DriftReport",
    "selectinload",
    "detect_n_plus_one",
    "NPlusOneWarning",
    "NPlusOneError",
    "EmbeddedMappedClass",
    "EmbeddedProperty",
    "DeleteRule",
    "DeleteDenied",
    "DO_NOTHING",
    "NULLIFY",
    "CASCADE",
    "DENY",
    "PULL",
]
