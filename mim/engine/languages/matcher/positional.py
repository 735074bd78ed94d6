"""The array position a query matched: what the positional ``$`` stands for.

MongoDB records, while matching a document, the index of the array element
that satisfied a condition (its "elemMatchKey"): the position in the first
array met along the condition's path.  Conditions of an ``$and`` are
evaluated in order and the last one that records a position wins; an
``$or`` contributes the position of its first matching clause; negations
(``$ne``, ``$nin``, ``$not``, ``$nor``) never record one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .nodes import AndNode, LeafNode, MatchNode, OrNode
from ...values.paths import is_array_index
from ...values.order import MISSING

__all__ = ["matched_array_index"]


def matched_array_index(query: MatchNode | None, doc: Mapping) -> str | None:
    """The index (as a path part, e.g. ``"2"``) of the array element the
    query matched in ``doc``, or None when the match involved no array."""
    if query is None:
        return None
    found, index = _match(query, doc)
    return str(index) if found and index is not None else None


def _match(node: MatchNode, doc: Mapping) -> tuple[bool, int | None]:
    if isinstance(node, AndNode):
        index = None
        for child in node.nodes:
            ok, child_index = _match(child, doc)
            if not ok:
                return False, None
            if child_index is not None:
                index = child_index
        return True, index
    if isinstance(node, OrNode):
        for child in node.nodes:
            ok, child_index = _match(child, doc)
            if ok:
                return True, child_index
        return False, None
    if isinstance(node, LeafNode) and node.parts:
        return _match_leaf(node, doc)
    return node.matches(doc), None


def _walk(value: Any, parts: tuple[str, ...], i: int, offset: int | None
          ) -> Iterator[tuple[Any, int | None]]:
    """Like :func:`mim.engine.values.paths.walk`, also yielding the position in the
    first array traversed."""
    n = len(parts)
    while i < n:
        part = parts[i]
        if isinstance(value, Mapping):
            value = value.get(part, MISSING)
            if value is MISSING:
                yield MISSING, offset
                return
            i += 1
            continue
        if isinstance(value, list):
            if is_array_index(part):
                position = int(part)
                if position < len(value):
                    yield from _walk(value[position], parts, i + 1, offset)
            for k, element in enumerate(value):
                if isinstance(element, Mapping):
                    yield from _walk(element, parts, i, k if offset is None else offset)
            return
        yield MISSING, offset
        return
    yield value, offset


def _match_leaf(node: LeafNode, doc: Mapping) -> tuple[bool, int | None]:
    predicate = node.predicate
    elem_match = node.operator == "$elemMatch"
    for leaf, offset in _walk(doc, node.parts, 0, None):
        if elem_match:
            if type(leaf) is list:
                for k, element in enumerate(leaf):
                    if predicate([element]):
                        return True, k if offset is None else offset
            continue
        if node.expand and type(leaf) is list:
            for k, element in enumerate(leaf):
                if predicate(element):
                    return True, k if offset is None else offset
        if predicate(leaf):
            return True, offset
    return False, None
