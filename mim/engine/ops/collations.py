"""Which collation an operation runs with.

An operation's own ``collation`` wins (``{locale: "simple"}`` included, which
asks for binary comparison); without one, the collection's (or view's) default
collation applies.  ``Server.default_collations`` is set once any collection or
view is created with a default collation, so operations on a server that never
had one pay a single attribute read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..languages.collation import Collation, parse_collation
from ..storage.store import Server
from ..values.errors import ServerError

__all__ = ["operation_collation", "default_collation_of"]


def default_collation_of(options: Any) -> "Collation | None":
    """The default collation stored in collection or view options (None: simple)."""
    spec = options.get("collation") if options else None
    return parse_collation(spec) if spec else None


def operation_collation(server: Server, db: str, coll: str, requested: Any) -> "Collation | None":
    """The collation ``db.coll``'s operation runs with (None: binary comparison).
    A view always runs with its own: asking for another one is refused (167)."""
    if isinstance(requested, Mapping) and not requested:
        requested = None  # {}: no collation asked for, the default applies
    if requested is None and not server.default_collations:
        return None
    collation = None if requested is None else parse_collation(requested)
    collection = server.get_collection(db, coll)
    if collection is not None:
        return collation if requested is not None else default_collation_of(collection.options)
    database = server.get_database(db)
    view = database.views.get(coll) if database is not None else None
    if view is None:
        return collation
    if requested is not None and collation != view.default_collation:
        raise ServerError(167, "Cannot override a view's default collation")
    return view.default_collation
