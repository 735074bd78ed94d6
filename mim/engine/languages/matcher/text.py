"""``$text``: a text-search predicate against the collection's text index.

The filter is compiled where the collection is known: the compiling
command puts a ``text_index`` lookup in the :class:`MatchContext` (the
collection's text index spec, ``None`` without one, or
:data:`NO_COLLECTION`).  Without a lookup — a later ``$match`` stage, a
partial filter — there is no text index to answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...values.errors import ServerError, bad_value
from ..text_search import TextQuery, parse_text_arguments, text_index_view
from .compiler import compile_filter
from .context import MatchContext
from .geo import geo_index_specs, with_near_placement
from .nodes import AndNode, MatchNode, NorNode, NotNode, OrNode
from .registry import top_level_operator

__all__ = ["TextNode", "NO_COLLECTION", "find_text_node", "check_text_placement",
           "text_index_required", "text_index_spec", "not_first_stage",
           "compile_collection_filter"]

#: what a ``text_index`` lookup answers for a collection that does not exist
NO_COLLECTION = object()


def text_index_spec(data: Any) -> Any:
    """What a ``text_index`` lookup answers for a collection's data (``None`` when
    the collection does not exist)."""
    if data is None:
        return NO_COLLECTION
    index = data.indexes.text_index()
    return None if index is None else index.spec


def not_first_stage() -> Any:
    """The ``text_index`` lookup of a ``$match`` that is not the pipeline's first stage."""
    raise ServerError(17313, "$match with $text is only allowed as the first pipeline stage")


def text_index_required() -> ServerError:
    return ServerError(27, "text index required for $text query")


class TextNode(MatchNode):
    """A compiled ``$text``: ``query`` scores documents (``None``: no collection)."""

    __slots__ = ("query", "argument")

    def __init__(self, query: TextQuery | None, argument: Mapping[str, Any]) -> None:
        self.query = query
        self.argument = argument
        self.matches = query.matches if query is not None else (lambda doc: False)

    def score(self, doc: Mapping) -> float:
        return self.query.score(doc) if self.query is not None else 0.0


@top_level_operator("$text")
def compile_text(name: str, arg: Any, ctx: MatchContext) -> MatchNode:
    arguments = parse_text_arguments(arg)
    if not ctx.top_level:
        raise bad_value("$text can only be applied to the top-level document")
    if ctx.text_index is None:
        raise text_index_required()
    spec = ctx.text_index()
    if spec is NO_COLLECTION:
        return TextNode(None, arguments)
    if spec is None:
        raise text_index_required()
    return TextNode(TextQuery(arguments, text_index_view(spec)), arguments)


def _text_nodes(node: MatchNode, under_nor: bool, found: list[tuple[TextNode, bool]]) -> None:
    if isinstance(node, TextNode):
        found.append((node, under_nor))
    for child in node.children():
        _text_nodes(child, under_nor or isinstance(node, NorNode), found)


def check_text_placement(root: MatchNode, namespace: str) -> TextNode | None:
    """``CanonicalQuery::isValid``'s text rules; the query's one ``$text`` node."""
    found: list[tuple[TextNode, bool]] = []
    _text_nodes(root, False, found)
    if not found:
        return None
    if len(found) > 1:
        raise bad_value("Too many text expressions")
    node, under_nor = found[0]
    if under_nor:
        raise bad_value("text expression not allowed in nor")
    if _under_or(root, node):
        raise ServerError(291, f"error processing query: ns={namespace} planner returned "
                               "error :: caused by :: Failed to produce a solution for TEXT under OR - other "
                               "non-TEXT clauses under OR have to be indexed as well.")
    return node


def _under_or(node: MatchNode, target: TextNode) -> bool:
    """Whether ``target`` sits in an ``$or`` (mim has no index-only OR plan with TEXT)."""
    if isinstance(node, OrNode):
        return _contains(node, target)
    return any(_under_or(child, target) for child in node.children()
               if isinstance(child, (AndNode, OrNode, NotNode)))


def _contains(node: MatchNode, target: TextNode) -> bool:
    return node is target or any(_contains(child, target) for child in node.children())


def find_text_node(root: MatchNode | None) -> TextNode | None:
    """The ``$text`` node of a compiled filter, if any."""
    if root is None:
        return None
    if isinstance(root, TextNode):
        return root
    for child in root.children():
        found = find_text_node(child)
        if found is not None:
            return found
    return None


def compile_collection_filter(spec: Mapping | None, variables: Mapping | None,
                              collection_data: Any, namespace: str,
                              near_allowed: bool = True, collation: Any = None,
                              javascript: bool = True) -> MatchNode:
    """A query filter compiled against a collection: ``$text`` finds its text index
    and ``$near`` its geo index through ``collection_data()``; both are checked
    for placement.  ``near_allowed=False``: ``$near`` is refused (count_documents).
    Strings compare by ``collation`` (None: binary).  ``javascript=False``: an
    aggregation's ``$match``, where ``$where`` is not allowed."""
    ctx = MatchContext(
        variables=dict(variables or {}), collation=collation,
        text_index=lambda: text_index_spec(collection_data()),
        geo_indexes=(lambda: geo_index_specs(collection_data())) if near_allowed else None,
        namespace=namespace, javascript=javascript)
    node = compile_filter(spec, ctx)
    text = check_text_placement(node, namespace)
    return with_near_placement(node, ctx, text is not None)
