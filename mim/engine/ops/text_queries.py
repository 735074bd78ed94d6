"""Compiling filters where ``$text`` may appear (find, count, distinct,
update, delete, findAndModify, an aggregation's first ``$match``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..languages.matcher import MatchContext, MatchNode, compile_filter
from ..languages.matcher.text import check_text_placement, text_index_spec
from ..storage.store import Server

__all__ = ["text_index_lookup", "compile_query"]


def text_index_lookup(server: Server, db: str, coll: str) -> Callable[[], Any]:
    """The collection's text index spec, when ``$text`` asks for it."""
    return lambda: text_index_spec(server.get_collection(db, coll))


def compile_query(filter: Mapping | None, variables: Mapping | None, server: Server,
                  db: str, coll: str) -> MatchNode:
    """A filter compiled against a collection (``$text`` finds its index)."""
    node = compile_filter(filter, MatchContext(variables=dict(variables or {}),
                                               text_index=text_index_lookup(server, db, coll)))
    check_text_placement(node, f"{db}.{coll}")
    return node
