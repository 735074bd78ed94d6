"""Compile-time context shared by the matcher's operator compilers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MatchContext:
    """What a filter is compiled against.

    ``variables`` are the names ``let`` defines for ``$expr``; ``in_elem_match``
    and ``in_not`` change which operators are legal where, as on the server.
    """

    variables: dict[str, Any] = field(default_factory=dict)
    collation: Any = None
    in_elem_match: bool = False
    top_level: bool = True
    #: compiling a collection validator (``$jsonSchema`` may use encryption keywords)
    validator: bool = False
    #: ``$where`` may be named (mongod's ``kJavascript`` feature: the filter of a find,
    #: count, distinct, findAndModify, update or delete); an aggregation's ``$match``,
    #: ``arrayFilters`` and projections refuse it as "not allowed in this context"
    javascript: bool = True
    #: ``() -> text index spec | None | NO_COLLECTION`` where ``$text`` may be answered
    text_index: Any = None
    #: ``() -> [index spec] | NO_COLLECTION`` where ``$near`` may be answered (None: refused)
    geo_indexes: Any = None
    #: ``db.collection`` of the compiling command (named in planner errors)
    namespace: str = ""
    #: the near nodes compiled so far (placement is checked only when there are some)
    near_nodes: list = field(default_factory=list)
