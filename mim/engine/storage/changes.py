"""Change events: what every write tells its listeners, and how to take it back.

Storage is the one write path (:mod:`.store`): each document insert, update,
replace and delete, and each catalog change (create, drop, rename, index
build, index drop, drop of a database), emits exactly one :class:`ChangeEvent`
to the server's listeners, carrying what the oplog would: the operation, the
namespace, the document key, the update description and the pre-image.
Change streams, transactions, the profiler and a journal attach here and
nowhere else.  :func:`undo` takes one event back, which is the undo entry a
transaction needs to roll back.

Events are built only when someone listens, so a write without listeners pays
one list check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..values.order import MISSING, values_equal
from .encoding import StoredDocument, decode_shadow

if TYPE_CHECKING:
    from .store import CollectionData

__all__ = ["ChangeEvent", "Listener", "undo", "DOCUMENT_OPERATIONS"]

#: the operations that change one document (the others change the catalog)
DOCUMENT_OPERATIONS = frozenset({"insert", "update", "replace", "delete"})


class ChangeEvent:
    """One write.  ``operation`` uses change streams' ``operationType`` names:
    insert, update, replace, delete, create, drop, rename, dropDatabase,
    createIndexes, dropIndexes, modify (collMod)."""

    __slots__ = ("operation", "namespace", "collection", "before", "after", "target",
                 "detail", "database", "_description", "lsid", "txn_number", "_paths", "key")

    def __init__(self, operation: str, namespace: str, collection: "CollectionData | None",
                 before: "StoredDocument | None" = None, after: "StoredDocument | None" = None,
                 key: tuple | None = None, *, target: str | None = None, detail: Any = None,
                 database: Any = None) -> None:
        self.operation = operation
        #: "db.collection" ("db" for dropDatabase)
        self.namespace = namespace
        #: the collection written (for a drop: the dropped collection object)
        self.collection = collection
        #: the stored document before the write (None for an insert)
        self.before = before
        #: the stored document after the write (None for a delete)
        self.after = after
        #: rename: the new namespace
        self.target = target
        #: index events: the index spec; a view's create/drop: the view definition
        self.detail = detail
        #: dropDatabase and a view's create/drop: the database object
        self.database = database
        self._description: dict | None = None
        #: a committed transaction's events: its session id (``{"id": UUID}``) and
        #: ``txnNumber``; None for a write outside a transaction
        self.lsid: dict | None = None
        self.txn_number: int | None = None
        #: an update's ambiguous paths (set with :attr:`update_description`)
        self._paths: dict[str, list] | None = None
        #: a document write: the document's key in its collection, when the writer
        #: knew it (a transaction's recorder need not compute it again)
        self.key = key

    def __repr__(self) -> str:
        return f"ChangeEvent({self.operation!r}, {self.namespace!r})"

    @property
    def document_key(self) -> dict | None:
        """``{"_id": …}`` of the document written (None for catalog changes)."""
        stored = self.after if self.after is not None else self.before
        return None if stored is None else {"_id": stored.doc["_id"]}

    @property
    def pre_image(self) -> dict | None:
        """The document as it was before an update, replace or delete (a fresh copy)."""
        return None if self.before is None else decode_shadow(self.before.raw)

    @property
    def update_description(self) -> dict | None:
        """For an update: ``{"updatedFields": {…}, "removedFields": […],
        "truncatedArrays": […]}`` between the pre-image and the new document, as
        the oplog's ``$v: 2`` delta names them: changed sub-documents and array
        elements are reported by their dotted path (``"a.b"``, ``"arr.3"``), an
        array that got shorter by ``{"field", "newSize"}``."""
        if self.operation != "update" or self.before is None or self.after is None:
            return None
        if self._description is None:
            diff = _Diff()
            diff.documents(self.before.doc, self.after.doc, ())
            self._description = {"updatedFields": diff.updated, "removedFields": diff.removed,
                                 "truncatedArrays": diff.truncated}
            self._paths = diff.ambiguous
        return self._description

    @property
    def disambiguated_paths(self) -> dict | None:
        """For an update: each reported path that a dotted string leaves ambiguous
        (an array index, a numeric or dotted field name), as its list of
        components with array indexes as integers (``disambiguatedPaths``)."""
        if self.update_description is None:
            return None
        return self._paths


class _Diff:
    """The delta between two versions of a document (``doc_diff``'s shape)."""

    def __init__(self) -> None:
        self.updated: dict[str, Any] = {}
        self.removed: list[str] = []
        self.truncated: list[dict] = []
        self.ambiguous: dict[str, list] = {}

    def _name(self, path: tuple) -> str:
        dotted = ".".join(str(part) for part in path)
        if any(isinstance(part, int) or part.isdigit() or "." in part for part in path):
            self.ambiguous[dotted] = list(path)
        return dotted

    def documents(self, old: dict, new: dict, path: tuple) -> None:
        for name in old:
            if name not in new:
                self.removed.append(self._name(path + (name,)))
        for name, value in new.items():
            self.value(old.get(name, MISSING), value, path + (name,))

    def value(self, old: Any, new: Any, path: tuple) -> None:
        if _same(old, new):
            return
        if type(old) is dict and type(new) is dict:
            self.documents(old, new, path)
        elif type(old) is list and type(new) is list:
            self.arrays(old, new, path)
        else:
            self.updated[self._name(path)] = new

    def arrays(self, old: list, new: list, path: tuple) -> None:
        if len(new) < len(old):
            self.truncated.append({"field": self._name(path), "newSize": len(new)})
        for index, value in enumerate(new):
            if index >= len(old):
                self.updated[self._name(path + (index,))] = value
            elif type(old[index]) is dict and type(value) is dict:
                if not _same(old[index], value):
                    self.documents(old[index], value, path + (index,))
            elif not _same(old[index], value):
                self.updated[self._name(path + (index,))] = value


def _same(old: Any, new: Any) -> bool:
    return old is not MISSING and type(old) is type(new) and values_equal(old, new)


Listener = Callable[[ChangeEvent], None]


def undo(event: ChangeEvent) -> None:
    """Take ``event`` back: the write it reports is reversed in storage.

    Undoing emits events of its own (a rollback is a write too).  Events must
    be undone newest first.
    """
    coll = event.collection
    operation = event.operation
    if coll is None and operation in ("create", "drop"):
        _undo_view(event)
    elif operation == "insert":
        coll.delete(coll.documents[coll.key_of(event.after)])
    elif operation in ("update", "replace"):
        coll.replace(coll.documents[coll.key_of(event.before)], event.before.raw,
                     event.before.doc)
    elif operation == "delete":
        coll.insert(event.before.raw, event.before.doc)
    elif operation == "create":
        coll.database.drop_collection(coll.name)
    elif operation == "drop":
        coll.database.restore_collection(coll)
    elif operation == "rename":
        db, _, name = event.namespace.partition(".")
        coll.database.server.rename_collection(coll, db, name)
    elif operation == "createIndexes":
        coll.indexes.drop(event.detail["name"])
    elif operation == "dropIndexes":
        coll.indexes.create(dict(event.detail))
    elif operation == "modify":
        if event.detail.get("option", "") is None:
            pass  # a collMod that changed nothing
        elif "index" in event.detail:
            coll.indexes.modify(event.detail["index"], event.detail["old"])
        else:
            coll.set_option(event.detail["option"], event.detail["old"])
    elif operation == "dropDatabase":
        event.database.server.restore_database(event.database)
    else:  # pragma: no cover - every operation above is emitted by storage
        raise ValueError(f"cannot undo {operation}")


def _undo_view(event: ChangeEvent) -> None:
    """A view's create or drop (``detail``: the view; the database from its namespace)."""
    view, database = event.detail, event.database
    if event.operation == "create":
        database.remove_view(view.name)
    else:
        database.add_view(view)

