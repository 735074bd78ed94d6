"""Collection validators: ``validator``, ``validationLevel`` and ``validationAction``.

A collection created (or ``collMod``-ified) with a ``validator`` compiles it
once into a :class:`DocumentValidator`, kept on the collection.  Every write
path (insert, update, replace, upsert, findAndModify, ``$out``/``$merge``)
calls :func:`check_write` before storing a document; ``bypassDocumentValidation``
skips it, as on the server.  A document that fails raises
``DocumentValidationFailure`` (121) with the server's ``errInfo``
(``failingDocumentId`` and the ``details`` of
:mod:`mim.engine.languages.matcher.doc_validation_error`), or, with ``validationAction:
"warn"``, is stored and logged as mongod logs it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..languages.collation import parse_collation
from ..languages.matcher import MatchContext, compile_filter
from ..languages.matcher.compiler import is_operator_document
from ..languages.matcher.doc_validation_error import explain_failure
from ..values.errors import ServerError
from ..values.order import type_name

__all__ = ["DocumentValidator", "VALIDATION_LEVELS", "VALIDATION_ACTIONS",
           "validation_options", "check_write", "check_namespace"]

log = logging.getLogger("mim.validation")

VALIDATION_LEVELS = ("off", "strict", "moderate")
VALIDATION_ACTIONS = ("error", "warn")

#: operators a validator may not use, with the server's refusal
_BANNED_TOP_LEVEL = {"$where": "$where is not allowed in this context",
                     "$text": "$text is not allowed in this context"}
_BANNED_FIELD = ("$near", "$nearSphere", "$geoNear")
_NEAR_REFUSAL = "$geoNear, $near, and $nearSphere are not allowed in this context"


def _refuse_banned(spec: Mapping) -> None:
    """The query features a validator cannot hold (JavaScript, text, nearness)."""
    for key, value in spec.items():
        if key in _BANNED_TOP_LEVEL:
            raise ServerError(2, _BANNED_TOP_LEVEL[key])
        if key in ("$and", "$or", "$nor") and isinstance(value, list):
            for branch in value:
                if isinstance(branch, Mapping):
                    _refuse_banned(branch)
        elif not key.startswith("$") and is_operator_document(value):
            for operator, arg in value.items():
                if operator in _BANNED_FIELD:
                    raise ServerError(2, _NEAR_REFUSAL)
                if operator in ("$not", "$elemMatch") and isinstance(arg, Mapping):
                    _refuse_banned(arg if operator == "$elemMatch" else {key: arg})


class DocumentValidator:
    """A collection's compiled validator with its level and action."""

    __slots__ = ("spec", "level", "action", "node")

    def __init__(self, spec: Mapping, level: str = "strict", action: str = "error",
                 collation: Any = None) -> None:
        self.spec = spec
        self.level = level
        self.action = action
        try:
            _refuse_banned(spec)
            # the collection's default collation applies to its validator, as on the server
            self.node = compile_filter(spec, MatchContext(validator=True, collation=collation))
        except ServerError as exc:
            raise ServerError(exc.code, f"Parsing of collection validator failed :: caused by "
                                        f":: {exc.errmsg}", **exc.extra) from None

    def matches(self, doc: Mapping) -> bool:
        return self.node.matches(doc)

    def error_info(self, doc: Mapping) -> dict:
        return {"failingDocumentId": doc.get("_id"), "details": explain_failure(self.spec, doc)}


def _enum(command: str, field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise ServerError(14, f"BSON field '{command}.{field}' is the wrong type "
                              f"'{type_name(value)}', expected type 'string'")
    if value not in allowed:
        raise ServerError(2, f"Enumeration value '{value}' for field '{command}.{field}' is not "
                             f"a valid value.")
    return value


def validation_options(command: str, options: Mapping) -> dict:
    """The validation fields of a ``create``/``collMod`` command, checked."""
    found: dict[str, Any] = {}
    if "validator" in options:
        validator = options["validator"]
        if not isinstance(validator, Mapping):
            raise ServerError(14, f"BSON field '{command}.validator' is the wrong type "
                                  f"'{type_name(validator)}', expected type 'object'")
        found["validator"] = dict(validator)
    if "validationLevel" in options:
        found["validationLevel"] = _enum(command, "validationLevel",
                                         options["validationLevel"], VALIDATION_LEVELS)
    if "validationAction" in options:
        found["validationAction"] = _enum(command, "validationAction",
                                          options["validationAction"], VALIDATION_ACTIONS)
    return found


def check_namespace(db: str, name: str, validator: Mapping) -> None:
    """Validators are refused on system collections and internal databases."""
    if not validator:
        return
    if name.startswith("system."):
        raise ServerError(72, f"Document validators not allowed on system collection "
                              f"{db}.{name}")
    if db in ("admin", "local", "config"):
        raise ServerError(72, f"Document validators are not allowed on collection {db}.{name} "
                              f"in the {db} internal database")


def build_validator(options: Mapping) -> DocumentValidator | None:
    """The compiled validator of a collection's options (``None`` for none or ``{}``)."""
    spec = options.get("validator")
    if not spec:
        return None
    return DocumentValidator(spec, options.get("validationLevel", "strict"),
                             options.get("validationAction", "error"),
                             parse_collation(options.get("collation")))


def check_write(collection: Any, new_doc: Mapping, old_doc: Mapping | None = None,
                bypass: bool = False) -> None:
    """Refuse (121) or log a document that fails the collection's validator.

    ``old_doc`` is the document an update replaces: under ``validationLevel:
    "moderate"`` an update of a document that was already invalid is not checked.
    """
    validator = getattr(collection, "validator", None)
    if validator is None or bypass or validator.level == "off":
        return
    if validator.matches(new_doc):
        return
    if old_doc is not None and validator.level == "moderate" and not validator.matches(old_doc):
        return
    info = validator.error_info(new_doc)
    if validator.action == "warn":
        log.warning("Document would fail validation", extra={
            "namespace": collection.full_name, "document": dict(new_doc), "errInfo": info})
        return
    raise ServerError(121, "Document failed validation", errInfo=info)
