"""A collection's indexes: specifications, entries and constraints.

:class:`IndexCatalog` holds the ``_id_`` index (the store's document dict
answers its point lookups; :class:`IdIndex` keeps it ordered for ranges and
sorts) and the secondary :class:`Index` objects.  Each secondary
index keeps a :class:`sortedcontainers.SortedList` of ``(key, id_key)``
entries (see :mod:`~mim.engine.index.keys`), maintained by the store's
write hooks: ``check_insert``/``check_replace`` raise the error a write
would cause (duplicate key, parallel arrays) before anything is written,
then ``add``/``remove`` update every index.

Query planning over these indexes lives in :mod:`~mim.engine.planner`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sortedcontainers import SortedList

from ..values.errors import ServerError, duplicate_key
from .keys import KeyPattern
from ..values.render import render, render_document
from ..values.order import sort_key
from ..storage.store import install_index_catalog
from ..languages.collation import parse_collation
from ..languages.matcher import compile_filter
from ..values.errors import bad_value
from .ttl import ttl_index_created
from .geo import geo_key_checker
from .text import TextPostings
from .wildcard import WILDCARD, ExpandedKeyPattern, WildcardKeys, is_wildcard_field, plugin_name

if TYPE_CHECKING:
    from ..languages.matcher import MatchNode
    from ..storage.store import CollectionData, StoredDocument

__all__ = ["IndexCatalog", "Index", "TextIndex", "WildcardIndex", "WildcardPathView", "IdIndex",
           "ID_INDEX_NAME", "SEVERAL"]

ID_INDEX_NAME = "_id_"

#: options that never make two indexes differ
_IGNORED_OPTIONS = frozenset({"name", "v", "background", "ns", "key"})
#: options that, with the key pattern, identify an index (its "signature")
_SIGNATURE_OPTIONS = ("collation", "partialFilterExpression", "unique", "sparse",
                      "wildcardProjection")


_new_object = object.__new__


def copied_sorted_list(entries: SortedList) -> SortedList:
    """A copy of ``entries`` built from its sublists as they are: ``SortedList.copy``
    sorts every entry again (tuple comparisons), this copies lists.  It relies on
    sortedcontainers' documented layout (``_lists``/``_maxes``/``_len``/``_load``;
    the positional ``_index`` is rebuilt on demand)."""
    copy = SortedList()
    copy._lists = [part[:] for part in entries._lists]
    copy._maxes = entries._maxes[:]
    copy._len = entries._len
    copy._load = entries._load
    return copy


#: :meth:`Index.point_map`'s value for a key more than one entry had
SEVERAL = object()


class Index:
    """One secondary index: its spec, its sorted entries and its constraints."""

    #: a scan may meet a document more than once within one range (besides
    #: multikey): a compound wildcard index's prefix view (one entry per leaf)
    several_entries = False

    def __init__(self, spec: dict[str, Any], collection: "CollectionData") -> None:
        self.spec = spec
        self.name: str = spec["name"]
        self.collection = collection
        #: the index's collation (None: simple): its keys order strings by it, and only
        #: a query with the same collation may use its bounds
        self.collation = parse_collation(spec.get("collation"))
        self.pattern = KeyPattern(spec["key"], self.collation)
        self.unique = bool(spec.get("unique", False))
        #: collMod's prepareUnique: new duplicate keys are refused, old ones stay
        self.prepare_unique = bool(spec.get("prepareUnique", False))
        self.sparse = bool(spec.get("sparse", False))
        self.hidden = bool(spec.get("hidden", False))
        self.ttl = spec.get("expireAfterSeconds")
        filter_spec = spec.get("partialFilterExpression")
        self.partial: "MatchNode | None" = None
        self.partial_spec: Mapping | None = filter_spec
        if filter_spec is not None:
            self.partial = compile_filter(filter_spec)
        #: a text index (a :class:`TextIndex`: its entries are postings)
        self.text = "textIndexVersion" in spec
        #: a geo index's keys: grid cells (2dsphere) or none (2d), checked on every write
        self.geo = geo_key_checker(spec)
        self.entries: SortedList = SortedList()
        #: a one-field index's point map (:meth:`point_map`), None until a point
        #: lookup asks for it
        self.points: dict | None = None
        #: per field: how many documents index it through an array
        self.multikey_counts = [0] * self.pattern.fields
        #: the top-level fields its keys depend on (None: it may depend on any,
        #: through a partial filter, or a unique check that must see every write)
        self.depends_on: frozenset[str] | None = self._dependencies()

    def _dependencies(self) -> frozenset[str] | None:
        if self.partial is not None or self.prepare_unique or self.text:
            return None
        return frozenset(parts[0] for parts in self.pattern.parts)

    def unchanged_by(self, touched: frozenset[str] | None) -> bool:
        """Whether a write changing only the top-level fields ``touched`` leaves
        this index's keys for the document as they were."""
        depends_on = self.depends_on
        return touched is not None and depends_on is not None \
            and depends_on.isdisjoint(touched)

    # -- keys ----------------------------------------------------------------------

    def applies_to(self, doc: Mapping) -> bool:
        """Whether a document has entries in this index (sparse / partial rules)."""
        if self.sparse and not self.pattern.has_any_field(doc):
            return False
        if self.partial is not None and not self.partial.matches(doc):
            return False
        return True

    def document_keys(self, doc: Mapping) -> tuple[list[tuple], frozenset[int]]:
        """The keys a document has in this index (none if it is left out)."""
        if self.geo is not None:
            if self.partial is not None and not self.partial.matches(doc):
                return [], frozenset()
            return self.geo(doc), frozenset()
        if self.text or ((self.sparse or self.partial is not None)
                         and not self.applies_to(doc)):
            return [], frozenset()
        return self.pattern.keys(doc)

    @property
    def multikey(self) -> bool:
        return any(self.multikey_counts)

    def multikey_paths(self) -> dict[str, list[str]]:
        return {path: ([path] if self.multikey_counts[i] else [])
                for i, path in enumerate(self.pattern.paths)}

    # -- maintenance -----------------------------------------------------------------

    def add(self, doc: Mapping, id_key: tuple) -> None:
        self.add_keys(self.document_keys(doc), id_key)

    def add_keys(self, computed: tuple[list[tuple], frozenset[int]], id_key: tuple) -> None:
        keys, multikey = computed
        if not keys:
            return
        entries = self.entries
        if len(keys) == 1:
            entries.add((keys[0], id_key))
        else:
            entries.update([(key, id_key) for key in keys])
        points = self.points
        if points is not None:
            for key in keys:
                points[key] = id_key if key not in points else SEVERAL
        for i in multikey:
            self.multikey_counts[i] += 1

    def remove(self, doc: Mapping, id_key: tuple) -> None:
        self.remove_keys(self.document_keys(doc), id_key)

    def remove_keys(self, computed: tuple[list[tuple], frozenset[int]], id_key: tuple) -> None:
        keys, multikey = computed
        entries = self.entries
        for key in keys:
            entries.discard((key, id_key))
        points = self.points
        if points is not None:
            for key in keys:
                if points.get(key) == id_key:
                    del points[key]
        for i in multikey:
            self.multikey_counts[i] -= 1

    def build(self, documents: Mapping[tuple, "StoredDocument"]) -> None:
        """Fill the index from a collection's documents (``id_key -> stored``,
        CREATE INDEX): raises the first constraint violation, leaving the index
        empty.  Entries share the collection's ``id_key`` tuples (no copy per index),
        and equal keys share one tuple (an index on a field of few values, a
        ``status``, an ``age``, holds a handful of key tuples, not one per entry)."""
        entries = []
        counts = [0] * self.pattern.fields
        #: each distinct key -> its one tuple (dropped once the index is built)
        distinct: dict[tuple, tuple] = {}
        canonical = distinct.setdefault
        for id_key, stored in documents.items():
            keys, multikey = self.document_keys(stored.doc)
            for key in keys:
                entries.append((canonical(key, key), id_key))
            for i in multikey:
                counts[i] += 1
        entries.sort()
        if self.unique:
            previous = None
            for key, id_key in entries:
                if previous is not None and previous[0] == key and previous[1] != id_key:
                    stored = self.collection.documents[id_key]
                    raise self.duplicate_error(stored.doc, key)
                previous = (key, id_key)
        self.entries = SortedList(entries)
        self.points = None
        self.multikey_counts = counts

    def fork(self, collection: "CollectionData") -> "Index":
        """This index over ``collection``, a copy of its own collection (a transaction's
        or a snapshot's fork): the compiled spec shared, the entries copied as they are
        (nothing recomputed, nothing sorted again), so either side may change after."""
        copy = _new_object(type(self))
        copy.__dict__.update(self.__dict__)
        copy.spec = dict(self.spec)
        copy.collection = collection
        copy.entries = copied_sorted_list(self.entries)
        copy.points = None
        copy.multikey_counts = list(self.multikey_counts)
        return copy

    def install_entries(self, prepared: "Index") -> None:
        """Take over the entries of ``prepared``, the same index kept over a prepared
        copy of the collection (a transaction's view committing)."""
        self.entries = prepared.entries
        self.points = None
        self.multikey_counts = prepared.multikey_counts

    def point_map(self) -> dict:
        """A one-field index's entries by key, for equality point lookups without a
        bisect (each a dozen nested-tuple comparisons): key -> the id key of the
        one entry with that key, or :data:`SEVERAL` when more than one had it
        at some point (the caller then walks the sorted entries).  Built on first
        use, kept by :meth:`add_keys`/:meth:`remove_keys`, dropped whenever the
        entries are replaced wholesale."""
        points = self.points
        if points is None:
            points = {}
            for key, id_key in self.entries:
                points[key] = id_key if key not in points else SEVERAL
            self.points = points
        return points

    # -- constraints -------------------------------------------------------------------

    def find_duplicate(self, doc: Mapping, id_key: tuple, keys: list[tuple]) -> tuple | None:
        """A key of ``doc`` that another document already has, if any."""
        entries = self.entries
        for key in keys:
            position = entries.bisect_left((key,))
            while position < len(entries):
                entry_key, entry_id = entries[position]
                if entry_key != key:
                    break
                if entry_id != id_key:
                    return key
                position += 1
        return None

    def duplicate_error(self, doc: Mapping, key: tuple) -> ServerError:
        values = self.pattern.key_values(doc, key)
        rendered = ", ".join(f"{path}: {render(value)}" for path, value in values.items())
        return duplicate_key(
            f"E11000 duplicate key error collection: {self.collection.full_name} "
            f"index: {self.name} dup key: {{ {rendered} }}",
            dict(self.pattern.document), values)

    def check(self, doc: Mapping, id_key: tuple) -> tuple[list[tuple], frozenset[int]]:
        """Raise the error storing ``doc`` under ``id_key`` would cause; else
        return its keys."""
        computed = self.document_keys(doc)  # raises CannotIndexParallelArrays
        keys = computed[0]
        if (self.unique or self.prepare_unique) and keys:
            duplicate = self.find_duplicate(doc, id_key, keys)
            if duplicate is not None:
                raise self.duplicate_error(doc, duplicate)
        return computed

    def duplicate_groups(self) -> list[list[tuple]]:
        """The ``id_key`` groups sharing a key (what converting to unique
        would violate), in key order."""
        groups: list[list[tuple]] = []
        previous = None
        current: list[tuple] = []
        for key, id_key in self.entries:
            if key == previous:
                if id_key not in current:
                    current.append(id_key)
                continue
            if len(current) > 1:
                groups.append(current)
            previous, current = key, [id_key]
        if len(current) > 1:
            groups.append(current)
        return groups

    def set_option(self, option: str, value: Any) -> None:
        """Change one option in place (collMod): the spec as listed and the
        attribute the engine reads."""
        if value is None:
            self.spec.pop(option, None)
        else:
            self.spec[option] = value
        if option == "hidden":
            self.hidden = bool(value)
        elif option == "expireAfterSeconds":
            self.ttl = value
        elif option == "unique":
            self.unique = bool(value)
        elif option == "prepareUnique":
            self.prepare_unique = bool(value)
        self.depends_on = self._dependencies()

    # -- scanning ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)


class TextIndex(Index):
    """A text index: its entries are :class:`~mim.engine.index.text.TextPostings`
    (term → record key → score) rather than sorted keys; the catalog's write hooks
    maintain them as any index's (a document's "keys" are its term scores)."""

    def __init__(self, spec: dict[str, Any], collection: "CollectionData") -> None:
        self.postings = TextPostings(spec)
        super().__init__(spec, collection)

    def _dependencies(self) -> frozenset[str] | None:
        """The top-level fields of the weighted paths and the language override (a
        write touching none of them leaves the document's terms as they were)."""
        if self.partial is not None or self.postings.view.wildcard:
            return None
        return frozenset(path.split(".")[0] for path in self.postings.view.weights) \
            | {self.spec["language_override"]}

    def document_keys(self, doc: Mapping) -> tuple[dict[str, float], frozenset[int]]:  # type: ignore[override]
        """The document's terms with their scores (none if a partial filter leaves
        it out)."""
        if self.partial is not None and not self.partial.matches(doc):
            return {}, frozenset()
        return self.postings.document_terms(doc), frozenset()

    def check(self, doc: Mapping, id_key: tuple) -> tuple[dict[str, float], frozenset[int]]:  # type: ignore[override]
        return self.document_keys(doc)  # raises a bad language override's error

    def add_keys(self, computed: tuple, id_key: tuple) -> None:
        if computed[0]:
            self.postings.add(computed[0], id_key)

    def remove_keys(self, computed: tuple, id_key: tuple) -> None:
        if computed[0]:
            self.postings.remove(computed[0], id_key)

    def build(self, documents: Mapping[tuple, "StoredDocument"]) -> None:
        """Fill the postings from a collection's documents (raises a bad language
        override's error, leaving them empty)."""
        postings = self.postings
        postings.clear()
        try:
            for id_key, stored in documents.items():
                self.add_keys(self.document_keys(stored.doc), id_key)
        except ServerError:
            postings.clear()
            raise

    def fork(self, collection: "CollectionData") -> "TextIndex":
        copy = super().fork(collection)
        copy.postings = self.postings.copy()
        return copy

    def install_entries(self, prepared: "Index") -> None:
        self.postings = prepared.postings  # type: ignore[attr-defined]

    def duplicate_groups(self) -> list[list[tuple]]:
        return []

    def __len__(self) -> int:
        return self.postings.count


#: how many per-path expansions a wildcard index keeps at most
_MAX_WILDCARD_VIEWS = 1024


class WildcardIndex(Index):
    """A wildcard index (``$**``, ``a.$**``, compound): one entry per leaf of the
    projected document (see :mod:`~mim.engine.index.wildcard`), its key the
    regular fields' keys with ``(path, value)`` in the wildcard term's place.

    The planner never scans it as a whole: :meth:`view` gives, for one query
    path, the index as the server expands it (key pattern
    ``{$_path: 1, <path>: 1}``), which an :class:`IndexScan` walks."""

    wildcard = True

    def __init__(self, spec: dict[str, Any], collection: "CollectionData") -> None:
        super().__init__(spec, collection)
        key = dict(spec["key"])
        regular = {f: d for f, d in key.items() if not is_wildcard_field(f)}
        self.generator = WildcardKeys(key, spec.get("wildcardProjection"),
                                      self.pattern.value_key,
                                      KeyPattern(regular, self.collation) if regular else None)
        #: multikey path -> how many documents have an array there
        self.multikey_paths_seen: dict[str, int] = {}
        self._views: dict[str, WildcardPathView] = {}

    def _dependencies(self) -> frozenset[str] | None:
        return None  # any field may hold a leaf

    def covers(self, path: str) -> bool:
        """Whether the index holds the leaves at query path ``path``."""
        return self.generator.covers(path)

    def holds(self, path: str) -> bool:
        """Whether the index keeps the leaves at ``path`` (numeric components
        being field names)."""
        return self.generator.holds(path)

    def document_keys(self, doc: Mapping) -> tuple[list[tuple], frozenset]:  # type: ignore[override]
        if self.partial is not None and not self.partial.matches(doc):
            return [], frozenset()
        return self.generator.keys(doc)

    @property
    def multikey(self) -> bool:  # type: ignore[override]
        return bool(self.multikey_paths_seen)

    def multikey_paths(self) -> dict[str, list[str]]:
        return {path: [] for path in self.pattern.paths}

    def add_keys(self, computed: tuple, id_key: tuple) -> None:
        keys, multikey = computed
        if keys:
            if len(keys) == 1:
                self.entries.add((keys[0], id_key))
            else:
                self.entries.update([(key, id_key) for key in keys])
        seen = self.multikey_paths_seen
        for path in multikey:
            seen[path] = seen.get(path, 0) + 1

    def remove_keys(self, computed: tuple, id_key: tuple) -> None:
        keys, multikey = computed
        entries = self.entries
        for key in keys:
            entries.discard((key, id_key))
        seen = self.multikey_paths_seen
        for path in multikey:
            left = seen.get(path, 0) - 1
            if left > 0:
                seen[path] = left
            else:
                seen.pop(path, None)

    def build(self, documents: Mapping[tuple, "StoredDocument"]) -> None:
        entries = []
        seen: dict[str, int] = {}
        for id_key, stored in documents.items():
            keys, multikey = self.document_keys(stored.doc)
            entries.extend((key, id_key) for key in keys)
            for path in multikey:
                seen[path] = seen.get(path, 0) + 1
        entries.sort()
        self.entries = SortedList(entries)
        self.points = None
        self.multikey_paths_seen = seen

    def fork(self, collection: "CollectionData") -> "WildcardIndex":
        copy = super().fork(collection)
        copy.multikey_paths_seen = dict(self.multikey_paths_seen)
        copy._views = {}
        return copy  # type: ignore[return-value]

    def install_entries(self, prepared: "Index") -> None:
        super().install_entries(prepared)
        self.multikey_paths_seen = dict(prepared.multikey_paths_seen)  # type: ignore[attr-defined]

    def duplicate_groups(self) -> list[list[tuple]]:
        return []

    def view(self, path: str | None) -> "WildcardPathView":
        """The index expanded for query path ``path`` (kept per path; None: for
        the regular fields before the wildcard term alone)."""
        views = self._views
        found = views.get(path)
        if found is None:
            if len(views) >= _MAX_WILDCARD_VIEWS:
                views.clear()  # (an attribute-pattern schema may query many paths)
            found = views[path] = WildcardPathView(self, path)
        return found


class WildcardPathView:
    """A wildcard index as the planner sees it for one query path: the key
    pattern ``{<regular fields>, $_path: 1, <path>: <direction>}`` the server's
    explain shows, over the wildcard index's own entries (stored ascending).
    Path None: a compound index's regular fields before the wildcard term and
    ``$_path`` (``{a: 1, $_path: 1}``), every path's entries in reach — a
    document may be met once per leaf (:attr:`several_entries`)."""

    wildcard = True
    unique = False
    sparse = False
    geo = None
    text = False
    points = None

    def __init__(self, index: WildcardIndex, path: str | None) -> None:
        self.index = index
        self.path = path
        self.name = index.name
        self.several_entries = path is None
        key: dict[str, Any] = {}
        for field, direction in index.pattern.document.items():
            if is_wildcard_field(field):
                key["$_path"] = 1
                if path is None:
                    break
                key[path] = direction
            else:
                key[field] = direction
        self.spec = {**index.spec, "key": key}
        self.collation = index.collation
        self.pattern = ExpandedKeyPattern(key, index.collation, path)
        ascending = (1,) * self.pattern.fields
        self.pattern.signs = ascending
        self.pattern.flipped = (False,) * self.pattern.fields
        self.pattern.any_flipped = False
        #: where ``$_path`` sits in the key pattern
        self.path_position = list(key).index("$_path")

    @property
    def entries(self) -> SortedList:
        return self.index.entries

    @property
    def hidden(self) -> bool:
        return self.index.hidden

    @property
    def partial(self) -> Any:
        return self.index.partial

    def _multikey_prefixes(self) -> list[str]:
        seen = self.index.multikey_paths_seen
        if self.path is None:
            return []
        parts = self.path.split(".")
        return [p for p in (".".join(parts[:i + 1]) for i in range(len(parts))) if p in seen]

    @property
    def multikey(self) -> bool:
        seen = self.index.multikey_paths_seen
        return bool(self._multikey_prefixes()) or any(
            path in seen for path in self.pattern.paths if path not in ("$_path", self.path))

    @property
    def multikey_counts(self) -> list[int]:
        seen = self.index.multikey_paths_seen
        counts = []
        for path in self.pattern.paths:
            if path == self.path:
                counts.append(1 if self._multikey_prefixes() else 0)
            else:
                counts.append(1 if path in seen else 0)
        return counts

    def multikey_paths(self) -> dict[str, list[str]]:
        seen = self.index.multikey_paths_seen
        out: dict[str, list[str]] = {}
        for path in self.pattern.paths:
            if path == self.path:
                out[path] = self._multikey_prefixes()
            else:
                out[path] = [path] if path in seen else []
        return out

    def __len__(self) -> int:
        return len(self.index.entries)


class IdIndex:
    """The ``_id_`` index as the planner sees it.

    Point lookups need no structure of their own (the store's dict, keyed by
    ``sort_key(_id)``, is the unique ``_id`` index).  Ranges, ``$in`` in
    order and sorts on ``_id`` need an ordered one: a ``SortedList`` of
    ``(id_key, id_key)`` entries, shaped like a single-field index's so every
    planner path (bounds, direction, top-k limit, explain) applies.  It is
    built on first use and from then on kept by the catalog's write hooks, so
    collections that never range over ``_id`` pay nothing on insert.
    """

    name = ID_INDEX_NAME
    several_entries = False
    unique = True
    sparse = False
    hidden = False
    partial = None
    partial_spec = None
    ttl = None
    multikey = False
    #: the store keys documents by their binary _id key (see the README's differences)
    collation = None

    def __init__(self, collection: "CollectionData") -> None:
        self.collection = collection
        self.pattern = KeyPattern({"_id": 1})
        self.multikey_counts = [0]
        self._entries: SortedList | None = None

    @property
    def entries(self) -> SortedList:
        entries = self._entries
        documents = self.collection.documents
        if entries is None or len(entries) != len(documents):
            entries = self._entries = SortedList((k, k) for k in documents)
            self.collection.indexes.plain = False  # the catalog's write hooks keep it now
        return entries

    def multikey_paths(self) -> dict[str, list[str]]:
        return {"_id": []}

    def __len__(self) -> int:
        return len(self.collection.documents)

    def reset(self) -> None:
        self._entries = None
        self.collection.indexes._refresh_plain()

    def fork(self, collection: "CollectionData") -> "IdIndex":
        """This ordered view over ``collection``, a copy of its collection (the key
        pattern shared, the entries, if built, copied as they are)."""
        copy = _new_object(IdIndex)
        copy.collection = collection
        copy.pattern = self.pattern
        copy.multikey_counts = [0]
        entries = self._entries
        copy._entries = None if entries is None else copied_sorted_list(entries)
        return copy


class IndexCatalog:
    """The indexes of one collection (``_id_`` first, then in creation order)."""

    def __init__(self, collection: "CollectionData") -> None:
        self.collection = collection
        #: a collection keyed by record id (time-series) has no ``_id_`` index at all
        self.specs: dict[str, dict[str, Any]] = {} if collection.keyed_by_record else {
            ID_INDEX_NAME: {"v": 2, "key": {"_id": 1}, "name": ID_INDEX_NAME}
        }
        #: name -> Index, for every index besides ``_id_``
        self.secondary: dict[str, Index] = {}
        #: the ordered view of ``_id_`` (built on first range/sort use)
        self.id_index = IdIndex(collection)
        #: a collection with a default collation: its ``_id_`` index has that collation,
        #: so ``_id`` values equal under it are duplicates ("a" and "A" at strength 2);
        #: this keyed copy enforces that (the store still finds documents by binary ``_id``)
        self.collated_id: Index | None = None
        collation = collection.options.get("collation")
        if collation and ID_INDEX_NAME in self.specs:
            self.specs[ID_INDEX_NAME]["collation"] = collation
            self.collated_id = Index(dict(self.specs[ID_INDEX_NAME], unique=True), collection)
        self._constrained: tuple[Index, ...] = ()
        #: no index to check or keep on insert (no secondary index, no collated ``_id``
        #: copy, no ordered ``_id`` view built): the store skips :meth:`admit` (a flag
        #: read instead of a call on every insert's path)
        self.plain = True
        #: the collection's text index (at most one), for the planner's TEXT plan
        self.text_search: TextIndex | None = None
        #: path -> the secondary indexes whose first field it is (see :meth:`leading_on`)
        self._leading: dict[str, tuple[Index, ...]] = {}
        #: what the planner decided from the catalog alone, by its own keys (an
        #: equality's index per path): emptied whenever the catalog changes
        self.plan_cache: dict[Any, Any] = {}
        self._refresh()
        self._pending: tuple | None = None

    def duplicate_id_error(self, id_value: Any) -> ServerError:
        return duplicate_key(
            f"E11000 duplicate key error collection: {self.collection.full_name} "
            f"index: {ID_INDEX_NAME} dup key: {{ _id: {render(id_value)} }}",
            {"_id": 1}, {"_id": id_value})

    def by_name(self, name: str) -> "Index | IdIndex":
        """The index object named ``name`` (``_id_`` included)."""
        if name == ID_INDEX_NAME:
            return self.id_index
        return self.secondary[name]

    def has_secondary(self) -> bool:
        """Whether any index besides ``_id_`` exists (the planner has a choice)."""
        return bool(self.secondary)

    def resolve_hint(self, hint: Any) -> dict[str, Any]:
        """The spec a hint names (``{"$natural": ±1}`` stands for a scan)."""
        spec: dict[str, Any] | None
        if isinstance(hint, str):
            spec = self.specs.get(hint)
        else:
            key = dict(hint)
            if key == {"$natural": 1} or key == {"$natural": -1}:
                return {"name": "$natural", "key": key}
            spec = next((s for s in self.specs.values() if _same_key(s["key"], key)), None)
        if spec is not None and spec.get("hidden"):
            spec = None
        if spec is None:
            raise bad_value("error processing query: ns=" + self.collection.full_name +
                            " planner returned error :: caused by :: hint provided does not "
                            "correspond to an existing index")
        return spec

    # -- management ---------------------------------------------------------------

    def create(self, spec: dict[str, Any]) -> bool:
        """Add an index; False when an identical one exists.  Conflicts raise
        IndexOptionsConflict (85) / IndexKeySpecsConflict (86) as on the server;
        existing documents that violate it fail the build (nothing changes)."""
        name = spec["name"]
        existing = self.specs.get(name)
        if existing is not None:
            comparison = _compare(spec, existing)
            if comparison == "different":
                raise ServerError(86, "An existing index has the same name as the requested "
                                      "index. When index names are not specified, they are auto "
                                      "generated and can cause conflicts. Please refer to our "
                                      f"documentation. Requested index: {render_document(spec)}, "
                                      f"existing index: {render_document(existing)}")
            if comparison == "equivalent":
                raise ServerError(85, "An equivalent index already exists with the same name "
                                      "but different options. Requested index: "
                                      f"{render_document(spec)}, existing index: "
                                      f"{render_document(existing)}")
            return False
        for existing in self.specs.values():
            comparison = _compare(spec, existing)
            if comparison == "equivalent":
                raise ServerError(85, "An equivalent index already exists with a different name "
                                      f"and options. Requested index: {render_document(spec)}, "
                                      f"existing index: {render_document(existing)}")
            if comparison == "identical":
                raise ServerError(85, f"Index already exists with a different name: "
                                      f"{existing['name']}")
        if "textIndexVersion" in spec:
            text_index = self.text_index()
            if text_index is not None:
                raise ServerError(67, "only one text index per collection allowed, found "
                                      f"existing text index \"{text_index.name}\"")
        kind = TextIndex if "textIndexVersion" in spec else \
            WildcardIndex if plugin_name(spec["key"]) == WILDCARD else Index
        index = kind(spec, self.collection)
        if self.collection.documents:
            try:
                index.build(self.collection.documents)
            except ServerError as exc:
                raise ServerError(exc.code, f"Index build failed: {uuid.uuid4()}: Collection "
                                            f"{self.collection.full_name} ( {uuid.uuid4()} ) :: "
                                            f"caused by :: {exc.errmsg}", **exc.extra) from None
        if self.collection.snapshot_keepers is not None:
            self.collection.keep_snapshots()  # an open snapshot keeps the catalog as it is
        self.specs[name] = spec
        self.secondary[name] = index
        self._refresh()
        if index.ttl is not None:
            ttl_index_created(self.collection)
        self.collection.record("createIndexes", spec)
        return True

    def drop(self, name_or_key: Any) -> None:
        """Drop an index by name or key pattern (``"*"``: every index but ``_id_``)."""
        if self.collection.snapshot_keepers is not None:
            self.collection.keep_snapshots()  # an open snapshot keeps the catalog as it is
        if name_or_key == "*":
            dropped = [self.specs.pop(name) for name in list(self.specs) if name != ID_INDEX_NAME]
            self.secondary.clear()
            self._refresh()
            for spec in dropped:
                self.collection.record("dropIndexes", spec)
            return
        if isinstance(name_or_key, str):
            if name_or_key == ID_INDEX_NAME:
                raise ServerError(72, "cannot drop _id index")
            if name_or_key not in self.specs:
                raise ServerError(27, f"index not found with name [{name_or_key}]")
            name = name_or_key
        else:
            key = dict(name_or_key)
            matches = [n for n, s in self.specs.items() if _same_key(s["key"], key)]
            if not matches:
                raise ServerError(27, f"can't find index with key: {render_document(key)}")
            if len(matches) > 1:
                raise ServerError(181, f"{len(matches)} indexes found for key: "
                                       f"{render_document(key)}, identify by name instead. "
                                       f"Conflicting indexes: "
                                       f"{render_document(self.specs[matches[0]])}, "
                                       f"{render_document(self.specs[matches[1]])}",
                                  codeName="AmbiguousIndexKeyPattern")
            name = matches[0]
            if name == ID_INDEX_NAME:
                raise ServerError(72, "cannot drop _id index")
        spec = self.specs.pop(name)
        self.secondary.pop(name, None)
        self._refresh()
        self.collection.record("dropIndexes", spec)

    def modify(self, name: str, changes: dict[str, Any]) -> None:
        """collMod of one index: set its options (None removes one) and report
        one ``modify`` event with the old and new values."""
        if self.collection.snapshot_keepers is not None:
            self.collection.keep_snapshots()  # an open snapshot keeps the catalog as it is
        index = self.by_name(name)
        old = {option: index.spec.get(option) for option in changes}
        for option, value in changes.items():
            index.set_option(option, value)
        self._refresh()
        if index.ttl is not None:
            ttl_index_created(self.collection)
        self.collection.record("modify", {"index": name, "old": old, "new": dict(changes)})

    def list(self) -> list[dict[str, Any]]:
        return [dict(spec) for spec in self.specs.values()]

    def text_index(self) -> Index | None:
        """The collection's text index (there is at most one)."""
        return self.text_search

    def indexes(self) -> list[Index]:
        return list(self.secondary.values())

    def leading_on(self, path: str) -> tuple[Index, ...]:
        """The secondary indexes (text and geo ones aside) whose first field is
        ``path``, in creation order: the only ones an equality on ``path`` alone
        can use.  Kept until the catalog changes, so a point query does not walk
        every index on every call."""
        found = self._leading.get(path)
        if found is None:
            found = self._leading[path] = tuple(
                index for index in self.secondary.values()
                if index.pattern.paths[0] == path and not index.text and index.geo is None
                and not isinstance(index, WildcardIndex))
        return found

    def _refresh(self) -> None:
        self._leading = {}
        self.plan_cache = {}
        self.text_search = next((index for index in self.secondary.values()
                                 if isinstance(index, TextIndex)), None)
        #: the wildcard indexes (the planner expands them per query path)
        self.wildcards = tuple(index for index in self.secondary.values()
                               if isinstance(index, WildcardIndex))
        self._constrained = tuple(self.secondary.values())
        if self.collated_id is not None:
            self._constrained += (self.collated_id,)
        #: some index besides the binary ``_id`` dict refuses duplicates (a unique or
        #: prepareUnique one, a default collation's ``_id_``): a transaction's overlay
        #: cannot check a write without the merged entries
        self.uniqueness = self.collated_id is not None or any(
            index.unique or index.prepare_unique for index in self.secondary.values())
        self._refresh_plain()

    def _refresh_plain(self) -> None:
        self.plain = not self._constrained and self.id_index._entries is None

    # -- write hooks (called by CollectionData under the server lock) ---------------------

    def check_keys(self, doc: Any) -> list | None:
        """``doc``'s keys in every index that keeps entries (None: there is none), or
        the error computing them raises (parallel arrays, a bad geo value or language
        override) — writing nothing and checking no uniqueness (see
        :attr:`uniqueness`).  :meth:`add_computed` takes them."""
        constrained = self._constrained
        if not constrained:
            return None
        return [index.document_keys(doc) for index in constrained]

    def add_computed(self, stored: "StoredDocument", id_key: tuple, computed: list | None
                     ) -> None:
        """:meth:`add` with the keys :meth:`check_keys` computed for ``stored`` while
        the catalog had the indexes it has now (nothing computed again)."""
        if computed is None or len(computed) != len(self._constrained):
            self.add(stored, id_key)
            return
        ordered_ids = self.id_index._entries
        if ordered_ids is not None:
            ordered_ids.add((id_key, id_key))
        for index, keys in zip(self._constrained, computed):
            index.add_keys(keys, id_key)

    def check_insert(self, stored: "StoredDocument", id_key: tuple | None = None) -> None:
        """Raise the constraint error a new document would cause, writing nothing."""
        if not self._constrained:
            return
        doc = stored.doc
        if id_key is None:
            id_key = sort_key(doc["_id"])
        computed = []
        for index in self._constrained:
            computed.append(index.check(doc, id_key))
        # the keys are kept for the add() that follows (the store's next step)
        self._pending = (stored, id_key, computed)

    def admit(self, stored: "StoredDocument", id_key: tuple) -> None:
        """:meth:`check_insert` then :meth:`add`, in one call (an insert's path): the
        constraint error a new document causes, else its keys added everywhere.  The
        store keeps the document only after this returns."""
        if not self._constrained:  # only ``_id_``: its ordered view, when built
            ordered_ids = self.id_index._entries
            if ordered_ids is not None:
                ordered_ids.add((id_key, id_key))
            return
        self.check_insert(stored, id_key)
        self.add(stored, id_key)

    def untouched(self, touched: frozenset[str]) -> bool:
        """Whether a write changing only the top-level fields ``touched`` leaves
        every constrained index's keys as they were (nothing to check or move:
        what :meth:`check_replace` and :meth:`replace` conclude index by index)."""
        for index in self._constrained:
            depends_on = index.depends_on
            if depends_on is None or not depends_on.isdisjoint(touched):
                return False
        return True

    def check_replace(self, old: "StoredDocument", new: "StoredDocument",
                      touched: frozenset[str] | None = None) -> None:
        """Raise the constraint error replacing ``old`` by ``new`` would cause
        (``touched``: the only top-level fields that may differ, None for any;
        an index on none of them keeps its keys, so it has nothing to check)."""
        if touched is not None and all(index.unchanged_by(touched)
                                       for index in self._constrained):
            self._pending = None
            return
        self.check_insert(new)

    def add(self, stored: "StoredDocument", id_key: tuple | None = None) -> None:
        ordered_ids = self.id_index._entries
        if ordered_ids is not None:
            if id_key is None:
                id_key = sort_key(stored.doc["_id"])
            ordered_ids.add((id_key, id_key))
        if not self._constrained:
            return
        pending = self._pending
        self._pending = None
        if pending is not None and pending[0] is stored:
            id_key = id_key or pending[1]
            for index, keys in zip(self._constrained, pending[2]):
                index.add_keys(keys, id_key)
            return
        doc = stored.doc
        if id_key is None:
            id_key = sort_key(doc["_id"])
        for index in self._constrained:
            index.add(doc, id_key)

    def replace(self, old: "StoredDocument", new: "StoredDocument", id_key: tuple,
                touched: frozenset[str] | None = None) -> None:
        """Move the index entries of ``old`` to ``new`` (same ``_id``): an index
        whose keys for the document did not change keeps its entries untouched
        (an update of unindexed fields costs no index work); the ordered
        ``_id_`` entries never change."""
        if not self._constrained:
            return
        pending = self._pending
        self._pending = None
        if pending is not None and pending[0] is new:
            computed = pending[2]
        else:
            computed = [None if index.unchanged_by(touched) else index.document_keys(new.doc)
                        for index in self._constrained]
        old_doc = old.doc
        for index, new_keys in zip(self._constrained, computed):
            if new_keys is None:
                continue  # an index on fields the write did not touch
            old_keys = index.document_keys(old_doc)
            if old_keys == new_keys:
                continue
            index.remove_keys(old_keys, id_key)
            index.add_keys(new_keys, id_key)

    def remove(self, stored: "StoredDocument", id_key: tuple | None = None) -> None:
        """Drop ``stored``'s entries (``id_key``: the key the store keeps it under)."""
        ordered_ids = self.id_index._entries
        if id_key is None:
            id_key = sort_key(stored.doc["_id"])
        if ordered_ids is not None:
            ordered_ids.discard((id_key, id_key))
        if not self._constrained:
            return
        doc = stored.doc
        for index in self._constrained:
            index.remove(doc, id_key)

    def fork(self, collection: "CollectionData") -> "IndexCatalog":
        """This catalog over ``collection``, a copy of its collection (a transaction's or
        a snapshot's fork): the same indexes, each with a copy of its entries."""
        copy = _new_object(IndexCatalog)
        copy.collection = collection
        copy.specs = {}
        copy.secondary = {}
        for name, spec in self.specs.items():
            index = self.secondary.get(name)
            if index is None:  # ``_id_``
                copy.specs[name] = dict(spec)
            else:
                copy.secondary[name] = index = index.fork(collection)
                copy.specs[name] = index.spec
        copy.id_index = self.id_index.fork(collection)
        copy.collated_id = None if self.collated_id is None \
            else self.collated_id.fork(collection)
        copy._refresh()
        copy._pending = None
        return copy

    def install(self, prepared: "IndexCatalog") -> None:
        """Take over the entries of ``prepared``, a catalog with the same indexes
        kept over a prepared copy of this collection's documents (a transaction's
        view committing): each index swaps its entries in, nothing is recomputed."""
        self.id_index._entries = prepared.id_index._entries
        self._refresh_plain()
        for index in self._constrained:
            source = prepared.collated_id if index is self.collated_id \
                else prepared.secondary[index.name]
            index.install_entries(source)  # type: ignore[arg-type]

    def rebuild(self) -> None:
        """Recompute every index from the collection's documents."""
        self.id_index.reset()
        for index in self._constrained:
            index.entries = SortedList()
            index.points = None
            index.multikey_counts = [0] * index.pattern.fields
            index.build(self.collection.documents)


def _same_key(a: Mapping, b: Mapping) -> bool:
    return list(dict(a).items()) == list(dict(b).items())


def _signature(spec: Mapping[str, Any]) -> tuple:
    def option(name: str) -> Any:
        value = spec.get(name)
        if name in ("unique", "sparse"):
            return bool(value)
        if isinstance(value, Mapping):
            return sort_key(dict(value))
        return None if value is None else sort_key(value)
    return (tuple(dict(spec["key"]).items()),) + tuple(option(n) for n in _SIGNATURE_OPTIONS)


def _other_options(spec: Mapping[str, Any]) -> dict[str, tuple]:
    return {k: sort_key(v) for k, v in spec.items()
            if k not in _IGNORED_OPTIONS and k not in _SIGNATURE_OPTIONS
            and not (k == "hidden" and not v)}


def _compare(requested: Mapping[str, Any], existing: Mapping[str, Any]) -> str:
    """``"different"``, ``"equivalent"`` (same signature, other options differ)
    or ``"identical"`` — the server's ``compareIndexOptions``."""
    if _signature(requested) != _signature(existing):
        return "different"
    if _other_options(requested) != _other_options(existing):
        return "equivalent"
    return "identical"



install_index_catalog(IndexCatalog)
