"""Mapped-class attributes: :class:`FieldProperty`, :class:`ForeignIdProperty`, :class:`RelationProperty`.

Properties are descriptors.  A :class:`FieldProperty` reads and writes one key
of the object's document, validating what is written with its schema and
marking the object dirty; subclass it to convert values on the way in and out
(see the seed's ``PasswordProperty``).  A :class:`RelationProperty` reads the
related objects through the session, using a :class:`ForeignIdProperty` on one
side of the relation to know which documents are related.
"""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Optional, Union

from .. import schema as S
from ..base import Missing
from ..metadata import Field
from ..utils import all_class_properties
from .events import registry
from .expressions import FieldExpressions
from .icollection import InstrumentedList, instrument
from .registry import AmbiguousJoin, NoJoin, ORMError, compiled_mapper, io_session, resolve_class
from .state import hashable_id, same_value, state

if TYPE_CHECKING:  # pragma: no cover
    from .mapper import Mapper

__all__ = [
    "DeleteRule",
    "ORMError",
    "NoJoin",
    "AmbiguousJoin",
    "FieldProperty",
    "FieldPropertyWithMissingNone",
    "ForeignIdProperty",
    "RelationProperty",
]


class DeleteRule(enum.Enum):
    """What deleting an object does to the documents whose foreign id refers to it (PyMODM's rules).

    Declared on the referring side: ``ForeignIdProperty('Author', on_delete=odm.CASCADE)``;
    :mod:`odm.orm.delete_rules` applies them when the object is deleted.
    """

    #: leave the referring documents alone (dangling ids are the application's business)
    DO_NOTHING = "DO_NOTHING"
    #: set the referring foreign id to ``None``
    NULLIFY = "NULLIFY"
    #: delete the referring documents too (their own rules apply in turn)
    CASCADE = "CASCADE"
    #: refuse the delete while a document refers to the object (:class:`odm.orm.delete_rules.DeleteDenied`)
    DENY = "DENY"
    #: remove the id from the referring list of ids (``uselist=True``)
    PULL = "PULL"

    def __repr__(self) -> str:
        return f"odm.{self.name}"


class ORMProperty:
    """Base of mapped-class properties; ``name`` is the attribute name it is assigned to."""

    include_in_repr = False

    def __init__(self) -> None:
        self.name: Optional[str] = None
        self.mapper: Optional["Mapper"] = None

    def __set_name__(self, owner: type, name: str) -> None:
        if self.name is None:
            self.name = name

    def compile(self, mapper: "Mapper") -> None:
        """Called once the mapper of the owning class is being compiled."""
        self.mapper = mapper

    def repr_value(self, instance: Any) -> Any:
        try:
            return self.__get__(instance, type(instance))
        except AttributeError:
            return Missing

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class FieldProperty(FieldExpressions, ORMProperty):
    """A value stored in the document, validated by a schema.

    Arguments are those of :class:`odm.Field` (a schema or Python type, then
    ``required``, ``if_missing``, ``index``, ``unique``, ``sparse``...).  A
    value that is absent from the document reads as ``AttributeError``.
    """

    include_in_repr = True

    def __init__(self, field_type: Any, *args: Any, db_field: Optional[str] = None, primary_key: bool = False,
                 **kwargs: Any) -> None:
        super().__init__()
        self.field_type = field_type
        self.args = args
        self.kwargs = kwargs
        if primary_key:
            if db_field not in (None, "_id"):
                raise ORMError(f"primary_key=True stores the value as _id, not as db_field={db_field!r}")
            db_field = "_id"
        #: PyMODM's ``primary_key=True``: this attribute is the document's ``_id``
        self.primary_key = primary_key
        #: the key stored documents hold the value under, when it is not the attribute's name
        self.db_field = db_field
        if isinstance(field_type, Field):  # FieldProperty(Field('name', schema)), as imperative mapping makes
            if args or kwargs or db_field:
                raise TypeError(f"FieldProperty(Field) takes no other arguments, got {args!r} {kwargs!r}")
            self.name = field_type.name
            self.field = field_type
            return
        if args and isinstance(field_type, str):  # FieldProperty('name', schema)
            if db_field is not None:
                raise ORMError(f"FieldProperty({field_type!r}, ...) names its key already: db_field= is for "
                               "FieldProperty(schema, db_field='key')")
            self.name = field_type
        self.field = Field(db_field, field_type, *args, **kwargs) if db_field else Field(field_type, *args, **kwargs)

    def __set_name__(self, owner: type, name: str) -> None:
        super().__set_name__(owner, name)
        if self.field.name is None:
            self.field.name = self.name

    @property
    def key(self) -> str:
        """The key of the value in stored documents (``db_field``, ``_id`` for a primary key, else the name)."""
        return self.db_field or self.name  # type: ignore[return-value]

    @property
    def schema(self) -> S.SchemaItem:
        return self.field.schema

    @property
    def field_path(self) -> str:
        """The key in stored documents, for expression queries (``Model.age > 30``)."""
        return self.field.name

    def __get__(self, instance: Any, cls: Optional[type] = None) -> Any:
        if instance is None:
            return self
        st = state(instance)
        document = st.document
        key = self.db_field or self.name
        value = document.get(key, Missing)
        if value is Missing:
            raise AttributeError(self.name)
        if isinstance(value, (dict, list)) and st.instrument and not getattr(value, "_tracker", None) is st:
            value = instrument(value, st)
            document[key] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        st = state(instance)
        key = self.db_field or self.name
        # validation returns new containers; they are instrumented when first read
        value = self.field.schema.validate(value)
        if key in st.document and same_value(st.document[key], value):
            return  # as in Ming, assigning the value already there changes nothing
        st.document[key] = value
        st.soil(validated=True)

    def __delete__(self, instance: Any) -> None:
        st = state(instance)
        key = self.db_field or self.name
        if key not in st.document:
            raise AttributeError(self.name)
        del st.document[key]
        st.soil()


class FieldPropertyWithMissingNone(FieldProperty):
    """A :class:`FieldProperty` that reads ``None`` (instead of raising) when the value is absent."""

    def __get__(self, instance: Any, cls: Optional[type] = None) -> Any:
        if instance is None:
            return self
        try:
            return super().__get__(instance, cls)
        except AttributeError:
            return None


class ForeignIdProperty(FieldProperty):
    """The ``_id`` (or, with ``uselist=True``, a list of ``_id``s) of related objects.

    ``related`` is the related mapped class or its name (so classes can refer
    to each other before both exist).  The stored type follows the related
    class's ``_id`` schema (``ObjectId`` unless it declares another one); an
    unset foreign id is ``None`` (or ``[]``).  ``allow_none=True`` makes
    ``None`` a real id value that relations look up.

    ``on_delete`` says what deleting the related object does to the documents
    holding this id (a :class:`DeleteRule`: ``odm.DO_NOTHING``, the default,
    ``odm.NULLIFY``, ``odm.CASCADE``, ``odm.DENY``, or ``odm.PULL`` for a list
    of ids); see :mod:`odm.orm.delete_rules`.
    """

    def __init__(self, related: Union[type, str], uselist: bool = False, allow_none: bool = False, *args: Any,
                 on_delete: DeleteRule = DeleteRule.DO_NOTHING, **kwargs: Any) -> None:
        if allow_none and uselist:
            raise ORMError("ForeignIdProperty(allow_none=True) is for a single id: a list of ids (uselist=True) has no None id")
        self.related_spec = related
        self.uselist = uselist
        self.allow_none = allow_none
        self.on_delete = _checked_rule(on_delete, uselist)
        super().__init__(None, *args, **kwargs)
        self._compiled = False

    @property
    def related(self) -> type:
        return resolve_class(self.related_spec)

    def compile(self, mapper: "Mapper") -> None:
        super().compile(mapper)
        if self._compiled:
            return
        self._compiled = True
        id_type = self._related_id_type()
        kwargs = dict(self.kwargs)
        if not self.uselist:
            kwargs.setdefault("if_missing", None)
        if isinstance(id_type, S.SchemaItem):
            # a schema instance takes no options: build one of its kind
            id_schema = id_type
            if self.uselist:
                item = S.Array(id_schema, **kwargs)
            else:
                item = _copy_scalar_schema(id_schema, **kwargs)
            self.field = Field(self.key, item)
        else:
            # as in Ming, the field's type is the related _id's type (or a list of it)
            self.field = Field(self.key, [id_type] if self.uselist else id_type, **kwargs)

    def _related_id_type(self) -> Any:
        """The type the related class declares for its ``_id`` (``schema.ObjectId`` when it declares none)."""
        prop = id_property(self.related)
        if prop is not None and not isinstance(prop, ForeignIdProperty):
            return prop.field.type
        return S.ObjectId

    def __set__(self, instance: Any, value: Any) -> None:
        if not self._compiled:
            compiled_mapper(instance)
        super().__set__(instance, value)


def id_property(cls: type) -> Optional[FieldProperty]:
    """The property of ``cls`` holding the document's ``_id`` (``_id`` itself, or a ``primary_key=True`` one)."""
    for _, prop in all_class_properties(cls):
        if isinstance(prop, FieldProperty) and prop.key == "_id":
            return prop
    return None


def _checked_rule(rule: Any, uselist: bool) -> DeleteRule:
    """``rule`` if it is a :class:`DeleteRule` that fits a single id (or a list of ids, ``uselist``)."""
    if not isinstance(rule, DeleteRule):
        known = ", ".join(f"odm.{r.name}" for r in DeleteRule)
        raise ORMError(f"on_delete={rule!r} is not a delete rule; use one of {known}")
    if rule is DeleteRule.PULL and not uselist:
        raise ORMError("on_delete=odm.PULL removes an id from a list of ids (uselist=True); "
                       "a single id is cleared with odm.NULLIFY")
    if rule is DeleteRule.NULLIFY and uselist:
        raise ORMError("on_delete=odm.NULLIFY sets a single id to None; "
                       "a list of ids (uselist=True) drops the deleted id with odm.PULL")
    return rule


def _copy_scalar_schema(schema: S.SchemaItem, **kwargs: Any) -> S.SchemaItem:
    """A new schema of the same kind as ``schema`` built with ``kwargs`` (used for foreign ids)."""
    if isinstance(schema, S.ObjectId):
        return S.ObjectId(**kwargs)
    if isinstance(schema, S.FancySchemaItem):
        try:
            return type(schema)(**kwargs)
        except TypeError:
            pass
    return schema


class _Join:
    """How a relation finds its related objects: through whose foreign id, one or many."""

    def __init__(self, prop: "RelationProperty", own: bool, fk: ForeignIdProperty) -> None:
        self.prop = prop
        self.own = own  # the foreign id is on the class owning the relation
        self.fk = fk

    @property
    def uselist(self) -> bool:
        return not self.own or self.fk.uselist

    def query(self, instance: Any) -> Any:
        """An ODMCursor over the related objects, or ``None`` when nothing can be related."""
        related = self.prop.related
        sess = io_session(compiled_mapper(related).session)
        if self.own:
            value = state(instance).document.get(self.fk.key)
            if self.fk.uselist:
                ids = list(value or [])
                return sess.find(related, {"_id": {"$in": ids}}), ids
            if value is None and not self.fk.allow_none:
                return None, None
            return sess.find(related, {"_id": value}), None
        own_id = state(instance).document.get("_id")
        return sess.find(related, {self.fk.key: own_id}), None

    def cache_key(self, st: Any) -> Any:
        """What the related objects depend on: this side's foreign id(s), or this object's ``_id``."""
        if self.own:
            value = st.document.get(self.fk.key)
            return tuple(hashable_id(v) for v in value) if isinstance(value, list) else hashable_id(value)
        return hashable_id(st.document.get("_id"))

    def get(self, instance: Any) -> Any:
        related = self.prop.related
        sess = io_session(compiled_mapper(related).session)
        if self.prop.fetch:
            st = state(instance)
            loaded = st.extra_state.get(("loaded", self.prop.name))
            if loaded is not None and loaded[0] == flush_count(st) and loaded[1] == self.cache_key(st):
                return loaded[2]  # loaded with the others of its query (selectinload), nothing flushed since
            registry.dispatch("lazy_load", st.session, type(instance), instance, self.prop)
        if self.own and not self.fk.uselist:
            value = state(instance).document.get(self.fk.key)
            if value is None and not self.fk.allow_none:
                return None
            if not self.prop.fetch:
                return sess.find(related, {"_id": value})
            return sess.get(related, value)
        cursor, ids = self.query(instance)
        if not self.prop.fetch:
            return cursor
        results = cursor.all()
        if ids is not None:
            by_id = {hashable_id(state(o).document.get("_id")): o for o in results}
            results = [by_id[hashable_id(i)] for i in ids if hashable_id(i) in by_id]
        return InstrumentedList(results, readonly=True)

    def preload(self, objects: list) -> list:
        """Load this relation of every object of ``objects`` with one query (``selectinload``).

        Each object keeps what was found for it until its session flushes or
        its foreign id changes; reading the relation then sends no query.
        Returns the related objects found (for a nested ``selectinload``).
        """
        if not self.prop.fetch:
            raise ORMError(f"{self.prop!r} has fetch=False: it returns a cursor, there is nothing to load eagerly")
        related = self.prop.related
        sess = io_session(compiled_mapper(related).session)
        states = [state(obj) for obj in objects]
        if self.own:
            wanted: dict = {}
            for st in states:
                value = st.document.get(self.fk.key)
                for one in (value or []) if self.fk.uselist else [value]:
                    if one is not None or self.fk.allow_none:
                        wanted.setdefault(hashable_id(one), one)
            found = sess.find(related, {"_id": {"$in": list(wanted.values())}}).all() if wanted else []
            by_id = {hashable_id(state(o).document.get("_id")): o for o in found}
            for st in states:
                value = st.document.get(self.fk.key)
                if self.fk.uselist:
                    result: Any = InstrumentedList([by_id[hashable_id(i)] for i in value or [] if hashable_id(i) in by_id],
                                                   readonly=True)
                else:
                    result = by_id.get(hashable_id(value))
                st.extra_state[("loaded", self.prop.name)] = (flush_count(st), self.cache_key(st), result)
            return found
        own_ids = [st.document.get("_id") for st in states]
        found = sess.find(related, {self.fk.key: {"$in": own_ids}}).all() if own_ids else []
        groups: dict = {}
        for obj in found:
            value = state(obj).document.get(self.fk.key)
            for one in (value or []) if self.fk.uselist else [value]:
                groups.setdefault(hashable_id(one), []).append(obj)
        for st in states:
            key = hashable_id(st.document.get("_id"))
            st.extra_state[("loaded", self.prop.name)] = (
                flush_count(st), key, InstrumentedList(groups.get(key, []), readonly=True))
        return found

    def set(self, instance: Any, value: Any) -> None:
        state(instance).extra_state.pop(("loaded", self.prop.name), None)
        if self.own:
            if self.fk.uselist:
                ids = [_id_of(v) for v in (value or [])]
                self.fk.__set__(instance, ids)
            else:
                self.fk.__set__(instance, None if value is None else _id_of(value))
            return
        new_objects = [self._tracked(v) for v in (value or [])]
        own_id = state(instance).document.get("_id")
        new_keys = {id(o) for o in new_objects}
        current = self.get_current(instance)
        for obj in current:
            if id(obj) not in new_keys:
                self._unlink(obj, own_id)
        for obj in new_objects:
            self._link(obj, own_id)

    def _tracked(self, value: Any) -> Any:
        """The related object the session tracks for ``value`` (an object or an ``_id``), as Ming looks
        each one up: a change to it is then flushed even when ``value`` came from a cleared session."""
        mapped = isinstance(value, self.prop.related)
        if mapped and (state(value).session is not None or "_id" not in state(value).document):
            return value  # tracked already, or not stored yet: nothing to look up
        sess = io_session(compiled_mapper(self.prop.related).session)
        tracked = sess.get(self.prop.related, _id_of(value) if mapped else value) if sess is not None else None
        if tracked is not None:
            return tracked
        if not mapped:
            raise ORMError(f"no {self.prop.related.__name__} with _id {value!r}")
        return value

    def get_current(self, instance: Any) -> list:
        cursor, _ = self.query(instance)
        return [] if cursor is None else cursor.all()

    def _link(self, obj: Any, own_id: Any) -> None:
        if self.fk.uselist:
            ids = list(state(obj).document.get(self.fk.key) or [])
            if own_id not in ids:
                self.fk.__set__(obj, ids + [own_id])
        elif state(obj).document.get(self.fk.key) != own_id:
            self.fk.__set__(obj, own_id)

    def _unlink(self, obj: Any, own_id: Any) -> None:
        if self.fk.uselist:
            ids = [i for i in (state(obj).document.get(self.fk.key) or []) if i != own_id]
            self.fk.__set__(obj, ids)
        else:
            self.fk.__set__(obj, None)


def flush_count(st: Any) -> Optional[int]:
    """How many flushes the object's session has done (what eagerly loaded relations stay valid for)."""
    return getattr(st.session, "flush_count", None)


def _id_of(obj: Any) -> Any:
    try:
        return state(obj).document["_id"]
    except (TypeError, KeyError):
        raise ORMError(f"{obj!r} is not a mapped object with an _id") from None


class RelationProperty(ORMProperty):
    """Related objects, found through a :class:`ForeignIdProperty`.

    * this class holds a foreign id to ``related`` → many-to-one: the related
      object (or ``None``); with ``uselist=True`` ids → the list of them;
    * ``related`` holds a foreign id to this class → one-to-many (or, with a
      list of ids, many-to-many): the list of objects pointing here.

    ``via='name'`` names the foreign id to use; ``via=('name', True)`` says it
    is on this class, ``('name', False)`` on the related one (needed when a
    class relates to itself).  Lists come back read-only (``I[...]``);
    assigning a new value rewrites the foreign ids on whichever side holds
    them.  ``fetch=False`` returns the unevaluated cursor instead.
    """

    def __init__(self, related: Union[type, str], via: Any = None, fetch: bool = True) -> None:
        super().__init__()
        self.related_spec = related
        self.via = via
        self.fetch = fetch
        self._join: Optional[_Join] = None

    @property
    def related(self) -> type:
        return resolve_class(self.related_spec)

    @property
    def join(self) -> _Join:
        if self._join is None:
            self._join = self._detect_join()
        return self._join

    def _fk_props(self, cls: type, target: type) -> list[ForeignIdProperty]:
        props = [p for p in compiled_mapper(cls).properties if isinstance(p, ForeignIdProperty)]
        return [p for p in props if _is_related(p.related, target)]

    def _detect_join(self) -> _Join:
        owner = self.mapper.mapped_class if self.mapper is not None else None
        if owner is None:
            raise ORMError(f"{self!r} is not compiled")
        related = self.related
        via, side = self.via, None
        if isinstance(via, (tuple, list)):
            via, side = via[0], bool(via[1])
        own = [p for p in self._fk_props(owner, related) if via is None or p.name == via]
        theirs = [p for p in self._fk_props(related, owner) if via is None or p.name == via]
        if side is True:
            theirs = []
        elif side is False:
            own = []
        # Ming's precedence: a single foreign id on this class, else a single one on the related class
        if len(own) == 1:
            return _Join(self, True, own[0])
        if len(theirs) == 1:
            return _Join(self, False, theirs[0])
        if own or theirs:
            names = ", ".join(sorted({p.name or "?" for p in own + theirs}))
            raise AmbiguousJoin(f"several foreign ids relate {owner.__name__} and {related.__name__} ({names}): pass via=")
        raise NoJoin(f"no ForeignIdProperty relates {owner.__name__} and {related.__name__}")

    def __get__(self, instance: Any, cls: Optional[type] = None) -> Any:
        if instance is None:
            return self
        return self.join.get(instance)

    def __set__(self, instance: Any, value: Any) -> None:
        self.join.set(instance, value)


def _is_related(candidate: type, target: type) -> bool:
    return candidate is target or (isinstance(target, type) and issubclass(target, candidate))
