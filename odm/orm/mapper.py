"""The :class:`Mapper`: links a mapped class to its foundation-layer collection and session.

A mapper is created for every :class:`~odm.odm.declarative.MappedClass`
subclass.  It is compiled lazily (first instance, first query, or
:meth:`Mapper.compile_all`), because a class may refer to classes declared
after it: compiling resolves foreign-id types and builds the foundation
document class (``mapper(cls).collection``, an :func:`odm.collection`) that
validates, migrates and indexes the documents.
"""
from __future__ import annotations

import textwrap
import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Callable, Generic, Optional, TypeVar, overload

from pymongo.collation import Collation
from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import _ServerMode
from pymongo.write_concern import WriteConcern

from ..base import Missing
from ..schema import Invalid
from ..exc import MingException, NotFound
from ..metadata import Document, collection as _collection, declare_document
from ..utils import all_class_properties, then
from .events import MapperExtension, listen_mapper_extension
from .expressions import ExpressionQuery, FilterExpression, KeysetPage, Pagination
from .property import FieldProperty, ORMProperty
from .registry import ORMError, class_names, mappers, io_session, resolve_class
from .state import ObjectState, state

if TYPE_CHECKING:  # pragma: no cover
    from .loading import ODMCursor
    from .session import ODMSession

__all__ = ["Mapper", "MapperExtension", "mapper", "session", "Query", "InstanceQuery", "resolve_class"]

T = TypeVar("T")

#: ``__mongometa__`` options applied to the class's pymongo collection (``Collection.with_options``), with their types.
CONCERN_OPTIONS: dict[str, type] = {"write_concern": WriteConcern, "read_concern": ReadConcern,
                                    "read_preference": _ServerMode}

#: ``__mongometa__`` options every query of the class passes as a keyword (a query's own value wins).
QUERY_OPTIONS: dict[str, tuple[type, ...]] = {"collation": (Collation, Mapping)}


def check_collection_options(class_name: str, options: Mapping[str, Any]) -> None:
    """Refuse a ``write_concern`` / ``read_concern`` / ``read_preference`` that is not pymongo's object,
    and a ``collation`` that is neither pymongo's ``Collation`` nor a document."""
    for name, kind in CONCERN_OPTIONS.items():
        value = options.get(name)
        if value is not None and not isinstance(value, kind):
            raise ORMError(f"{class_name}.__mongometa__ option {name!r} must be a pymongo "
                           f"{kind.__name__.lstrip('_')}, not {value!r}")
    for name, kinds in QUERY_OPTIONS.items():
        value = options.get(name)
        if value is not None and not isinstance(value, kinds):
            raise ORMError(f"{class_name}.__mongometa__ option {name!r} must be a pymongo Collation or a "
                           f"collation document, not {value!r}")


# Options of __mongometa__ handed to the foundation collection as they are.
_COLLECTION_OPTIONS = ("polymorphic_on", "version_of", "migrate", "before_save")
_INDEX_OPTIONS = ("indexes", "unique_indexes", "custom_indexes")


class Mapper:
    """Everything the ODM knows about one mapped class."""

    _registry = mappers
    _by_name = class_names
    _by_collection: dict[type, "Mapper"] = {}
    _mapper_by_collection = _by_collection
    _generation = 0
    # Ming's names of the same registries (test suites written for Ming clear them between tests)
    _mapper_by_class = mappers
    _mapper_by_classname = class_names

    def __init__(self, mapped_class: type, collection: Any = None, session: Any = None,
                 extensions: Optional[Iterable[Any]] = None, properties: Optional[Mapping[str, ORMProperty]] = None,
                 include_properties: Optional[Iterable[str]] = None, exclude_properties: Iterable[str] = (),
                 options: Optional[Mapping[str, Any]] = None) -> None:
        self.mapped_class = mapped_class
        #: how objects are loaded unless a query says otherwise (``ODMCursor.options``)
        self.options = merge_load_options(dict(DEFAULT_LOAD_OPTIONS), options or {})
        self.session = session
        self._collection = collection
        self._compiled = False
        self._subclasses_seen = -1
        self.properties: list[ORMProperty] = []
        #: attribute → document key of the fields stored under another key (see :meth:`document_keys`)
        self.aliases: dict[str, str] = {}
        #: the attribute declared ``primary_key=True`` (stored as ``_id``), if any
        self.primary_key: Optional[str] = None
        #: ``Collection.with_options`` arguments from ``__mongometa__`` (write/read concern, read preference)
        self.collection_options: dict[str, Any] = {}
        #: keywords every query of the class passes (``collation``)
        self.query_options: dict[str, Any] = {}
        self.extensions: list[MapperExtension] = []
        for ext in extensions or ():
            self.extensions.append(ext(self) if isinstance(ext, type) else ext)
            listen_mapper_extension(self.extensions[-1], mapped_class)
        if not getattr(mapped_class, "_odm_declarative_", False):
            if collection is None:
                raise ORMError(f"mapping {mapped_class.__name__} needs a document class (session.mapper(cls, collection))")
            self._instrument(collection, dict(properties or {}), include_properties, exclude_properties)
        elif properties or include_properties or exclude_properties:
            raise ORMError("properties= / include_properties= / exclude_properties= are for imperative mapping: "
                           f"declare them on {mapped_class.__name__} itself")
        Mapper._registry[mapped_class] = self
        Mapper._by_name[mapped_class.__name__] = mapped_class
        Mapper._generation += 1

    def _instrument(self, collection: Any, properties: dict[str, ORMProperty], include: Optional[Iterable[str]],
                    exclude: Iterable[str]) -> None:
        """Make a plain class mapped (imperative mapping): properties, ``query``, an ``__init__`` that tracks."""
        cls = self.mapped_class
        for field in collection.m.fields:
            properties.setdefault(field.name, FieldProperty(field))
        if include is not None:
            properties = {name: properties[name] for name in include}
        for name in exclude:
            properties.pop(name, None)
        for name, prop in properties.items():
            prop.name = None
            prop.__set_name__(cls, name)
            setattr(cls, name, prop)
        cls.query = QueryDescriptor()  # type: ignore[attr-defined]
        init = cls.__init__
        cls.__init__ = instrumented_init(set_attributes if init is object.__init__ else init)  # type: ignore[misc]
        if cls.__repr__ is object.__repr__:
            cls.__repr__ = lambda obj: mapper(obj).repr_object(obj)  # type: ignore[method-assign]
        for name, method in vars(ItemAccess).items():
            if callable(method) and getattr(cls, name, None) is getattr(object, name, None):
                setattr(cls, name, method)

    # -- registry ------------------------------------------------------------
    @classmethod
    def all_mappers(cls) -> list["Mapper"]:
        """Every mapper, in the order the classes were declared."""
        return list(cls._registry.values())

    @classmethod
    def by_classname(cls, name: str) -> "Mapper":
        return mapper(resolve_class(name))

    @classmethod
    def by_class(cls, mapped_class: type) -> "Mapper":
        """The mapper of ``mapped_class`` (``KeyError`` if it is not mapped)."""
        return cls._registry[mapped_class]

    @classmethod
    def clear_all(cls) -> None:
        """Forget every mapped class (Ming's way of starting a test from scratch)."""
        cls._registry.clear()
        cls._by_name.clear()
        cls._by_collection.clear()
        cls._generation += 1

    @classmethod
    def replace_session(cls, session: Any) -> None:
        """Make ``session`` the session of every mapped class (Ming's way of pointing a whole model elsewhere)."""
        for m in cls.all_mappers():
            m.session = session
            meta = m.meta
            if meta is not None:
                meta.session = session
            if m._collection is not None:
                m._collection.m.session = session.impl

    @classmethod
    def by_collection(cls, collection_class: type) -> "Mapper":
        return cls._by_collection[collection_class]

    @classmethod
    def for_collection(cls, collection_class: type) -> Optional["Mapper"]:
        """The mapper whose foundation document class is ``collection_class``, or ``None``."""
        return cls._by_collection.get(collection_class)

    @classmethod
    def compile_all(cls) -> None:
        """Compile every mapper now (resolves relations and foreign-id types)."""
        for m in cls.all_mappers():
            m.compile()

    @classmethod
    def ensure_all_indexes(cls) -> None:
        """Create the declared indexes of every mapped class that has a session."""
        done: set = set()
        for m in cls.all_mappers():
            if m.session is None:
                continue
            m.compile()
            coll = m.collection
            if not coll.m.collection_name:
                continue  # an abstract base: no collection to index
            key = (id(m.session), coll.m.collection_name, tuple(repr(i) for i in coll.m.indexes))
            if key in done:
                continue
            done.add(key)
            # an async session's classes too (through its sync session: inside the event loop that is refused,
            # BlockingCallInEventLoop, rather than left as a coroutine nobody awaits)
            io_session(m.session).ensure_indexes(m.mapped_class)

    # -- compiling -----------------------------------------------------------
    @property
    def meta(self) -> Any:
        return getattr(self.mapped_class, "__mongometa__", None)

    @property
    def collection(self) -> Any:
        """The foundation-layer document class (``.m`` manager, schema, indexes) behind this class."""
        self.compile()
        return self._collection

    @property
    def polymorphic_collection(self) -> Any:
        """:attr:`collection`, with every mapped subclass compiled (what loading a document needs:
        the document may belong to any class of the hierarchy)."""
        self.compile_subclasses()
        return self.collection

    def new_object(self) -> Any:
        """An uninitialised instance of the mapped class carrying a fresh :class:`ObjectState`."""
        cls = self.mapped_class
        obj = cls.__new__(cls)
        if "_odm_state_" not in obj.__dict__:
            obj.__dict__["_odm_state_"] = ObjectState()
        obj.__dict__["_odm_state_"].instrument = self.options["instrument"]
        return obj

    @property
    def base_mapper(self) -> Optional["Mapper"]:
        for base in self.mapped_class.__mro__[1:]:
            if base in Mapper._registry:
                return Mapper._registry[base]
        return None

    @property
    def root_class(self) -> type:
        """The topmost mapped class sharing this class's collection (identity-map key)."""
        root = self.mapped_class
        name = getattr(self.meta, "name", None)
        for base in self.mapped_class.__mro__[1:]:
            m = Mapper._registry.get(base)
            if m is not None and getattr(m.meta, "name", None) == name:
                root = base
        return root

    def compile(self) -> "Mapper":
        if self._compiled:
            return self
        self._compiled = True
        try:
            self._compile()
        except BaseException:
            self._compiled = False
            raise
        return self

    def compile_subclasses(self) -> None:
        """Compile the mapped subclasses declared so far (polymorphic loads need their identities)."""
        if self._subclasses_seen == Mapper._generation:
            return
        for cls, m in list(Mapper._registry.items()):
            if cls is not self.mapped_class and issubclass(cls, self.mapped_class):
                m.compile()
        self._subclasses_seen = Mapper._generation

    def _compile(self) -> None:
        cls = self.mapped_class
        props = [p for _, p in all_class_properties(cls) if isinstance(p, ORMProperty)]
        ordered = []
        seen: set = set()
        for klass in cls.__mro__:
            for name, value in vars(klass).items():
                if isinstance(value, ORMProperty) and name not in seen:
                    seen.add(name)
                    ordered.append(value)
        self.properties = ordered
        for prop in props:
            if prop.mapper is None:
                prop.compile(self)
        self.aliases = self._aliases()
        self.collection_options = self._collection_options()
        if self._collection is None:
            self._collection = self._build_collection()
        Mapper._by_collection[self._collection] = self

    def _collection_options(self) -> dict[str, Any]:
        """The class's ``write_concern`` / ``read_concern`` / ``read_preference`` (PyMODM's ``Meta`` keys)."""
        options = {name: getattr(self.meta, name, None) for name in (*CONCERN_OPTIONS, *QUERY_OPTIONS)}
        options = {name: value for name, value in options.items() if value is not None}
        check_collection_options(self.mapped_class.__name__, options)
        self.query_options = {name: options.pop(name) for name in QUERY_OPTIONS if name in options}
        return options

    def with_options(self, collection: Any) -> Any:
        """``collection`` (pymongo's or mim's) with the class's concerns and read preference applied."""
        options = self.compile().collection_options
        return collection.with_options(**options) if options else collection

    def _aliases(self) -> dict[str, str]:
        """``{attribute: document key}`` of the fields stored under another key (``db_field=``, ``primary_key=True``).

        Refuses two properties storing one key when one of them asked for it
        explicitly (a ``primary_key=True`` field beside an ``_id`` property).
        """
        aliases: dict[str, str] = {}
        owners: dict[str, str] = {}
        for name, prop in all_class_properties(self.mapped_class):
            if not isinstance(prop, FieldProperty):
                continue
            key = prop.key
            if prop.db_field is not None:
                aliases[name] = key
            if prop.primary_key:
                self.primary_key = name
            other = owners.setdefault(key, name)
            if other != name and (prop.db_field is not None or key in aliases.values()):
                raise ORMError(f"{self.mapped_class.__name__}.{name} and .{other} both store the document key {key!r}")
        return aliases

    def document_keys(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` keyed by attribute name, keyed by the document keys those attributes store."""
        aliases = self.compile().aliases
        if not aliases:
            return dict(values)
        return {aliases.get(name, name): value for name, value in values.items()}

    def _build_collection(self) -> type:
        meta = self.meta
        by_name: dict[str, Any] = {}
        for klass in reversed(self.mapped_class.__mro__):
            for attr, value in vars(klass).items():
                if isinstance(value, FieldProperty):
                    by_name[attr] = value.field
        fields = list(by_name.values())
        name = getattr(meta, "name", None)
        odm_session = getattr(meta, "session", None)
        self.session = odm_session if self.session is None else self.session
        doc_session = odm_session.impl if odm_session is not None else None
        options: dict[str, Any] = {}
        for option in _COLLECTION_OPTIONS:
            value = getattr(meta, option, None)
            if value is not None:
                options[option] = value
        own_meta = vars(self.mapped_class).get("__mongometa__")
        identity = getattr(own_meta, "polymorphic_identity", None) if own_meta is not None and "polymorphic_identity" in vars(own_meta) else None
        if identity is not None:
            options["polymorphic_identity"] = identity
        for option in _INDEX_OPTIONS:
            value = getattr(meta, option, None)
            if value:
                options[option] = list(value)
        base = self.base_mapper
        if base is not None and base.session is not None and getattr(base.meta, "name", None) == name and getattr(base.meta, "polymorphic_on", None):
            base_collection = base.collection
            options.pop("polymorphic_on", None)
            return _collection(base_collection, *fields, **options)
        if name is None:
            # an abstract base (shared fields, no collection of its own), as Ming allows:
            # its subclasses name their collections; using it for queries fails then
            meta = dict(options, name=None, session=doc_session)
            return declare_document(f"Document<{self.mapped_class.__name__}>", (Document,), meta, fields)
        return _collection(name, doc_session, *fields, **options)

    # -- objects -------------------------------------------------------------
    def _session_for_new(self) -> Optional["ODMSession"]:
        sess = self.session
        if sess is None:
            return None
        current = getattr(sess, "_current", None)
        return current() if current is not None else sess

    def finish_new(self, obj: Any) -> None:
        """Fill in the defaults of a just-constructed object and add it to its session.

        Values assigned in ``__init__`` were validated by their properties
        already; only the absent fields are validated here (so ``required``
        fields raise ``Invalid`` and ``if_missing`` defaults appear).
        """
        st = state(obj)
        schema = self.collection.m.schema
        document = st.document
        errors: dict[str, Any] = {}
        for name, item in schema.fields.items():
            if isinstance(name, str) and name not in document:
                try:
                    value = item.validate(Missing)
                except Invalid as exc:
                    errors[name] = exc
                else:
                    if value is not Missing:
                        document[name] = value
        if self.primary_key is not None and document.get("_id") is None:
            # the server would make up an ObjectId: a primary key is the application's to give
            errors[self.primary_key] = Invalid("a primary key (primary_key=True) needs a value", Missing)
        if errors:
            msg = "\n".join(f"{name}:{errors[name]}" for name in sorted(errors))
            raise Invalid(msg, document, error_dict=errors)
        # Ming validates the whole new document: its keys end up in sorted order
        ordered = {name: document[name] for name, _ in schema._named_sorted if name in document}
        if len(ordered) != len(document):
            ordered.update((k, v) for k, v in document.items() if k not in ordered)
        st.document = ordered
        st.status = ObjectState.new
        sess = self._session_for_new()
        if sess is not None:
            sess.save(obj)

    def repr_object(self, obj: Any) -> str:
        parts = []
        for prop in self.properties:
            if prop.include_in_repr:
                parts.append(f"{prop.name}={prop.repr_value(obj)!r}")
        text = " ".join([f"<{type(obj).__name__}"] + parts) + ">"
        return "\n".join(textwrap.wrap(text, width=60, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False))

    def __repr__(self) -> str:
        name = self._collection.m.collection_name if self._collection is not None else getattr(self.meta, "name", None)
        return f"<Mapper {self.mapped_class.__name__}:{name}>"


def mapper(cls: Any, collection: Any = None, session: Any = None, **kwargs: Any) -> Mapper:
    """The (compiled) mapper of a mapped class or object; creates one for an unmapped class."""
    if not isinstance(cls, type):
        cls = type(cls)
    m = Mapper._registry.get(cls)
    if m is None:
        if collection is None and session is None and not kwargs:
            raise ORMError(f"{cls.__name__} is not a mapped class")
        m = Mapper(cls, collection, session, **kwargs)
    return m.compile()


#: Ming's per-mapper / per-query load options: reload objects already in the identity map
#: (``refresh``), hand out instrumented values (``instrument``).
DEFAULT_LOAD_OPTIONS = {"refresh": False, "instrument": True}


def merge_load_options(current: dict, changes: Mapping[str, Any]) -> dict:
    """``current`` updated with ``changes``, refusing options that do not exist."""
    unknown = sorted(set(changes) - set(DEFAULT_LOAD_OPTIONS))
    if unknown:
        raise TypeError(f"unknown load option(s) {', '.join(map(repr, unknown))}; known: refresh, instrument")
    current.update((key, bool(value)) for key, value in changes.items())
    return current


class ItemAccess:
    """What every mapped class has (Ming instruments it into imperatively mapped classes too):
    ``obj['name']`` for ``obj.name``, ``'name' in obj``, ``obj.delete()``."""

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def __setitem__(self, name: str, value: Any) -> None:
        setattr(self, name, value)

    def __contains__(self, name: str) -> bool:
        return hasattr(self, name)

    def delete(self) -> None:
        """Mark this object deleted; the next flush removes it from the database."""
        InstanceQuery(self).delete()


def set_attributes(obj: Any, **kwargs: Any) -> None:
    """The default ``__init__`` of mapped classes: each keyword argument is assigned to its attribute.

    A keyword naming nothing the class has (a misspelled field, ``Page(titel=...)``)
    is refused the way Python refuses an unexpected keyword, instead of
    becoming an attribute that is never stored.
    """
    cls = type(obj)
    unknown = [key for key in kwargs if not hasattr(cls, key)]
    if unknown:
        raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {unknown[0]!r}")
    for key, value in kwargs.items():
        setattr(obj, key, value)


def instrumented_init(init: Callable[..., None]) -> Callable[..., None]:
    """``init`` wrapped so a new object has a state, and, once the outermost ``__init__`` returns,
    its defaults filled in and its session tracking it (:meth:`Mapper.finish_new`)."""
    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        st = self.__dict__.get("_odm_state_")
        if st is None:
            st = self.__dict__["_odm_state_"] = ObjectState()
            st.instrument = mapper(type(self)).options["instrument"]
        st._init_depth += 1
        try:
            init(self, *args, **kwargs)
        finally:
            st._init_depth -= 1
        if st._init_depth == 0:
            mapper(type(self)).finish_new(self)

    __init__._odm_wrapped_ = True  # type: ignore[attr-defined]
    return __init__


def session(v: Any) -> Optional["ODMSession"]:
    """The ODM session managing a mapped object, or a mapped class's session."""
    if isinstance(v, type):
        return mapper(v).session
    sess = state(v).session  # None once the session forgot the object (expunge, clear)
    m = Mapper._registry.get(type(v)) if sess is not None else None
    mapped = m.session if m is not None else None
    if mapped is not None and mapped is not sess and io_session(mapped) is sess:
        return mapped  # the async session the class is mapped to, not the sync one working for it
    return sess


class Query(Generic[T]):
    """``MappedClass.query``: the session's queries with the class filled in.

    Annotate models with ``query: 'Query[WikiPage]'`` (or rely on the
    descriptor's typing) so editors know what ``find().first()`` returns.
    """

    def __init__(self, cls: type[T], options: Optional[Mapping[str, Any]] = None) -> None:
        self.mapped_class = cls
        self._options = dict(options or {})

    @property
    def mapper(self) -> Mapper:
        return mapper(self.mapped_class)

    def with_options(self, **options: Any) -> "Query[T]":
        """These queries with their own ``write_concern`` / ``read_concern`` / ``read_preference``
        (over the class's ``__mongometa__`` ones): ``Event.query.with_options(read_preference=...).find()``."""
        known = (*CONCERN_OPTIONS, *QUERY_OPTIONS)
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise TypeError(f"with_options() takes {', '.join(known)}, not {', '.join(unknown)}")
        check_collection_options(self.mapped_class.__name__, options)
        return Query(self.mapped_class, {**self._options, **options})

    def _kw(self, kwargs: dict) -> dict:
        if self._options:
            kwargs["collection_options"] = self._options
        return kwargs

    @property
    def session(self) -> "ODMSession":
        sess = self.mapper.session
        if sess is None:
            raise MingException(f"{self.mapped_class.__name__} has no session")
        return sess

    def get(self, _id: Any = Missing, **kwargs: Any) -> Optional[T]:
        """The object with this ``_id`` (from the identity map when it is there), or the first matching ``kwargs``."""
        if _id is not Missing:
            kwargs["_id"] = _id
        kwargs = self.mapper.document_keys(kwargs)
        if list(kwargs) == ["_id"]:
            if not self._options:
                return self.session.get(self.mapped_class, kwargs["_id"])
            found = self.session.imap.get(self.mapped_class, kwargs["_id"])
            if found is not None:
                return found
        return self.session.find(self.mapped_class, kwargs, **self._kw({})).first()

    def get_or_404(self, _id: Any) -> T:
        """The object with this ``_id``, or :class:`odm.exc.NotFound` (a 404 under ``odm.flask``)."""
        def found(obj: Optional[T]) -> T:
            if obj is None:
                raise NotFound(f"no {self.mapped_class.__name__} with _id {_id!r}")
            return obj

        return then(found, self.get(_id))

    def first_or_404(self) -> T:
        return ExpressionQuery(self).first_or_404()

    def find(self, *args: Any, **kwargs: Any) -> "ODMCursor[T]":
        if args and isinstance(args[0], FilterExpression):
            args = (dict(args[0]),) + args[1:]  # a plain filter: an ``==`` expression's truth value is identity
        return self.session.find(self.mapped_class, *args, **self._kw(kwargs))

    def filter(self, *expressions: dict, **equal_to: Any) -> ExpressionQuery[T]:
        """Flask-MongoAlchemy's query: ``Model.query.filter(Model.age > 30, Model.name != 'x')``."""
        return ExpressionQuery(self).filter(*expressions, **equal_to)

    def order_by(self, *keys: Any) -> ExpressionQuery[T]:
        return ExpressionQuery(self).order_by(*keys)

    def fields(self, *fields: Any) -> ExpressionQuery[T]:
        return ExpressionQuery(self).fields(*fields)

    def paginate(self, page: int = 1, per_page: int = 20) -> Pagination[T]:
        return ExpressionQuery(self).paginate(page, per_page)

    def keyset(self, per_page: int = 20, after: Optional[str] = None) -> KeysetPage[T]:
        """Keyset (seek) pagination in ``_id`` order (see :meth:`ExpressionQuery.keyset`)."""
        return ExpressionQuery(self).keyset(per_page, after)

    def find_by(self, *args: Any, **kwargs: Any) -> "ODMCursor[T]":
        if self._options:
            return self.find(self.mapper.document_keys(kwargs))
        return self.session.find_by(self.mapped_class, *args, **self.mapper.document_keys(kwargs))

    def document_keys(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``{attribute: value}`` as ``{document key: value}`` (see :meth:`Mapper.document_keys`)."""
        return self.mapper.document_keys(values)

    def find_and_modify(self, *args: Any, **kwargs: Any) -> Optional[T]:
        return self.session.find_and_modify(self.mapped_class, *args, **self._kw(kwargs))

    def find_one_and_update(self, *args: Any, **kwargs: Any) -> Optional[T]:
        return self.session.find_one_and_update(self.mapped_class, *args, **self._kw(kwargs))

    def find_one_and_replace(self, *args: Any, **kwargs: Any) -> Optional[T]:
        return self.session.find_one_and_replace(self.mapped_class, *args, **self._kw(kwargs))

    def find_one_and_delete(self, *args: Any, **kwargs: Any) -> Optional[T]:
        return self.session.find_one_and_delete(self.mapped_class, *args, **self._kw(kwargs))

    def update(self, *args: Any, **kwargs: Any) -> Any:
        return self.session.update(self.mapped_class, *args, **self._kw(kwargs))

    def remove(self, *args: Any, **kwargs: Any) -> Any:
        return self.session.remove(self.mapped_class, *args, **self._kw(kwargs))

    def count(self, *args: Any, **kwargs: Any) -> int:
        return self.session.count(self.mapped_class, *args, **self._kw(kwargs))

    def distinct(self, *args: Any, **kwargs: Any) -> list:
        return self.session.distinct(self.mapped_class, *args, **self._kw(kwargs))

    def aggregate(self, *args: Any, **kwargs: Any) -> Any:
        return self.session.aggregate(self.mapped_class, *args, **self._kw(kwargs))

    def __repr__(self) -> str:
        return f"<Query of {self.mapped_class.__name__}>"


#: Ming's name for the class-level query object.
_ClassQuery = Query


M = TypeVar("M")


class QueryDescriptor:
    """``cls.query`` is a :class:`Query`; ``obj.query`` an :class:`InstanceQuery`."""

    @overload
    def __get__(self, instance: None, owner: type[M]) -> Query[M]: ...

    @overload
    def __get__(self, instance: M, owner: type[M]) -> "InstanceQuery[M]": ...

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return Query(owner)
        return InstanceQuery(instance)


class InstanceQuery(Generic[T]):
    """``obj.query``: operations on one object."""

    def __init__(self, instance: T) -> None:
        self.instance = instance

    @property
    def session(self) -> "ODMSession":
        sess = session(self.instance)
        if sess is None:
            raise MingException(f"{self.instance!r} has no session")
        return sess

    def delete(self) -> None:
        """Mark the object deleted; the next flush removes it from the database."""
        self.session.delete(self.instance)

    def update_if_not_modified(self, fields: Any, upsert: bool = False) -> bool:
        return self.session.update_if_not_modified(self.instance, fields, upsert=upsert)

    def __getattr__(self, name: str) -> Any:
        # as in Ming, the class's queries are reachable from an object too (obj.query.find(...))
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(Query(type(self.instance)), name)


_InstQuery = InstanceQuery
