"""The foundation-layer :class:`Session`: validated reads and writes of documents.

A session holds nothing but its datastore, so one session can be shared by
every thread.  Each method takes the document class (for queries) or a
document (for writes), finds the collection through the class manager, and
speaks the pymongo 4 API to it: ``insert_one``, ``replace_one``,
``update_one``, ``find_one_and_update`` and friends.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Iterable, Optional, Sequence, TypeVar

from pymongo import ReturnDocument
from pymongo.errors import OperationFailure

from .base import Missing, Object
from .cursor import Cursor
from .datastore import DataStore
from .exc import MingException

__all__ = ["Session"]

log = logging.getLogger(__name__)

D = TypeVar("D")

# Server codes meaning "an index with this name/key exists with other options".
_INDEX_CONFLICT_CODES = (85, 86)


def _doc_class(cls_or_doc: Any) -> type:
    return cls_or_doc if isinstance(cls_or_doc, type) else type(cls_or_doc)


def is_operator_update(update: Any) -> bool:
    """Whether ``update`` is an update document (``$`` operators) or pipeline, not a replacement."""
    if isinstance(update, list):  # an aggregation-pipeline update
        return True
    return bool(update) and all(str(k).startswith("$") for k in update)


_is_operator_update = is_operator_update


def _set_path(doc: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        child = node.get(part) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            child = Object()
            node[part] = child
        node = child
    node[parts[-1]] = value


def _get_path(doc: Any, path: str) -> Any:
    node = doc
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return Missing
    return node


class Session:
    """Runs queries and writes for document classes against one :class:`DataStore`.

    ``Session.by_name(name)`` returns the session registered under ``name``
    (creating it on first use); :func:`odm.configure` binds those sessions to
    the datastores it creates.
    """

    _registry: dict[str, "Session"] = {}
    _datastores: dict[str, DataStore] = {}

    def __init__(self, bind: Optional[DataStore] = None) -> None:
        self.bind = bind

    # -- registry ----------------------------------------------------------
    @classmethod
    def by_name(cls, name: str) -> "Session":
        """The session named ``name``, bound to the configured datastore of that name if any."""
        try:
            return cls._registry[name]
        except KeyError:
            session = cls._registry[name] = cls(cls._datastores.get(name))
            return session

    @classmethod
    def _configure_datastores(cls, datastores: Mapping[str, DataStore]) -> None:
        cls._datastores = dict(datastores)
        for name, session in cls._registry.items():
            session.bind = cls._datastores.get(name)

    # -- plumbing ------------------------------------------------------------
    @property
    def db(self) -> Any:
        """The underlying pymongo-style Database (no validation beyond this point)."""
        if self.bind is None:
            raise MingException("session is not bound to a datastore")
        return self.bind.db

    def raw_collection(self, cls_or_doc: Any) -> Any:
        """The pymongo-style collection of a document class or document (creating its indexes on first use).

        Public for the mapper's persistence and loading, which write and read
        through it; Ming calls it ``_impl``.
        """
        cls = _doc_class(cls_or_doc)
        manager = cls.m
        if not manager.collection_name:
            raise MingException(f"{cls.__name__} has no collection name")
        collection = self.db[manager.collection_name]
        bind = self.bind
        if bind is not None and bind.bind.auto_ensure_indexes and manager.indexes:
            key = (manager.collection_name, cls)
            if key not in bind._ensured_indexes:
                bind._ensured_indexes.add(key)
                self._create_indexes(collection, manager.indexes)
        return collection

    _impl = raw_collection

    def _load(self, cls: type, raw: Optional[Mapping], allow_extra: bool = True, strip_extra: bool = True, validate: bool = True) -> Any:
        if raw is None:
            return None
        if not validate:
            return cls(raw)
        return cls.m.make(raw, allow_extra=allow_extra, strip_extra=strip_extra)

    def prepare_save(self, doc: Any, validate: bool) -> Object:
        """Run ``before_save`` and validate ``doc``; return the data to store."""
        manager = type(doc).m
        if manager.before_save is not None:
            manager.before_save(doc)
        if validate:
            return manager.validate_for_save(doc)
        return Object(doc)

    _prep_save = prepare_save

    @staticmethod
    def _replace_contents(doc: dict, data: Mapping) -> None:
        # After a write the document shows exactly what was stored (defaults
        # filled in, deprecated keys gone, the new _id present).  Its keys keep
        # their order and new ones follow, as in Ming, where saving only adds
        # the ``_id`` to the document: ``{'title': 'MyPage', 'text': '', '_id': ...}``.
        if len(doc) == len(data) and all(k in data for k in doc):
            dict.update(doc, data)
            return
        order = [k for k in doc if k in data]
        order.extend(k for k in data if k not in doc)
        dict.clear(doc)
        dict.update(doc, [(k, data[k]) for k in order])

    # -- queries -------------------------------------------------------------
    def find(self, cls: type, *args: Any, **kwargs: Any) -> Cursor:
        """Query ``cls``'s collection; arguments are those of ``Collection.find``.

        Extra keyword arguments: ``allow_extra`` (default ``True``) tolerates
        keys the schema does not know, ``strip_extra`` (default ``True``) drops
        them, ``validate=False`` skips validation.  ``fields`` is accepted as
        the old name of ``projection`` and ``spec`` of ``filter``.  Options
        without a filter are refused (``ValueError``), as in Ming: keywords are
        never query criteria, so ``find(cls, name='x')`` is a mistake.
        """
        if not args and kwargs and not {"filter", "spec"} & set(kwargs):
            raise ValueError(
                "find() got keyword options but no filter: keywords are options, never query "
                "criteria; pass the filter first (an explicit {} to match every document)")
        allow_extra = kwargs.pop("allow_extra", True)
        strip_extra = kwargs.pop("strip_extra", True)
        validate = kwargs.pop("validate", True)
        if "fields" in kwargs:
            kwargs["projection"] = kwargs.pop("fields")
        if "spec" in kwargs:
            kwargs["filter"] = kwargs.pop("spec")
        spec = args[0] if args else kwargs.get("filter")
        raw_cursor = self._impl(cls).find(*args, **kwargs)
        return Cursor(cls, raw_cursor, allow_extra=allow_extra, strip_extra=strip_extra, validate=validate, spec=spec)

    def find_by(self, cls: type, **kwargs: Any) -> Cursor:
        """``find`` with the filter given as keyword arguments."""
        return self.find(cls, kwargs)

    def get(self, cls: type, **kwargs: Any) -> Any:
        """The first document matching the keyword arguments, or ``None``."""
        return self._load(cls, self._impl(cls).find_one(kwargs))

    def count(self, cls: type, filter: Optional[Mapping] = None, **kwargs: Any) -> int:  # noqa: A002
        """Number of documents in the collection (matching ``filter`` if given)."""
        return self._impl(cls).count_documents(filter or {}, **kwargs)

    def distinct(self, cls: type, *args: Any, **kwargs: Any) -> list:
        """``Collection.distinct(key, filter=None, ...)`` on ``cls``'s collection."""
        return self._impl(cls).distinct(*args, **kwargs)

    def aggregate(self, cls: type, *args: Any, **kwargs: Any) -> Any:
        """``Collection.aggregate(pipeline, ...)`` on ``cls``'s collection; results are raw documents."""
        return self._impl(cls).aggregate(*args, **kwargs)

    def find_and_modify(
        self,
        cls: type,
        query: Optional[Mapping] = None,
        update: Any = None,
        sort: Any = None,
        new: bool = False,
        upsert: bool = False,
        fields: Any = None,
        remove: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Atomically find one document and update, replace or remove it.

        The old ``findAndModify`` signature, run with pymongo 4's
        ``find_one_and_update`` / ``find_one_and_replace`` /
        ``find_one_and_delete``.  Returns the document before the change (or
        after it with ``new=True``), validated, or ``None``.
        """
        query = query or {}
        projection = kwargs.pop("projection", fields)
        if isinstance(sort, str):
            sort = [(sort, 1)]
        elif isinstance(sort, Mapping):
            sort = list(sort.items())
        collection = self._impl(cls)
        if remove:
            raw = collection.find_one_and_delete(query, projection=projection, sort=sort, **kwargs)
        else:
            if update is None:
                raise ValueError("find_and_modify needs update= or remove=True")
            return_document = ReturnDocument.AFTER if new else ReturnDocument.BEFORE
            method = collection.find_one_and_update if _is_operator_update(update) else collection.find_one_and_replace
            raw = method(query, update, projection=projection, sort=sort, upsert=upsert, return_document=return_document, **kwargs)
        return self._load(cls, raw)

    def find_one_and_update(self, cls: type, *args: Any, **kwargs: Any) -> Any:
        """``Collection.find_one_and_update``, returning a validated document."""
        return self._load(cls, self._impl(cls).find_one_and_update(*args, **kwargs))

    def find_one_and_replace(self, cls: type, *args: Any, **kwargs: Any) -> Any:
        """``Collection.find_one_and_replace``, returning a validated document."""
        return self._load(cls, self._impl(cls).find_one_and_replace(*args, **kwargs))

    def find_one_and_delete(self, cls: type, *args: Any, **kwargs: Any) -> Any:
        """``Collection.find_one_and_delete``, returning a validated document."""
        return self._load(cls, self._impl(cls).find_one_and_delete(*args, **kwargs))

    def remove(self, cls: type, filter: Optional[Mapping] = None, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """Delete the matching documents (all of them unless ``multi=False``); no validation."""
        multi = kwargs.pop("multi", True)
        if kwargs.pop("just_one", False):
            multi = False
        collection = self._impl(cls)
        if multi:
            return collection.delete_many(filter or {}, *args, **kwargs)
        return collection.delete_one(filter or {}, *args, **kwargs)

    def update_partial(self, cls: type, spec: Mapping, fields: Any, upsert: bool = False, multi: bool = False, **kwargs: Any) -> Any:
        """Apply an update document (``{'$set': ...}``) without loading or validating anything.

        Updates one matching document, or all of them with ``multi=True``.
        """
        collection = self._impl(cls)
        method = collection.update_many if multi else collection.update_one
        return method(spec, fields, upsert=upsert, **kwargs)

    # -- writes of one document ---------------------------------------------
    def save(self, doc: Any, *args: Any, **kwargs: Any) -> Any:
        """Validate and store ``doc``.

        With field names as positional arguments only those fields are
        written (``$set``, or ``$unset`` for fields that validated to
        absent).  Otherwise the whole document is replaced by ``_id``
        (inserted if new).  ``validate=False`` stores the document as it is.
        Returns the pymongo write result.
        """
        validate = kwargs.pop("validate", True)
        data = self._prep_save(doc, validate)
        collection = self._impl(doc)
        if args:
            if "_id" not in data:
                raise MingException("a partial save needs a document with an _id")
            to_set = {k: _get_path(data, k) for k in args}
            update: dict = {}
            present = {k: v for k, v in to_set.items() if v is not Missing}
            absent = {k: "" for k, v in to_set.items() if v is Missing}
            if present:
                update["$set"] = present
            if absent:
                update["$unset"] = absent
            result = collection.update_one({"_id": data["_id"]}, update, **kwargs)
        elif "_id" in data:
            result = collection.replace_one({"_id": data["_id"]}, data, upsert=True, **kwargs)
        else:
            result = collection.insert_one(data, **kwargs)
            data["_id"] = result.inserted_id
        self._replace_contents(doc, data)
        return result

    def insert(self, doc: Any, **kwargs: Any) -> Any:
        """Validate and insert ``doc`` (fails with ``DuplicateKeyError`` if its ``_id`` exists)."""
        validate = kwargs.pop("validate", True)
        data = self._prep_save(doc, validate)
        result = self._impl(doc).insert_one(data, **kwargs)
        data["_id"] = result.inserted_id
        self._replace_contents(doc, data)
        return result

    def upsert(self, doc: Any, spec_fields: Any, **kwargs: Any) -> Any:
        """Store ``doc`` over the document whose ``spec_fields`` have the same values.

        Inserts when nothing matches.  An existing document keeps its own
        ``_id``, which is copied into ``doc``.
        """
        validate = kwargs.pop("validate", True)
        data = self._prep_save(doc, validate)
        if isinstance(spec_fields, str):
            spec_fields = [spec_fields]
        spec = {field: _get_path(data, field) for field in spec_fields}
        spec = {k: (None if v is Missing else v) for k, v in spec.items()}
        body = {k: v for k, v in data.items() if k != "_id"}
        update: dict = {"$set": body} if body else {}
        if "_id" in data and "_id" not in spec:
            update["$setOnInsert"] = {"_id": data["_id"]}
        collection = self._impl(doc)
        result = collection.update_one(spec, update, upsert=True, **kwargs)
        if result.upserted_id is not None:
            data["_id"] = result.upserted_id
        else:
            existing = collection.find_one(spec, projection={"_id": 1})
            if existing is not None:
                data["_id"] = existing["_id"]
        self._replace_contents(doc, data)
        return result

    def delete(self, doc: Any) -> Any:
        """Delete ``doc`` (by ``_id``) from its collection."""
        return self._impl(doc).delete_one({"_id": doc["_id"]})

    def set(self, doc: Any, fields_values: Mapping[str, Any], **kwargs: Any) -> Any:
        """Change some fields of ``doc`` and write just those fields, now.

        Keys may be dotted paths.  The changed document is validated first, so
        an invalid value is rejected before anything is written.
        """
        manager = type(doc).m
        candidate = Object.from_bson(doc)
        for key, value in fields_values.items():
            _set_path(candidate, key, value)
        validated = manager.validate_for_save(candidate) if manager.schema is not None else candidate
        values = {}
        for key in fields_values:
            value = _get_path(validated, key)
            values[key] = None if value is Missing else value
        result = self._impl(doc).update_one({"_id": doc["_id"]}, {"$set": values}, **kwargs)
        for key, value in values.items():
            _set_path(doc, key, value)
        return result

    def increase_field(self, doc: Any, **kwargs: Any) -> Any:
        """Raise one field to a value, only if that is larger than what is stored.

        ``increase_field(doc, counter=10)`` is an atomic ``$max``.  The
        document's local copy is updated to the value now stored.
        """
        if len(kwargs) != 1:
            raise TypeError("increase_field takes exactly one field=value")
        ((key, value),) = kwargs.items()
        if value is None:
            raise ValueError(f"{key}={value!r}")
        stored = self._impl(doc).find_one_and_update(
            {"_id": doc["_id"]},
            {"$max": {key: value}},
            projection={key: 1},
            return_document=ReturnDocument.AFTER,
        )
        if stored is not None:
            current = _get_path(stored, key)
            if current is not Missing:
                _set_path(doc, key, current)
        return stored

    # -- indexes -------------------------------------------------------------
    def _create_indexes(self, collection: Any, indexes: Iterable[Any]) -> list[str]:
        names = []
        for index in indexes:
            names.append(self._create_index(collection, index))
        return names

    @staticmethod
    def _create_index(collection: Any, index: Any) -> str:
        # unique/sparse are only sent when set: an explicit false would make
        # the server see a different index than one created without it.
        options = {k: v for k, v in index.index_options.items() if not (k in ("unique", "sparse") and v is False)}
        try:
            return collection.create_index(index.index_spec, **options)
        except OperationFailure as exc:
            if exc.code not in _INDEX_CONFLICT_CODES:
                raise
        # The same keys (or name) exist with different options: the declared
        # definition wins, as the declaration is the schema's source of truth.
        info = collection.index_information()
        spec = list(index.index_spec)
        for name, details in info.items():
            if list(details.get("key", [])) == spec or name == options.get("name"):
                log.info("replacing index %s on %s with %r", name, collection.name, index)
                collection.drop_index(name)
        return collection.create_index(index.index_spec, **options)

    def ensure_index(self, cls: type, fields: Any, **kwargs: Any) -> str:
        """Create one index on ``cls``'s collection (``fields`` as for :class:`odm.Index`)."""
        from .metadata import Index

        if isinstance(fields, (str, tuple)) and not isinstance(fields, list):
            fields = [fields]
        index = Index(*fields, **kwargs)
        return self._create_index(self._impl(cls), index)

    create_index = ensure_index

    def ensure_indexes(self, cls: type) -> list[str]:
        """Create every index declared by ``cls``; returns their names."""
        return self._create_indexes(self._impl(cls), cls.m.indexes)

    def drop_indexes(self, cls: type) -> None:
        """Drop the indexes declared by ``cls`` (others, and ``_id_``, are left alone)."""
        collection = self._impl(cls)
        info = collection.index_information()
        for index in cls.m.indexes:
            spec = list(index.index_spec)
            for name, details in info.items():
                if name != "_id_" and (list(details.get("key", [])) == spec or name == index.index_options.get("name")):
                    collection.drop_index(name)
        if self.bind is not None:
            # Dropped on purpose: do not re-create them behind the caller's back
            # on the next query; ensure_indexes() brings them back.
            self.bind._ensured_indexes.add((cls.m.collection_name, cls))

    def index_information(self, cls: type) -> dict:
        """``Collection.index_information`` of ``cls``'s collection."""
        return self._impl(cls).index_information()

    def __repr__(self) -> str:
        return f"<Session bind={self.bind!r}>"
