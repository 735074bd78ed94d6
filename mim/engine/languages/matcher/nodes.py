"""Compiled match-expression nodes.

A compiled filter is a small tree of nodes.  Every node exposes
``matches(doc) -> bool`` (a closure built once at compile time) and keeps
enough structure (``path``, ``operator``, ``argument``) for the index
planner to derive bounds and for positional updates to find the matched
array element.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ...values.paths import walk
from ...values.order import MISSING

Predicate = Callable[[Any], bool]

#: A predicate may say what it is, so a matcher can test the common cases inline
#: (no call per document): ``predicate.inline = (kind, compare, argument)``,
#: where for a value of ``kind`` — ``"str"`` (a ``str``) or ``"number"`` (an
#: ``int`` or ``float``, bools aside) — ``predicate(v) == compare(v, argument)``.
#: Every other value still goes through the predicate.
_INLINE_TYPES = {"str": (str,), "number": (int, float)}

__all__ = ["MatchNode", "LeafNode", "AndNode", "OrNode", "NorNode", "NotNode",
           "ConstantNode", "ExprNode", "expanding_matcher", "whole_value_matcher"]


class MatchNode:
    """Base class: ``matches`` is set by subclasses to a fast closure."""

    __slots__ = ("matches",)
    matches: Callable[[Mapping], bool]

    def children(self) -> tuple["MatchNode", ...]:
        return ()


def top_level_matcher(key: str, predicate: Predicate) -> Callable[[Mapping], bool]:
    """:func:`expanding_matcher` for one top-level ``key``: ``predicate`` holds for
    the field's value or, for an array value, any of its elements."""
    def match_top_level(doc: Mapping) -> bool:
        value = doc.get(key, MISSING)
        if predicate(value):
            return True
        if type(value) is list:
            for element in value:
                if predicate(element):
                    return True
        return False

    return match_top_level


def expanding_matcher(parts: tuple[str, ...], predicate: Predicate) -> Callable[[Mapping], bool]:
    """Match when ``predicate`` holds for a leaf value or, for a leaf array,
    for the array itself or any of its elements (one level)."""
    if len(parts) == 1:
        key = parts[0]
        inline = getattr(predicate, "inline", None)
        if inline is not None:
            return _inlined_top_level(key, predicate, inline)
        return top_level_matcher(key, predicate)

    def match_path(doc: Mapping) -> bool:
        for leaf in walk(doc, parts):
            if predicate(leaf):
                return True
            if type(leaf) is list:
                for element in leaf:
                    if predicate(element):
                        return True
        return False

    return match_path


def _inlined_top_level(key: str, predicate: Predicate, inline: tuple
                       ) -> Callable[[Mapping], bool]:
    """:func:`expanding_matcher` of a top-level field whose predicate is inlined
    for the values of its kind (see :data:`_INLINE_TYPES`): what
    ``match_top_level`` answers, with one call less per document."""
    kind, compare, argument = inline
    first, *others = _INLINE_TYPES[kind]
    second = others[0] if others else first

    def match_inlined(doc: Mapping) -> bool:
        value = doc.get(key, MISSING)
        t = type(value)
        if t is first or t is second:
            return compare(value, argument)
        if t is list:
            for element in value:
                if predicate(element):
                    return True
            return False
        return predicate(value)

    return match_inlined


def _fused_range(nodes: tuple["MatchNode", ...]) -> Callable[[Mapping], bool] | None:
    """One matcher for two numeric comparisons on one top-level field
    (``{a: {$gte: 1, $lt: 5}}``): the value is read once and, when it is a
    number, compared twice inline.  An array still goes through each node on
    its own (each bound may hold for a different element).  None when the
    nodes are not such a pair."""
    if len(nodes) != 2:
        return None
    a, b = nodes
    if type(a) is not LeafNode or type(b) is not LeafNode or not a.expand or not b.expand \
            or len(a.parts) != 1 or a.parts != b.parts:
        return None
    inline_a = getattr(a.predicate, "inline", None)
    inline_b = getattr(b.predicate, "inline", None)
    if inline_a is None or inline_b is None or inline_a[0] != "number" \
            or inline_b[0] != "number":
        return None
    key = a.parts[0]
    _, compare_a, argument_a = inline_a
    _, compare_b, argument_b = inline_b
    predicate_a, predicate_b = a.predicate, b.predicate
    matches_a, matches_b = a.matches, b.matches

    def match_range(doc: Mapping) -> bool:
        value = doc.get(key, MISSING)
        t = type(value)
        if t is float or t is int:
            return compare_a(value, argument_a) and compare_b(value, argument_b)
        if t is list:
            return matches_a(doc) and matches_b(doc)
        return predicate_a(value) and predicate_b(value)

    return match_range


def whole_value_matcher(parts: tuple[str, ...], predicate: Predicate) -> Callable[[Mapping], bool]:
    """Match when ``predicate`` holds for a leaf value itself (arrays are not
    expanded): used by ``$size``, ``$elemMatch`` and ``$exists``."""
    if len(parts) == 1:
        key = parts[0]
        return lambda doc: predicate(doc.get(key, MISSING))

    def match_path(doc: Mapping) -> bool:
        for leaf in walk(doc, parts):
            if predicate(leaf):
                return True
        return False

    return match_path


class LeafNode(MatchNode):
    """One operator applied to one path, e.g. ``{"a.b": {"$gt": 5}}``.

    ``predicate`` tests a single candidate value; ``expand`` says whether
    leaf arrays contribute their elements as candidates.
    """

    __slots__ = ("path", "parts", "operator", "argument", "predicate", "expand")

    def __init__(self, path: str, operator: str, argument: Any, predicate: Predicate,
                 expand: bool = True) -> None:
        self.path = path
        self.parts = tuple(path.split(".")) if path else ()
        self.operator = operator
        self.argument = argument
        self.predicate = predicate
        self.expand = expand
        if not self.parts:
            # Used inside $elemMatch value form: the candidate itself.
            self.matches = predicate
        elif expand:
            self.matches = expanding_matcher(self.parts, predicate)
        else:
            self.matches = whole_value_matcher(self.parts, predicate)

    @classmethod
    def top_level(cls, key: str, operator: str, argument: Any, predicate: Predicate,
                  matches: Callable[[Mapping], bool]) -> "LeafNode":
        """The leaf ``LeafNode(key, operator, argument, predicate)`` builds for a
        top-level ``key`` (no dot, not empty), with ``matches`` made by the caller
        (what :func:`expanding_matcher` would make of ``predicate``): a point query's
        filter is compiled on every call, and this skips the path split and the
        matcher's general construction."""
        leaf = _new_object(cls)
        leaf.path = key
        leaf.parts = (key,)
        leaf.operator = operator
        leaf.argument = argument
        leaf.predicate = predicate
        leaf.expand = True
        leaf.matches = matches
        return leaf

    def __repr__(self) -> str:
        return f"LeafNode({self.path!r}, {self.operator!r}, {self.argument!r})"


_new_object = object.__new__


class AndNode(MatchNode):
    __slots__ = ("nodes",)

    def __init__(self, nodes: list[MatchNode]) -> None:
        self.nodes = tuple(nodes)
        fused = _fused_range(self.nodes)
        if fused is not None:
            self.matches = fused
        elif len(self.nodes) == 1:
            self.matches = self.nodes[0].matches
        elif len(self.nodes) == 2:
            first, second = self.nodes[0].matches, self.nodes[1].matches
            self.matches = lambda doc: first(doc) and second(doc)
        else:
            funcs = tuple(n.matches for n in self.nodes)
            self.matches = lambda doc: all(f(doc) for f in funcs)

    @classmethod
    def of_one(cls, node: MatchNode) -> "AndNode":
        """``AndNode([node])`` (a one-field filter), without the general
        constructor's checks for a fused range or several children."""
        conjunction = _new_object(cls)
        conjunction.nodes = (node,)
        conjunction.matches = node.matches
        return conjunction

    def children(self) -> tuple[MatchNode, ...]:
        return self.nodes


class OrNode(MatchNode):
    __slots__ = ("nodes",)

    def __init__(self, nodes: list[MatchNode]) -> None:
        self.nodes = tuple(nodes)
        funcs = tuple(n.matches for n in self.nodes)
        self.matches = lambda doc: any(f(doc) for f in funcs)

    def children(self) -> tuple[MatchNode, ...]:
        return self.nodes


class NorNode(MatchNode):
    __slots__ = ("nodes",)

    def __init__(self, nodes: list[MatchNode]) -> None:
        self.nodes = tuple(nodes)
        funcs = tuple(n.matches for n in self.nodes)
        self.matches = lambda doc: not any(f(doc) for f in funcs)

    def children(self) -> tuple[MatchNode, ...]:
        return self.nodes


class NotNode(MatchNode):
    """Negation over a whole field (``$not``, ``$ne``, ``$nin``)."""

    __slots__ = ("node", "operator")

    def __init__(self, node: MatchNode, operator: str = "$not") -> None:
        self.node = node
        self.operator = operator
        inner = node.matches
        self.matches = lambda doc: not inner(doc)

    def children(self) -> tuple[MatchNode, ...]:
        return (self.node,)


class ConstantNode(MatchNode):
    """Matches every document, or none (e.g. ``{}`` or an empty ``$all``)."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value
        self.matches = (lambda doc: True) if value else (lambda doc: False)


class ExprNode(MatchNode):
    """``$expr``: an aggregation expression evaluated against the document."""

    __slots__ = ("expression",)

    def __init__(self, evaluate: Callable[[Mapping], bool], expression: Any) -> None:
        self.expression = expression
        self.matches = evaluate
