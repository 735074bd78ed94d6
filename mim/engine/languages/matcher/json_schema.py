"""``$jsonSchema``: MongoDB's dialect of JSON Schema draft 4, compiled once.

The whole schema is validated first (the server's codes and messages, from
``json_schema_parser.cpp``), then turned into a :class:`SubSchema`: a list of
:class:`Rule` objects, one per keyword, in the order the server translates them
(string and number keywords, array keywords, object keywords, logical keywords,
then ``type``/``bsonType``).  A rule has two closures: ``check(value)`` for
matching and ``explain(value)`` for the ``schemaRulesNotSatisfied`` details a
rejected write reports (``doc_validation_error.cpp``).

JSON Schema semantics differ from the query language in two ways the server
keeps: a restriction keyword (``minimum``, ``maxLength``, ``items``, ``required``
…) only constrains values of the type it is about, and paths never traverse
arrays implicitly.  A subschema is therefore a predicate on one present value;
absence is the business of ``required`` and ``properties``.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64

from ...values.errors import ServerError, bad_value, failed_to_parse, type_mismatch
from ...values.render import render
from ...values.order import RANK_OBJECT, TYPE_CODES, is_number, sort_key, to_decimal, type_name
from .comparison import comparison_predicate
from .context import MatchContext
from .nodes import MatchNode
from .regex import compile_regex
from .registry import top_level_operator

__all__ = ["compile_json_schema", "JsonSchemaNode", "SubSchema", "SCHEMA_KEYWORDS",
           "UNSUPPORTED_SCHEMA_KEYWORDS"]

#: keywords the server names as not supported (FailedToParse)
UNSUPPORTED_SCHEMA_KEYWORDS = ("$ref", "$schema", "default", "definitions", "format", "id")

#: every keyword the parser knows, in the server's keyword map
SCHEMA_KEYWORDS = ("additionalItems", "additionalProperties", "allOf", "anyOf", "bsonType",
                   "dependencies", "description", "encrypt", "encryptMetadata", "enum",
                   "exclusiveMaximum", "exclusiveMinimum", "items", "maxItems", "maxLength",
                   "maxProperties", "maximum", "minItems", "minLength", "minProperties",
                   "minimum", "multipleOf", "not", "oneOf", "pattern", "patternProperties",
                   "properties", "required", "title", "type", "uniqueItems")

_NUMBER_TYPES = frozenset({"double", "int", "long", "decimal"})
#: ``type`` (JSON types) aliases; "number" is every numeric BSON type
_JSON_TYPE_ALIASES = {"array": "array", "boolean": "bool", "null": "null",
                      "object": "object", "string": "string"}

Check = Callable[[Any], bool]
Explain = Callable[[Any], list]


@dataclass(slots=True)
class Rule:
    """One compiled keyword: ``check`` a present value, ``explain`` why it failed."""

    check: Check
    explain: Explain


def _is_object(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


_NUMBER_CLASSES = frozenset({int, float, Int64, Decimal128})


def _is_number(value: Any) -> bool:
    """A BSON number (bool is not one), checked by exact class first."""
    return type(value) in _NUMBER_CLASSES or is_number(value)


def _is_array(value: Any) -> bool:
    return type(value) is list


def _is_string(value: Any) -> bool:
    return type(value) is str


# ---------------------------------------------------------------------------
# types
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class TypeSet:
    """The types a ``type``/``bsonType`` keyword names."""

    names: frozenset
    all_numbers: bool

    @property
    def single(self) -> bool:
        return (self.all_numbers and not self.names) or (not self.all_numbers
                                                         and len(self.names) == 1)

    def allows(self, kind: str) -> bool:
        """Whether this set includes the restriction type ``kind`` ("number" for numbers)."""
        if kind == "number":
            return self.all_numbers or bool(self.names & _NUMBER_TYPES)
        return kind in self.names

    def has(self, value: Any) -> bool:
        cls = type(value)
        name = _FAST_TYPE_NAMES.get(cls)
        if name is None:
            if cls is int:
                name = "int" if -2147483648 <= value <= 2147483647 else "long"
            else:
                name = type_name(value)
        return name in self.names or (self.all_numbers and name in _NUMBER_TYPES)


#: type names of the common Python types the engine decodes (ints need their range)
_FAST_TYPE_NAMES: dict[type, str] = {str: "string", float: "double", bool: "bool",
                                     dict: "object", list: "array", type(None): "null",
                                     Int64: "long", Decimal128: "decimal"}


def _parse_type_set(keyword: str, arg: Any) -> TypeSet:
    if not isinstance(arg, (str, list)):
        raise type_mismatch(f"$jsonSchema keyword '{keyword}' must be either a string or an "
                            f"array of strings")
    aliases: list[str] = []
    for item in ([arg] if isinstance(arg, str) else arg):
        if not isinstance(item, str):
            raise type_mismatch(f"$jsonSchema keyword '{keyword}' array elements must be "
                                f"strings")
        if item == "integer":
            raise failed_to_parse("$jsonSchema type 'integer' is not currently supported.")
        if item in aliases:
            raise failed_to_parse(f"$jsonSchema keyword '{keyword}' has duplicate value: {item}")
        aliases.append(item)
    names: set[str] = set()
    all_numbers = False
    for alias in aliases:
        if alias == "number":
            all_numbers = True
        elif keyword == "type" and alias in _JSON_TYPE_ALIASES:
            names.add(_JSON_TYPE_ALIASES[alias])
        elif keyword == "bsonType" and alias in TYPE_CODES:
            names.add(alias)
        else:
            raise bad_value(f"Unknown type name alias: {alias}")
    if not names and not all_numbers:
        raise failed_to_parse(f"$jsonSchema keyword '{keyword}' must name at least one type")
    return TypeSet(frozenset(names), all_numbers)


# ---------------------------------------------------------------------------
# the shared pieces of error details
# ---------------------------------------------------------------------------


def _annotations(schema: Mapping) -> dict:
    """``title`` and ``description`` of a subschema, as the server echoes them."""
    return {k: schema[k] for k in ("title", "description") if k in schema}


def _detail(keyword: str, specified: Mapping, reason: str, value: Any,
            **extra: Any) -> dict:
    return {"operatorName": keyword, "specifiedAs": dict(specified), "reason": reason,
            "consideredValue": value, **extra}


def _unordered_key(value: Any) -> Any:
    """A key equal for values equal with object field order ignored (enum, uniqueItems)."""
    if isinstance(value, Mapping):
        return (RANK_OBJECT, tuple(sorted((k, _unordered_key(v)) for k, v in value.items())))
    if type(value) is list:
        return ("array", tuple(_unordered_key(v) for v in value))
    return sort_key(value)


def _non_negative_long(keyword: str, arg: Any) -> int:
    """``parseIntegerElementToNonNegativeLong`` with its messages."""
    shown = f"{keyword}: {render(arg)}"
    if not is_number(arg):
        raise failed_to_parse(f"Expected a number in: {shown}")
    if isinstance(arg, float):
        if math.isnan(arg):
            raise failed_to_parse(f"Expected an integer, but found NaN in: {shown}")
        if arg >= 2.0**63 or arg < -(2.0**63):
            raise failed_to_parse(f"Cannot represent as a 64-bit integer: {shown}")
        if arg != int(arg):
            raise failed_to_parse(f"Expected an integer: {shown}")
    if isinstance(arg, Decimal128):
        d = arg.to_decimal()
        if not d.is_finite() or d != d.to_integral_value() or not -(2**63) <= d < 2**63:
            raise failed_to_parse(f"Cannot represent as a 64-bit integer: {shown}")
    number = int(to_decimal(arg)) if isinstance(arg, Decimal128) else int(arg)
    if number < 0:
        raise failed_to_parse(f"Expected a non-negative number in: {shown}")
    return number


# ---------------------------------------------------------------------------
# keyword compilers
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class SchemaContext:
    """What one subschema's keywords are compiled against."""

    schema: Mapping
    stated: TypeSet | None
    in_query: bool


def _restriction(ctx: SchemaContext, kind: str, applies: Check, check: Check,
                 explain: Explain) -> Rule | None:
    """A keyword that only constrains values of type ``kind``; ``None`` when the
    stated single type makes it moot (the server's ``makeRestriction``)."""
    if ctx.stated is not None and ctx.stated.single and not ctx.stated.allows(kind):
        return None

    def restricted_check(value: Any) -> bool:
        return not applies(value) or check(value)

    def restricted_explain(value: Any) -> list:
        if applies(value) and not check(value):
            return explain(value)
        return []

    return Rule(restricted_check, restricted_explain)


def _simple_restriction(ctx: SchemaContext, keyword: str, kind: str, applies: Check,
                        check: Check, reason: str, specified: Mapping | None = None,
                        extra: Callable[[Any], dict] | None = None) -> Rule | None:
    specified = specified if specified is not None else {keyword: ctx.schema[keyword]}

    def explain(value: Any) -> list:
        more = extra(value) if extra is not None else {}
        return [_detail(keyword, specified, reason, value, **more)]

    return _restriction(ctx, kind, applies, check, explain)


def _compile_pattern(ctx: SchemaContext) -> Rule | None:
    pattern = ctx.schema["pattern"]
    if not isinstance(pattern, str):
        raise type_mismatch("$jsonSchema keyword 'pattern' must be a string")
    search = compile_regex(pattern, "").search
    return _simple_restriction(ctx, "pattern", "string", _is_string,
                               lambda v: search(v) is not None,
                               "regular expression did not match")


def _compile_length(keyword: str) -> Callable[[SchemaContext], Rule | None]:
    def compile_length(ctx: SchemaContext) -> Rule | None:
        limit = _non_negative_long(keyword, ctx.schema[keyword])
        check = (lambda v: len(v) <= limit) if keyword == "maxLength" \
            else (lambda v: len(v) >= limit)
        return _simple_restriction(ctx, keyword, "string", _is_string, check,
                                   "specified string length was not satisfied")
    return compile_length


def _decimal(value: Any) -> decimal.Decimal:
    """A number as the server's ``numberDecimal()`` sees it (doubles to 15 digits)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return decimal.Decimal(repr(value).replace("inf", "Infinity"))
        return decimal.Decimal(format(value, ".15g"))
    return to_decimal(value)


def _compile_multiple_of(ctx: SchemaContext) -> Rule | None:
    divisor_arg = ctx.schema["multipleOf"]
    if not is_number(divisor_arg):
        raise type_mismatch("$jsonSchema keyword 'multipleOf' must be a number")
    divisor = _decimal(divisor_arg)
    if divisor.is_nan() or divisor <= 0:
        raise failed_to_parse("$jsonSchema keyword 'multipleOf' must have a positive value")

    def is_multiple(value: Any) -> bool:
        number = _decimal(value)
        if not number.is_finite():
            return False
        if divisor.is_infinite():
            return number == 0
        with decimal.localcontext() as context:
            context.prec = 34
            try:
                return number % divisor == 0
            except decimal.InvalidOperation:
                return False

    return _simple_restriction(ctx, "multipleOf", "number", _is_number, is_multiple,
                               "considered value is not a multiple of the specified value")


def _compile_bound(keyword: str, exclusive_keyword: str, exclusive_op: str,
                   inclusive_op: str) -> Callable[[SchemaContext], Rule | None]:
    def compile_bound(ctx: SchemaContext) -> Rule | None:
        schema = ctx.schema
        if keyword not in schema:
            if exclusive_keyword in schema:
                raise failed_to_parse(f"$jsonSchema keyword '{keyword}' must be a present if "
                                      f"{exclusive_keyword} is present")
            return None
        exclusive = False
        if exclusive_keyword in schema:
            if not isinstance(schema[exclusive_keyword], bool):
                raise type_mismatch(f"$jsonSchema keyword '{exclusive_keyword}' must be a "
                                    f"boolean")
            exclusive = schema[exclusive_keyword]
        bound = schema[keyword]
        if not is_number(bound):
            raise type_mismatch(f"$jsonSchema keyword '{keyword}' must be a number")
        specified = {keyword: bound, exclusive_keyword: True} if exclusive else {keyword: bound}
        check = comparison_predicate(exclusive_op if exclusive else inclusive_op, bound)
        return _simple_restriction(ctx, keyword, "number", _is_number, check,
                                   "comparison failed", specified)
    return compile_bound


def _compile_items_count(keyword: str) -> Callable[[SchemaContext], Rule | None]:
    def compile_items_count(ctx: SchemaContext) -> Rule | None:
        limit = _non_negative_long(keyword, ctx.schema[keyword])
        check = (lambda v: len(v) <= limit) if keyword == "maxItems" \
            else (lambda v: len(v) >= limit)
        return _simple_restriction(ctx, keyword, "array", _is_array, check,
                                   "array did not match specified length",
                                   extra=lambda v: {"numberOfItems": len(v)})
    return compile_items_count


def _first_duplicate(values: list) -> Any:
    seen: set = set()
    for value in values:
        key = _unordered_key(value)
        if key in seen:
            return value
        seen.add(key)
    return _NO_DUPLICATE


_NO_DUPLICATE = object()
#: a property a document does not have
_ABSENT = object()


def _compile_unique_items(ctx: SchemaContext) -> Rule | None:
    unique = ctx.schema["uniqueItems"]
    if not isinstance(unique, bool):
        raise type_mismatch("$jsonSchema keyword 'uniqueItems' must be a boolean")
    if not unique:
        return None
    return _simple_restriction(ctx, "uniqueItems", "array", _is_array,
                               lambda v: _first_duplicate(v) is _NO_DUPLICATE,
                               "found a duplicate item",
                               extra=lambda v: {"duplicatedValue": _first_duplicate(v)})


def _nested(ctx: SchemaContext, spec: Any) -> "SubSchema":
    return SubSchema(spec, ctx.in_query)


def _compile_items(ctx: SchemaContext) -> list[Rule | None]:
    """``items`` and ``additionalItems`` (which only counts after an ``items`` array)."""
    schema = ctx.schema
    rules: list[Rule | None] = []
    start: int | None = None
    if "items" in schema:
        items = schema["items"]
        if isinstance(items, list):
            subschemas = []
            for position in items:
                if not isinstance(position, Mapping):
                    raise type_mismatch(f"$jsonSchema keyword 'items' requires that each "
                                        f"element of the array is an object, but found a "
                                        f"{type_name(position)}")
                subschemas.append(_nested(ctx, position))
            start = len(subschemas)
            rules.append(_items_array_rule(ctx, subschemas))
        elif isinstance(items, Mapping):
            rules.append(_items_schema_rule(ctx, "items", _nested(ctx, items), 0,
                                            "At least one item did not match the sub-schema"))
        else:
            raise type_mismatch(f"$jsonSchema keyword 'items' must be an array or an object, "
                                f"not {type_name(items)}")
    if "additionalItems" in schema:
        additional = schema["additionalItems"]
        if isinstance(additional, bool):
            if start is not None and not additional:
                first = start
                rules.append(_simple_restriction(
                    ctx, "additionalItems", "array", _is_array, lambda v: len(v) <= first,
                    "found additional items", {"additionalItems": False},
                    extra=lambda v: {"additionalItems": v[first:]}))
        elif isinstance(additional, Mapping):
            nested = _nested(ctx, additional)
            if start is not None:
                rules.append(_items_schema_rule(
                    ctx, "additionalItems", nested, start,
                    "At least one additional item did not match the sub-schema"))
        else:
            raise type_mismatch(f"$jsonSchema keyword 'additionalItems' must be either an "
                                f"object or a boolean, but got a {type_name(additional)}")
    return rules


def _items_schema_rule(ctx: SchemaContext, keyword: str, nested: "SubSchema", start: int,
                       reason: str) -> Rule | None:
    def check(value: list) -> bool:
        return all(nested.matches(item) for item in value[start:])

    def explain(value: list) -> list:
        for index in range(start, len(value)):
            if not nested.matches(value[index]):
                return [{"operatorName": keyword, **nested.annotations, "reason": reason,
                         "itemIndex": index, "details": nested.errors(value[index])}]
        return []

    return _restriction(ctx, "array", _is_array, check, explain)


def _items_array_rule(ctx: SchemaContext, subschemas: list["SubSchema"]) -> Rule | None:
    def check(value: list) -> bool:
        return all(sub.matches(item) for sub, item in zip(subschemas, value))

    def explain(value: list) -> list:
        failures = [{"itemIndex": index, "details": sub.errors(item)}
                    for index, (sub, item) in enumerate(zip(subschemas, value))
                    if not sub.matches(item)]
        return [{"operatorName": "items", "details": failures}]

    return _restriction(ctx, "array", _is_array, check, explain)


def _required_names(schema: Mapping) -> list[str]:
    if "required" not in schema:
        return []
    required = schema["required"]
    if not isinstance(required, list):
        raise type_mismatch(f"$jsonSchema keyword 'required' must be an array, but found an "
                            f"element of type {type_name(required)}")
    names: list[str] = []
    for name in required:
        if not isinstance(name, str):
            raise type_mismatch(f"$jsonSchema keyword 'required' must be an array of strings, "
                                f"but found an element of type: {type_name(name)}")
        if name in names:
            raise failed_to_parse("$jsonSchema keyword 'required' array cannot contain "
                                  "duplicate values")
        names.append(name)
    if not names:
        raise failed_to_parse("$jsonSchema keyword 'required' cannot be an empty array")
    return names


def _compile_properties(ctx: SchemaContext) -> Rule | None:
    properties = ctx.schema["properties"]
    if not isinstance(properties, Mapping):
        raise type_mismatch("$jsonSchema keyword 'properties' must be an object")
    compiled: list[tuple[str, SubSchema]] = []
    for name, spec in properties.items():
        if not isinstance(spec, Mapping):
            raise type_mismatch(f"Nested schema for $jsonSchema property '{name}' must be an "
                                f"object")
        compiled.append((name, _nested(ctx, spec)))

    pairs = tuple((name, sub.matches) for name, sub in compiled)

    def check(value: Mapping) -> bool:
        get = value.get
        for name, matches in pairs:
            found = get(name, _ABSENT)
            if found is not _ABSENT and not matches(found):
                return False
        return True

    def explain(value: Mapping) -> list:
        failures = []
        for name, sub in compiled:
            if name in value and not sub.matches(value[name]):
                errors = sub.errors(value[name])
                if errors:
                    failures.append({"propertyName": name, **sub.annotations,
                                     "details": errors})
        return [{"operatorName": "properties", "propertiesNotSatisfied": failures}] \
            if failures else []

    return _restriction(ctx, "object", _is_object, check, explain)


def _compile_allowed_properties(ctx: SchemaContext) -> Rule | None:
    """``additionalProperties`` and ``patternProperties`` together, as on the server."""
    schema = ctx.schema
    if "patternProperties" not in schema and "additionalProperties" not in schema:
        return None
    named = set(schema["properties"]) if isinstance(schema.get("properties"), Mapping) \
        else set()
    patterns: list[tuple[str, Any, SubSchema]] = []
    if "patternProperties" in schema:
        spec = schema["patternProperties"]
        if not isinstance(spec, Mapping):
            raise type_mismatch("$jsonSchema keyword 'patternProperties' must be an object")
        for regex, sub in spec.items():
            if not isinstance(sub, Mapping):
                raise type_mismatch(f"$jsonSchema keyword 'patternProperties' has property "
                                    f"'{regex}' which is not an object")
            patterns.append((regex, compile_regex(regex, "").search, _nested(ctx, sub)))
    additional = schema.get("additionalProperties", True)
    otherwise: SubSchema | None = None
    if isinstance(additional, Mapping):
        otherwise = _nested(ctx, additional)
    elif not isinstance(additional, bool):
        raise type_mismatch("$jsonSchema keyword 'additionalProperties' must be an object or "
                            "a boolean")

    def extra_names(value: Mapping) -> list[str]:
        return [name for name in value if name not in named
                and not any(search(name) for _, search, _ in patterns)]

    def additional_ok(value: Mapping, name: str) -> bool:
        if otherwise is not None:
            return otherwise.matches(value[name])
        return additional is not False

    def check(value: Mapping) -> bool:
        for name in value:
            if name in named:
                continue
            matched = False
            for _, search, sub in patterns:
                if search(name):
                    matched = True
                    if not sub.matches(value[name]):
                        return False
            if not matched and not additional_ok(value, name):
                return False
        return True

    def explain(value: Mapping) -> list:
        details = []
        extras = extra_names(value)
        if additional is False and extras:
            details.append({"operatorName": "additionalProperties",
                            "specifiedAs": {"additionalProperties": False},
                            "additionalProperties": extras})
        elif otherwise is not None:
            failing = next((n for n in extras if not otherwise.matches(value[n])), None)
            if failing is not None:
                details.append({"operatorName": "additionalProperties",
                                **otherwise.annotations,
                                "reason": "at least one additional property did not match "
                                          "the subschema",
                                "failingProperty": failing,
                                "details": otherwise.errors(value[failing])})
        pattern_failures = []
        for regex, search, sub in patterns:
            failing = next((n for n in value if search(n) and not sub.matches(value[n])), None)
            if failing is not None:
                pattern_failures.append({"propertyName": failing, **sub.annotations,
                                         "regexMatched": regex,
                                         "details": sub.errors(value[failing])})
        if pattern_failures:
            details.append({"operatorName": "patternProperties", "details": pattern_failures})
        return details

    return _restriction(ctx, "object", _is_object, check, explain)


def _compile_required(ctx: SchemaContext) -> Rule | None:
    names = sorted(_required_names(ctx.schema))
    if not names:
        return None
    specified = {"required": ctx.schema["required"]}

    def missing(value: Mapping) -> list[str]:
        return [name for name in names if name not in value]

    def explain(value: Mapping) -> list:
        return [{"operatorName": "required", "specifiedAs": specified,
                 "missingProperties": missing(value)}]

    return _restriction(ctx, "object", _is_object, lambda v: not missing(v), explain)


def _compile_property_count(keyword: str) -> Callable[[SchemaContext], Rule | None]:
    def compile_property_count(ctx: SchemaContext) -> Rule | None:
        limit = _non_negative_long(keyword, ctx.schema[keyword])
        check = (lambda v: len(v) <= limit) if keyword == "maxProperties" \
            else (lambda v: len(v) >= limit)
        specified = {keyword: ctx.schema[keyword]}

        def explain(value: Mapping) -> list:
            return [{"operatorName": keyword, "specifiedAs": specified,
                     "reason": "specified number of properties was not satisfied",
                     "numberOfProperties": len(value)}]

        return _restriction(ctx, "object", _is_object, check, explain)
    return compile_property_count


def _compile_dependencies(ctx: SchemaContext) -> Rule | None:
    spec = ctx.schema["dependencies"]
    if not isinstance(spec, Mapping):
        raise type_mismatch("$jsonSchema keyword 'dependencies' must be an object")
    rules: list[tuple[str, list[str] | None, SubSchema | None]] = []
    for name, dependency in spec.items():
        if isinstance(dependency, Mapping):
            rules.append((name, None, _nested(ctx, dependency)))
        elif isinstance(dependency, list):
            if not dependency:
                raise failed_to_parse(f"property '{name}' in $jsonSchema keyword "
                                      f"'dependencies' cannot be an empty array")
            seen: list[str] = []
            for needed in dependency:
                if not isinstance(needed, str):
                    raise type_mismatch(f"array '{name}' in $jsonSchema keyword 'dependencies' "
                                        f"can only contain strings, but found element of "
                                        f"type: {type_name(needed)}")
                if needed in seen:
                    raise failed_to_parse(f"array '{name}' in $jsonSchema keyword "
                                          f"'dependencies' contains duplicate element: "
                                          f"{needed}")
                seen.append(needed)
            rules.append((name, seen, None))
        elif isinstance(dependency, str) and name in ("title", "description"):
            continue
        else:
            raise type_mismatch(f"property '{name}' in $jsonSchema keyword 'dependencies' must "
                                f"be either an object or an array")

    def failure(value: Any, name: str, needed: list[str] | None, sub: SubSchema | None
                ) -> dict | None:
        if not isinstance(value, Mapping) or name not in value:
            return None
        if needed is not None:
            missing = [n for n in needed if n not in value]
            return {"conditionalProperty": name, "missingProperties": missing} \
                if missing else None
        if sub.matches(value):
            return None
        return {"conditionalProperty": name, "details": sub.errors(value)}

    def check(value: Any) -> bool:
        return all(failure(value, *rule) is None for rule in rules)

    def explain(value: Any) -> list:
        failures = [f for f in (failure(value, *rule) for rule in rules) if f is not None]
        return [{"operatorName": "dependencies", **_annotations(spec),
                 "failingDependencies": failures}]

    return Rule(check, explain)


def _compile_logical(keyword: str) -> Callable[[SchemaContext], Rule | None]:
    def compile_logical(ctx: SchemaContext) -> Rule | None:
        clauses = ctx.schema[keyword]
        if not isinstance(clauses, list):
            raise type_mismatch(f"$jsonSchema keyword '{keyword}' must be an array")
        if not clauses:
            raise bad_value(f"$jsonSchema keyword '{keyword}' must be a non-empty array")
        subs = []
        for clause in clauses:
            if not isinstance(clause, Mapping):
                raise type_mismatch(f"$jsonSchema keyword '{keyword}' must be an array of "
                                    f"objects, but found an element of type "
                                    f"{type_name(clause)}")
            subs.append(_nested(ctx, clause))
        return _LOGICAL_RULES[keyword](subs)
    return compile_logical


def _failed_clauses(subs: list["SubSchema"], value: Any) -> list[dict]:
    return [{"index": i, **sub.annotations, "details": sub.errors(value)}
            for i, sub in enumerate(subs) if not sub.matches(value)]


def _all_of(subs: list["SubSchema"]) -> Rule:
    return Rule(lambda v: all(s.matches(v) for s in subs),
                lambda v: [{"operatorName": "allOf",
                            "schemasNotSatisfied": _failed_clauses(subs, v)}])


def _any_of(subs: list["SubSchema"]) -> Rule:
    return Rule(lambda v: any(s.matches(v) for s in subs),
                lambda v: [{"operatorName": "anyOf",
                            "schemasNotSatisfied": _failed_clauses(subs, v)}])


def _one_of(subs: list["SubSchema"]) -> Rule:
    def explain(value: Any) -> list:
        matching = [i for i, s in enumerate(subs) if s.matches(value)]
        if matching:
            return [{"operatorName": "oneOf", "reason": "more than one subschema matched",
                     "matchingSchemaIndexes": matching}]
        return [{"operatorName": "oneOf", "schemasNotSatisfied": _failed_clauses(subs, value)}]

    return Rule(lambda v: sum(1 for s in subs if s.matches(v)) == 1, explain)


_LOGICAL_RULES: dict[str, Callable[[list["SubSchema"]], Rule]] = {
    "allOf": _all_of, "anyOf": _any_of, "oneOf": _one_of}


def _compile_not(ctx: SchemaContext) -> Rule | None:
    spec = ctx.schema["not"]
    if not isinstance(spec, Mapping):
        raise type_mismatch(f"$jsonSchema keyword 'not' must be an object, but found an "
                            f"element of type {type_name(spec)}")
    sub = _nested(ctx, spec)
    return Rule(lambda v: not sub.matches(v),
                lambda v: [{"operatorName": "not", "reason": "child expression matched"}])


def _compile_enum(ctx: SchemaContext) -> Rule | None:
    values = ctx.schema["enum"]
    if not isinstance(values, list):
        raise type_mismatch(f"$jsonSchema keyword 'enum' must be an array, but found an "
                            f"element of type {type_name(values)}")
    if not values:
        raise failed_to_parse("$jsonSchema keyword 'enum' cannot be an empty array")
    keys: set = set()
    for value in values:
        key = _unordered_key(value)
        if key in keys:
            raise failed_to_parse("$jsonSchema keyword 'enum' array cannot contain duplicate "
                                  "values.")
        keys.add(key)
    specified = {"enum": values}
    return Rule(lambda v: _unordered_key(v) in keys,
                lambda v: [_detail("enum", specified, "value was not found in enum", v)])


def _type_rule(keyword: str, arg: Any, types: TypeSet) -> Rule:
    specified = {keyword: arg}

    def explain(value: Any) -> list:
        return [_detail(keyword, specified, "type did not match", value,
                        consideredType=type_name(value))]

    return Rule(types.has, explain)


#: keyword compilers in the order the server translates (and reports) them
_KEYWORD_COMPILERS: tuple[tuple[tuple[str, ...], Callable[[SchemaContext], Any]], ...] = (
    (("pattern",), _compile_pattern),
    (("maxLength",), _compile_length("maxLength")),
    (("minLength",), _compile_length("minLength")),
    (("multipleOf",), _compile_multiple_of),
    (("maximum", "exclusiveMaximum"), _compile_bound("maximum", "exclusiveMaximum", "$lt",
                                                     "$lte")),
    (("minimum", "exclusiveMinimum"), _compile_bound("minimum", "exclusiveMinimum", "$gt",
                                                     "$gte")),
    (("minItems",), _compile_items_count("minItems")),
    (("maxItems",), _compile_items_count("maxItems")),
    (("uniqueItems",), _compile_unique_items),
    (("items", "additionalItems"), _compile_items),
    (("properties",), _compile_properties),
    (("patternProperties", "additionalProperties"), _compile_allowed_properties),
    (("required",), _compile_required),
    (("minProperties",), _compile_property_count("minProperties")),
    (("maxProperties",), _compile_property_count("maxProperties")),
    (("dependencies",), _compile_dependencies),
    (("allOf",), _compile_logical("allOf")),
    (("anyOf",), _compile_logical("anyOf")),
    (("oneOf",), _compile_logical("oneOf")),
    (("not",), _compile_not),
    (("enum",), _compile_enum),
)


class SubSchema:
    """A compiled (sub)schema: a predicate on one present value, and its explanation."""

    __slots__ = ("spec", "rules", "type_rule", "annotations", "matches")

    def __init__(self, spec: Mapping, in_query: bool = True) -> None:
        self.spec = spec
        _check_keywords(spec, in_query)
        types: TypeSet | None = None
        keyword = "type" if "type" in spec else "bsonType" if "bsonType" in spec else None
        if keyword is not None:
            types = _parse_type_set(keyword, spec[keyword])
        ctx = SchemaContext(spec, types, in_query)
        rules: list[Rule] = []
        for keywords, compiler in _KEYWORD_COMPILERS:
            if not any(k in spec for k in keywords):
                continue
            compiled = compiler(ctx)
            for rule in (compiled if isinstance(compiled, list) else [compiled]):
                if rule is not None:
                    rules.append(rule)
        self.type_rule = _type_rule(keyword, spec[keyword], types) if types else None
        if self.type_rule is not None:
            rules.append(self.type_rule)
        self.rules = tuple(rules)
        self.annotations = _annotations(spec)
        self.matches: Check = _conjunction(tuple(rule.check for rule in self.rules))

    def errors(self, value: Any) -> list:
        """The details of every rule ``value`` fails, in the server's order."""
        found: list = []
        for rule in self.rules:
            if not rule.check(value):
                found.extend(rule.explain(value))
        return found


def _conjunction(checks: tuple[Check, ...]) -> Check:
    """One predicate that holds when every check does (the hot path of a validator)."""
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)

    def every(value: Any) -> bool:
        for check in checks:
            if not check(value):
                return False
        return True

    return every


def _check_keywords(spec: Mapping, in_query: bool) -> None:
    for key in spec:
        if key not in SCHEMA_KEYWORDS:
            if key in UNSUPPORTED_SCHEMA_KEYWORDS:
                raise failed_to_parse(f"$jsonSchema keyword '{key}' is not currently supported")
            raise failed_to_parse(f"Unknown $jsonSchema keyword: {key}")
    for key in ("description", "title"):
        if key in spec and not isinstance(spec[key], str):
            raise type_mismatch(f"$jsonSchema keyword '{key}' must be of type string")
    if "type" in spec and "bsonType" in spec:
        raise failed_to_parse("Cannot specify both $jsonSchema keywords 'type' and 'bsonType'")
    if "encrypt" in spec or "encryptMetadata" in spec:
        if in_query:
            raise ServerError(224, "Encryption-related validator keywords are not allowed in "
                                   "this context")
        raise ServerError(238, "$jsonSchema encryption keywords are not supported by mim: it "
                               "has no client-side field level encryption")


class JsonSchemaNode(MatchNode):
    """``{$jsonSchema: …}`` in a filter: the root document against the schema."""

    __slots__ = ("schema", "spec", "always_false")

    def __init__(self, spec: Mapping, in_query: bool = True) -> None:
        self.spec = spec
        self.schema = SubSchema(spec, in_query)
        types = self.schema.type_rule
        # a top-level schema whose type excludes "object" matches no stored document
        self.always_false = types is not None and not types.check({})
        self.matches = (lambda doc: False) if self.always_false else self.schema.matches

    def explain(self, doc: Mapping) -> dict:
        """The ``$jsonSchema`` entry of a validation error for ``doc``."""
        if self.always_false:
            return {"operatorName": "$jsonSchema", "specifiedAs": {"$jsonSchema": self.spec},
                    "reason": "expression always evaluates to false"}
        return {"operatorName": "$jsonSchema", **self.schema.annotations,
                "schemaRulesNotSatisfied": self.schema.errors(doc)}


def compile_json_schema(spec: Any, in_query: bool = True) -> JsonSchemaNode:
    """Validate a whole ``$jsonSchema`` document and compile it."""
    if not isinstance(spec, Mapping):
        raise type_mismatch("$jsonSchema must be an object")
    return JsonSchemaNode(spec, in_query)


@top_level_operator("$jsonSchema")
def compile_json_schema_operator(name: str, arg: Any, ctx: MatchContext) -> MatchNode:
    return compile_json_schema(arg, not ctx.validator)
