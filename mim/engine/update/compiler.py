"""``compile_update``: validate an update completely, then apply it to documents.

An operator update is parsed into one tree (:mod:`.tree`); every error the
server reports while parsing (unknown modifier, conflicting paths, a bad
operator argument, an unknown or unused array filter identifier) is raised
here, before any document is read.  A list is an update pipeline
(:mod:`.pipeline`).
"""

from __future__ import annotations

import functools

from collections.abc import Mapping
from typing import Any

from ..values.errors import ServerError
from ..languages.matcher.nodes import MatchNode
from ..values.render import render, render_document
from ..values.order import type_name
from ..values.limits import check_bson_depth, check_pipeline_length
from .array_filters import parse_array_filters
from .fields import SetModifier, UnsetModifier, copy_value, parse_rename_source
from ..languages.matcher.positional import matched_array_index
from .registry import UPDATE_OPERATORS
from .storage import validate_top_level_field
from .numeric import identical
from ..values.order import MISSING
from .tree import (FIELD_ORDER, ApplyContext, ArrayNode, CompiledUpdate, LeafNode, Location,
                   ObjectNode, conflict, is_array_filter_identifier, split_update_path)
from .pipeline import compile_pipeline_update

__all__ = ["compile_update", "compile_top_level_sets", "top_level_sets", "apply_top_level", "CompiledUpdate", "OperatorUpdate"]


class OperatorUpdate(CompiledUpdate):
    """An update made of ``$``-operators, applied as one tree in path order."""

    def __init__(self, root: ObjectNode, array_filters: dict[str, MatchNode],
                 positional: bool) -> None:
        self._root: ObjectNode | None = root
        self._sets: list[tuple[str, Any]] = []
        self.array_filters = array_filters
        self.positional = positional
        #: top-level ``$``-prefixed fields the update touches (validated for
        #: storage when an existing document is updated)
        self.dollar_fields = sorted(name for name in root.children if name.startswith("$"))
        self.touched = frozenset(root.children)
        #: the document it updates is, as it is left, what its re-encoded bytes
        #: decode to (see :func:`decodes_as_itself`): no second decoding needed
        self.decodes_as_itself = decodes_as_itself(root)
        #: ``(name, value)`` per top-level field in the tree's order (MISSING for an
        #: ``$unset``) when the update only sets top-level fields other than ``_id``
        #: to plain scalars or unsets them: an existing document takes it without
        #: the tree walk (what the walk does to it, see :meth:`_apply_top_level`)
        self.top_level = [(name, MISSING if type(node.modifier) is UnsetModifier
                           else node.modifier.value)
                          for name, node in ((n, root.children[n]) for n in root.order())] \
            if self.decodes_as_itself and "_id" not in root.children else None

    @classmethod
    def top_level_sets(cls, sets: list[tuple[str, Any]], touched: frozenset[str]
                       ) -> "OperatorUpdate":
        """The update ``{$set: {name: value, …}}`` of plain top-level fields (no
        ``_id``) to values :func:`decodes_as_itself` accepts, ``sets`` in the tree's
        order: what :func:`compile_update` builds for it, its tree made only when an
        upsert's new document needs it (an existing document takes
        :attr:`top_level`)."""
        update = _new_object(cls)
        update._root = None
        update._sets = sets
        update.array_filters = {}
        update.positional = False
        update.dollar_fields = []
        update.touched = touched
        update.decodes_as_itself = True
        update.top_level = sets
        return update

    @property
    def root(self) -> ObjectNode:
        """The update's tree (built on first use for :meth:`top_level_sets`)."""
        root = self._root
        if root is None:
            root = self._root = ObjectNode()
            for name, value in self._sets:
                root.set_child(name, LeafNode(SetModifier(value)))
        return root

    def _apply_top_level(self, doc: dict) -> None:
        """The tree walk's effect on an existing document for :attr:`top_level`
        (see :func:`apply_top_level`)."""
        apply_top_level(doc, self.top_level)

    def apply(self, doc: dict, *, query: MatchNode | None = None,
              is_insert: bool = False) -> None:
        if self.top_level is not None and not is_insert:
            self._apply_top_level(doc)
            return
        matched = None
        if self.positional and not is_insert:
            matched = matched_array_index(query, doc)
        ctx = ApplyContext(doc, matched, is_insert, self.array_filters)
        check = self.dollar_fields and not is_insert
        if check:
            before = {name: copy_value(doc.get(name, MISSING)) for name in self.dollar_fields}
        self.root.apply(ctx, Location(None, None, doc), [], [])
        if check:
            for name in self.dollar_fields:
                if name in doc and (before[name] is MISSING
                                    or not identical(doc[name], before[name])):
                    validate_top_level_field(doc, name)
        if is_insert and "_id" in doc and next(iter(doc)) != "_id":
            id_value = doc.pop("_id")
            items = list(doc.items())
            doc.clear()
            doc["_id"] = id_value
            doc.update(items)


#: the values that decode from their own encoding as the very same type and
#: value (no int past int32, which comes back an Int64; no container, which
#: a later write could share)
_SELF_DECODING = frozenset({str, float, bool, type(None)})
_INT32_MIN, _INT32_MAX = -2 ** 31, 2 ** 31 - 1


def decodes_as_itself(root: ObjectNode) -> bool:
    """Whether a document decoded from its stored bytes, once this update's
    tree is applied, equals type for type what its re-encoded bytes decode to:
    the update only ``$set``s top-level fields to plain scalars (strings,
    doubles, booleans, null, int32 numbers) or ``$unset``s top-level fields.
    Every other value or operator (``$inc`` may widen an int to a long) or a
    deeper path leaves the caller decoding the new bytes."""
    if root.positional is not None or not root.children:
        return False
    for name, node in root.children.items():
        if type(node) is not LeafNode or name.startswith("$"):
            return False
        modifier = node.modifier
        if type(modifier) is UnsetModifier:
            continue
        if type(modifier) is not SetModifier or modifier.insert_only:
            return False
        value = modifier.value
        kind = type(value)
        if kind is int:
            if not _INT32_MIN <= value <= _INT32_MAX:
                return False
        elif kind not in _SELF_DECODING:
            return False
    return True


_new_object = object.__new__

#: per update shape — the field names of a ``{$set: {…}}`` of plain top-level fields —
#: the order the tree applies them in and the fields it touches, reused with each
#: statement's values (a shape is a tuple of names: nothing to invalidate)
_SET_SHAPES: dict[tuple, tuple[tuple[int, ...], frozenset[str]]] = {}
_MAX_SET_SHAPES = 256


def top_level_sets(fields: dict) -> tuple[list[tuple[str, Any]], frozenset[str]] | None:
    """For ``{$set: fields}`` when every field is a plain top-level name (not
    ``_id``) and every value decodes as itself: its ``(name, value)`` pairs in the
    tree's order and the fields it touches (what :func:`apply_top_level` and an
    index's upkeep need); None otherwise (compiled the general way, which raises
    any error)."""
    names = tuple(fields)
    shape = _SET_SHAPES.get(names)
    if shape is None:
        for name in names:
            if type(name) is not str or not name or "." in name or name[0] == "$" \
                    or name == "_id":
                return None
        order = tuple(sorted(range(len(names)), key=lambda i: FIELD_ORDER(names[i])))
        shape = (order, frozenset(names))
        if len(_SET_SHAPES) >= _MAX_SET_SHAPES:
            _SET_SHAPES.clear()
        _SET_SHAPES[names] = shape
    values = list(fields.values())
    for value in values:
        kind = type(value)
        if kind is int:
            if not _INT32_MIN <= value <= _INT32_MAX:
                return None
        elif kind not in _SELF_DECODING:
            return None
    order, touched = shape
    if len(values) == 1:  # (one field: no comprehension's frame)
        return [(names[0], values[0])], touched
    return [(names[i], values[i]) for i in order], touched


def compile_top_level_sets(fields: dict) -> OperatorUpdate | None:
    """:meth:`OperatorUpdate.top_level_sets` for ``{$set: fields}`` when
    :func:`top_level_sets` takes it; None otherwise."""
    found = top_level_sets(fields)
    return None if found is None else OperatorUpdate.top_level_sets(*found)


def apply_top_level(doc: dict, pairs: list[tuple[str, Any]]) -> None:
    """The tree walk's effect on an existing document of the ``(name, value)``
    pairs of a top-level update (MISSING for an ``$unset``): a value not identical
    to the current one (type for type) replaces it or is appended, an unset field
    is removed."""
    for name, value in pairs:
        if value is MISSING:
            if name in doc:
                del doc[name]
        elif name not in doc:
            doc[name] = value
        else:
            current = doc[name]
            if type(current) is str and type(value) is str:
                if current != value:  # (identical's answer for two strings, without its calls)
                    doc[name] = value
            elif not identical(current, value):
                doc[name] = value


#: the operators that compare values, and so take the update's collation
COLLATION_AWARE_OPERATORS = frozenset({"$push", "$addToSet", "$pull", "$pullAll", "$min",
                                       "$max"})


def compile_update(spec: Any, array_filters: list | None = None,
                   variables: Mapping[str, Any] | None = None,
                   collation: Any = None) -> CompiledUpdate:
    """Compile an operator update (a document) or an update pipeline (a list);
    ``collation`` (a parsed Collation, None for simple) orders the strings that
    ``arrayFilters``, ``$pull``, ``$addToSet``, ``$min``… compare.

    Raises :class:`~mim.engine.values.errors.ServerError` with the server's code and
    message for any invalid input.
    """
    if type(spec) is dict and len(spec) == 1 and not array_filters \
            and type(spec.get("$set")) is dict and spec["$set"]:
        # the common {$set: {name: value}}: its shape's compiled order, these values
        update = compile_top_level_sets(spec["$set"])
        if update is not None:
            return update
    check_bson_depth(spec)
    if isinstance(spec, list):
        check_pipeline_length(spec)
        if array_filters:
            raise ServerError(9, "arrayFilters may not be specified for pipeline-style updates")
        return compile_pipeline_update(spec, variables or {}, collation)
    if not isinstance(spec, Mapping):
        raise ServerError(14, "Update argument must be either an object or an array")
    filters = parse_array_filters(array_filters, collation)
    root = ObjectNode()
    found: set[str] = set()
    positional = False
    for operator, fields in spec.items():
        parser = UPDATE_OPERATORS.get(operator)
        if parser is None:
            raise ServerError(9, f"Unknown modifier: {operator}. Expected a valid update "
                                 f"modifier or pipeline-style update specified as an array")
        if not isinstance(fields, Mapping):
            raise ServerError(9, f"Modifiers operate on fields but we found type "
                                 f"{type_name(fields)} instead. For example: {{$mod: {{<field>: "
                                 f"...}}}} not {{{operator}: {render(fields)}}}")
        if collation is not None and operator in COLLATION_AWARE_OPERATORS:
            parser = functools.partial(parser, collation=collation)
        for path, arg in fields.items():
            if operator == "$rename":
                positional |= _merge(root, path, parse_rename_source(arg, path), filters, found)
                if not isinstance(arg, str):
                    parser(arg, path)  # raises the server's error for a non-string target
                positional |= _merge(root, arg, None, filters, found,
                                     make=lambda: parser(arg, path))
            else:
                positional |= _merge(root, path, None, filters, found,
                                     make=lambda: parser(arg, path))
    for identifier in sorted(filters):
        if identifier not in found:
            raise ServerError(9, f"The array filter for identifier '{identifier}' was not used "
                                 f"in the update {render_document(spec)}")
    return OperatorUpdate(root, filters, positional)


def _identifier(part: str, position: int, path: str, filters: Mapping, found: set) -> str:
    if position == 0:
        raise ServerError(2, f"Cannot have array filter identifier (i.e. '$[<id>]') element in "
                             f"the first position in path '{path}'")
    identifier = part[2:-1]
    if identifier and identifier not in filters:
        raise ServerError(2, f"No array filter found for identifier '{identifier}' in path "
                             f"'{path}'")
    if identifier:
        found.add(identifier)
    return identifier


def _merge(root: ObjectNode, path: str, modifier: Any, filters: Mapping, found: set,
           make: Any = None) -> bool:
    """Add one operator at ``path`` to the tree (``UpdateObjectNode::parseAndMerge``);
    returns whether the path is positional."""
    if path and "." not in path and path[0] != "$":
        # one plain top-level field (the common ``{$set: {name: v}}``): no parts to walk
        if modifier is None:
            modifier = make()  # (its argument's error comes before a conflict)
        if path in root.children:
            raise conflict(path, path)
        root.set_child(path, LeafNode(modifier))
        return False
    parts = split_update_path(path)
    positions = [i for i, part in enumerate(parts) if part == "$"]
    if len(positions) > 1:
        raise ServerError(2, f"Too many positional (i.e. '$') elements found in path '{path}'")
    if positions and positions[0] == 0:
        raise ServerError(2, f"Cannot have positional (i.e. '$') element in the first position "
                             f"in path '{path}'")
    if modifier is None:
        modifier = make()
    current: Any = root
    for i, part in enumerate(parts[:-1]):
        name = _identifier(part, i, path, filters, found) if is_array_filter_identifier(part) \
            else part
        child = current.get_child(name)
        wants_array = is_array_filter_identifier(parts[i + 1])
        if child is not None:
            if child.kind != ("array" if wants_array else "object"):
                raise conflict(path, ".".join(parts[:i + 1]))
        else:
            child = ArrayNode() if wants_array else ObjectNode()
            current.set_child(name, child)
        current = child
    last = parts[-1]
    name = _identifier(last, len(parts) - 1, path, filters, found) \
        if is_array_filter_identifier(last) else last
    if current.get_child(name) is not None:
        raise conflict(path, path)
    current.set_child(name, LeafNode(modifier))
    return bool(positions)
