"""Compiling an aggregation expression into a Python closure.

``compile_operand`` turns any expression operand -- a literal, a ``"$path"``,
a ``"$$variable"``, an ``{"$op": ...}`` object, a document of expressions or an
array of them -- into an evaluator ``fn(variables) -> value``.  Everything is
validated here, before any document is read, with MongoDB's codes.

At run time ``variables`` is a dict holding ``"ROOT"``, ``"CURRENT"``
(defaults to ROOT), ``"NOW"``, ``"CLUSTER_TIME"`` and the user variables in
scope.  A field that does not exist evaluates to :data:`~mim.engine.values.order.MISSING`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from bson.dbref import DBRef

from ...values.errors import ServerError
from ...values.order import MISSING, type_name
from .context import ExpressionContext
from .registry import OPERATORS, UNSUPPORTED_OPERATORS, Evaluator, unsupported
from .coercion import value_repr
from bson.timestamp import Timestamp

__all__ = [
    "compile_expression", "compile_operand", "compile_expression_object", "constant",
    "is_constant", "parse_arguments", "fixed_arity", "ranged_arity", "validate_field_name",
    "validate_variable_name", "path_value", "evaluate_path",
]


def compile_expression(spec: Any, ctx: ExpressionContext | None = None) -> Evaluator:
    """Compile an aggregation expression; raise :class:`ServerError` if it is invalid."""
    return compile_operand(spec, ctx if ctx is not None else ExpressionContext())


# ---------------------------------------------------------------------------
# constants
# ---------------------------------------------------------------------------

def constant(value: Any) -> Evaluator:
    """An evaluator that always returns ``value``."""

    def evaluate(variables: dict) -> Any:
        return value

    evaluate.constant_value = value  # type: ignore[attr-defined]
    return evaluate


def is_constant(fn: Evaluator) -> bool:
    return hasattr(fn, "constant_value")


# ---------------------------------------------------------------------------
# operands
# ---------------------------------------------------------------------------

def compile_operand(spec: Any, ctx: ExpressionContext) -> Evaluator:
    cls = type(spec)
    if cls is str:
        if spec.startswith("$"):
            return _compile_field_path(spec, ctx)
        return constant(spec)
    if cls is dict or isinstance(spec, Mapping):
        return _compile_object(spec, ctx)
    if cls is list or cls is tuple:
        return _compile_array(spec, ctx)
    return constant(spec)


def _compile_object(spec: Mapping, ctx: ExpressionContext) -> Evaluator:
    if not spec:
        return constant({})
    first = next(iter(spec))
    if isinstance(first, str) and first.startswith("$"):
        if len(spec) != 1:
            raise ServerError(15983, "An object representing an expression must have exactly "
                                     f"one field: {value_repr(dict(spec))}")
        return compile_operator(first, spec[first], ctx)
    return compile_expression_object(spec, ctx)


def compile_operator(name: str, arg: Any, ctx: ExpressionContext) -> Evaluator:
    compiler = OPERATORS.get(name)
    if compiler is None:
        if name in UNSUPPORTED_OPERATORS:
            raise unsupported(name)
        raise ServerError(168, f"Unrecognized expression '{name}'")
    return compiler(arg, ctx, name)


def compile_expression_object(spec: Mapping, ctx: ExpressionContext) -> Evaluator:
    """A document whose values are expressions -> evaluator of the computed document.

    Fields whose expression evaluates to missing (``$$REMOVE``, an absent
    path) are left out, as ``$project`` and ``$addFields`` do.
    """
    fields: list[tuple[str, Evaluator]] = []
    seen: set[str] = set()
    for key, value in spec.items():
        validate_field_name(key)
        if key in seen:
            raise ServerError(16406, "duplicate field name specified in object literal: "
                                     f"{value_repr(dict(spec))}")
        seen.add(key)
        fields.append((key, compile_operand(value, ctx)))
    if all(is_constant(fn) for _, fn in fields):
        return constant({k: fn.constant_value for k, fn in fields  # type: ignore[attr-defined]
                         if fn.constant_value is not MISSING})  # type: ignore[attr-defined]

    def evaluate(variables: dict) -> dict:
        out = {}
        for key, fn in fields:
            value = fn(variables)
            if value is not MISSING:
                out[key] = value
        return out

    return evaluate


def _compile_array(spec: list, ctx: ExpressionContext) -> Evaluator:
    items = [compile_operand(item, ctx) for item in spec]
    if all(is_constant(fn) for fn in items):
        return constant([None if fn.constant_value is MISSING else fn.constant_value  # type: ignore
                         for fn in items])

    def evaluate(variables: dict) -> list:
        out = []
        for fn in items:
            value = fn(variables)
            out.append(None if value is MISSING else value)
        return out

    return evaluate


def validate_field_name(name: str) -> None:
    """A field name usable in an expression object (no '$' prefix, no '.', not empty)."""
    if not name:
        raise ServerError(15998, "FieldPath field names may not be empty strings.")
    if name[0] == "$":
        raise ServerError(16410, "FieldPath field names may not start with '$'. "
                                 "Consider using $getField or $setField.")
    if "\0" in name:
        raise ServerError(16411, "FieldPath field names may not contain '\\0'.")
    if "." in name:
        raise ServerError(16412, "FieldPath field names may not contain '.'.")


# ---------------------------------------------------------------------------
# field paths and variables
# ---------------------------------------------------------------------------

# The ``$``-prefixed names a field path may contain (server field_path.cpp,
# kAllowedDollarPrefixedFields): a DBRef's fields, and metadata fields.
DOLLAR_FIELD_PATH_NAMES = frozenset({"$id", "$ref", "$db", "$sortKey", "$recordId",
                                     "$searchSortValues", "$searchScore"})


def _split_field_path(path: str) -> list[str]:
    if "\0" in path:
        raise ServerError(16419, "field path must not contain embedded null characters")
    if path.endswith("."):
        raise ServerError(40353, "FieldPath must not end with a '.'.")
    parts = path.split(".")
    for part in parts:
        if not part:
            raise ServerError(15998, "FieldPath field names may not be empty strings.")
    for part in parts[1:]:
        if part[0] == "$" and part not in DOLLAR_FIELD_PATH_NAMES:
            raise ServerError(16410, "FieldPath field names may not start with '$'. "
                                     "Consider using $getField or $setField.")
    return parts


def validate_variable_name(name: str, *, for_write: bool) -> None:
    """MongoDB's rules for user variable names (codes 16866-16868)."""
    if for_write and name == "CURRENT":
        return
    if not name:
        raise ServerError(16866, "empty variable names are not allowed")
    first = name[0]
    if not (("a" <= first <= "z") or ord(first) > 127 or (not for_write and "A" <= first <= "Z")):
        raise ServerError(16867, f"'{name}' starts with an invalid character for a user "
                                 "variable name")
    for ch in name[1:]:
        if not (ch.isascii() and (ch.isalnum() or ch == "_")) and ord(ch) <= 127:
            raise ServerError(16868, f"'{name}' contains an invalid character for a variable "
                                     f"name: '{ch}'")


def _compile_field_path(raw: str, ctx: ExpressionContext) -> Evaluator:
    if len(raw) < 2:
        raise ServerError(16872, "'$' by itself is not a valid FieldPath")
    if raw[1] == "$":
        parts = _split_field_path(raw[2:]) if raw[2:] else [""]
        var = parts[0]
        validate_variable_name(var, for_write=False)
        if not ctx.is_defined(var):
            raise ServerError(17276, f"Use of undefined variable: {var}")
        rest = tuple(parts[1:])
        return _variable_evaluator(var, rest)
    parts = tuple(_split_field_path(raw[1:]))
    return _current_path_evaluator(parts)


def _variable_evaluator(var: str, rest: tuple[str, ...]) -> Evaluator:
    if var == "REMOVE":
        return constant(MISSING) if not rest else constant(MISSING)
    if var == "CURRENT":
        if not rest:
            return lambda variables: variables.get("CURRENT", variables.get("ROOT", MISSING))
        return _current_path_evaluator(rest)
    if var == "NOW":
        def read(variables: dict) -> Any:
            now = variables.get("NOW")
            if now is None:
                now = _now()
                variables["NOW"] = now
            return now
    elif var == "CLUSTER_TIME":
        def read(variables: dict) -> Any:
            value = variables.get("CLUSTER_TIME")
            if value is None:
                value = Timestamp(int(datetime.datetime.now(datetime.timezone.utc).timestamp()), 1)
                variables["CLUSTER_TIME"] = value
            return value
    elif var == "USER_ROLES":
        def read(variables: dict) -> Any:
            return variables.get("USER_ROLES", [])
    else:
        def read(variables: dict) -> Any:
            return variables.get(var, MISSING)
    if not rest:
        return read

    def evaluate(variables: dict) -> Any:
        return path_value(read(variables), rest)

    return evaluate


def _now() -> datetime.datetime:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _current_path_evaluator(parts: tuple[str, ...]) -> Evaluator:
    if len(parts) == 1:
        name = parts[0]

        def evaluate(variables: dict) -> Any:
            doc = variables.get("CURRENT")
            if doc is None:
                doc = variables.get("ROOT")
            if type(doc) is dict:
                return doc.get(name, MISSING)
            return path_value(doc, parts)

        # a caller holding the current document may read a plain dict's field itself
        evaluate.top_level_field = name  # type: ignore[attr-defined]
        return evaluate

    def evaluate_path_(variables: dict) -> Any:
        doc = variables.get("CURRENT")
        if doc is None:
            doc = variables.get("ROOT")
        return path_value(doc, parts)

    return evaluate_path_


def path_value(value: Any, parts: tuple[str, ...] | list[str]) -> Any:
    """The value of a field path below ``value`` as aggregation reads it.

    A document contributes its field; an array contributes, element by element,
    the path's value in each of its documents (non-documents and documents
    without the field are skipped), so ``"$a.b"`` over ``[{b: 1}, {}, {b: 2}]``
    is ``[1, 2]``.  Anything else ends the path as missing.
    """
    if type(value) is dict or isinstance(value, Mapping):
        return evaluate_path(value, parts, 0)
    if isinstance(value, list):
        return _path_array(value, parts, 0)
    if isinstance(value, DBRef):
        return evaluate_path(value.as_doc(), parts, 0)
    return MISSING


def evaluate_path(doc: Mapping, parts: tuple[str, ...] | list[str], index: int) -> Any:
    last = len(parts) - 1
    while True:
        value = doc.get(parts[index], MISSING) if type(doc) is dict else (
            doc[parts[index]] if parts[index] in doc else MISSING)
        if index == last:
            return value
        if type(value) is dict or isinstance(value, Mapping):
            doc = value
            index += 1
            continue
        if isinstance(value, list):
            return _path_array(value, parts, index + 1)
        if isinstance(value, DBRef):
            doc = value.as_doc()
            index += 1
            continue
        return MISSING


def _path_array(array: list, parts: tuple[str, ...] | list[str], index: int) -> list:
    out = []
    for element in array:
        if isinstance(element, DBRef):
            element = element.as_doc()
        if type(element) is dict or isinstance(element, Mapping):
            nested = evaluate_path(element, parts, index)
            if nested is not MISSING:
                out.append(nested)
    return out


# ---------------------------------------------------------------------------
# argument helpers for operators
# ---------------------------------------------------------------------------

def parse_arguments(arg: Any, ctx: ExpressionContext) -> list[Evaluator]:
    """An operator's operands: each element of an array, or the single value."""
    if type(arg) is list or type(arg) is tuple:
        return [compile_operand(item, ctx) for item in arg]
    return [compile_operand(arg, ctx)]


def fixed_arity(name: str, arg: Any, ctx: ExpressionContext, n: int) -> list[Evaluator]:
    args = parse_arguments(arg, ctx)
    if len(args) != n:
        raise ServerError(16020, f"Expression {name} takes exactly {n} arguments. "
                                 f"{len(args)} were passed in.")
    return args


def ranged_arity(name: str, arg: Any, ctx: ExpressionContext, low: int,
                 high: int) -> list[Evaluator]:
    args = parse_arguments(arg, ctx)
    if not low <= len(args) <= high:
        raise ServerError(28667, f"Expression {name} takes at least {low} arguments, and at "
                                 f"most {high}, but {len(args)} were passed in.")
    return args


def document_operator(name: str, arg: Any, ctx: ExpressionContext, code: int,
                      convert: Callable[[Mapping], Any]) -> Evaluator:
    """A one-argument operator over a document (``$objectToArray``, ``$bsonSize``):
    null/missing give null, any other non-document fails with ``code``."""
    (operand,) = fixed_arity(name, arg, ctx, 1)

    def evaluate(variables: dict) -> Any:
        value = operand(variables)
        if value is None or value is MISSING:
            return None
        if not isinstance(value, Mapping):
            raise ServerError(code, f"{name} requires a document input, found: "
                                    f"{type_name(value)}")
        return convert(value)

    return evaluate
