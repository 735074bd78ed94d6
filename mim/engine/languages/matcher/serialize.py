"""A filter as the server prints it back: the parsed ``MatchExpression``,
normalised and serialised (``explain``'s ``parsedQuery`` and stage ``filter``s).

mongod does not echo the filter it was sent.  ``CanonicalQuery`` parses it into
a ``MatchExpression`` tree, ``MatchExpression::normalize`` optimises that tree
(``$and`` inside ``$and`` absorbed, one-child ``$and``/``$or`` collapsed, a
one-child ``$nor`` made a ``$not``, an ``$or`` of equalities on one path made an
``$in``, a one-value ``$in`` made an ``$eq``, ``$expr`` comparisons doubled by
``$_internalExpr*`` predicates) and sorts every child list by
``matchExpressionComparator`` (match type, then path, then children, then their
number); ``serialize`` then writes each node in its own canonical form
(``{a: 3}`` is ``{a: {$eq: 3}}``, ``$ne`` is ``{$not: {$eq: ...}}``, a regex is
``{$regex, $options}``, ``$type`` a list of type codes, ``$in`` sorted and
without duplicates...).  This module does the same over a filter that
:func:`~.compiler.compile_filter` has already accepted (so it never raises on
malformed input: the compiler refused that first).

``$jsonSchema`` is kept as sent (the server prints its translation into internal
schema predicates, which mim does not build).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from bson.code import Code
from bson.int64 import Int64
from bson.regex import Regex

from ...values.order import MISSING, TYPE_CODES, is_number, regex_flags_to_string, sort_key
from ..expressions import ExpressionContext, compile_expression
from .bitwise import bit_positions
from .compiler import is_operator_document
from .element import truthy
from .registry import TOP_LEVEL_OPERATORS

__all__ = ["Parsed", "normalize_filter", "serialize", "serialize_filter", "conjuncts_of",
           "without_internal_expr", "INTERNAL_EXPR_KINDS", "EQ", "LT", "LTE", "GT", "GTE",
           "MATCH_IN", "AND", "OR", "TYPE_OPERATOR"]

# MatchExpression::MatchType, in the server's declaration order (the sort order)
(AND, OR, ELEM_MATCH_OBJECT, ELEM_MATCH_VALUE, SIZE, EQ, LTE, LT, GT, GTE, REGEX, MOD, EXISTS,
 MATCH_IN, BITS_ALL_SET, BITS_ALL_CLEAR, BITS_ANY_SET, BITS_ANY_CLEAR, ENCRYPTED_BETWEEN, NOT,
 NOR, TYPE_OPERATOR, GEO, WHERE, EXPRESSION, ALWAYS_FALSE, ALWAYS_TRUE, GEO_NEAR, TEXT,
 INTERNAL_2D_POINT_IN_ANNULUS, INTERNAL_BUCKET_GEO_WITHIN, INTERNAL_EXPR_EQ, INTERNAL_EXPR_GT,
 INTERNAL_EXPR_GTE, INTERNAL_EXPR_LT, INTERNAL_EXPR_LTE, INTERNAL_SCHEMA) = range(37)
#: a path's operator mim keeps as sent (none of the user-facing ones)
_OTHER_PATH_OPERATOR = INTERNAL_SCHEMA + 1

INTERNAL_EXPR_KINDS = frozenset({INTERNAL_EXPR_EQ, INTERNAL_EXPR_GT, INTERNAL_EXPR_GTE,
                                 INTERNAL_EXPR_LT, INTERNAL_EXPR_LTE})
_LISTS = frozenset({AND, OR, NOR})
#: nodes that are not a path's predicate: NOT serialises them under ``$nor``
_PATHLESS = frozenset({AND, OR, NOR, NOT, WHERE, EXPRESSION, ALWAYS_FALSE, ALWAYS_TRUE, TEXT,
                       INTERNAL_SCHEMA})

_COMPARISONS = {"$eq": EQ, "$lt": LT, "$lte": LTE, "$gt": GT, "$gte": GTE}
_BITS = {"$bitsAllSet": BITS_ALL_SET, "$bitsAllClear": BITS_ALL_CLEAR,
         "$bitsAnySet": BITS_ANY_SET, "$bitsAnyClear": BITS_ANY_CLEAR}
_INTERNAL_EXPR = {"$eq": (INTERNAL_EXPR_EQ, "$_internalExprEq"),
                  "$gt": (INTERNAL_EXPR_GT, "$_internalExprGt"),
                  "$gte": (INTERNAL_EXPR_GTE, "$_internalExprGte"),
                  "$lt": (INTERNAL_EXPR_LT, "$_internalExprLt"),
                  "$lte": (INTERNAL_EXPR_LTE, "$_internalExprLte")}
#: RewriteExpr: the field path moved to the left flips the comparison
_FLIPPED = {"$eq": "$eq", "$gt": "$lt", "$gte": "$lte", "$lt": "$gt", "$lte": "$gte"}
_GEO = frozenset({"$geoWithin", "$within", "$geoIntersects"})
_NEAR = frozenset({"$near", "$nearSphere", "$geoNear"})
_NUMBER_CODES = frozenset({1, 16, 18, 19})


class Parsed:
    """One MatchExpression node: its match ``kind`` (the MatchType), ``path``
    (``""`` for a node over the whole document), ``children`` (a list node's
    clauses, ``$not``'s operand, ``$elemMatch``'s sub-expressions) and, for every
    other node, ``rhs``: its serialised right-hand side (``{"$eq": 3}``), or the
    whole serialised node for a path-less one (``{"$where": ...}``)."""

    __slots__ = ("kind", "path", "children", "rhs", "value")

    def __init__(self, kind: int, path: str = "", children: list["Parsed"] | None = None,
                 rhs: dict | None = None, value: Any = None) -> None:
        self.kind = kind
        self.path = path
        self.children = children if children is not None else []
        self.rhs = rhs
        #: an equality's / comparison's operand, an ``$in``'s (equalities, regexes)
        self.value = value

    def __repr__(self) -> str:
        return f"Parsed({self.kind}, {self.path!r}, {self.children!r}, {self.rhs!r})"


# ---------------------------------------------------------------------------
# parsing (MatchExpressionParser)

def _parse_document(spec: Mapping, text_language: str = "english") -> Parsed:
    """A whole query document: an AND of its parts, in document order
    (``text_language``: the text index's default language, ``$text``'s when it
    names none)."""
    root = Parsed(AND)
    for key, value in spec.items():
        if isinstance(key, str) and key.startswith("$"):
            node = _parse_top_level(key, value, text_language)
        else:
            root.children.extend(_parse_path(key, value))
            continue
        if node is not None:
            root.children.append(node)
    return root


def _parse_top_level(name: str, value: Any, text_language: str) -> Parsed | None:
    if name in ("$and", "$or", "$nor"):
        kind = {"$and": AND, "$or": OR, "$nor": NOR}[name]
        return Parsed(kind, children=[_parse_document(clause, text_language)
                                      for clause in value])
    if name == "$comment":
        return None
    if name in ("$alwaysTrue", "$alwaysFalse"):
        return Parsed(ALWAYS_TRUE if name == "$alwaysTrue" else ALWAYS_FALSE, rhs={name: 1})
    if name == "$expr":
        return Parsed(EXPRESSION, rhs={"$expr": serialize_expression(value)}, value=value)
    if name == "$where":
        code = value if isinstance(value, Code) else Code(str(value))
        return Parsed(WHERE, rhs={"$where": code})
    if name == "$text":
        return Parsed(TEXT, rhs={"$text": {
            "$search": value.get("$search"), "$language": value.get("$language", text_language),
            "$caseSensitive": bool(value.get("$caseSensitive", False)),
            "$diacriticSensitive": bool(value.get("$diacriticSensitive", False))}})
    return Parsed(INTERNAL_SCHEMA, rhs={name: value})


def _parse_path(path: str, value: Any) -> list[Parsed]:
    """``{path: value}``: an operator document's operators, a regex, or equality."""
    if isinstance(value, (Regex, re.Pattern)):
        return [_regex(path, value)]
    if not is_operator_document(value):
        return [_comparison(path, "$eq", value)]
    first = next(iter(value))
    if first in _NEAR:
        return [Parsed(GEO_NEAR, path, rhs=dict(value))]
    nodes = []
    for op, arg in value.items():
        if op == "$options":
            continue
        if op == "$regex":
            nodes.append(_regex(path, arg, value.get("$options")))
        else:
            nodes.append(_parse_operator(path, op, arg))
    return nodes


def _regex(path: str, value: Any, options: Any = None) -> Parsed:
    if isinstance(value, Regex):
        pattern = value.pattern
        flags = value.flags if isinstance(value.flags, str) \
            else regex_flags_to_string(value.flags)
    elif isinstance(value, re.Pattern):
        pattern, flags = value.pattern, regex_flags_to_string(value.flags)
    else:
        pattern, flags = value, ""
    if options:
        flags = options
    rhs: dict[str, Any] = {"$regex": pattern}
    if flags:
        rhs["$options"] = flags
    return Parsed(REGEX, path, rhs=rhs, value=Regex(pattern, flags))


def _comparison(path: str, op: str, value: Any) -> Parsed:
    return Parsed(_COMPARISONS[op], path, rhs={op: value}, value=value)


def _in(path: str, values: list) -> Parsed:
    """``$in``: its equalities sorted and deduplicated (the server's
    ``_equalitySet``), then its regexes."""
    equalities: list = []
    seen: set = set()
    for value in sorted((v for v in values if not isinstance(v, (Regex, re.Pattern))),
                        key=sort_key):
        key = sort_key(value)
        if key not in seen:
            seen.add(key)
            equalities.append(value)
    regexes = [v if isinstance(v, Regex) else Regex(v.pattern, regex_flags_to_string(v.flags))
               for v in values if isinstance(v, (Regex, re.Pattern))]
    return Parsed(MATCH_IN, path, rhs={"$in": equalities + regexes},
                  value=(equalities, regexes))


def _parse_operator(path: str, op: str, arg: Any) -> Parsed:
    parser = _OPERATORS.get(op)
    if parser is not None:
        return parser(path, op, arg)
    if op in _COMPARISONS:
        return _comparison(path, op, arg)
    if op in _BITS:
        return Parsed(_BITS[op], path, rhs={op: bit_positions(op, arg)})
    if op in _GEO:
        return Parsed(GEO, path, rhs={op: arg})
    return Parsed(_OTHER_PATH_OPERATOR, path, rhs={op: arg})


def _parse_ne(path: str, op: str, arg: Any) -> Parsed:
    return Parsed(NOT, children=[_comparison(path, "$eq", arg)])


def _parse_in(path: str, op: str, arg: Any) -> Parsed:
    return _in(path, list(arg))


def _parse_nin(path: str, op: str, arg: Any) -> Parsed:
    return Parsed(NOT, children=[_in(path, list(arg))])


def _parse_exists(path: str, op: str, arg: Any) -> Parsed:
    exists = Parsed(EXISTS, path, rhs={"$exists": True})
    return exists if truthy(arg) else Parsed(NOT, children=[exists])


def _parse_type(path: str, op: str, arg: Any) -> Parsed:
    """``$type``: the type set as ``MatcherTypeSet::toBSONArray`` writes it
    ("number" first when asked for, then the codes in ascending order)."""
    all_numbers = False
    codes: set[int] = set()
    for item in arg if isinstance(arg, list) else [arg]:
        if item == "number":
            all_numbers = True
        elif isinstance(item, str):
            codes.add(TYPE_CODES[item])
        elif is_number(item):
            codes.add(int(item if not hasattr(item, "to_decimal") else item.to_decimal()))
    types: list[Any] = ["number"] if all_numbers else []
    types.extend(sorted(codes))
    return Parsed(TYPE_OPERATOR, path, rhs={"$type": types})


def _parse_size(path: str, op: str, arg: Any) -> Parsed:
    size = int(arg if not hasattr(arg, "to_decimal") else arg.to_decimal())
    return Parsed(SIZE, path, rhs={"$size": size})


def _parse_mod(path: str, op: str, arg: Any) -> Parsed:
    divisor, remainder = (int(v if not hasattr(v, "to_decimal") else v.to_decimal())
                          for v in arg)
    return Parsed(MOD, path, rhs={"$mod": [Int64(divisor), Int64(remainder)]})


def _parse_all(path: str, op: str, arg: Any) -> Parsed:
    if not arg:
        return Parsed(ALWAYS_FALSE, rhs={"$alwaysFalse": 1})
    nodes = []
    for item in arg:
        if isinstance(item, Mapping) and item and next(iter(item)) == "$elemMatch":
            nodes.append(_parse_elem_match(path, "$elemMatch", item["$elemMatch"]))
        elif isinstance(item, (Regex, re.Pattern)):
            nodes.append(_regex(path, item))
        else:
            nodes.append(_comparison(path, "$eq", item))
    return Parsed(AND, children=nodes)


def _parse_elem_match(path: str, op: str, arg: Any) -> Parsed:
    if is_operator_document(arg) and next(iter(arg)) not in TOP_LEVEL_OPERATORS:
        subs = _parse_path("", arg)
        return Parsed(ELEM_MATCH_VALUE, path, children=subs)
    return Parsed(ELEM_MATCH_OBJECT, path, children=[_parse_document(arg)])


def _parse_not(path: str, op: str, arg: Any) -> Parsed:
    if isinstance(arg, (Regex, re.Pattern)):
        return Parsed(NOT, children=[_regex(path, arg)])
    return Parsed(NOT, children=[Parsed(AND, children=_parse_path(path, arg))])


_OPERATORS: dict[str, Callable[[str, str, Any], Parsed]] = {
    "$ne": _parse_ne, "$in": _parse_in, "$nin": _parse_nin, "$exists": _parse_exists,
    "$type": _parse_type, "$size": _parse_size, "$mod": _parse_mod, "$all": _parse_all,
    "$elemMatch": _parse_elem_match, "$not": _parse_not,
}


# ---------------------------------------------------------------------------
# $expr: the aggregation expression as Expression::serialize writes it

_CONSTANT = "$const"


def _is_constant(serialised: Any) -> bool:
    return isinstance(serialised, dict) and len(serialised) == 1 and _CONSTANT in serialised


#: operators never folded into a constant (not deterministic, or not evaluable
#: without a document or a server)
_NOT_FOLDED = frozenset({"$rand", "$function", "$accumulator", "$meta", "$toHashedIndexKey"})


def _folded(op: str, serialised: dict) -> dict:
    """An operator whose operands are all constants as ``Expression::optimize``
    leaves it: evaluated once, ``{$const: value}`` (unchanged when it cannot be
    evaluated without a document)."""
    if op in _NOT_FOLDED:
        return serialised
    try:
        value = compile_expression(serialised, ExpressionContext())({"ROOT": {}, "CURRENT": {}})
    except Exception:  # (evaluated when a document is read: its error is the query's)
        return serialised
    return serialised if value is MISSING else {_CONSTANT: value}


def serialize_expression(value: Any) -> Any:
    """An aggregation expression in its serialised form: field paths and
    variables as written, every literal ``{$const: v}``, an operator's operands
    as a list, an object or array of constants, and an operator of constant
    operands, folded into one constant."""
    if isinstance(value, str):
        return value if value.startswith("$") else {_CONSTANT: value}
    if isinstance(value, list):
        items = [serialize_expression(item) for item in value]
        if all(_is_constant(item) for item in items):
            return {_CONSTANT: [item[_CONSTANT] for item in items]}
        return items
    if isinstance(value, Mapping):
        if len(value) == 1:
            op, arg = next(iter(value.items()))
            if isinstance(op, str) and op.startswith("$"):
                if op in ("$literal", "$const"):
                    return {_CONSTANT: arg}
                if isinstance(arg, Mapping) and not is_operator_document(arg):
                    named = {k: serialize_expression(v) for k, v in arg.items()}
                    operands = list(named.values())
                    serialised: dict = {op: named}
                else:
                    operands = [serialize_expression(item) for item in
                                (arg if isinstance(arg, list) else [arg])]
                    serialised = {op: operands}
                if all(_is_constant(operand) for operand in operands):
                    return _folded(op, serialised)
                return serialised
        fields = {k: serialize_expression(v) for k, v in value.items()}
        if all(_is_constant(v) for v in fields.values()):
            return {_CONSTANT: {k: v[_CONSTANT] for k, v in fields.items()}}
        return fields
    return {_CONSTANT: value}


def _rewrite_expression(serialised: Any) -> Parsed | None:
    """RewriteExpr: the match predicates an ``$expr`` implies (``$and``/``$or``
    of ``$eq``/``$gt``/``$gte``/``$lt``/``$lte`` between one document field path
    and a constant that is not an array), as ``$_internalExpr*`` nodes."""
    if not isinstance(serialised, Mapping) or len(serialised) != 1:
        return None
    op, args = next(iter(serialised.items()))
    if op in ("$and", "$or") and isinstance(args, list):
        rewritten = [_rewrite_expression(arg) for arg in args]
        if op == "$or" and any(node is None for node in rewritten):
            return None
        children = [node for node in rewritten if node is not None]
        return Parsed(AND if op == "$and" else OR, children=children) if children else None
    if op not in _INTERNAL_EXPR or not isinstance(args, list) or len(args) != 2:
        return None
    paths = [isinstance(a, str) and a.startswith("$") and not a.startswith("$$") for a in args]
    if paths.count(True) != 1:
        return None
    field, constant = (args[0], args[1]) if paths[0] else (args[1], args[0])
    if not _is_constant(constant) or isinstance(constant[_CONSTANT], list):
        return None
    if not paths[0]:
        op = _FLIPPED[op]
    kind, name = _INTERNAL_EXPR[op]
    return Parsed(kind, field[1:], rhs={name: constant[_CONSTANT]})


# ---------------------------------------------------------------------------
# optimising (MatchExpression::optimize)

#: an ``$expr`` node whose implied predicates were already added
_REWRITTEN = object()

def _optimize(node: Parsed) -> Parsed:
    kind = node.kind
    if kind in _LISTS:
        return _optimize_list(node)
    if kind == NOT:
        node.children = [_optimize(node.children[0])]
        return node
    if kind == ELEM_MATCH_OBJECT:
        node.children = [_optimize(node.children[0])]
        return node
    if kind == ELEM_MATCH_VALUE:
        node.children = [_optimize(child) for child in node.children]
        return node
    if kind == MATCH_IN:
        equalities, regexes = node.value
        if len(regexes) == 1 and not equalities:
            return _regex(node.path, regexes[0])
        if len(equalities) == 1 and not regexes:
            return _comparison(node.path, "$eq", equalities[0])
        return node
    if kind == EXPRESSION and node.value is not _REWRITTEN:
        # (rewritten once: the optimiser meets this node again inside the new AND)
        implied = _rewrite_expression(node.rhs["$expr"])
        node.value = _REWRITTEN
        if implied is not None:
            return _optimize(Parsed(AND, children=[implied, node]))
        return node
    return node


def _trivially_true(node: Parsed) -> bool:
    return (node.kind == AND and not node.children) or node.kind == ALWAYS_TRUE


def _trivially_false(node: Parsed) -> bool:
    return (node.kind == OR and not node.children) or node.kind == ALWAYS_FALSE


def _optimize_list(node: Parsed) -> Parsed:
    """ListOfMatchExpression's optimiser, as 7.0 writes it."""
    kind = node.kind
    children = [_optimize(child) for child in node.children]
    if kind in (AND, OR):
        absorbed = []
        kept = []
        for child in children:
            if child.kind == kind:
                absorbed.extend(child.children)
            else:
                kept.append(child)
        children = kept + absorbed
        children = [child for child in children
                    if not (kind == AND and _trivially_true(child)
                            or kind == OR and _trivially_false(child))]
    if not children and kind == OR:
        return Parsed(ALWAYS_FALSE, rhs={"$alwaysFalse": 1})
    if len(children) == 1:
        if kind in (AND, OR):
            return children[0]
        if kind == NOR:
            return Parsed(NOT, children=children)
    if kind in (AND, OR):
        for child in children:
            if kind == AND and _trivially_false(child):
                return Parsed(ALWAYS_FALSE, rhs={"$alwaysFalse": 1})
            if kind == OR and _trivially_true(child):
                return Parsed(ALWAYS_TRUE, rhs={"$alwaysTrue": 1})
    node.children = children
    if kind == OR and len(children) > 1:
        return _or_to_in(node)
    return node


def _or_to_in(node: Parsed) -> Parsed:
    """An ``$or`` whose clauses include several equalities (not to a regex) or
    regexes on the path of its first such clause: those become one ``$in``,
    beside an ``$or`` of the rest (or the one other clause)."""
    path = None
    equivalent = 0
    for child in node.children:
        if child.kind == REGEX or child.kind == EQ and not isinstance(child.value, Regex):
            if path is None:
                path, equivalent = child.path, 1
            elif child.path == path:
                equivalent += 1
    if equivalent < 2:
        return node
    equalities: list = []
    regexes: list = []
    others: list[Parsed] = []
    for child in node.children:
        if child.path != path:
            others.append(child)
        elif child.kind == EQ and not isinstance(child.value, Regex):
            equalities.append(child.value)
        elif child.kind == REGEX:
            regexes.append(child.value)
        else:
            others.append(child)
    merged = _in(path or "", equalities + regexes)
    if not others:
        return merged
    return Parsed(OR, children=[merged, others[0] if len(others) == 1
                                else Parsed(OR, children=others)])


# ---------------------------------------------------------------------------
# sorting (MatchExpression::sortTree) and serialising

def _compare(a: Parsed, b: Parsed) -> int:
    if a.kind != b.kind:
        return -1 if a.kind < b.kind else 1
    if a.path != b.path:
        pa, pb = a.path.encode(), b.path.encode()
        return -1 if pa < pb else 1
    for x, y in zip(a.children, b.children):
        result = _compare(x, y)
        if result:
            return result
    if len(a.children) != len(b.children):
        return -1 if len(a.children) < len(b.children) else 1
    return 0


class _Key:
    __slots__ = ("node",)

    def __init__(self, node: Parsed) -> None:
        self.node = node

    def __lt__(self, other: "_Key") -> bool:
        return _compare(self.node, other.node) < 0


def _sort_tree(node: Parsed) -> None:
    for child in node.children:
        _sort_tree(child)
    if node.kind in _LISTS or node.kind == ELEM_MATCH_VALUE:
        node.children.sort(key=_Key)


def normalize_filter(spec: Mapping | None, text_language: str = "english") -> Parsed:
    """The filter's MatchExpression after ``MatchExpression::normalize``
    (``text_language``: the text index's default language)."""
    root = _optimize(_parse_document(spec or {}, text_language))
    _sort_tree(root)
    return root


def serialize(node: Parsed, include_path: bool = True) -> dict[str, Any]:
    """One node as ``MatchExpression::serialize`` writes it."""
    kind = node.kind
    if kind == AND:
        if not node.children:
            return {}
        return {"$and": [serialize(child) for child in node.children]}
    if kind == OR:
        if not node.children:
            return {"$alwaysFalse": 1}
        return {"$or": [serialize(child) for child in node.children]}
    if kind == NOR:
        return {"$nor": [serialize(child) for child in node.children]}
    if kind == NOT:
        return _serialize_not(node, include_path)
    if kind in _PATHLESS:
        return dict(node.rhs or {})
    rhs = _right_hand_side(node)
    return {node.path: rhs} if include_path else rhs


def _right_hand_side(node: Parsed) -> dict[str, Any]:
    if node.kind == ELEM_MATCH_OBJECT:
        return {"$elemMatch": serialize(node.children[0])}
    if node.kind == ELEM_MATCH_VALUE:
        inner: dict[str, Any] = {}
        for child in node.children:
            inner.update(serialize(child, include_path=False))
        return {"$elemMatch": inner}
    return dict(node.rhs or {})


def _serialize_not(node: Parsed, include_path: bool) -> dict[str, Any]:
    operand = node.children[0]
    if operand.kind == AND and not operand.children:
        return {"$alwaysFalse": 1}
    if not include_path:
        inner: dict[str, Any] = {}
        for child in operand.children if operand.kind == AND else [operand]:
            inner.update(serialize(child, include_path=False))
        return {"$not": inner}
    if operand.kind == AND and len(operand.children) == 1:
        operand = operand.children[0]
    if operand.kind not in _PATHLESS:
        return {operand.path: {"$not": _right_hand_side(operand)}}
    return {"$nor": [serialize(operand)]}


def serialize_filter(spec: Mapping | None) -> dict[str, Any]:
    """``explain``'s ``parsedQuery``: the filter normalised and serialised."""
    return serialize(normalize_filter(spec))


def conjuncts_of(node: Parsed) -> list[Parsed]:
    """The predicates a plan may answer one by one: the root AND's children, or
    the root itself."""
    return list(node.children) if node.kind == AND else [node]


def without_internal_expr(node: Parsed) -> Parsed | None:
    """A stage filter without the ``$_internalExpr*`` predicates ``$expr`` added
    (``removeImpreciseInternalExprFilters``: taken out of every AND, wherever it
    is, an AND left with one child staying an AND; one directly under an OR
    stays); None when nothing is left."""
    if node.kind in INTERNAL_EXPR_KINDS:
        return None
    if node.kind == AND:
        kept = [_stripped(child) for child in node.children
                if child.kind not in INTERNAL_EXPR_KINDS]
        return Parsed(AND, children=kept) if kept or not node.children else None
    return _stripped(node)


def _stripped(node: Parsed) -> Parsed:
    if node.kind == AND:
        return Parsed(AND, children=[_stripped(child) for child in node.children
                                     if child.kind not in INTERNAL_EXPR_KINDS])
    if node.kind in (OR, NOR):
        return Parsed(node.kind, children=[_stripped(child) for child in node.children])
    return node
