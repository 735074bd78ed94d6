"""Index catalog of a collection.

Holds the index specifications (always ``_id_``) and enforces the ``_id``
uniqueness.  Secondary index structures and the planner that uses them live
with the indexes issue; this module is where they attach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import duplicate_key
from .render import render

if TYPE_CHECKING:
    from .store import CollectionData, StoredDocument

ID_INDEX_NAME = "_id_"


class IndexCatalog:
    def __init__(self, collection: "CollectionData") -> None:
        self.collection = collection
        self.specs: dict[str, dict[str, Any]] = {
            ID_INDEX_NAME: {"v": 2, "key": {"_id": 1}, "name": ID_INDEX_NAME}
        }

    def duplicate_id_error(self, id_value: Any):
        return duplicate_key(
            f"E11000 duplicate key error collection: {self.collection.full_name} "
            f"index: {ID_INDEX_NAME} dup key: {{ _id: {render(id_value)} }}",
            {"_id": 1}, {"_id": id_value})

    def check_insert(self, stored: "StoredDocument") -> None:
        """Raise the constraint error a new document would cause, writing nothing."""

    def check_replace(self, old: "StoredDocument", new: "StoredDocument") -> None:
        """Raise the constraint error replacing ``old`` by ``new`` would cause."""

    def add(self, stored: "StoredDocument") -> None:
        pass

    def remove(self, stored: "StoredDocument") -> None:
        pass

    def rebuild(self) -> None:
        pass
