"""Mapped objects out of the ODM: plain dicts, Extended JSON, a ``$jsonSchema``, and a schema-drift report.

* :func:`to_dict` - an object (mapped or embedded) as plain ``dict``/``list``
  values keyed by attribute name (``by_alias=True``: by stored key);
* :func:`to_json` - the same as MongoDB Extended JSON (``bson.json_util``);
* :func:`json_schema` - a mapped class's schema as a ``$jsonSchema`` document,
  to install as the collection's validator (``collMod`` / ``create_collection``),
  so writes that bypass the ODM are held to the same rules;
* :func:`drift_report` - the stored documents that no longer fit the class,
  counted per field and rule.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, Union

from bson import json_util

from .. import schema as S
from ..utils import all_class_properties
from .embedded import EmbeddedProperty, EmbeddedSchema
from .property import FieldProperty
from .registry import compiled_mapper
from .state import state

__all__ = ["to_dict", "to_json", "json_schema", "drift_report", "DriftReport"]


# -- plain values -----------------------------------------------------------------
def to_dict(obj: Any, by_alias: bool = False) -> dict:
    """``obj``'s values as plain dicts and lists, keyed by attribute name (stored key with ``by_alias=True``).

    Embedded objects become dicts the same way; keys stored without a
    property (extra keys kept by a lenient load) come along under their key.
    """
    document = state(obj).document
    result: dict = {}
    declared: set = set()
    for name, prop in all_class_properties(type(obj)):
        if not isinstance(prop, FieldProperty):
            continue
        key = prop.key
        declared.add(key)
        if key not in document:
            continue
        value = document[key]
        if isinstance(prop, EmbeddedProperty) and value is not None:
            value = [to_dict(o, by_alias) for o in getattr(obj, name)] if prop.uselist else \
                to_dict(getattr(obj, name), by_alias)
        else:
            value = _plain(value)
        result[key if by_alias else name] = value
    for key, value in document.items():
        if key not in declared:
            result[key] = _plain(value)
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_json(obj: Any, by_alias: bool = False, json_options: json_util.JSONOptions = json_util.RELAXED_JSON_OPTIONS,
            **dumps_kwargs: Any) -> str:
    """:func:`to_dict` as Extended JSON (relaxed by default: ``{"$oid": ...}``, ``{"$date": ...}``)."""
    return json_util.dumps(to_dict(obj, by_alias), json_options=json_options, **dumps_kwargs)


# -- $jsonSchema ------------------------------------------------------------------
#: bsonType of each scalar schema (the first match in this order wins: subclasses first).
BSON_TYPES: list[tuple[type, Union[str, list[str]]]] = [
    (S.ObjectId, "objectId"),
    (S.Bool, "bool"),
    (S.Int, ["int", "long"]),
    (S.Float, ["double", "int", "long"]),
    (S.DateTime, "date"),
    (S.DateTimeTZ, "date"),
    (S.Binary, "binData"),
    (S.NumberDecimal, "decimal"),
    (S.String, "string"),
]


def json_schema(cls: type, additional_properties: bool = True) -> dict:
    """The ``$jsonSchema`` of mapped class ``cls``: what the ODM writes, as a collection validator.

    Types, ``required`` fields, ``None`` where the ODM stores it, arrays and
    sub-documents (embedded classes included) and the rules a ``$jsonSchema``
    can say (``max_length``/``min_length``/``blank=False``, ``regex`` and the
    e-mail rule, ``min_value``/``max_value``, ``choices``).  Custom validators
    and the URL rule stay the ODM's.  ``additional_properties=False`` also
    refuses keys the class does not declare.
    """
    fcls = compiled_mapper(cls).collection
    return {"title": cls.__name__, **_object_schema(fcls.m.schema, additional_properties)}


def _object_schema(item: S.Object, additional_properties: bool) -> dict:
    properties = {}
    required = []
    for name, sub in item.fields.items():
        if not isinstance(name, str):
            continue  # {type: schema} keys: any key of that type, nothing $jsonSchema can name
        properties[name] = _item_schema(sub, additional_properties)
        if getattr(sub, "required", False):
            required.append(name)
    result: dict[str, Any] = {"bsonType": "object"}
    if required:
        result["required"] = sorted(required)
    result["properties"] = properties
    if not additional_properties:
        result["additionalProperties"] = False
    return result


def _item_schema(item: S.SchemaItem, additional_properties: bool) -> dict:
    if isinstance(item, EmbeddedSchema):
        result = _object_schema(item.embedded.schema, additional_properties)
        if not item.required:
            result["bsonType"] = ["object", "null"]
        return result
    if isinstance(item, S.Object):
        return _object_schema(item, additional_properties)
    if isinstance(item, S.Array):
        return {"bsonType": "array", "items": _item_schema(item.field_type, additional_properties)}
    if isinstance(item, S.Value):
        return {"enum": [item.value]}
    if isinstance(item, S.Scalar):
        return _scalar_schema(item)
    return {}


def _scalar_schema(item: S.Scalar) -> dict:
    result: dict[str, Any] = {}
    for schema_type, bson_type in BSON_TYPES:
        if isinstance(item, schema_type):
            types = list(bson_type) if isinstance(bson_type, list) else [bson_type]
            if item.allow_none:
                types.append("null")
            result["bsonType"] = types[0] if len(types) == 1 else types
            break
    constraints = dict(getattr(item, "constraints", {}))
    patterns = constraints.pop("pattern", [])
    if "enum" in constraints and item.allow_none:
        constraints["enum"] = constraints["enum"] + [None]
    result.update(constraints)
    if len(patterns) == 1:
        result["pattern"] = patterns[0]
    elif patterns:
        result["allOf"] = [{"pattern": p} for p in patterns]
    return result


# -- drift ------------------------------------------------------------------------
@dataclass
class DriftReport:
    """What :func:`drift_report` found: documents checked, documents failing, and each failure counted."""

    checked: int = 0
    invalid: int = 0
    #: ``"path: rule"`` → how many documents break it (a value in the message is shown as ``<value>``)
    errors: Counter = field(default_factory=Counter)
    #: ``"path: rule"`` → the ``_id`` of the first few documents breaking it
    examples: dict = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{self.invalid} of {self.checked} documents do not match"]
        lines.extend(f"  {count:>8}  {error}" for error, count in self.errors.most_common())
        return "\n".join(lines)


def drift_report(cls: type, session: Any = None, filter: Optional[dict] = None,  # noqa: A002
                 strict: bool = True, examples: int = 3,
                 progress: Union[bool, Callable[[int, int], None], None] = None) -> DriftReport:
    """Check the stored documents of ``cls`` against its current schema, without changing any.

    ``strict`` counts keys the class does not declare as drift (Ming's
    ``Extra keys``); ``filter`` limits the documents read.  ``progress=True``
    draws a bar on stderr (a callable receives ``(done, total)`` instead).
    """
    m = compiled_mapper(cls)
    sess = session if session is not None else m.session
    coll = sess.impl.raw_collection(m.polymorphic_collection)
    fcls = m.polymorphic_collection
    total = coll.count_documents(filter or {}) if progress else 0
    report_progress = _stderr_bar if progress is True else progress
    report = DriftReport()
    for raw in coll.find(filter or {}):
        report.checked += 1
        errors = _errors(fcls.m.schema, raw, allow_extra=True)
        if strict:
            # unknown keys stop validation where they are met: look for them in a second pass
            errors |= _errors(fcls.m.schema, raw, allow_extra=False)
        if errors:
            report.invalid += 1
            for error in sorted(errors):
                report.errors[error] += 1
                found = report.examples.setdefault(error, [])
                if len(found) < examples:
                    found.append(raw.get("_id"))
        if report_progress and (report.checked % 1000 == 0 or report.checked == total):
            report_progress(report.checked, total)
    return report


def _errors(item: S.SchemaItem, raw: Any, allow_extra: bool) -> set[str]:
    try:
        item.validate(raw, allow_extra=allow_extra, strip_extra=allow_extra)
    except S.Invalid as exc:
        return set(_leaf_errors(exc, ""))
    return set()


def _leaf_errors(exc: S.Invalid, path: str) -> Iterator[str]:
    """``"path: rule"`` for every innermost error of ``exc`` (array positions shown as ``[]``)."""
    if exc.error_dict:
        for key, sub in exc.error_dict.items():
            yield from _leaf_errors(sub, f"{path}.{key}" if path else str(key))
        return
    if exc.error_list:
        for sub in exc.error_list:
            if sub is not None:
                yield from _leaf_errors(sub, f"{path}.[]" if path else "[]")
        return
    message = exc.msg
    shown = repr(exc.value)
    if message.startswith(shown):
        message = "<value>" + message[len(shown):]
    yield f"{path or '(document)'}: {message}"


def _stderr_bar(done: int, total: int) -> None:
    width = 40
    filled = width * done // total if total else width
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
