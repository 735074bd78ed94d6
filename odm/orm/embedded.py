"""Embedded documents as classes: PyMODM's ``EmbeddedMongoModel``, Ming's nested schema objects with behaviour.

::

    class Comment(EmbeddedMappedClass):
        author_id = ForeignIdProperty('User')
        author = RelationProperty('User')
        content = FieldProperty(schema.String(required=True))

    class Post(MappedClass):
        ...
        comments = EmbeddedProperty([Comment])      # a list of them
        location = EmbeddedProperty(Address)        # one (None when absent)

An embedded object has no collection and no ``_id`` of its own: its values
live in a sub-document of its owner's document (the very ``dict`` the owner
stores, not a copy).  Its properties validate what is assigned as a mapped
class's do, and every change marks the *owner* dirty, so a flush sends the
changed path only (``$set: {'location.city': ...}``, or
``comments.1.content`` when the list kept its length and shape).  Assigning
an embedded object (or a plain ``dict``) to an :class:`EmbeddedProperty`
validates it against the embedded class's schema (required fields, rules,
no unknown keys) and binds the object to the stored sub-document.  Embedded
classes may hold foreign ids and many-to-one relations
(``RelationProperty`` over their own ``ForeignIdProperty``).
"""
from __future__ import annotations

from collections.abc import Mapping, MutableSequence
from typing import Any, Iterable, Iterator, Optional, Union

from .. import schema as S
from ..base import Missing
from ..metadata import Field
from ..utils import all_class_properties
from .property import FieldProperty, ORMProperty
from .registry import ORMError, embedded_mappers
from .state import ObjectState, same_content, state

__all__ = ["EmbeddedMappedClass", "EmbeddedProperty", "EmbeddedState", "EmbeddedMapper", "EmbeddedList"]


class EmbeddedState(ObjectState):
    """The state of an embedded object: its sub-document, and the owner a change soils."""

    __slots__ = ("owner",)

    def __init__(self) -> None:
        super().__init__()
        #: the :class:`ObjectState` of the object whose document holds this one (None while unattached)
        self.owner: Optional[ObjectState] = None

    def soil(self, validated: bool = False) -> None:
        if self.owner is not None:
            self.owner.soil(validated)


class EmbeddedMapper:
    """What a relation or foreign id of an embedded class asks of its class's mapper."""

    def __init__(self, cls: type) -> None:
        self.mapped_class = cls
        self.properties: list[ORMProperty] = []
        self._schema: Optional[S.Object] = None

    def compile(self) -> "EmbeddedMapper":
        if self._schema is None:
            self.properties = [p for _, p in all_class_properties(self.mapped_class) if isinstance(p, ORMProperty)]
            for prop in self.properties:
                if prop.mapper is None:
                    prop.compile(self)  # type: ignore[arg-type]
            fields = {p.key: p.field.schema for p in self.properties if isinstance(p, FieldProperty)}
            self._schema = S.Object(fields)
        return self

    @property
    def schema(self) -> S.Object:
        """The sub-document schema: every field of the embedded class, by document key."""
        return self.compile()._schema  # type: ignore[return-value]

    def bind(self, document: dict, owner: Optional[ObjectState]) -> Any:
        """An embedded object reading and writing ``document`` (part of ``owner``'s document)."""
        cls = self.mapped_class
        obj = cls.__new__(cls)
        st = EmbeddedState()
        st.document = document
        st.owner = owner
        st.session = owner.session if owner is not None else None  # its relations load through it
        obj.__dict__["_odm_state_"] = st
        return obj


class _EmbeddedMeta(type):
    """Gives every subclass of :class:`EmbeddedMappedClass` an :class:`EmbeddedMapper`."""

    def __new__(mcs, name: str, bases: tuple, namespace: dict, **kwargs: Any) -> "_EmbeddedMeta":
        if "__mongometa__" in namespace:
            raise ORMError(f"{name} is embedded in other documents: it has no collection, so no __mongometa__")
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        if any(isinstance(b, _EmbeddedMeta) for b in bases):
            embedded_mappers[cls] = EmbeddedMapper(cls)
        return cls


class EmbeddedMappedClass(metaclass=_EmbeddedMeta):
    """Base of embedded document classes (see the module docstring).

    ``Comment(content='hi')`` validates each value as it is assigned, then
    fills in defaults and refuses a missing required field (``Invalid``),
    as creating a mapped object does.  Two embedded objects are equal when
    they are of one class and hold the same values.
    """

    def __init__(self, **kwargs: Any) -> None:
        st = EmbeddedState()
        self.__dict__["_odm_state_"] = st
        cls = type(self)
        unknown = [key for key in kwargs if not hasattr(cls, key)]
        if unknown:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {unknown[0]!r}")
        for key, value in kwargs.items():
            setattr(self, key, value)
        fill_defaults(embedded_mappers[cls].schema, st.document)

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return same_content(state(self).document, state(other).document)

    __hash__ = None  # type: ignore[assignment]  # equal by value, and changeable

    def __repr__(self) -> str:
        fields = [p for p in embedded_mappers[type(self)].compile().properties if p.include_in_repr]
        parts = [f"{p.name}={p.repr_value(self)!r}" for p in fields]
        return " ".join([f"<{type(self).__name__}"] + parts) + ">"


def fill_defaults(schema: S.Object, document: dict) -> None:
    """Put the defaults of the absent fields of ``schema`` into ``document``; ``Invalid`` for missing required ones."""
    errors: dict[str, Any] = {}
    for name, item in schema.fields.items():
        if isinstance(name, str) and name not in document:
            try:
                value = item.validate(Missing)
            except S.Invalid as exc:
                errors[name] = exc
            else:
                if value is not Missing:
                    document[name] = value
    if errors:
        msg = "\n".join(f"{name}:{errors[name]}" for name in sorted(errors))
        raise S.Invalid(msg, document, error_dict=errors)


class EmbeddedSchema(S.FancySchemaItem):
    """The schema of one embedded document: its class's fields; ``None`` (or absent) when not required.

    An instance of the embedded class validates as its sub-document.
    """

    def __init__(self, embedded: EmbeddedMapper, required: bool = False) -> None:
        super().__init__(required=required, if_missing=None)
        self.embedded = embedded

    def validate(self, value: Any, **kw: Any) -> Any:
        if value is None and not self.required:
            return None
        if isinstance(value, self.embedded.mapped_class):
            value = state(value).document
        return super().validate(value, **kw)

    def _validate(self, value: Any, **kw: Any) -> Any:
        return self.embedded.schema.validate(value, **kw)

    def __repr__(self) -> str:
        return f"<Embedded {self.embedded.mapped_class.__name__}>"


class EmbeddedProperty(FieldProperty):
    """A sub-document (``EmbeddedProperty(Address)``) or a list of them (``EmbeddedProperty([Comment])``).

    ``required=True`` refuses an absent or ``None`` single document; a list
    is ``[]`` when absent.  ``db_field=`` stores it under another key.
    """

    def __init__(self, embedded: Union[type, list], required: bool = False, db_field: Optional[str] = None) -> None:
        ORMProperty.__init__(self)
        self.uselist = isinstance(embedded, list)
        cls = embedded[0] if self.uselist and len(embedded) == 1 else embedded
        if not (isinstance(cls, type) and issubclass(cls, EmbeddedMappedClass)) or cls is EmbeddedMappedClass:
            raise ORMError(f"EmbeddedProperty takes an EmbeddedMappedClass subclass or a list of one, not {embedded!r}")
        self.embedded_class = cls
        self.required = required
        self.db_field = db_field
        self.primary_key = False
        self.field_type, self.args, self.kwargs = embedded, (), {}
        self._field: Optional[Field] = None

    @property
    def embedded(self) -> EmbeddedMapper:
        return embedded_mappers[self.embedded_class]

    @property  # type: ignore[override]
    def field(self) -> Field:
        """Built on first use: the embedded class's foreign ids need their related classes declared."""
        if self._field is None:
            item = EmbeddedSchema(self.embedded, required=True)
            schema: S.SchemaItem = S.Array(item, required=self.required) if self.uselist else \
                EmbeddedSchema(self.embedded, required=self.required)
            self._field = Field(self.key, schema)
        return self._field

    @field.setter
    def field(self, value: Field) -> None:
        self._field = value

    def __set_name__(self, owner: type, name: str) -> None:
        ORMProperty.__set_name__(self, owner, name)

    def __get__(self, instance: Any, cls: Optional[type] = None) -> Any:
        if instance is None:
            return self
        st = state(instance)
        key = self.db_field or self.name
        value = st.document.get(key, Missing)
        if value is Missing:
            raise AttributeError(self.name)
        if value is None:
            return None
        cached = st.extra_state.get(("embedded", key))
        if cached is not None and cached[0] is value:
            return cached[1]
        if self.uselist:
            view: Any = EmbeddedList(self, st, value)
        else:
            view = self.embedded.bind(value, st)
        st.extra_state[("embedded", key)] = (value, view)
        return view

    def __set__(self, instance: Any, value: Any) -> None:
        st = state(instance)
        key = self.db_field or self.name
        if self.uselist:
            objects = list(value) if value is not None else []
            stored = self.field.schema.validate(objects)
            for obj, document in zip(objects, stored):
                self._adopted(obj, document, st)
        else:
            stored = self.field.schema.validate(value)
            if stored is not None:
                self._adopted(value, stored, st)
        st.document[key] = stored
        st.extra_state.pop(("embedded", key), None)
        st.soil(validated=True)

    def adopt(self, value: Any, owner: ObjectState) -> dict:
        """The validated sub-document for ``value`` (an embedded object, bound to it, or a mapping)."""
        if value is None:
            raise S.Invalid(f"a list of {self.embedded_class.__name__} holds no None", value)
        document = EmbeddedSchema(self.embedded, required=True).validate(value)
        self._adopted(value, document, owner)
        return document

    def _adopted(self, value: Any, document: dict, owner: ObjectState) -> None:
        if isinstance(value, self.embedded_class):
            est = state(value)
            est.document = document
            est.owner = owner  # type: ignore[attr-defined]

    def __delete__(self, instance: Any) -> None:
        super().__delete__(instance)
        state(instance).extra_state.pop(("embedded", self.db_field or self.name), None)


class EmbeddedList(MutableSequence):
    """The list of embedded objects of an :class:`EmbeddedProperty`, over the owner's stored list of sub-documents.

    Reading an item binds an object to its sub-document (the same object for
    the same sub-document); inserting or replacing one validates it; every
    change marks the owner dirty.
    """

    def __init__(self, prop: EmbeddedProperty, owner: ObjectState, items: list) -> None:
        self._prop = prop
        self._owner = owner
        self._items = items
        self._objects: dict[int, Any] = {}

    def _object(self, document: dict) -> Any:
        obj = self._objects.get(id(document))
        if obj is None or state(obj).document is not document:
            obj = self._objects[id(document)] = self._prop.embedded.bind(document, self._owner)
        return obj

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._object(d) for d in self._items[index]]
        return self._object(self._items[index])

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            self._items[index] = [self._prop.adopt(v, self._owner) for v in value]
        else:
            self._items[index] = self._prop.adopt(value, self._owner)
        self._owner.soil(validated=True)

    def __delitem__(self, index: Any) -> None:
        del self._items[index]
        self._owner.soil(validated=True)

    def insert(self, index: int, value: Any) -> None:
        self._items.insert(index, self._prop.adopt(value, self._owner))
        self._owner.soil(validated=True)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return (self._object(d) for d in list(self._items))

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, (EmbeddedList, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(list(self))

    def extend(self, values: Iterable[Any]) -> None:
        documents = [self._prop.adopt(v, self._owner) for v in values]
        self._items.extend(documents)
        self._owner.soil(validated=True)
