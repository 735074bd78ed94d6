"""Wildcard indexes (``{"$**": 1}``, ``{"a.$**": 1}``, compound ones): their
specification rules and their keys, as MongoDB 7.0 builds them.

A wildcard index stores one entry per leaf of the (projected) document:
``(path, value)``, the path with array positions left out
(``wildcard_key_generator.cpp``): an object is walked into, an empty object
is a leaf of its own (``{}``), an array marks its path multikey and its
elements are walked at the array's own path, an empty array is indexed as
``undefined`` and an array inside an array is a leaf value (not walked); a
field whose name holds a ``.`` is skipped.  What is walked is the document
after the index's projection: ``{"a.$**": 1}`` projects ``{a: 1}``;
``{"$**": 1}`` its ``wildcardProjection`` (``_id`` left out unless it says
``_id: 1``), or ``{_id: 0}`` without one.

A compound wildcard index (7.0) has one wildcard term and regular fields; its
entries are the regular fields' keys with the wildcard's ``(path, value)`` in
the wildcard term's place.  A document without any leaf under the wildcard
still has an entry, its path and value ``MinKey``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from bson.min_key import MinKey

from ..languages.projection import compile_projection
from .keys import KeyPattern
from ..values.errors import ServerError
from ..values.order import RANK_UNDEFINED, is_number, sort_key, type_name

__all__ = ["WILDCARD", "is_wildcard_field", "plugin_name", "check_wildcard_key",
           "check_wildcard_spec", "check_wildcard_projection", "WildcardKeys",
           "MISSING_PATH_KEY", "UNDEFINED_KEY", "UNDEFINED_VALUE", "ExpandedKeyPattern"]

WILDCARD = "wildcard"
_SUBTREE_SUFFIX = ".$**"
#: the ``$_path`` (and value) of a compound wildcard entry without a wildcard leaf
MISSING_PATH_KEY = sort_key(MinKey())
#: the key of an empty array's leaf
UNDEFINED_KEY = (RANK_UNDEFINED,)


def is_wildcard_field(field: str) -> bool:
    """``WildcardNames::isWildcardFieldName``: ``$**`` or a path ending ``.$**``."""
    return field == "$**" or field.endswith(_SUBTREE_SUFFIX)


def plugin_name(key: Mapping[str, Any]) -> str:
    """``IndexNames::findPluginName``: the first string value, else ``wildcard``
    when a field is a wildcard one (met before any string), else ``""`` (btree)."""
    for field, direction in key.items():
        if isinstance(direction, str):
            return direction
        if is_wildcard_field(field):
            return WILDCARD
    return ""


def _parts(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def _prefix_of_or_equal(prefix: tuple[str, ...], path: tuple[str, ...]) -> bool:
    """``FieldRef::isPrefixOfOrEqualTo`` (an empty path is nobody's prefix)."""
    return bool(prefix) and path[:len(prefix)] == prefix


def check_wildcard_key(key: Mapping[str, Any]) -> None:
    """``validateWildcardIndex``: one wildcard term, regular fields outside the
    wildcard's subtree (the server's codes 7246201/7246202/7246204)."""
    wildcard: str | None = None
    regular: list[str] = []
    for field in key:
        if is_wildcard_field(field):
            if wildcard is not None:
                raise ServerError(7246201, "Index Key can contain only one wildcard index field")
            wildcard = field
        else:
            regular.append(field)
    if wildcard is None:
        raise ServerError(7246202, "No wildcard index field is specified for the wildcard index")
    root = _parts(wildcard)[:-1]
    for field in regular:
        if _prefix_of_or_equal(root, _parts(field)):
            raise ServerError(7246204, "A wildcard index field should not overlap with and index "
                                       "key fields if wildcard projection is empty, however "
                                       f"'{field}' is overlapping with the wildcard index field.")


def check_wildcard_spec(spec: Mapping[str, Any]) -> None:
    """The options a wildcard index refuses (``validateWildcardSpec``, checked
    after the spec itself is valid): sparse, unique, TTL, index version 1."""
    if spec.get("sparse"):
        raise ServerError(67, "Index type 'wildcard' does not support the 'sparse' option")
    if spec.get("unique"):
        raise ServerError(67, "Index type 'wildcard' does not support the 'unique' option")
    if "expireAfterSeconds" in spec:
        raise ServerError(67, "cannot make a TTL index :: caused by :: Index type 'wildcard' "
                              "does not support the 'expireAfterSeconds' option")
    version = spec.get("v", 2)
    if is_number(version) and not isinstance(version, bool) and str(version) in ("1", "1.0"):
        raise ServerError(67, "Index type 'wildcard' is not allowed with index version v: 1")


def _flatten(projection: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """A projection's leaves as ``(dotted path, value)`` (sub-objects walked)."""
    out: list[tuple[str, Any]] = []
    for field, value in projection.items():
        path = f"{prefix}.{field}" if prefix else field
        if isinstance(value, Mapping) and value and not next(iter(value)).startswith("$"):
            out.extend(_flatten(value, path))
        else:
            out.append((path, value))
    return out


def _projection_error(reason: str, code: int) -> ServerError:
    return ServerError(code, f"Failed to parse projection: wildcardProjection :: caused by :: "
                             f"{reason}")


_COMPUTED = ("Bad projection specification, cannot use computed fields when parsing a spec "
             "in kBanComputedFields mode")


def check_wildcard_projection(key: Mapping[str, Any], projection: Any) -> None:
    """``wildcardProjection``'s own rules (``validateIndexSpec``): a wildcard
    index's option, a non-empty object, only with ``$**``; for a compound
    index, ``validateWildcardProjection``'s path rules; then it must parse as a
    projection without computed fields."""
    if plugin_name(key) != WILDCARD:
        raise ServerError(2, "The field 'wildcardProjection' is only allowed in 'wildcard' "
                             "indexes")
    if not isinstance(projection, Mapping):
        raise ServerError(14, "The field 'wildcardProjection' must be a non-empty object, but "
                              f"got {type_name(projection)}")
    if "$**" not in key:
        raise ServerError(9, "The field 'wildcardProjection' is only allowed when 'key' is "
                             "{\"$**\": ±1} or {\"$**\": \"columnstore\"}")
    if not projection:
        raise ServerError(9, "The 'wildcardProjection' field can't be an empty object")
    leaves = _flatten(projection)
    for path, value in leaves:
        if "$" in _parts(path):  # (find's positional projection, banned outside find)
            raise _projection_error("Cannot use positional projection in aggregation "
                                    "projection", 31324)
        if isinstance(value, Mapping) and not value:
            continue  # (the projection parser's 51270 below)
        if not (isinstance(value, bool) or is_number(value)):
            raise _projection_error(_COMPUTED, 51271)
    if len(key) > 1:
        _check_compound_projection(key, leaves)
    try:
        compile_projection(dict(projection))
    except ServerError as exc:
        raise _projection_error(exc.errmsg, exc.code) from None


def _overlap_error(first: tuple[str, ...], second: tuple[str, ...]) -> ServerError:
    # (the server's message has no closing quote after the second path)
    return ServerError(7246200, "Fields in Wildcard Projection cannot overlap, however "
                                f"'{'.'.join(first)}' is overlapped with '{'.'.join(second)}")


def _check_compound_projection(key: Mapping[str, Any], leaves: list[tuple[str, Any]]) -> None:
    """``validateWildcardProjection`` for a compound wildcard index: projected
    paths do not overlap; an inclusion names no regular field; an exclusion
    excludes every regular field; inclusion and exclusion mix only through
    ``_id``."""
    regular = sorted(_parts(field) for field in key if not is_wildcard_field(field))
    included = sorted(_parts(path) for path, value in leaves if value)
    excluded = sorted(_parts(path) for path, value in leaves if not value)
    for paths in (included, excluded):
        for previous, current in zip(paths, paths[1:]):
            if _prefix_of_or_equal(previous, current) or _prefix_of_or_equal(current, previous):
                raise _overlap_error(previous, current)
    id_only = [("_id",)]
    # an exclusion's ``_id: 1`` only keeps ``_id`` in the projection
    named = included if not excluded or included != id_only else []
    for field in regular:
        for path in named:
            if _prefix_of_or_equal(path, field):
                raise ServerError(7246208, "Index Key and Wildcard Projection cannot contain "
                                           f"overlapping fields, however '{'.'.join(field)}' "
                                           "index field is ovverlapping with "
                                           f"'{'.'.join(path)}' wildcardProjection path.")
    if excluded and included in ([], id_only):
        position = 0
        for field in regular:
            while True:
                if position == len(excluded):
                    raise ServerError(7246210, "wildcardProjection paths must exclude all "
                                               f"regular index fields, however "
                                               f"'{'.'.join(field)}'is not excluded.")
                path = excluded[position]
                if _prefix_of_or_equal(path, field):
                    break
                if path < field:
                    position += 1
                    continue
                raise ServerError(7246209, "wildcardProjection paths must exclude all regular "
                                           f"index fields, however '{'.'.join(field)}'is not "
                                           "excluded.")
    if included and excluded and included != id_only and excluded != id_only:
        raise ServerError(7246211, "Inclusion and exclusion statements cannot combine in the "
                                   "wildcardProjection with an exception of explicitly "
                                   "including _id field")


def _projection_spec(key: Mapping[str, Any], projection: Mapping[str, Any] | None) -> dict:
    """The projection the key generator applies (``createProjectionExecutor``):
    ``{a: 1}`` for ``a.$**``, the ``wildcardProjection`` (``_id`` left out unless
    named) or ``{_id: 0}`` for ``$**``."""
    field = next(f for f in key if is_wildcard_field(f))
    if field != "$**":
        return {field[:-len(_SUBTREE_SUFFIX)]: 1, "_id": 0}
    if not projection:
        return {"_id": 0}
    spec = dict(projection)
    if "_id" not in spec:
        spec["_id"] = 0
    return spec


class WildcardKeys:
    """A wildcard key pattern's key generation: the projection, the walk, and
    the regular fields of a compound one.

    ``keys(doc)`` returns the document's entry keys (tuples, the wildcard's
    ``(path key, value key)`` spliced in at its position) and its multikey
    paths.  ``regular`` keys a document's regular fields, by the index's
    :class:`~mim.engine.index.keys.KeyPattern` of those fields alone."""

    def __init__(self, key: Mapping[str, Any], projection: Mapping[str, Any] | None,
                 value_key: Any, regular: Any) -> None:
        self.fields = list(key)
        self.position = next(i for i, f in enumerate(self.fields) if is_wildcard_field(f))
        self.root = self.fields[self.position][:-len("$**")].rstrip(".")
        self.projection = compile_projection(_projection_spec(key, projection))
        self.value_key = value_key
        #: a KeyPattern of the regular fields (None: a single-field wildcard index)
        self.regular = regular
        #: the explicit projection (None for ``a.$**`` and a bare ``$**``)
        self.explicit = dict(projection) if projection else None

    def leaves(self, doc: Mapping) -> tuple[list[tuple[str, Any]], set[str]]:
        """The projected document's ``(path, value)`` leaves and multikey paths."""
        projected = self.projection.apply(doc) if self.projection is not None else doc
        out: list[tuple[str, Any]] = []
        multikey: set[str] = set()
        _walk(projected, False, "", out, multikey)
        return out, multikey

    def keys(self, doc: Mapping) -> tuple[list[tuple], frozenset[str]]:
        leaves, multikey = self.leaves(doc)
        value_key = self.value_key
        pairs = [(sort_key(path), UNDEFINED_KEY if value is _UNDEFINED else value_key(value))
                 for path, value in leaves]
        if self.regular is None:
            return list(dict.fromkeys(pairs)), frozenset(multikey)
        if not pairs:
            pairs = [(MISSING_PATH_KEY, MISSING_PATH_KEY)]
        per_field = []
        for i in range(self.regular.fields):
            field_pairs, is_array, _ = self.regular.field_values(doc, i)
            per_field.append(list(dict.fromkeys(k for k, _ in field_pairs)))
            if is_array:
                multikey.add(self.regular.paths[i])
        position = self.position
        keys = []
        for regular in itertools.product(*per_field):
            for pair in dict.fromkeys(pairs):
                keys.append(regular[:position] + pair + regular[position:])
        return keys, frozenset(multikey)

    def covers(self, path: str) -> bool:
        """Whether the index holds the leaves at ``path`` (a query path without
        array positions): under the wildcard's root, kept by its projection."""
        parts = _parts(path)
        if any(part.isdigit() for part in parts):
            return False  # positional paths are not indexed as such (see leaf_paths)
        return self.holds(path)

    def holds(self, path: str) -> bool:
        """Whether the index keeps the leaves whose (position-free) path is
        ``path``: a numeric component here is a field name."""
        parts = _parts(path)
        if any(p.startswith("$") for p in parts):
            return False
        if self.root:
            return parts[:len(_parts(self.root))] == _parts(self.root)
        explicit = self.explicit
        if explicit is None:
            return parts[0] != "_id"
        leaves = _flatten(explicit)
        inclusion = any(value for name, value in leaves if name != "_id")
        if inclusion or (leaves and all(value for _, value in leaves)):
            return any(value and parts[:len(_parts(name))] == _parts(name)
                       for name, value in leaves)
        if parts[0] == "_id" and not any(name == "_id" and value for name, value in leaves):
            return False
        return not any(not value and parts[:len(_parts(name))] == _parts(name)
                       for name, value in leaves)


class _Undefined:
    """The ``undefined`` an empty array is indexed as (a leaf's stand-in, and an
    index bound's value, printed as the server prints it)."""

    __slots__ = ()

    def __str__(self) -> str:
        return "undefined"


UNDEFINED_VALUE = _Undefined()
_UNDEFINED = UNDEFINED_VALUE


def _walk(obj: Any, is_array: bool, prefix: str, out: list, multikey: set) -> None:
    """``_traverseWildcard``: the leaves under ``obj`` (an array's elements keep
    the array's path)."""
    items = enumerate(obj) if is_array else obj.items()
    for name, value in items:
        if is_array:
            path = prefix
        else:
            if "." in name:
                continue  # not queryable
            path = f"{prefix}.{name}" if prefix else name
        if type(value) is list:
            if is_array:
                out.append((path, value))  # a nested array is a value
                continue
            multikey.add(path)
            if not value:
                out.append((path, _UNDEFINED))
                continue
            _walk(value, True, path, out, multikey)
        elif isinstance(value, Mapping):
            if not value:
                out.append((path, value))
                continue
            _walk(value, False, path, out, multikey)
        else:
            out.append((path, value))


#: at most this many positional components of a query path are expanded
_MAX_POSITIONAL_COMPONENTS = 8


def leaf_paths(path: str) -> list[str] | None:
    """The index paths a query path with array positions (``a.0.b``) may find its
    matches under: each numeric component either an array index (left out of
    the leaf's path) or a field name, and each prefix ending before one (an
    array inside an array is a leaf there, its elements reachable by position).
    None: ``path`` has no numeric component (or too many to expand)."""
    parts = _parts(path)
    positions = [i for i, part in enumerate(parts) if i and part.isdigit()]
    if not positions or len(positions) > _MAX_POSITIONAL_COMPONENTS:
        return None
    found: dict[str, None] = {}
    for dropped in itertools.product((False, True), repeat=len(positions)):
        skip = {position for position, drop in zip(positions, dropped) if drop}
        kept: list[str] = []
        for i, part in enumerate(parts):
            if i in positions and kept:
                found[".".join(kept)] = None  # the prefix before a position
            if i not in skip:
                kept.append(part)
        found[".".join(kept)] = None
    return list(found)


class ExpandedKeyPattern(KeyPattern):
    """The key pattern of a wildcard index expanded for one query path
    (``{$_path: 1, <path>: 1}``): a document's ``$_path`` is that path (what
    ``returnKey`` shows: ``{$_path: "a", a: 1}``)."""

    __slots__ = ("wildcard_path",)

    def __init__(self, key: Mapping[str, Any], collation: Any, path: str | None) -> None:
        super().__init__(key, collation)
        self.wildcard_path = path

    def field_values(self, doc: Mapping, i: int) -> tuple[list[tuple[tuple, Any]], bool, Any]:
        if self.paths[i] == "$_path":
            path = self.wildcard_path
            return [(sort_key(path), path)], False, None
        return super().field_values(doc, i)
