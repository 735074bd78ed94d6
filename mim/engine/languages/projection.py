"""Find projections: inclusion, exclusion, ``$slice``, ``$elemMatch``, positional
``$`` and (MongoDB 4.4+) aggregation expressions, compiled once per query.

The projection is parsed into a tree of path components; applying it builds
a new document and never modifies its input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..values.errors import ServerError
from ..values.render import render
from ..values.order import MISSING, is_number, type_name
from .expressions import ExpressionContext, compile_expression
from .matcher.arrays import compile_elem_match
from .matcher.context import MatchContext
from .expressions.registry import OPERATORS
from .expressions.registry import UNSUPPORTED_OPERATORS as UNSUPPORTED_EXPRESSIONS
from .matcher.positional import matched_array_index
from ..values.limits import check_bson_depth
from .expressions.misc import META_NAMES
from .matcher.geo import find_near_node
from .matcher.text import find_text_node
from .metadata import check_metadata_available, mentioned_metadata

__all__ = ["compile_projection", "Projection", "PROJECTION_OPERATORS", "QUERY_METADATA",
           "available_query_metadata", "query_metadata", "metadata_readers"]

#: Find-projection operators this module implements.
PROJECTION_OPERATORS = ("$", "$elemMatch", "$meta", "$slice")

INCLUDE = "include"
EXCLUDE = "exclude"


class _Slice:
    __slots__ = ("skip", "limit")

    def __init__(self, skip: int | None, limit: int) -> None:
        self.skip = skip
        self.limit = limit

    def apply(self, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        if self.skip is None:
            n = self.limit
            return value[:n] if n >= 0 else value[n:] if -n < len(value) else value[:]
        skip = self.skip
        if skip < 0:
            skip = max(len(value) + skip, 0)
        return value[skip:skip + self.limit]


class _ElemMatch:
    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node


class _Computed:
    __slots__ = ("evaluate",)

    def __init__(self, evaluate: Callable[[dict], Any]) -> None:
        self.evaluate = evaluate


class _Positional:
    __slots__ = ()


def _flag(value: Any) -> bool | None:
    """1/true/non-zero → True, 0/false → False, anything else → None (expression)."""
    if isinstance(value, bool):
        return value
    if is_number(value):
        return value != 0 if not hasattr(value, "to_decimal") else value.to_decimal() != 0
    return None


class Projection:
    """A compiled projection; ``apply(doc, query=...)`` returns the projected copy.

    Parsing follows the server's ``projection_parser.cpp``: sub-objects are
    sub-projections unless they hold a single ``$`` key (an expression, find's
    ``$slice`` or ``$elemMatch``); projections made only of ``_id`` and find
    expressions take their type from the server's compatibility rules.
    """

    def __init__(self, spec: Mapping[str, Any], variables: dict | None = None,
                 collation: Any = None) -> None:
        self.spec = spec
        #: the find's collation: ``$elemMatch`` and expressions compare strings by it
        self._collation = collation
        self.tree: dict[str, Any] = {}
        self.inclusion: bool | None = None
        self.include_id = True
        self.positional_path: str | None = None
        self._has_elem_match = False
        self._has_find_slice = False
        self._id_included = False
        self._id_excluded = False
        self._variables = variables or {}
        #: top-level fields set to a metadata of the document: (field, $meta name)
        self.meta_fields: list[tuple[str, str]] = []
        #: the metadata the projection reads, in $meta fields or inside expressions
        self.metadata_names: set[str] = set()
        for path, value in spec.items():
            self._add(path, value)
        if self.inclusion is None:
            if self._has_find_slice:
                self.inclusion = self._id_included
            elif self._has_elem_match:
                self.inclusion = True
            else:
                self.inclusion = self._id_included
        if self.inclusion is False and self._id_included:
            # {_id: 1} inside an exclusion projection is allowed and changes nothing
            self.tree.pop("_id", None)

    # -- parsing -------------------------------------------------------------

    def _set_mode(self, inclusion: bool, path: str) -> None:
        if self.inclusion is None:
            self.inclusion = inclusion
        elif self.inclusion != inclusion:
            if inclusion:
                raise ServerError(31253, f"Cannot do inclusion on field {path} in exclusion "
                                         f"projection")
            raise ServerError(31254, f"Cannot do exclusion on field {path} in inclusion "
                                     f"projection")

    def _add(self, path: str, value: Any, prefix: str = "") -> None:
        full = f"{prefix}.{path}" if prefix else path
        positional = path.endswith(".$")
        if ".$." in path:
            raise ServerError(31394, "As of 4.4, it's illegal to specify positional operator in "
                                     "the middle of a path.Positional projection may only be "
                                     "used at the end, for example: a.b.$. If the query "
                                     "previously used a form like a.b.$.d, remove the parts "
                                     "following the '$' and the results will be equivalent.")
        _check_field_path(path[:-2] if positional else path)
        if isinstance(value, Mapping):
            if positional:
                raise ServerError(31271, "positional projection cannot be used with an "
                                         "expression or sub object")
            if not value:
                raise ServerError(51270, "An empty sub-projection is not a valid value. Found "
                                         "empty object at path")
            first = next(iter(value))
            if len(value) == 1 and first.startswith("$"):
                self._add_operator(full, first, value[first], nested=bool(prefix))
                return
            for key, sub in value.items():
                self._add(key, sub, full)
            return
        flag = _flag(value)
        if flag is None:
            if positional:
                raise ServerError(31308, "positional projection cannot be used with a literal")
            if self.inclusion is False:
                raise ServerError(31310, f"Cannot use an expression {path}: {render(value)} in "
                                         f"an exclusion projection")
            # parseOperand: "$path" is a field path, an array holds expressions, any
            # other value is itself (projection_parser.cpp parseLiteral, MongoDB 4.4+)
            evaluate = compile_expression(value, ExpressionContext(self._variables,
                                                                   collation=self._collation))
            self._note_metadata(value)
            self._set_mode(True, path)
            self._insert(full, _Computed(evaluate))
            return
        is_top_id = full == "_id"
        if positional:
            if not flag:
                raise ServerError(31395, "positional projection cannot be used with exclusion")
            if self.positional_path is not None:
                raise ServerError(31276, "Cannot specify more than one positional projection "
                                         "per query.")
            if self._has_elem_match:
                raise ServerError(31256, "Cannot specify positional operator and $elemMatch.")
            base = full[:-2]
            self.positional_path = base
            self._insert(base, _Positional())
            self._set_mode(True, path)
            return
        self._insert(full, INCLUDE if flag else EXCLUDE)
        if is_top_id:
            self.include_id = flag
            if flag:
                self._id_included = True
            else:
                self._id_excluded = True
            return
        self._set_mode(flag, path)

    def _add_operator(self, path: str, op: str, arg: Any, nested: bool) -> None:
        if op == "$slice":
            try:
                action = _parse_slice(arg)
            except ServerError:
                # not find()'s $slice: the server then tries the $slice expression
                self._add_expression(path, {op: arg})
                return
            self._insert(path, action)
            self._has_find_slice = True
            return
        if op == "$elemMatch":
            if not isinstance(arg, Mapping):
                raise ServerError(31274, "elemMatch: Invalid argument, object required, but "
                                         f"got {type_name(arg)}")
            if self.positional_path is not None:
                raise ServerError(31255, "Cannot specify positional operator and $elemMatch.")
            if nested or "." in path:
                raise ServerError(31275, "Cannot use $elemMatch projection on a nested field.")
            node = compile_elem_match(path, arg, MatchContext(collation=self._collation))
            self._has_elem_match = True
            self._insert(path, _ElemMatch(node))
            return
        if op == "$meta":
            self._add_meta(path, arg)
            return
        if op not in OPERATORS and op not in UNSUPPORTED_EXPRESSIONS:
            raise ServerError(31325, f"Unknown expression {op}")
        self._add_expression(path, {op: arg})

    def _add_meta(self, path: str, name: Any) -> None:
        """``{$meta: "textScore"}`` (or ``"geoNearDistance"``, ``"geoNearPoint"``): the
        metadata is added to the projected document (it makes the projection neither
        inclusive nor exclusive)."""
        if not isinstance(name, str):
            raise ServerError(17307, "$meta only supports string arguments")
        if name not in META_NAMES:
            raise ServerError(17308, f"Unsupported argument to $meta: {name}")
        if name not in QUERY_METADATA or "." in path:
            raise ServerError(238, f"$meta projection of {name} at {path} is not supported by "
                                   f"mim: only top-level textScore, geoNearDistance and "
                                   f"geoNearPoint fields are emulated")
        self.meta_fields.append((path, name))
        self.metadata_names.add(name)

    def _note_metadata(self, expression: Any) -> None:
        """Remember the query metadata an expression reads (``{$meta: …}`` inside it)."""
        self.metadata_names.update(mentioned_metadata(expression).intersection(QUERY_METADATA))

    def _add_expression(self, path: str, expression: Any) -> None:
        if self.inclusion is False:
            raise ServerError(31252, "Cannot use expression other than $meta in exclusion "
                                     "projection")
        evaluate = compile_expression(expression, ExpressionContext(self._variables,
                                                                    collation=self._collation))
        self._note_metadata(expression)
        self.inclusion = True
        self._insert(path, _Computed(evaluate))

    def _insert(self, path: str, action: Any, allow_override: bool = False) -> None:
        parts = path.split(".")
        node = self.tree
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                raise ServerError(31249, f"Path collision at {path} remaining portion "
                                         f"{'.'.join(parts[i + 1:])}")
            node = child
        last = parts[-1]
        if last in node and not allow_override:
            raise ServerError(31250, f"Path collision at {path}")
        node[last] = action

    # -- applying -------------------------------------------------------------

    def apply(self, doc: Mapping[str, Any], query: Any = None) -> dict:
        out = self._apply(doc, query)
        if self.meta_fields:
            meta = query_metadata(self.metadata_names, doc, query)
            for field, name in self.meta_fields:
                out.pop(field, None)
                out[field] = meta[name]
        return out

    def _apply(self, doc: Mapping[str, Any], query: Any) -> dict:
        if self.inclusion:
            out = self._include(doc, self.tree, doc, query, top=True)
            if self.include_id and "_id" in doc and "_id" not in out:
                out = {"_id": doc["_id"], **out}
            elif self.include_id and "_id" in doc:
                # _id stays first, as the server returns it
                out = {"_id": out.pop("_id"), **out}
            return out
        out = self._exclude(doc, self.tree, doc, query)
        if not self.include_id:
            out.pop("_id", None)
        return out

    def _include(self, doc: Mapping, tree: dict, root: Mapping, query: Any, top: bool) -> dict:
        out: dict = {}
        for key, value in doc.items():
            action = tree.get(key)
            if action is None:
                continue
            if action is INCLUDE:
                out[key] = value
            elif action is EXCLUDE:
                continue
            elif isinstance(action, dict):
                projected = self._include_nested(value, action, root, query)
                if projected is not MISSING:
                    out[key] = projected
            elif isinstance(action, _Slice):
                out[key] = action.apply(value)
            elif isinstance(action, _Positional):
                out[key] = self._positional(key, value, root, query)
        # computed fields and $elemMatch come after the included fields, in the order
        # the projection names them (the server adds them as expressions)
        for key, action in tree.items():
            if isinstance(action, _Computed):
                scope = dict(self._variables)
                scope["ROOT"] = root
                scope["CURRENT"] = root
                if self.metadata_names:
                    scope["META"] = query_metadata(self.metadata_names, root, query)
                result = action.evaluate(scope)
                if result is not MISSING:
                    out[key] = result
            elif isinstance(action, _ElemMatch):
                value = doc.get(key, MISSING)
                if isinstance(value, list):
                    for element in value:
                        if action.node.matches({key: [element]}):
                            out[key] = [element]
                            break
            elif isinstance(action, dict) and key not in doc and _has_computed(action):
                out[key] = self._include({}, action, root, query, top=False)
        return out

    def _include_nested(self, value: Any, tree: dict, root: Mapping, query: Any) -> Any:
        if isinstance(value, Mapping):
            return self._include(value, tree, root, query, top=False)
        if isinstance(value, list):
            items = []
            for element in value:
                if isinstance(element, (Mapping, list)):
                    items.append(self._include_nested(element, tree, root, query))
                elif _has_computed(tree):
                    items.append(self._include({}, tree, root, query, top=False))
            return items
        if _has_computed(tree):
            return self._include({}, tree, root, query, top=False)
        return MISSING

    def _exclude(self, doc: Mapping, tree: dict, root: Mapping, query: Any) -> dict:
        out: dict = {}
        for key, value in doc.items():
            action = tree.get(key)
            if action is None or action is INCLUDE:
                out[key] = value
            elif action is EXCLUDE:
                continue
            elif isinstance(action, dict):
                out[key] = self._exclude_nested(value, action, root, query)
            elif isinstance(action, _Slice):
                out[key] = action.apply(value)
        return out

    def _exclude_nested(self, value: Any, tree: dict, root: Mapping, query: Any) -> Any:
        if isinstance(value, Mapping):
            return self._exclude(value, tree, root, query)
        if isinstance(value, list):
            return [self._exclude_nested(e, tree, root, query) if isinstance(e, (Mapping, list))
                    else e for e in value]
        return value

    def _positional(self, key: str, value: Any, root: Mapping, query: Any) -> Any:
        if not isinstance(value, list):
            return value
        matched = matched_array_index(query, root) if query is not None else None
        index = int(matched) if matched is not None else None
        if index is None or index >= len(value):
            raise ServerError(51246, "Executor error during find command :: caused by :: "
                                     "positional operator '.$' couldn't find a matching "
                                     "element in the array")
        return [value[index]]


def _has_computed(tree: dict) -> bool:
    for action in tree.values():
        if isinstance(action, _Computed):
            return True
        if isinstance(action, dict) and _has_computed(action):
            return True
    return False


def _parse_slice(arg: Any) -> _Slice:
    """find()'s ``$slice``: ``n`` or ``[skip, limit]`` (numbers truncated to int32)."""
    if is_number(arg):
        return _Slice(None, _number_int(arg))
    if isinstance(arg, list):
        if len(arg) != 2:
            raise ServerError(31272, "$slice array argument should be of form [skip, limit]")
        skip, limit = arg
        if not is_number(skip):
            raise ServerError(31257, "$slice expects the skip argument to be a number, got "
                                     f"{type_name(skip)}")
        if not is_number(limit):
            raise ServerError(31258, "$slice expects the limit argument to be a number, got "
                                     f"{type_name(limit)}")
        if _number_int(limit) <= 0:
            raise ServerError(31259, f"$slice limit must be positive, got {_number_int(limit)}")
        return _Slice(_number_int(skip), _number_int(limit))
    raise ServerError(31273, "$slice only supports numbers and [skip, limit] arrays")


def _number_int(value: Any) -> int:
    """``BSONElement::numberInt``: truncation toward zero."""
    if hasattr(value, "to_decimal"):
        value = value.to_decimal()
        if not value.is_finite():
            return 0
    elif isinstance(value, float) and value != value:
        return 0
    return int(value)


def _check_field_path(path: str) -> None:
    """``FieldPath`` validation (code 16410 for a ``$``-prefixed component)."""
    for part in path.split("."):
        if not part:
            raise ServerError(15998, "FieldPath field names may not be empty strings.")
        if part.startswith("$"):
            raise ServerError(16410, "FieldPath field names may not start with '$'. Consider "
                                     "using $getField or $setField.")


def compile_projection(spec: Any, variables: dict | None = None,
                       collation: Any = None) -> Projection | None:
    """Compile a find projection (``None``/``{}`` mean the whole document; strings
    compare by ``collation``, a parsed Collation or None)."""
    if not spec:
        return None
    check_bson_depth(spec)
    return Projection(spec, variables, collation)


#: the metadata a find's query attaches to the documents it matches
QUERY_METADATA = ("textScore", "geoNearDistance", "geoNearPoint")


def available_query_metadata(query: Any) -> tuple[str, ...]:
    """What metadata a compiled find query gives its documents: a textScore with
    ``$text``, the distance and nearest location with ``$near``/``$nearSphere``."""
    if find_near_node(query) is not None:
        return ("geoNearDistance", "geoNearPoint")
    if find_text_node(query) is not None:
        return ("textScore",)
    return ()


def metadata_readers(query: Any) -> dict[str, Callable[[Mapping], Any]]:
    """For a sort: each sortable metadata the query gives, with its reader."""
    text = find_text_node(query)
    if text is not None:
        return {"textScore": text.score}
    near = find_near_node(query)
    if near is not None:
        return {"geoNearDistance": near.distance}
    return {}


def query_metadata(names: set[str], doc: Mapping[str, Any], query: Any) -> dict[str, Any]:
    """The metadata named ``names`` that ``query`` attaches to ``doc`` (40218 for one
    it cannot give, as ``CanonicalQuery`` refuses it)."""
    check_metadata_available(names, available_query_metadata(query))
    meta: dict[str, Any] = {}
    if "textScore" in names:
        meta["textScore"] = find_text_node(query).score(doc)
    if "geoNearDistance" in names:
        meta["geoNearDistance"] = find_near_node(query).distance(doc)
    if "geoNearPoint" in names:
        meta["geoNearPoint"] = find_near_node(query).nearest_location(doc)
    return meta
