"""The Pydantic bridge (``pip install "mim-odm[pydantic]"``): a mapped class's schema as a Pydantic model.

::

    from odm.pydantic import pydantic_model, to_pydantic

    UserOut = pydantic_model(User)                 # a pydantic.BaseModel subclass, made once per class

    @app.get("/users/{user_id}", response_model=UserOut)     # FastAPI
    def show(user_id: str):
        return to_pydantic(User.query.get(ObjectId(user_id)))

Fields are the class's attributes: ``_id`` (any leading underscore) becomes
``id`` with the alias ``_id``; ``ObjectId`` values are strings, ``Decimal128``
values ``Decimal``; embedded classes become nested models; ``None`` is allowed
where the ODM stores it; ``required`` fields are required, and the rules
Pydantic can say (lengths, bounds, one pattern) are carried over, so
``UserOut.model_json_schema()`` documents the API.
"""
from __future__ import annotations

import datetime
import decimal
from typing import Annotated, Any, Optional

import bson
import pydantic
from pydantic import BeforeValidator, ConfigDict, Field, create_model

from . import schema as S
from .orm.embedded import EmbeddedSchema
from .orm.property import FieldProperty
from .orm.serialize import to_dict
from .utils import all_class_properties

__all__ = ["pydantic_model", "to_pydantic"]

_models: dict[type, type[pydantic.BaseModel]] = {}


def _object_id_text(value: Any) -> Any:
    return str(value) if isinstance(value, bson.ObjectId) else value


def _decimal_value(value: Any) -> Any:
    return value.to_decimal() if isinstance(value, bson.Decimal128) else value


#: Python annotation of each scalar schema (first match wins: subclasses first).
ANNOTATIONS: list[tuple[type, Any]] = [
    (S.ObjectId, Annotated[str, BeforeValidator(_object_id_text)]),
    (S.Bool, bool),
    (S.Int, int),
    (S.Float, float),
    (S.DateTime, datetime.datetime),
    (S.DateTimeTZ, datetime.datetime),
    (S.Binary, bytes),
    (S.NumberDecimal, Annotated[decimal.Decimal, BeforeValidator(_decimal_value)]),
    (S.String, str),
]

#: ``$jsonSchema`` keywords of :attr:`odm.schema.Scalar.constraints` → ``pydantic.Field`` arguments.
CONSTRAINTS = {"maxLength": "max_length", "minLength": "min_length", "minimum": "ge", "maximum": "le"}


def pydantic_model(cls: type) -> type[pydantic.BaseModel]:
    """The Pydantic model of mapped (or embedded) class ``cls``, made on first use."""
    model = _models.get(cls)
    if model is None:
        fields: dict[str, Any] = {}
        for name, prop in all_class_properties(cls):
            if isinstance(prop, FieldProperty):
                fields[name.lstrip("_") or name] = _field(name, prop.field.schema)
        model = _models[cls] = create_model(cls.__name__, __config__=ConfigDict(populate_by_name=True), **fields)
    return model


def to_pydantic(obj: Any) -> pydantic.BaseModel:
    """``obj`` (a mapped or embedded object) as an instance of its class's :func:`pydantic_model`."""
    return pydantic_model(type(obj)).model_validate(to_dict(obj))


def _field(name: str, item: S.SchemaItem) -> tuple[Any, Any]:
    annotation, nullable = _annotation(item)
    options: dict[str, Any] = {}
    if name.lstrip("_") != name:
        options["alias"] = name
    for keyword, argument in CONSTRAINTS.items():
        if keyword in getattr(item, "constraints", {}):
            options[argument] = item.constraints[keyword]  # type: ignore[attr-defined]
    patterns = getattr(item, "constraints", {}).get("pattern", [])
    if len(patterns) == 1:
        options["pattern"] = patterns[0]
    if nullable:
        annotation = Optional[annotation]
    if getattr(item, "required", False):
        return annotation, Field(..., **options)
    if isinstance(item, S.Array):
        return annotation, Field(default_factory=list, **options)
    return annotation, Field(None if nullable else ..., **options)


def _annotation(item: S.SchemaItem) -> tuple[Any, bool]:
    """The annotation of values of ``item``, and whether ``None`` is one of them."""
    if isinstance(item, EmbeddedSchema):
        return pydantic_model(item.embedded.mapped_class), not item.required
    if isinstance(item, S.Array):
        inner, nullable = _annotation(item.field_type)
        return list[Optional[inner] if nullable else inner], False  # type: ignore[valid-type]
    if isinstance(item, S.Object):
        return dict[str, Any], False
    if isinstance(item, S.Scalar):
        for schema_type, annotation in ANNOTATIONS:
            if isinstance(item, schema_type):
                return annotation, item.allow_none
        return Any, True
    return Any, True
