"""Why a document failed a collection validator: the ``errInfo.details`` a
``DocumentValidationFailure`` (121) carries, in the shape of the server's
``doc_validation_error.cpp``.

The validator's filter document is walked clause by clause (each clause is
compiled with :func:`compile_filter` to decide whether it failed); a failing
leaf reports ``operatorName``, ``specifiedAs``, ``reason`` and the values it
considered; ``$and``/``$or``/``$nor`` report the clauses that explain the
failure with their ``index``; ``$not`` and ``$nor`` flip the sense of the
reasons ("comparison succeeded").  ``$jsonSchema`` delegates to the schema's
own explanation.  Only documents that failed are explained, so this runs on
the rare path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ...values.order import MISSING, type_name
from ...values.paths import split_path, walk
from ..expressions import ExpressionContext, compile_expression
from .compiler import compile_filter, is_operator_document
from .context import MatchContext
from .json_schema import compile_json_schema

__all__ = ["explain_failure"]

_NUMBERS = ("decimal", "double", "int", "long")

#: leaf operator -> (normal reason, inverted reason, expected types, traverse leaf arrays)
_LEAF_REASONS: dict[str, tuple[str, str, tuple[str, ...] | None, bool]] = {
    "$eq": ("comparison failed", "comparison succeeded", None, True),
    "$gt": ("comparison failed", "comparison succeeded", None, True),
    "$gte": ("comparison failed", "comparison succeeded", None, True),
    "$lt": ("comparison failed", "comparison succeeded", None, True),
    "$lte": ("comparison failed", "comparison succeeded", None, True),
    "$in": ("no matching value found in array", "matching value found in array", None, True),
    "$regex": ("regular expression did not match", "regular expression did match",
               ("regex", "string", "symbol"), True),
    "$mod": ("$mod did not evaluate to expected remainder",
             "$mod did evaluate to expected remainder", _NUMBERS, True),
    "$size": ("array length was not equal to given size", "array length was equal to given size",
              ("array",), False),
    "$elemMatch": ("array did not satisfy the child predicate",
                   "array did satisfy the child predicate", ("array",), False),
    "$all": ("array did not contain all specified values", "array did contain all specified "
             "values", None, False),
    "$bitsAllSet": ("bitwise operator failed to match", "bitwise operator matched successfully",
                    ("binData",) + _NUMBERS, True),
    "$bitsAllClear": ("bitwise operator failed to match", "bitwise operator matched "
                      "successfully", ("binData",) + _NUMBERS, True),
    "$bitsAnySet": ("bitwise operator failed to match", "bitwise operator matched successfully",
                    ("binData",) + _NUMBERS, True),
    "$bitsAnyClear": ("bitwise operator failed to match", "bitwise operator matched "
                      "successfully", ("binData",) + _NUMBERS, True),
}
#: operators the server expresses as the negation of another leaf
_NEGATED = {"$ne": "$eq", "$nin": "$in"}


class _Clause:
    """One predicate of the validator with its compiled matcher."""

    def __init__(self, spec: Mapping, explain: Callable[[Mapping, bool], dict],
                 variables: dict) -> None:
        self.matches = compile_filter(spec, MatchContext(variables=dict(variables),
                                                         validator=True)).matches
        self.explain = explain


def _values(doc: Mapping, path: str, traverse: bool) -> list | None:
    """The values a leaf considered (``None`` when the path is missing)."""
    found: list = []
    exists = False
    for leaf in walk(doc, split_path(path)):
        if leaf is MISSING:
            continue
        exists = True
        if traverse and type(leaf) is list:
            found.extend(leaf)
        else:
            found.append(leaf)
    return found if exists else None


def _considered(values: list) -> dict:
    if len(values) == 1:
        return {"consideredValue": values[0]}
    return {"consideredValues": values}


def _types(values: list) -> dict:
    names = sorted({type_name(v) for v in values})
    if not names:
        return {}
    return {"consideredType": names[0]} if len(names) == 1 else {"consideredTypes": names}


def _leaf_explainer(path: str, operator: str, specified: Mapping
                    ) -> Callable[[Mapping, bool], dict]:
    def explain(doc: Mapping, inverted: bool) -> dict:
        detail: dict[str, Any] = {"operatorName": operator, "specifiedAs": dict(specified)}
        if operator == "$exists":
            detail["reason"] = "path does exist" if inverted else "path does not exist"
            return detail
        if operator == "$type":
            values = _values(doc, path, True)
            if values is None:
                detail["reason"] = "field was missing"
                return detail
            detail["reason"] = "type did match" if inverted else "type did not match"
            return {**detail, **_considered(values), **_types(values)}
        base = _NEGATED.get(operator, operator)
        normal, inverse, expected, traverse = _LEAF_REASONS[base]
        if operator in _NEGATED:
            inverted = not inverted
        values = _values(doc, path, traverse)
        if values is None:
            detail["reason"] = "field was missing"
            return detail
        if expected is not None and values is not None and \
                not any(type_name(v) in expected for v in values):
            detail["reason"] = "type did not match"
            detail.update(_types(values))
            names = sorted(expected)
            if len(names) == 1:
                detail["expectedType"] = names[0]
            else:
                detail["expectedTypes"] = names
        else:
            detail["reason"] = inverse if inverted else normal
        detail.update(_considered(values))
        return detail

    return explain


def _not_explainer(path: str, inner: Mapping, variables: dict) -> Callable[[Mapping, bool], dict]:
    clauses = _field_clauses(path, inner, variables)

    def explain(doc: Mapping, inverted: bool) -> dict:
        return {"operatorName": "$not", "details": _combine(clauses, doc, not inverted)}

    return explain


def _field_clauses(path: str, value: Any, variables: dict) -> list[_Clause]:
    """The clauses of ``{path: value}``: one per operator (``$regex`` with its
    ``$options``), or one implicit equality."""
    if not is_operator_document(value):
        operator = "$regex" if hasattr(value, "pattern") and not isinstance(value, str) \
            else "$eq"
        spec = {path: value}
        return [_Clause(spec, _leaf_explainer(path, operator, spec), variables)]
    clauses = []
    for operator, arg in value.items():
        if operator == "$options":
            continue
        if operator == "$regex" and "$options" in value:
            spec = {path: {"$regex": arg, "$options": value["$options"]}}
        else:
            spec = {path: {operator: arg}}
        if operator == "$not" and isinstance(arg, Mapping):
            explain = _not_explainer(path, arg, variables)
        else:
            explain = _leaf_explainer(path, operator, spec)
        clauses.append(_Clause(spec, explain, variables))
    return clauses


def _logical_explainer(operator: str, branches: list[list[_Clause]]
                       ) -> Callable[[Mapping, bool], dict]:
    def explain(doc: Mapping, inverted: bool) -> dict:
        child_inverted = inverted if operator != "$nor" else not inverted
        reported = []
        for index, clauses in enumerate(branches):
            matched = all(c.matches(doc) for c in clauses)
            # which branches explain the outcome: the failing ones of an $and, the
            # matching ones of an $or under negation, every one otherwise
            if operator == "$and" and not inverted and matched:
                continue
            if operator == "$or" and inverted and not matched:
                continue
            if operator == "$nor" and not inverted and not matched:
                continue
            reported.append({"index": index,
                             "details": _combine(clauses, doc, child_inverted)})
        key = "clausesSatisfied" if child_inverted else "clausesNotSatisfied"
        return {"operatorName": operator, key: reported}

    return explain


def _document_clauses(spec: Mapping, variables: dict) -> list[_Clause]:
    clauses: list[_Clause] = []
    for key, value in spec.items():
        if key in ("$and", "$or", "$nor"):
            branches = [_document_clauses(branch, variables) for branch in value]
            clauses.append(_Clause({key: value}, _logical_explainer(key, branches), variables))
        elif key == "$jsonSchema":
            schema = compile_json_schema(value, in_query=False)
            clauses.append(_Clause({key: value}, _schema_explainer(schema), variables))
        elif key == "$expr":
            clauses.append(_Clause({key: value}, _expr_explainer(value, variables), variables))
        elif key == "$comment":
            continue
        elif key in ("$alwaysFalse", "$alwaysTrue"):
            specified = {key: value}
            clauses.append(_Clause(specified, _always_explainer(specified), variables))
        else:
            clauses.extend(_field_clauses(key, value, variables))
    return clauses


def _schema_explainer(schema: Any) -> Callable[[Mapping, bool], dict]:
    def explain(doc: Mapping, inverted: bool) -> dict:
        if inverted:
            return {"operatorName": "$jsonSchema", "reason": "schema matched"}
        return schema.explain(doc)
    return explain


def _expr_explainer(spec: Any, variables: dict) -> Callable[[Mapping, bool], dict]:
    evaluate = compile_expression(spec, ExpressionContext(variables))

    def explain(doc: Mapping, inverted: bool) -> dict:
        result = evaluate({**variables, "ROOT": doc, "CURRENT": doc})
        reason = "expression did match" if inverted else "expression did not match"
        return {"operatorName": "$expr", "specifiedAs": {"$expr": spec}, "reason": reason,
                "expressionResult": result}

    return explain


def _always_explainer(specified: Mapping) -> Callable[[Mapping, bool], dict]:
    def explain(doc: Mapping, inverted: bool) -> dict:
        reason = ("expression always evaluates to true" if inverted
                  else "expression always evaluates to false")
        return {"operatorName": next(iter(specified)), "specifiedAs": dict(specified),
                "reason": reason}
    return explain


def _combine(clauses: list[_Clause], doc: Mapping, inverted: bool) -> dict:
    """A conjunction of clauses: itself when it has one, else an ``$and``."""
    if len(clauses) == 1:
        return clauses[0].explain(doc, inverted)
    return _logical_explainer("$and", [[c] for c in clauses])(doc, inverted)


def explain_failure(validator: Mapping, doc: Mapping, variables: dict | None = None) -> dict:
    """The ``details`` of a validation error: why ``doc`` does not match ``validator``."""
    return _combine(_document_clauses(validator, dict(variables or {})), doc, False)
