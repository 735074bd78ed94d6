"""The ``.m`` attribute of document classes and documents.

``WikiPage.m`` is a :class:`Manager`: the class's collection name, fields,
indexes, schema and session, plus every session operation with the class
already filled in (``WikiPage.m.find(...)`` is ``session.find(WikiPage, ...)``).
``page.m`` is an :class:`InstanceManager` doing the same for one document
(``page.m.save()``); ``page.m(other_session).save()`` uses another session.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Generic, Optional, Sequence, TypeVar

from . import schema as S
from .exc import MingException

if TYPE_CHECKING:  # pragma: no cover
    from .cursor import Cursor
    from .metadata import Field, Index
    from .session import Session

__all__ = ["Manager", "InstanceManager", "ManagerDescriptor"]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Documents are migrated in batches of this many ``_id``s.
MIGRATE_BATCH_SIZE = 100
#: A progress line is logged every this many documents during ``migrate()``.
MIGRATE_LOG_EVERY = 1000


class Manager(Generic[T]):
    """Everything the ODM knows about one document class, and its queries.

    Annotate a declarative class with ``m: 'Manager[WikiPage]'`` to let type
    checkers know what its queries return.
    """

    def __init__(
        self,
        cls: type,
        collection_name: Optional[str],
        session: Optional["Session"],
        fields: Sequence["Field"],
        indexes: Sequence["Index"],
        polymorphic_on: Optional[str] = None,
        polymorphic_identity: Any = None,
        polymorphic_registry: Optional[dict] = None,
        version_of: Optional[type] = None,
        migrate: Optional[Callable[[Any], Any]] = None,
        before_save: Optional[Callable[[Any], None]] = None,
    ) -> None:
        self.cls = cls
        self.collection_name = collection_name
        self.session = session
        self.fields = list(fields)
        self.indexes = list(indexes)
        self.polymorphic_on = polymorphic_on
        self.polymorphic_identity = polymorphic_identity
        self.polymorphic_registry = polymorphic_registry
        self.version_of = version_of
        self._migrate_function = migrate
        self.before_save = before_save
        self.schema: S.Document = self._build_schema()

    # -- schema --------------------------------------------------------------
    def _build_schema(self) -> S.Document:
        schema = S.Document()
        for field in self.fields:
            schema.add_field(field.name, field.schema)
        if not schema.fields:
            # A class declaring no fields is schemaless (Ming: no schema at all):
            # every key is kept as it is.
            schema.add_field(str, S.Anything())
        if "_id" not in schema.fields:
            # Every stored document has an _id; a class that does not declare
            # one still has to accept it when the document is read back.
            schema.add_field("_id", S.Anything())
        schema.managed_class = self.cls
        schema.set_polymorphic(self.polymorphic_on, self.polymorphic_registry, self.polymorphic_identity)
        return schema

    @property
    def field_index(self) -> dict[str, "Field"]:
        """Fields by name."""
        return {f.name: f for f in self.fields}

    @property
    def load_schema(self) -> S.SchemaItem:
        """The schema documents are read with: the current one, with migrations from older versions."""
        if self.version_of is None:
            return self.schema
        if self._migrate_function is None:
            raise MingException(f"{self.cls.__name__} has version_of but no migrate function")
        return S.Migrate(self.version_of.m.load_schema, self.schema, self._migrate_function)

    def make(self, data: Mapping[str, Any], allow_extra: bool = False, strip_extra: bool = True) -> T:
        """Validate ``data`` into a document of this class (migrating older versions).

        Raises :class:`odm.schema.Invalid` when the data is not valid for the
        current schema nor for any older version declared with ``version_of``.
        """
        return self.load_schema.validate(data, allow_extra=allow_extra, strip_extra=strip_extra)

    def validate_for_save(self, doc: Mapping[str, Any]) -> Any:
        """Validate with the current schema only: a document being saved is never migrated."""
        return self.schema.validate(doc, allow_extra=False, strip_extra=True)

    # -- session plumbing ----------------------------------------------------
    def _session(self) -> "Session":
        if self.session is None:
            raise MingException(f"{self.cls.__name__} is not bound to a session")
        return self.session

    def with_session(self, session: "Session") -> "Manager[T]":
        """A copy of this manager that runs everything through ``session``."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.session = session
        return clone

    @property
    def collection(self) -> Any:
        """The raw pymongo-style collection (no validation)."""
        return self._session()._impl(self.cls)

    def add_index(self, idx: "Index") -> None:
        """Declare one more index (created by the next ``ensure_indexes``)."""
        if idx not in self.indexes:
            self.indexes.append(idx)

    # -- queries -------------------------------------------------------------
    def find(self, *args: Any, **kwargs: Any) -> "Cursor[T]":
        return self._session().find(self.cls, *args, **kwargs)

    def find_by(self, **kwargs: Any) -> "Cursor[T]":
        return self._session().find_by(self.cls, **kwargs)

    def get(self, **kwargs: Any) -> Optional[T]:
        """``find(kwargs).first()``, done with one ``find_one``."""
        return self._session().get(self.cls, **kwargs)

    def count(self, *args: Any, **kwargs: Any) -> int:
        return self._session().count(self.cls, *args, **kwargs)

    def distinct(self, *args: Any, **kwargs: Any) -> list:
        return self._session().distinct(self.cls, *args, **kwargs)

    def aggregate(self, *args: Any, **kwargs: Any) -> Any:
        return self._session().aggregate(self.cls, *args, **kwargs)

    def find_and_modify(self, *args: Any, **kwargs: Any) -> Optional[T]:
        return self._session().find_and_modify(self.cls, *args, **kwargs)

    def find_one_and_update(self, *args: Any, **kwargs: Any) -> Optional[T]:
        return self._session().find_one_and_update(self.cls, *args, **kwargs)

    def find_one_and_replace(self, *args: Any, **kwargs: Any) -> Optional[T]:
        return self._session().find_one_and_replace(self.cls, *args, **kwargs)

    def find_one_and_delete(self, *args: Any, **kwargs: Any) -> Optional[T]:
        return self._session().find_one_and_delete(self.cls, *args, **kwargs)

    def remove(self, *args: Any, **kwargs: Any) -> Any:
        return self._session().remove(self.cls, *args, **kwargs)

    def update_partial(self, *args: Any, **kwargs: Any) -> Any:
        return self._session().update_partial(self.cls, *args, **kwargs)

    # -- indexes -------------------------------------------------------------
    def ensure_index(self, *args: Any, **kwargs: Any) -> str:
        return self._session().ensure_index(self.cls, *args, **kwargs)

    create_index = ensure_index

    def ensure_indexes(self) -> list[str]:
        return self._session().ensure_indexes(self.cls)

    def drop_indexes(self) -> None:
        return self._session().drop_indexes(self.cls)

    def index_information(self) -> dict:
        return self._session().index_information(self.cls)

    # -- eager migration -----------------------------------------------------
    def migrate(self, progress: Optional[Callable[[int, int], None]] = None, batch_size: int = MIGRATE_BATCH_SIZE) -> int:
        """Load every document of the collection (migrating it) and save it back.

        The ``_id``s are read first and the documents fetched in batches, so
        rewriting documents never disturbs the scan.  ``progress(done,
        total)`` is called after each batch, and a line is logged every
        :data:`MIGRATE_LOG_EVERY` documents so a long migration shows it is
        alive.  Returns the number of documents saved.
        """
        session = self._session()
        collection = session._impl(self.cls)
        ids = [d["_id"] for d in collection.find({}, projection={"_id": 1}).sort("_id", 1)]
        total = len(ids)
        done = 0
        for start in range(0, total, batch_size):
            chunk = ids[start:start + batch_size]
            for raw in collection.find({"_id": {"$in": chunk}}):
                doc = self.make(raw, allow_extra=True, strip_extra=True)
                session.save(doc)
                done += 1
                if done % MIGRATE_LOG_EVERY == 0:
                    log.info("migrated %d/%d documents of %s", done, total, self.collection_name)
            if progress is not None:
                progress(done, total)
        if total >= MIGRATE_LOG_EVERY:
            log.info("migration of %s done: %d documents", self.collection_name, done)
        return done

    def __repr__(self) -> str:
        return f"<Manager of {self.cls.__name__} collection={self.collection_name!r}>"


class InstanceManager:
    """The ``.m`` of one document: the session's writes with the document filled in."""

    def __init__(self, mgr: Manager, inst: Any) -> None:
        self.mgr = mgr
        self.inst = inst

    @property
    def session(self) -> Optional["Session"]:
        return self.mgr.session

    @property
    def schema(self) -> S.Document:
        return self.mgr.schema

    @property
    def before_save(self) -> Optional[Callable[[Any], None]]:
        return self.mgr.before_save

    def __call__(self, session: "Session") -> "InstanceManager":
        """The same operations through another session: ``doc.m(other).save()``."""
        return type(self)(self.mgr.with_session(session), self.inst)

    def save(self, *args: Any, **kwargs: Any) -> Any:
        return self.mgr._session().save(self.inst, *args, **kwargs)

    def insert(self, **kwargs: Any) -> Any:
        return self.mgr._session().insert(self.inst, **kwargs)

    def upsert(self, spec_fields: Any, **kwargs: Any) -> Any:
        return self.mgr._session().upsert(self.inst, spec_fields, **kwargs)

    def delete(self) -> Any:
        return self.mgr._session().delete(self.inst)

    def set(self, fields_values: Mapping[str, Any], **kwargs: Any) -> Any:
        return self.mgr._session().set(self.inst, fields_values, **kwargs)

    def increase_field(self, **kwargs: Any) -> Any:
        return self.mgr._session().increase_field(self.inst, **kwargs)

    def __repr__(self) -> str:
        return f"<InstanceManager of {type(self.inst).__name__}>"


Manager.InstanceManagerClass = InstanceManager  # type: ignore[attr-defined]


class ManagerDescriptor:
    """Puts a :class:`Manager` on a class as ``.m`` and an :class:`InstanceManager` on its instances."""

    def __init__(self, manager: Manager) -> None:
        self.manager = manager

    def __get__(self, inst: Any, cls: Optional[type] = None) -> Any:
        if inst is None:
            return self.manager
        return self.manager.InstanceManagerClass(self.manager, inst)

    def __set__(self, inst: Any, value: Any) -> None:
        raise AttributeError("'m' is the document manager; store a key named 'm' with doc['m'] = ...")

    @property
    def engine(self) -> Any:
        """The engine of the class's session (``None`` when unbound)."""
        session = self.manager.session
        return session.bind.bind if session is not None and session.bind is not None else None


# Names Ming users may know these classes by.
_ClassManager = Manager
_InstanceManager = InstanceManager
_ManagerDescriptor = ManagerDescriptor
