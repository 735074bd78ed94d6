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

    def has_secondary(self) -> bool:
        """Whether any index besides ``_id_`` could serve a query."""
        return False

    def plan(self, node: Any, hint: Any = None) -> Any:
        """Candidate documents for a query through an index, or None to scan.

        A hint naming no existing index fails as on the server (code 2).
        """
        if hint is not None:
            self.resolve_hint(hint)
        return None

    def resolve_hint(self, hint: Any) -> dict[str, Any]:
        from .errors import bad_value
        if isinstance(hint, str):
            spec = self.specs.get(hint)
        else:
            key = dict(hint)
            if key == {"$natural": 1} or key == {"$natural": -1}:
                return {"name": "$natural", "key": key}
            spec = next((s for s in self.specs.values() if dict(s["key"]) == key), None)
        if spec is None:
            raise bad_value("error processing query: ns=" + self.collection.full_name +
                            " planner returned error :: caused by :: hint provided does not "
                            "correspond to an existing index")
        return spec

    # -- management ---------------------------------------------------------------

    def create(self, spec: dict[str, Any]) -> bool:
        """Add an index; False when an identical one exists.  Conflicts raise
        IndexOptionsConflict (85) / IndexKeySpecsConflict (86) as on the server."""
        from .errors import ServerError
        name = spec["name"]
        key = dict(spec["key"])
        for existing in self.specs.values():
            same_key = dict(existing["key"]) == key
            same_options = _comparable_options(existing) == _comparable_options(spec)
            if existing["name"] == name:
                if same_key and same_options:
                    return False
                if same_key:
                    raise ServerError(86, f"An existing index has the same name as the requested "
                                          f"index. When index names are not specified, they are "
                                          f"auto generated and can cause conflicts. Please refer "
                                          f"to our documentation. Requested index: "
                                          f"{_render_spec(spec)}, existing index: "
                                          f"{_render_spec(existing)}")
                raise ServerError(86, f"An existing index has the same name as the requested "
                                      f"index. When index names are not specified, they are "
                                      f"auto generated and can cause conflicts. Please refer to "
                                      f"our documentation. Requested index: {_render_spec(spec)}, "
                                      f"existing index: {_render_spec(existing)}")
            if same_key and not same_options:
                raise ServerError(85, f"An equivalent index already exists with the same name "
                                      f"but different options. Requested index: "
                                      f"{_render_spec(spec)}, existing index: "
                                      f"{_render_spec(existing)}"
                                  if existing["name"] == name else
                                  f"An equivalent index already exists with a different name "
                                  f"and options. Requested index: {_render_spec(spec)}, "
                                  f"existing index: {_render_spec(existing)}")
            if same_key and same_options:
                raise ServerError(85, f"Index already exists with a different name: "
                                      f"{existing['name']}")
        self.specs[name] = spec
        self.rebuild()
        return True

    def drop(self, name_or_key: Any) -> None:
        from .errors import ServerError
        if name_or_key == "*":
            for name in list(self.specs):
                if name != ID_INDEX_NAME:
                    del self.specs[name]
            self.rebuild()
            return
        if isinstance(name_or_key, str):
            if name_or_key == ID_INDEX_NAME:
                raise ServerError(72, "cannot drop _id index")
            if name_or_key not in self.specs:
                raise ServerError(27, f"index not found with name [{name_or_key}]")
            del self.specs[name_or_key]
        else:
            key = dict(name_or_key)
            matches = [n for n, s in self.specs.items() if dict(s["key"]) == key]
            if not matches:
                from .render import render_document
                raise ServerError(27, f"can't find index with key: {render_document(key)}")
            if matches[0] == ID_INDEX_NAME:
                raise ServerError(72, "cannot drop _id index")
            del self.specs[matches[0]]
        self.rebuild()

    def list(self) -> list[dict[str, Any]]:
        return [dict(spec) for spec in self.specs.values()]

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


_IGNORED_OPTIONS = ("name", "v", "background", "ns")


def _comparable_options(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k not in _IGNORED_OPTIONS and k != "key"}


def _render_spec(spec: dict[str, Any]) -> str:
    from .render import render_document
    return render_document(spec)
