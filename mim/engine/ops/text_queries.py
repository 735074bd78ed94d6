"""Compiling filters where ``$text`` and ``$near`` may appear (find, count,
distinct, update, delete, findAndModify)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..languages.matcher import MatchNode
from ..languages.matcher.compiler import compile_equalities
from ..languages.matcher.text import compile_collection_filter
from ..storage.store import Server

__all__ = ["compile_query"]


def compile_query(filter: Mapping | None, variables: Mapping | None, server: Server,
                  db: str, coll: str, near_allowed: bool = True,
                  collation: Any = None, javascript: bool = True) -> MatchNode:
    """A filter compiled against ``db.coll`` (``$text`` and ``$near`` find their index;
    strings compare by ``collation``, a parsed Collation or None)."""
    if type(filter) is dict and collation is None:
        # point lookups: no $text, no $near, nothing to place
        node = compile_equalities(filter)
        if node is not None:
            return node
    return compile_collection_filter(filter, variables, lambda: server.get_collection(db, coll),
                                     f"{db}.{coll}", near_allowed, collation, javascript)
