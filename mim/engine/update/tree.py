"""The compiled form of an operator update: a tree of nodes, one per path part.

Parsing merges every ``{$op: {path: arg}}`` into one tree (as the server's
``UpdateObjectNode::parseAndMerge`` does), which is where conflicting paths
are found.  Applying walks the tree against a document: children of a node
are applied in lexicographic order of their field names (MongoDB 5.0+), a
positional ``$`` child is applied at the position the query matched, and an
array node (``$[]`` / ``$[<id>]``) applies its children to every matching
array element.  Leaves are :class:`Modifier` objects (one per operator).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..values.errors import ServerError
from ..values.render import render
from ..values.order import MISSING
from .numeric import identical

if TYPE_CHECKING:
    from ..languages.matcher.nodes import MatchNode

__all__ = ["ObjectNode", "ArrayNode", "LeafNode", "Modifier", "ApplyContext", "Location",
           "NOOP", "conflict", "is_array_filter_identifier", "render_element", "id_string",
           "path_not_viable", "split_update_path", "check_viability", "create_path"]


#: ``pathsupport::kMaxPaddingAllowed``: nulls an update may add to reach an index
MAX_PADDING = 1500000


class _Noop:
    def __repr__(self) -> str:
        return "NOOP"


#: returned by :meth:`Modifier.update_existing` when the value is left as it is
NOOP = _Noop()


def compare_fields(a: str, b: str) -> int:
    """The order the server applies an update's children in (``pathsupport::
    cmpPathsAndArrayIndexes``): names that look like array indexes (a digit first, no
    leading zero) compare shortest first, so ``"2"`` comes before ``"10"``; any other
    pair compares as strings."""
    if not a or not b or not a[0].isdigit() or not b[0].isdigit() or \
            (a[0] == "0" and len(a) > 1) or (b[0] == "0" and len(b) > 1):
        return (a > b) - (a < b)
    if len(a) != len(b):
        return -1 if len(a) < len(b) else 1
    return (a > b) - (a < b)


#: sort key for :func:`compare_fields`
FIELD_ORDER = functools.cmp_to_key(compare_fields)


def is_array_filter_identifier(part: str) -> bool:
    return len(part) >= 3 and part.startswith("$[") and part.endswith("]")


def conflict(path: str, at: str) -> ServerError:
    return ServerError(40, f"Updating the path '{path}' would create a conflict at '{at}'")


def split_update_path(path: str) -> list[str]:
    """The parts of an update path, rejecting empty paths and empty parts."""
    if path == "":
        raise ServerError(56, "An empty update path is not valid.")
    parts = path.split(".")
    if any(part == "" for part in parts):
        raise ServerError(56, f"The update path '{path}' contains an empty field name, which "
                              f"is not allowed.")
    return parts


class ApplyContext:
    """What applying one compiled update to one document needs to know."""

    __slots__ = ("doc", "matched", "is_insert", "array_filters")

    def __init__(self, doc: dict, matched: str | None, is_insert: bool,
                 array_filters: Mapping[str, Any]) -> None:
        self.doc = doc
        self.matched = matched
        self.is_insert = is_insert
        self.array_filters = array_filters


class Location:
    """An existing element of the document: ``container[key]`` (the root when
    ``container`` is None)."""

    __slots__ = ("container", "key", "root")

    def __init__(self, container: Any, key: Any, root: dict) -> None:
        self.container = container
        self.key = key
        self.root = root

    @property
    def value(self) -> Any:
        if self.container is None:
            return self.root
        return self.container[self.key]

    def set(self, value: Any) -> None:
        self.container[self.key] = value

    def remove(self) -> None:
        """``$unset``: delete a field, or null out an array element."""
        if isinstance(self.container, list):
            self.container[self.key] = None
        else:
            del self.container[self.key]

    def in_array(self) -> bool:
        return isinstance(self.container, list)

    def child(self, field: str) -> "Location | None":
        value = self.value
        if isinstance(value, dict):
            if field in value:
                return Location(value, field, self.root)
            return None
        if isinstance(value, list) and field.isdigit() and field.isascii():
            index = int(field)
            if index < len(value):
                return Location(value, index, self.root)
        return None


def render_element(loc: Location) -> str:
    """``mutablebson::Element::toString``: ``name: value``."""
    return f"{loc.key}: {render(loc.value)}"


def id_string(doc: Mapping) -> str:
    """The document's ``_id`` element as the server prints it (``_id: 1``)."""
    if "_id" in doc:
        return f"_id: {render(doc['_id'])}"
    return "no id"


def path_not_viable(part: str, loc: Location) -> ServerError:
    return ServerError(28, f"Cannot create field '{part}' in element {{{render_element(loc)}}}")


def check_viability(loc: Location, to_create: list[str], taken: list[str]) -> None:
    """Modifiers that never create paths still fail on a path through a scalar."""
    value = loc.value
    if isinstance(value, dict):
        return
    if isinstance(value, list) and to_create[0].isdigit():
        return
    full = ".".join(taken + to_create)
    raise ServerError(28, f"Cannot use the part ({to_create[0]}) of ({full}) to traverse the "
                          f"element ({{{render_element(loc)}}})")


def create_path(loc: Location, to_create: list[str], value: Any) -> None:
    """Create ``to_create`` below the existing element ``loc`` and put ``value``
    at its end (intermediate documents created, arrays padded with null)."""
    current = loc.value
    first = to_create[0]
    if isinstance(current, list):
        if not (first.isdigit() and first.isascii()):
            raise path_not_viable(first, loc)
        index = int(first)
        if index > len(current):
            if index - len(current) > MAX_PADDING:
                raise ServerError(34, f"can't backfill more than {MAX_PADDING} elements")
            current.extend([None] * (index - len(current)))
        rest = to_create[1:]
        current.append(_nest(rest, value))
        return
    if not isinstance(current, dict):
        raise path_not_viable(first, loc)
    current[first] = _nest(to_create[1:], value)


def _nest(parts: list[str], value: Any) -> Any:
    for part in reversed(parts):
        value = {part: value}
    return value


class Modifier:
    """One operator applied at the end of one path (the server's ``ModifierNode``).

    Subclasses implement :meth:`update_existing` (return the new value, or
    ``NOOP``) and :meth:`new_value` (the value of a created field).
    """

    kind = "leaf"
    #: creates the path when it does not exist ($set, $inc …) or not ($pop, $pull …)
    allow_creation = True
    #: a missing path through a scalar is silently ignored ($unset)
    allow_non_viable_path = False
    #: applies only when the update inserts a document ($setOnInsert)
    insert_only = False
    #: may set a document value (checked against immutable sub-paths)
    name = ""

    def update_existing(self, value: Any, ctx: ApplyContext, loc: Location,
                        path: list[str]) -> Any:
        raise NotImplementedError

    def new_value(self, ctx: ApplyContext) -> Any:
        raise NotImplementedError

    def apply(self, ctx: ApplyContext, loc: Location, taken: list[str],
              to_create: list[str]) -> None:
        if self.insert_only and not ctx.is_insert:
            return
        if to_create:
            self.apply_to_missing(ctx, loc, taken, to_create)
        else:
            self.apply_to_existing(ctx, loc, taken)

    def apply_to_existing(self, ctx: ApplyContext, loc: Location, taken: list[str]) -> None:
        new = self.update_existing(loc.value, ctx, loc, taken)
        if new is NOOP:
            return
        if new is MISSING:
            check_immutable_existing(taken)
            loc.remove()
            return
        if identical(new, loc.value):
            return
        check_immutable_existing(taken)
        loc.set(new)

    def apply_to_missing(self, ctx: ApplyContext, loc: Location, taken: list[str],
                         to_create: list[str]) -> None:
        if not self.allow_creation:
            if not self.allow_non_viable_path:
                check_viability(loc, to_create, taken)
            return
        value = self.new_value(ctx)
        create_path(loc, to_create, value)
        if taken and taken[0] == "_id":
            raise ServerError(66, f"Updating the path '{'.'.join(taken)}' to "
                                  f"{render_element(loc)} would modify the immutable field "
                                  f"'_id'")


def check_immutable_existing(taken: list[str]) -> None:
    if taken and taken[0] == "_id":
        raise ServerError(66, f"Performing an update on the path '{'.'.join(taken)}' would "
                              f"modify the immutable field '_id'")


class LeafNode:
    """A tree position holding one modifier."""

    kind = "leaf"
    __slots__ = ("modifier",)

    def __init__(self, modifier: Modifier) -> None:
        self.modifier = modifier

    def apply(self, ctx: ApplyContext, loc: Location, taken: list[str],
              to_create: list[str]) -> None:
        self.modifier.apply(ctx, loc, taken, to_create)


def merge(left: Any, right: Any, path: list[str]) -> Any:
    """Two subtrees that meet at the same document position (a positional
    ``$`` and the field it resolved to, or two array filters matching the same
    element) combined into one; two leaves there are a conflict."""
    if left.kind == "object" and right.kind == "object":
        merged = ObjectNode()
        merged.children = _merge_children(left.children, right.children, path, False)
        if left.positional is not None and right.positional is not None:
            merged.positional = merge(left.positional, right.positional, path + ["$"])
        else:
            merged.positional = left.positional or right.positional
        return merged
    if left.kind == "array" and right.kind == "array":
        merged_array = ArrayNode()
        merged_array.children = _merge_children(left.children, right.children, path, True)
        return merged_array
    raise ServerError(40, f"Update created a conflict at '{'.'.join(path)}'")


def _merge_children(left: dict, right: dict, path: list[str], wrap: bool) -> dict:
    out = dict(left)
    for name, child in right.items():
        if name in out:
            part = f"$[{name}]" if wrap else name
            out[name] = merge(out[name], child, path + [part])
        else:
            out[name] = child
    return out


def _resolve(loc: Location, taken: list[str], to_create: list[str]
             ) -> tuple[Location, list[str], list[str]]:
    """Advance through parts of ``to_create`` that an earlier sibling created."""
    while to_create:
        child = loc.child(to_create[0])
        if child is None:
            break
        loc = child
        taken = taken + [to_create[0]]
        to_create = to_create[1:]
    return loc, taken, to_create


def _apply_child(child: Any, field: str, ctx: ApplyContext, loc: Location, taken: list[str],
                 to_create: list[str]) -> None:
    loc, taken, to_create = _resolve(loc, taken, to_create)
    if not to_create:
        existing = loc.child(field)
        if existing is not None:
            child.apply(ctx, existing, taken + [field], [])
            return
    child.apply(ctx, loc, taken, to_create + [field])


class ObjectNode:
    """Named children (applied in lexicographic order) and an optional ``$`` child."""

    kind = "object"
    __slots__ = ("children", "positional", "_order")

    def __init__(self) -> None:
        self.children: dict[str, Any] = {}
        self.positional: Any = None
        self._order: list[str] | None = None

    def get_child(self, name: str) -> Any:
        if name == "$":
            return self.positional
        return self.children.get(name)

    def set_child(self, name: str, node: Any) -> None:
        if name == "$":
            self.positional = node
        else:
            self.children[name] = node
            self._order = None

    def order(self) -> list[str]:
        """The children's names in the order they are applied (field order)."""
        order = self._order
        if order is None:
            order = self._order = sorted(self.children, key=FIELD_ORDER)
        return order

    def apply(self, ctx: ApplyContext, loc: Location, taken: list[str],
              to_create: list[str]) -> None:
        positional = self.positional
        matched = ctx.matched
        if positional is not None and not matched:
            raise ServerError(2, "The positional operator did not find the match needed from "
                                 "the query.")
        for name in self.order():
            child = self.children[name]
            if positional is not None and name == matched:
                child = merge(positional, child, taken + to_create + [matched])
                positional = None
            elif positional is not None and compare_fields(matched, name) < 0:
                _apply_child(positional, matched, ctx, loc, taken, to_create)
                positional = None
            _apply_child(child, name, ctx, loc, taken, to_create)
        if positional is not None:
            _apply_child(positional, matched, ctx, loc, taken, to_create)


class ArrayNode:
    """Children keyed by array-filter identifier (``""`` for ``$[]``), applied to
    each element of the array at this position that their filter matches."""

    kind = "array"
    __slots__ = ("children",)

    def __init__(self) -> None:
        self.children: dict[str, Any] = {}

    def get_child(self, name: str) -> Any:
        return self.children.get(name)

    def set_child(self, name: str, node: Any) -> None:
        self.children[name] = node

    def apply(self, ctx: ApplyContext, loc: Location, taken: list[str],
              to_create: list[str]) -> None:
        loc, taken, to_create = _resolve(loc, taken, to_create)
        if to_create:
            path = ".".join(taken + to_create)
            raise ServerError(2, f"The path '{path}' must exist in the document in order to "
                                 f"apply array updates.")
        array = loc.value
        if not isinstance(array, list):
            raise ServerError(2, f"Cannot apply array updates to non-array element "
                                 f"{render_element(loc)}")
        names = sorted(self.children)
        plan: list[tuple[int, list[str]]] = []
        for index, element in enumerate(array):
            matching = [name for name in names
                        if name == "" or ctx.array_filters[name].matches({name: element})]
            if matching:
                plan.append((index, matching))
        for index, matching in plan:
            path = taken + [str(index)]
            node = self.children[matching[0]]
            for name in matching[1:]:
                node = merge(node, self.children[name], path)
            node.apply(ctx, Location(array, index, loc.root), path, [])


class CompiledUpdate:
    """A validated update: ``apply(doc, query=..., is_insert=...)`` mutates ``doc``."""

    #: a positional ``$`` appears in some path (needs the query's match position)
    positional = False
    #: the top-level fields the update may change (None: any, e.g. a pipeline)
    touched: frozenset[str] | None = None
    #: the updated document equals what its re-encoded bytes decode to (so it
    #: can be stored as the shadow as it is); False: decode the new bytes
    decodes_as_itself = False
    #: ``(name, value)`` pairs when the update only sets top-level fields to plain
    #: scalars or unsets them (see ``OperatorUpdate``); None: any other update
    top_level: list | None = None

    def apply(self, doc: dict, *, query: MatchNode | None = None,
              is_insert: bool = False) -> None:
        raise NotImplementedError
