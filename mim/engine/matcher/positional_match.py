"""Which array element a query matched: the index behind positional ``$``
(find projections ``a.$`` and updates ``a.$.b``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..paths import get_path, split_path
from .nodes import AndNode, LeafNode, MatchNode, NotNode


def leaves_under(node: MatchNode | None, prefix: str) -> Iterator[MatchNode]:
    """Conditions of an ``$and`` tree whose path is ``prefix`` or below it."""
    if node is None:
        return
    if isinstance(node, AndNode):
        for child in node.nodes:
            yield from leaves_under(child, prefix)
        return
    path = getattr(node, "path", None)
    if path is None and isinstance(node, NotNode):
        path = getattr(node.node, "path", None)
    if path is not None and (path == prefix or path.startswith(prefix + ".")):
        yield node


def first_matching_index(query: MatchNode | None, doc: Mapping, array_path: str) -> int | None:
    """The first position of the array at ``array_path`` whose element satisfies
    every query condition on that array, or None."""
    array = get_path(doc, split_path(array_path))
    if not isinstance(array, list):
        return None
    conditions = list(leaves_under(query, array_path))
    if not conditions:
        return None
    parts = split_path(array_path)
    for index, element in enumerate(array):
        probe = _nest(parts, [element])
        if all(c.matches(probe) for c in conditions):
            return index
    return None


def _nest(parts: tuple[str, ...], value: Any) -> dict:
    for part in reversed(parts):
        value = {part: value}
    return value
