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

__all__ = ["MatchNode", "LeafNode", "AndNode", "OrNode", "NorNode", "NotNode",
           "ConstantNode", "ExprNode", "expanding_matcher", "whole_value_matcher"]


class MatchNode:
    """Base class: ``matches`` is set by subclasses to a fast closure."""

    __slots__ = ("matches",)
    matches: Callable[[Mapping], bool]

    def children(self) -> tuple["MatchNode", ...]:
        return ()


def expanding_matcher(parts: tuple[str, ...], predicate: Predicate) -> Callable[[Mapping], bool]:
    """Match when ``predicate`` holds for a leaf value or, for a leaf array,
    for the array itself or any of its elements (one level)."""
    if len(parts) == 1:
        key = parts[0]

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

    def __repr__(self) -> str:
        return f"LeafNode({self.path!r}, {self.operator!r}, {self.argument!r})"


class AndNode(MatchNode):
    __slots__ = ("nodes",)

    def __init__(self, nodes: list[MatchNode]) -> None:
        self.nodes = tuple(nodes)
        if len(self.nodes) == 1:
            self.matches = self.nodes[0].matches
        elif len(self.nodes) == 2:
            first, second = self.nodes[0].matches, self.nodes[1].matches
            self.matches = lambda doc: first(doc) and second(doc)
        else:
            funcs = tuple(n.matches for n in self.nodes)
            self.matches = lambda doc: all(f(doc) for f in funcs)

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
