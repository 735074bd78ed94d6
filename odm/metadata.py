"""Declaring document classes: :class:`Field`, :class:`Index`, :class:`Document` and :func:`collection`.

There are two ways to declare the same thing, and both end in the one
metaclass below, so they behave identically::

    WikiPage = collection('wiki_page', session,
                          Field('_id', schema.ObjectId),
                          Field('title', str))

    class WikiPage(Document):
        class __mongometa__:
            session = session
            name = 'wiki_page'
        _id = Field(schema.ObjectId)
        title = Field(str)

Documents are :class:`odm.Object` dicts; the class carries the schema and a
``.m`` manager (see :mod:`odm.manager`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional, Sequence

from . import schema as S
from .base import ASCENDING, Object
from .manager import InstanceManager, Manager, ManagerDescriptor

__all__ = ["Field", "Index", "Document", "collection", "declare_document", "Manager", "InstanceManager"]

# __mongometa__ options (besides indexes) and their defaults.
_META_OPTIONS = (
    "name",
    "session",
    "polymorphic_on",
    "polymorphic_identity",
    "version_of",
    "migrate",
    "before_save",
)


class Field:
    """One key of a document: its name, its schema, and whether it is indexed.

    ``Field(schema)`` takes its name from the class attribute it is assigned
    to; ``Field(name, schema)`` names the document key explicitly (the class
    attribute then becomes an alias for that key).  ``index=True``,
    ``unique=True`` and ``sparse=True`` declare a single-key index.  Any other
    keyword goes to the schema's constructor (``required``, ``if_missing``...)
    unless ``schema`` is already a schema instance.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) == 1:
            self.name: Optional[str] = None
            self.type = args[0]
        elif len(args) == 2:
            self.name, self.type = args
        else:
            raise TypeError("Field takes a schema, or a name and a schema")
        self.index = kwargs.pop("index", False)
        self.unique = kwargs.pop("unique", False)
        self.sparse = kwargs.pop("sparse", False)
        self.schema = S.SchemaItem.make(self.type, **kwargs)

    def declared_index(self) -> Optional["Index"]:
        """The index ``index=``/``unique=``/``sparse=`` asked for, if any."""
        if not (self.index or self.unique or self.sparse):
            return None
        return Index(self.name, unique=bool(self.unique), sparse=bool(self.sparse))

    def __repr__(self) -> str:
        return f"<Field {self.name} {self.schema!r}>"


class Index:
    """An index on one or more keys.

    Keys are names (ascending, or ``direction``) or ``(name, direction)``
    pairs; a number right after a name is that name's direction, so
    ``Index('a', -1, 'b')`` is ``[('a', -1), ('b', 1)]``.  ``unique``,
    ``sparse`` and any other ``create_index`` option (``name``,
    ``expireAfterSeconds``, ``partialFilterExpression``...) are passed to the
    server.
    """

    def __init__(self, *fields: Any, **kwargs: Any) -> None:
        direction = kwargs.pop("direction", ASCENDING)
        if "fields" in kwargs:  # custom_indexes use dict(fields=(...), ...)
            fields = tuple(fields) + tuple(kwargs.pop("fields"))
        spec: list[tuple[str, Any]] = []
        for item in fields:
            if isinstance(item, (list, tuple)):
                if len(item) == 2 and isinstance(item[0], str) and not isinstance(item[1], (list, tuple)):
                    spec.append((item[0], item[1]))
                else:
                    raise ValueError(f"bad index key {item!r}")
            elif isinstance(item, str):
                spec.append((item, direction))
            elif isinstance(item, int) and not isinstance(item, bool) and spec:
                spec[-1] = (spec[-1][0], item)
            else:
                raise ValueError(f"bad index key {item!r}")
        if not spec:
            raise ValueError("an index needs at least one key")
        self.fields = tuple(name for name, _ in spec)
        self.index_spec = spec
        self.unique = bool(kwargs.pop("unique", False))
        self.sparse = bool(kwargs.pop("sparse", False))
        self.index_options: dict[str, Any] = dict(unique=self.unique, sparse=self.sparse, **kwargs)

    def _key(self) -> tuple:
        return (tuple(self.index_spec), tuple(sorted(self.index_options.items(), key=lambda kv: kv[0])))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Index) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(tuple(self.index_spec))

    def __repr__(self) -> str:
        keys = ",".join(f"{name}:{d}" for name, d in self.index_spec)
        return f"<Index ({keys}) options={self.index_options!r}>"


def _to_index(entry: Any, **defaults: Any) -> Index:
    if isinstance(entry, Index):
        return entry
    if isinstance(entry, Mapping):
        return Index(**dict(defaults, **entry))
    if isinstance(entry, str):
        return Index(entry, **defaults)
    return Index(*entry, **defaults)


class _FieldAlias:
    """A class attribute standing for a document key of another name (``Field('key', ...)``)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, inst: Any, owner: Optional[type] = None) -> Any:
        if inst is None:
            return self
        try:
            return inst[self.key]
        except KeyError:
            raise AttributeError(self.key) from None

    def __set__(self, inst: Any, value: Any) -> None:
        inst[self.key] = value

    def __delete__(self, inst: Any) -> None:
        try:
            del inst[self.key]
        except KeyError:
            raise AttributeError(self.key) from None


class _DocumentMeta(type):
    """Builds the fields, indexes, schema and ``.m`` manager of every document class.

    ``__mongometa__`` options are inherited the way class attributes are; the
    fields and indexes of a base class are inherited and extended.  A class
    whose ``__mongometa__`` sets ``polymorphic_on`` shares its identity
    registry with all its subclasses, each registering its own
    ``polymorphic_identity``.
    """

    def __new__(mcs, name: str, bases: tuple, namespace: dict, **kwargs: Any) -> "_DocumentMeta":
        own_fields: list[Field] = list(namespace.pop("_odm_fields_", []))
        aliases: dict[str, _FieldAlias] = {}
        for attr, value in list(namespace.items()):
            if isinstance(value, Field):
                del namespace[attr]
                if value.name is None:
                    value.name = attr
                elif value.name != attr:
                    aliases[attr] = _FieldAlias(value.name)
                own_fields.append(value)
        namespace.update(aliases)

        mm_bases = tuple(b.__mongometa__ for b in bases if hasattr(b, "__mongometa__"))
        own_meta = namespace.get("__mongometa__")
        own_meta_dict = dict(vars(own_meta)) if own_meta is not None else {}
        own_meta_dict.pop("__dict__", None)
        own_meta_dict.pop("__weakref__", None)
        meta = type("__mongometa__", mm_bases or (object,), own_meta_dict)
        namespace["__mongometa__"] = meta

        cls = super().__new__(mcs, name, bases, namespace, **kwargs)

        base_manager: Optional[Manager] = next(
            (b._odm_manager_ for b in bases if isinstance(b, _DocumentMeta)), None
        )

        fields: dict[str, Field] = {}
        indexes: list[Index] = []
        if base_manager is not None:
            fields.update((f.name, f) for f in base_manager.fields)
            indexes.extend(base_manager.indexes)
        for field in own_fields:
            fields[field.name] = field  # type: ignore[index]

        def add(idx: Index) -> None:
            if idx not in indexes:
                indexes.append(idx)

        for field in fields.values():
            idx = field.declared_index()
            if idx is not None:
                add(idx)
        for entry in getattr(meta, "indexes", ()) or ():
            add(_to_index(entry))
        for entry in getattr(meta, "unique_indexes", ()) or ():
            add(_to_index(entry, unique=True))
        for entry in getattr(meta, "custom_indexes", ()) or ():
            add(_to_index(entry))

        # Functions stored on __mongometa__ (migrate, before_save) come back from
        # getattr as plain functions and are called with the data only.
        options = {opt: getattr(meta, opt, None) for opt in _META_OPTIONS}
        identity = own_meta_dict.get("polymorphic_identity")
        registry: Optional[dict] = None
        polymorphic_on = options["polymorphic_on"]
        if polymorphic_on is not None:
            if base_manager is not None and base_manager.polymorphic_on == polymorphic_on and base_manager.polymorphic_registry is not None:
                registry = base_manager.polymorphic_registry
            else:
                registry = {}
            if identity is not None:
                registry[identity] = cls

        manager_class = getattr(cls, "_odm_manager_class_", Manager)
        manager = manager_class(
            cls,
            options["name"],
            options["session"],
            list(fields.values()),
            indexes,
            polymorphic_on=polymorphic_on,
            polymorphic_identity=identity,
            polymorphic_registry=registry,
            version_of=options["version_of"],
            migrate=options["migrate"],
            before_save=options["before_save"],
        )
        descriptor = ManagerDescriptor(manager)
        type.__setattr__(cls, "m", descriptor)
        # kept under a second name (not a descriptor) so subclasses find their
        # base's manager even if something called ``m`` shadows it in between
        type.__setattr__(cls, "_odm_manager_", manager)
        return cls


class Document(Object, metaclass=_DocumentMeta):
    """A schema-validated MongoDB document: a dict with attribute access.

    Creating one (``WikiPage(dict(title='x'))``) does not validate; use
    :meth:`make` to validate at creation time.  Documents are validated when
    saved and when loaded.  ``.m`` is the manager (see :mod:`odm.manager`).
    """

    m: Any  # the ManagerDescriptor installed by the metaclass

    def __init__(self, data: Optional[Mapping[str, Any]] = None, skip_from_bson: bool = False) -> None:
        if data is None:
            return
        if skip_from_bson:
            dict.update(self, data)
        else:
            for key, value in data.items():
                dict.__setitem__(self, key, Object.from_bson(value))

    @classmethod
    def make(cls, data: Mapping[str, Any], **kwargs: Any) -> Any:
        """Validate ``data`` into a new document (a "virtual constructor").

        Raises :class:`odm.schema.Invalid` for data the schema rejects, e.g.
        ``Extra keys`` for keys it does not declare.
        """
        return cls.m.make(data, **kwargs)


#: Ming's name for the base of documents made by :func:`collection`.
_Document = Document


def collection(*args: Any, **kwargs: Any) -> type:
    """Declare a document class imperatively.

    ``collection(name, session, *fields_and_indexes, **options)`` makes a new
    class for collection ``name``; ``collection(BaseClass, *fields_and_indexes,
    **options)`` derives one from an existing class (same collection and
    session unless overridden), typically with a ``polymorphic_identity``.
    Options are those of ``__mongometa__``: ``polymorphic_on``,
    ``polymorphic_identity``, ``version_of``, ``migrate``, ``before_save``,
    plus ``indexes``, ``unique_indexes`` and ``custom_indexes``.
    """
    if not args:
        raise TypeError("collection() needs a name or a base document class")
    first = args[0]
    meta: dict[str, Any] = {}
    if isinstance(first, str):
        bases: tuple = (Document,)
        meta["name"] = first
        rest: Sequence[Any] = args[1:]
        if rest and not isinstance(rest[0], (Field, Index)):
            meta["session"] = rest[0]
            rest = rest[1:]
        else:
            meta["session"] = None
        class_name = f"Document<{first}>"
    elif isinstance(first, type) and issubclass(first, Document):
        bases = (first,)
        rest = args[1:]
        identity = kwargs.get("polymorphic_identity")
        class_name = f"Document<{first.m.collection_name}:{identity}>" if identity is not None else first.__name__
    else:
        raise TypeError(f"collection() needs a name or a document class, not {first!r}")
    fields = [a for a in rest if isinstance(a, Field)]
    indexes = [a for a in rest if isinstance(a, Index)]
    unknown = [a for a in rest if not isinstance(a, (Field, Index))]
    if unknown:
        raise TypeError(f"collection() takes Field and Index arguments, not {unknown!r}")
    for field in fields:
        if field.name is None:
            raise TypeError("fields passed to collection() need a name: Field('name', schema)")
    meta.update(kwargs)
    meta["indexes"] = list(indexes) + list(meta.get("indexes", []))
    return declare_document(class_name, bases, meta, fields)


def declare_document(class_name: str, bases: tuple, meta: Mapping[str, Any], fields: Sequence[Field]) -> type:
    """Create a document class from ``__mongometa__`` options and named fields.

    The one constructor behind :func:`collection` and :func:`odm.fs.filesystem`.
    """
    meta = dict(meta)
    for function_option in ("migrate", "before_save"):
        if callable(meta.get(function_option)) and not isinstance(meta[function_option], staticmethod):
            meta[function_option] = staticmethod(meta[function_option])
    namespace = {
        "__mongometa__": type("__mongometa__", (), meta),
        "_odm_fields_": list(fields),
        "__module__": __name__,
    }
    return _DocumentMeta(class_name, bases, namespace)
