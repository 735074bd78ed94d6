"""Grouping stages: $group (with its accumulators) and $bucket."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bson.int64 import Int64

from ..values.errors import ServerError
from ..languages.expressions import compile_expression
from ..languages.expressions.accumulators import (MinMaxAccumulator, PercentileAccumulator,
                                        make_accumulator, parse_percentile_spec)
from ..languages.expressions.array import check_n, parse_n_spec, sort_pattern_key
from ..languages.expressions.coercion import (compare_key, compare_key_of, comparer,
                                              element_repr, nullish)
from ..languages.expressions.objects import merge_objects
from ..languages.expressions.compiler import constant, is_constant
from ..languages.expressions.javascript import no_script_engine
from ..languages.expressions.coercion import fits_long, int_or_long
from ..values.order import MISSING, sort_key, type_name
from ..values.registry import Registry
from .memory import check_group_memory
from .registry import pipeline_stage

#: accumulator name -> factory(arg, ctx) -> (new_state(), process(state, doc_vars), result(state))
#: ``$group`` accumulator -> ``make(name, arg, ctx)`` (``$setWindowFields`` reuses them)
ACCUMULATORS: Registry[Any] = Registry("accumulator")


_INT32_MIN, _INT32_MAX = -2 ** 31, 2 ** 31 - 1


def accumulator(*names: str) -> Any:
    """Register an accumulator factory under ``names``."""
    return ACCUMULATORS.register(*names)


class _Simple:
    """Wraps an expressions.accumulators class fed by one expression
    (``$min``/``$max`` compare strings by the operation's collation)."""

    def __init__(self, name: str, fn, collation: Any = None) -> None:
        self.name, self.fn, self.collation = name, fn, collation

    def new(self):
        return make_accumulator(self.name, self.collation)

    def process(self, state, variables: dict) -> None:
        state.process(self.fn(variables))

    def result(self, state):
        return state.result()


def group_key(ctx: Any) -> Any:
    """How ``$group`` keys and ``$addToSet`` tell values apart: by the
    operation's collation when it has one (``"a"`` and ``"A"`` one group at strength 2)."""
    collation = ctx.expressions.collation
    return sort_key if collation is None else collation.sort_key


class _ConstantSum:
    """``{$sum: n}`` for an int32 constant ``n`` (``{$sum: 1}``: a count): what
    :class:`_Simple` over a ``SumAccumulator`` gives, an int32 total widening
    to a long, then to a double past the long range — with one addition per
    document instead of an expression call and a type dispatch."""

    def __init__(self, increment: int) -> None:
        self.increment = increment

    def new(self) -> list:
        return [0]

    #: ``$group`` feeds it nothing: its result follows from the group's document count
    counts_only = True

    def process(self, state: list, variables: dict) -> None:
        state[0] += self.increment

    def result(self, state: list) -> Any:
        total = state[0]
        return int_or_long(total) if fits_long(total) else float(total)

    def result_of_count(self, count: int) -> Any:
        """The total after ``count`` documents (exact: Python ints do not overflow)."""
        return self.result([self.increment * count])


@accumulator("$sum", "$avg", "$min", "$max", "$stdDevPop", "$stdDevSamp")
def _simple(name: str, arg: Any, ctx: Any):
    if isinstance(arg, list):
        raise ServerError(40237, f"The {name} accumulator is a unary operator")
    if name == "$sum" and type(arg) is int and _INT32_MIN <= arg <= _INT32_MAX:
        return _ConstantSum(arg)
    return _Simple(name, compile_expression(arg, ctx.expressions), ctx.expressions.collation)


class _Collect:
    def __init__(self, name: str, fn, key: Any = sort_key) -> None:
        self.name, self.fn, self.key = name, fn, key

    def new(self):
        return [] if self.name != "$addToSet" else {}

    def process(self, state, variables: dict) -> None:
        value = self.fn(variables)
        if self.name == "$push":
            if value is not MISSING:
                state.append(value)
        elif self.name == "$addToSet":
            if value is not MISSING:
                state.setdefault(self.key(value), value)
        elif self.name == "$mergeObjects":
            state.append(value)
        elif not state:  # $first
            state.append(None if value is MISSING else value)
        elif self.name == "$last":
            state[0] = None if value is MISSING else value

    def result(self, state):
        if self.name == "$addToSet":
            return list(state.values())
        if self.name == "$mergeObjects":
            return merge_objects(state)
        if self.name in ("$first", "$last"):
            return state[0] if state else None
        return state


@accumulator("$push", "$addToSet", "$first", "$last", "$mergeObjects")
def _collect(name: str, arg: Any, ctx: Any):
    if isinstance(arg, list):
        raise ServerError(40237, f"The {name} accumulator is a unary operator")
    return _Collect(name, compile_expression(arg, ctx.expressions), group_key(ctx))


class _Count:
    #: ``$group`` feeds it nothing: its result is the group's document count
    counts_only = True

    def new(self):
        return [0]

    def process(self, state, variables):
        state[0] += 1

    def result(self, state):
        return self.result_of_count(state[0])

    def result_of_count(self, n: int) -> Any:
        return n if n < 2**31 else Int64(n)


@accumulator("$count")
def _count(name: str, arg: Any, ctx: Any):
    if arg != {}:
        raise ServerError(40181, "$count takes no arguments, i.e. $count:{}")
    return _Count()


class _N:
    def __init__(self, name, n_fn, input_fn, sort=None, value_key=compare_key) -> None:
        self.name, self.n_fn, self.input_fn, self.sort = name, n_fn, input_fn, sort
        #: how $maxN/$minN order values (the operation collation's key, if any)
        self.value_key = value_key

    def new(self):
        return {"n": None, "items": []}

    def process(self, state, variables):
        if state["n"] is None:
            state["n"] = check_n(self.n_fn(variables), self.name)
        value = self.input_fn(variables)
        if self.sort is not None:
            state["items"].append((value, variables["CURRENT"]))
        else:
            state["items"].append(value)

    def result(self, state):
        n, items = state["n"] or 0, state["items"]
        name = self.name
        if name in ("$firstN", "$lastN"):
            values = [None if v is MISSING else v for v in items]
            return values[:n] if name == "$firstN" else values[-n:] if n < len(values) else values
        if name in ("$maxN", "$minN"):
            values = sorted((v for v in items if not nullish(v)), key=self.value_key,
                            reverse=name == "$maxN")
            return values[:n]
        key, descending = self.sort
        ordered = sorted(items, key=lambda pair: key(pair[1]), reverse=descending)
        if name in ("$bottom", "$bottomN"):
            ordered = ordered[::-1][:n][::-1] if name == "$bottomN" else ordered[-1:]
        else:
            ordered = ordered[:n] if name == "$topN" else ordered[:1]
        values = [None if v is MISSING else v for v, _ in ordered]
        if name in ("$top", "$bottom"):
            return values[0] if values else None
        return values


@accumulator("$firstN", "$lastN", "$maxN", "$minN")
def _n(name: str, arg: Any, ctx: Any):
    n_fn, input_fn = parse_n_spec(name, arg, ctx.expressions)
    return _N(name, n_fn, input_fn, value_key=compare_key_of(ctx.expressions.collation))


@accumulator("$top", "$bottom", "$topN", "$bottomN")
def _top(name: str, arg: Any, ctx: Any):
    # accumulatorNParseArgs in accumulator_multi.cpp: unknown fields and a
    # non-object sortBy fail while scanning, then n, output, sortBy are required.
    if not isinstance(arg, Mapping):
        raise ServerError(5788001, f"specification must be an object; found "
                                   f"{element_repr(name, arg)}")
    allowed = ("sortBy", "output", "n") if name.endswith("N") else ("sortBy", "output")
    for key, value in arg.items():
        if key not in allowed:
            raise ServerError(5788002, f"Unknown argument to {name} '{key}'")
        if key == "sortBy" and not isinstance(value, Mapping):
            raise ServerError(10065, "invalid parameter: expected an object (sortBy)")
    if name.endswith("N") and "n" not in arg:
        raise ServerError(5788003, "Missing value for 'n'")
    if "output" not in arg:
        raise ServerError(5788004, "Missing value for 'output'")
    if "sortBy" not in arg:
        raise ServerError(5788005, "Missing value for 'sortBy'")
    n_fn = compile_expression(arg["n"], ctx.expressions) if "n" in arg else constant(1)
    key, descending = sort_pattern_key(arg["sortBy"], ctx.expressions.collation)
    return _N(name, n_fn, compile_expression(arg["output"], ctx.expressions), (key, descending))


class _Percentile:
    def __init__(self, name, input_fn, ps) -> None:
        self.name, self.input_fn, self.ps = name, input_fn, ps

    def new(self):
        return PercentileAccumulator(self.ps, single=self.name == "$median")

    def process(self, state, variables):
        state.process(self.input_fn(variables))

    def result(self, state):
        return state.result()


@accumulator("$median", "$percentile")
def _percentile(name: str, arg: Any, ctx: Any):
    input_fn, ps = parse_percentile_spec(name, arg, ctx.expressions, accumulator=True)
    return _Percentile(name, input_fn, ps)


class _JavaScript:
    """``$accumulator``: its functions are JavaScript, which mim never runs; the
    first group it starts fails as a ``mongod --noscripting`` fails there
    (``AccumulatorJs::startNewGroup`` asks for a script engine: 31264), so a
    ``$group`` over no documents still answers."""

    def new(self):
        raise no_script_engine()

    def process(self, state, variables: dict) -> None:
        raise no_script_engine()

    def result(self, state):
        raise no_script_engine()


_JS_FUNCTIONS = ("init", "accumulate", "merge", "finalize")
_JS_REQUIRED = (("init", 4544707), ("accumulate", 4544708), ("merge", 4544709))


@accumulator("$accumulator")
def _javascript(name: str, arg: Any, ctx: Any):
    """Checked as ``AccumulatorJs::parse`` checks it, field by field."""
    if not isinstance(arg, Mapping):
        raise ServerError(4544703, f"$accumulator expects an object as an argument; found: "
                                   f"{type_name(arg)}")
    given: set[str] = set()
    for field, value in arg.items():
        if field in _JS_FUNCTIONS:
            function = compile_expression(value, ctx.expressions)
            if not is_constant(function):
                raise ServerError(4544701, f"$accumulator '{field}' must be a constant "
                                           f"expression")
            if not isinstance(function.constant_value, str):  # type: ignore[attr-defined]
                raise ServerError(4544702, f"$accumulator '{field}' must be a String or Code")
            if function.constant_value:  # type: ignore[attr-defined]
                given.add(field)
        elif field in ("initArgs", "accumulateArgs"):
            compile_expression(value, ctx.expressions)
            given.add(field)
        elif field == "lang":
            if not isinstance(value, str):
                raise ServerError(4544704, f"$accumulator lang must be a string; found: "
                                           f"{type_name(value)}")
            if value != "js":
                raise ServerError(4544705, "$accumulator only supports lang: 'js'")
        else:
            raise ServerError(4544706, f"$accumulator got an unexpected field: {field}")
    for field, code in _JS_REQUIRED:
        if field not in given:
            raise ServerError(code, f"$accumulator missing required argument '{field}'")
    if "accumulateArgs" not in given:
        raise ServerError(4544710, "$accumulator missing required argument 'accumulateArgs'")
    return _JavaScript()


def compile_accumulators(spec: Mapping, ctx: Any, stage: str) -> list[tuple[str, Any]]:
    out = []
    for field, value in spec.items():
        if field == "_id":
            continue
        if field.startswith("$"):
            raise ServerError(40236, f"The field name '{field}' cannot be an operator name")
        if "." in field:
            raise ServerError(40235, f"The field name '{field}' cannot contain '.'")
        if not isinstance(value, Mapping):
            raise ServerError(40234, f"The field '{field}' must be an accumulator object")
        if len(value) != 1:
            raise ServerError(40238, f"The field '{field}' must specify one accumulator")
        name, arg = next(iter(value.items()))
        if name not in ACCUMULATORS:
            raise ServerError(15952, f"unknown group operator '{name}'")
        out.append((field, ACCUMULATORS[name](name, arg, ctx)))
    return out


@pipeline_stage("$group")
def compile_group(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(15947, "a group's fields must be specified in an object")
    if "_id" not in arg:
        raise ServerError(15955, "a group specification must include an _id")
    id_spec = arg["_id"]
    if isinstance(id_spec, Mapping) and id_spec and not next(iter(id_spec)).startswith("$"):
        id_fn = compile_expression(id_spec, ctx.expressions)
    else:
        id_fn = compile_expression(id_spec, ctx.expressions)
    accs = compile_accumulators(arg, ctx, "$group")
    bounded = not ctx.allow_disk_use
    collation = ctx.expressions.collation
    key_of = sort_key if collation is None else collation.sort_key

    new_entry = _group_entries(accs)
    #: a top-level field path ``_id`` (``"$tags"``) is read from a plain dict directly
    id_field = getattr(id_fn, "top_level_field", None)
    #: without a collation a string ``_id`` is its own dict key (no other value's key is a str)
    plain_keys = collation is None
    counted = tuple(getattr(acc, "counts_only", False) for _, acc in accs)

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        groups: dict = {}
        # one scope for every document: expressions read it while they run and
        # keep no reference to it (each $let/$map/$filter copies the scope)
        scope = {**variables}
        for doc in docs:
            scope["ROOT"] = scope["CURRENT"] = doc
            plain = type(doc) is dict
            key_value = doc.get(id_field, MISSING) if plain and id_field else id_fn(scope)
            if key_value is MISSING:
                key_value = None
            key = key_value if plain_keys and type(key_value) is str else key_of(key_value)
            entry = groups.get(key)
            if entry is None:
                entry = groups[key] = new_entry(key_value)
            entry[1] += 1
            for process, fn, field in entry[3]:
                process(doc.get(field, MISSING) if plain and field else fn(scope))
            for process, state in entry[4]:
                process(state, scope)
        out = []
        for key_value, count, states, _, _ in groups.values():
            result = {"_id": key_value}
            for (field, acc), state, counts in zip(accs, states, counted):
                value = acc.result_of_count(count) if counts else acc.result(state)
                if value is not MISSING:
                    result[field] = value
            out.append(result)
        if bounded:
            check_group_memory(out)
        return out

    # the group keeps values, never the documents themselves, unless an expression
    # names the whole document or a $top/$bottom keeps it for its sort: an $unwind
    # before it may then hand it one reused document per element
    run.keeps_no_documents = not _names_whole_document(arg) and not any(  # type: ignore
        type(acc) is _N and acc.sort is not None for _, acc in accs)
    columns = _field_columns(id_fn, accs)
    if columns is not None:
        def finish(groups: dict) -> list[dict]:
            out = _column_results(groups, accs, counted)
            if bounded:
                check_group_memory(out)
            return out

        fed = [acc for _, acc in accs if not getattr(acc, "counts_only", False)]

        def new_states() -> list:
            return [acc.new() for acc in fed]

        keeps = run.keeps_no_documents  # type: ignore[attr-defined]
        run = _by_columns(columns, None, key_of, plain_keys, new_states, finish, keeps)
        # (an accumulator reading the unwound field itself needs each element in its
        # row: the $unwind then hands this group one reused document per element)
        run.over_unwound = lambda field: None if field in columns[2] \
            else _by_columns(columns, field, key_of, plain_keys, new_states, finish, keeps)
    return run


def _column_results(groups: dict, accs: list[tuple[str, Any]],
                    counted: tuple[bool, ...]) -> list[dict]:
    """The output documents of :func:`_by_columns`' groups."""
    out = []
    for key_value, count, _, states in groups.values():
        result = {"_id": key_value}
        fed = iter(states)
        for (field, acc), counts in zip(accs, counted):
            value = acc.result_of_count(count) if counts else acc.result(next(fed))
            if value is not MISSING:
                result[field] = value
        out.append(result)
    return out


#: the groups' buffered input rows are folded into their states every so many
#: documents (or four per group, when there are more groups)
_FOLD_EVERY = 4096


def _field_columns(id_fn: Any, accs: list[tuple[str, Any]]) -> tuple | None:
    """How a ``$group`` reads its documents when it reads only top-level fields:
    ``(id_field, id_constant, fields)`` — the ``_id``'s field (or None and its
    constant value) and, per accumulator fed by one expression, its field (None
    for ``$count`` and constant sums, fed nothing) — or None when any input is
    another expression or an accumulator needs the whole document."""
    id_field = getattr(id_fn, "top_level_field", None)
    if id_field is None and not hasattr(id_fn, "constant_value"):
        return None
    fields = []
    for _, acc in accs:
        if getattr(acc, "counts_only", False):
            continue
        if type(acc) is not _Simple or getattr(acc.fn, "top_level_field", None) is None:
            return None
        fields.append(acc.fn.top_level_field)
    return id_field, getattr(id_fn, "constant_value", None), tuple(fields)


def _by_columns(columns: tuple, unwound: str | None, key_of: Any, plain_keys: bool,
                new_states: Any, finish: Any, keeps_no_documents: bool) -> Any:
    """The ``$group`` of :func:`_field_columns` (``unwound``: over the documents an
    ``$unwind`` of that top-level field would give, without making them).  Each
    document's accumulator inputs are read once, as one row — the value itself
    when one accumulator is fed, None when none is — and each group keeps its rows
    until every :data:`_FOLD_EVERY` documents (or the end) they are folded into its
    states, one accumulator at a time, and counted: per document, a key, a lookup,
    an append.  A group's entry is ``[key_value, count, rows, states]``."""
    id_field, id_constant, fields = columns
    id_is_element = unwound is not None and id_field == unwound
    one = (None,)  # without an unwind each document is its own single "element"
    defaults = (MISSING,) * len(fields)
    field = fields[0] if len(fields) == 1 else None
    several = len(fields) > 1

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        groups: dict = {}
        entry_of = groups.get
        pending = _FOLD_EVERY  # documents until the groups' rows are folded
        row = None
        for doc in docs:
            if type(doc) is not dict:
                doc = dict(doc)  # (a Mapping: the same top-level fields)
            if unwound is None:
                elements: Any = one
            else:
                elements = doc.get(unwound, MISSING)
                if type(elements) is not list:
                    if elements is None or elements is MISSING:
                        continue
                    elements = list(elements) if isinstance(elements, list) else (elements,)
            if field is not None:
                row = doc.get(field, MISSING)
            elif several:
                row = list(map(doc.get, fields, defaults))
            if id_is_element:
                for element in elements:
                    key = element if plain_keys and type(element) is str else key_of(element)
                    entry = entry_of(key)
                    if entry is None:
                        entry = groups[key] = [element, 0, [], new_states()]
                    entry[2].append(row)
            else:
                key_value = id_constant if id_field is None else doc.get(id_field, MISSING)
                if key_value is MISSING:
                    key_value = None
                key = key_value if plain_keys and type(key_value) is str else key_of(key_value)
                entry = entry_of(key)
                if entry is None:
                    entry = groups[key] = [key_value, 0, [], new_states()]
                rows = entry[2]
                for _ in elements:
                    rows.append(row)
            pending -= 1
            if not pending:
                for entry in groups.values():
                    _fold(entry)
                # (at most one fold pass per few documents per group)
                pending = max(_FOLD_EVERY, 4 * len(groups))
        for entry in groups.values():
            _fold(entry)
        return finish(groups)

    run.keeps_no_documents = keeps_no_documents  # type: ignore[attr-defined]
    if id_is_element and plain_keys:
        return _by_elements(unwound, fields, key_of, new_states, finish, keeps_no_documents)
    return run


def _by_elements(unwound: str, fields: tuple, key_of: Any, new_states: Any, finish: Any,
                 keeps_no_documents: bool) -> Any:
    """:func:`_by_columns`' run when the ``_id`` is the unwound field's element
    and a string is its own key (no collation): each group's rows list's bound
    ``append`` is kept by key, so a string element costs one dict subscript and
    one C call (a KeyError makes its group); any other element is keyed by
    ``key_of`` first.  Same groups, same rows in the same order, same folds."""
    defaults = (MISSING,) * len(fields)
    field = fields[0] if len(fields) == 1 else None
    several = len(fields) > 1

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        groups: dict = {}
        #: key -> its group's rows' ``append``
        appenders: dict = {}
        pending = _FOLD_EVERY  # documents until the groups' rows are folded
        row = None
        for doc in docs:
            if type(doc) is not dict:
                doc = dict(doc)  # (a Mapping: the same top-level fields)
            elements = doc.get(unwound, MISSING)
            if type(elements) is not list:
                if elements is None or elements is MISSING:
                    continue
                elements = list(elements) if isinstance(elements, list) else (elements,)
            if field is not None:
                row = doc.get(field, MISSING)
            elif several:
                row = list(map(doc.get, fields, defaults))
            for element in elements:
                key = element if type(element) is str else key_of(element)
                try:
                    appenders[key](row)
                except KeyError:
                    rows: list = []
                    groups[key] = [element, 0, rows, new_states()]
                    appenders[key] = rows.append
                    rows.append(row)
            pending -= 1
            if not pending:
                for entry in groups.values():
                    _fold(entry)
                # (at most one fold pass per few documents per group)
                pending = max(_FOLD_EVERY, 4 * len(groups))
        for entry in groups.values():
            _fold(entry)
        return finish(groups)

    run.keeps_no_documents = keeps_no_documents  # type: ignore[attr-defined]
    return run


def _fold(entry: list) -> None:
    """Count a group's buffered rows, feed them to its states (one value per row
    with one state, a row per document with several), and forget them."""
    rows = entry[2]
    if rows:
        entry[1] += len(rows)
        states = entry[3]
        if len(states) == 1:
            _feed(states[0], rows)
        elif states:
            for state, values in zip(states, zip(*rows)):
                _feed(state, values)
        rows.clear()


def _feed(state: Any, values: Sequence) -> None:
    """``state.process(value)`` for each value, in order (in one call when the
    state can take them all at once)."""
    process_values = getattr(state, "process_values", None)
    if process_values is not None:
        process_values(values)
    else:
        process = state.process
        for value in values:
            process(value)


def _group_entries(accs: list[tuple[str, Any]]) -> Any:
    """``new_entry(key_value)``: a group's entry ``[key_value, documents counted,
    states, value feeds, other feeds]``, its feeds bound to its own states once,
    so a document costs one call per accumulator: a one-expression accumulator's
    state is fed the expression's value (``(state.process, expression, field)``,
    ``field`` set when the expression is a top-level field path the group may
    read itself); ``$count`` and a constant ``$sum`` are fed nothing (their
    result follows from the count); any other gets ``process(state, scope)``."""
    simple = [(i, acc.fn) for i, (_, acc) in enumerate(accs) if type(acc) is _Simple]
    others = [i for i, (_, acc) in enumerate(accs)
              if type(acc) is not _Simple and not getattr(acc, "counts_only", False)]

    def new_entry(key_value: Any) -> list:
        states = [acc.new() for _, acc in accs]
        return [key_value, 0, states,
                tuple((states[i].process, fn, getattr(fn, "top_level_field", None))
                      for i, fn in simple),
                tuple((accs[i][1].process, states[i]) for i in others)]

    return new_entry


def _names_whole_document(spec: Any) -> bool:
    """Whether an expression spec mentions ``$$ROOT`` or ``$$CURRENT`` anywhere."""
    if isinstance(spec, str):
        return spec.startswith(("$$ROOT", "$$CURRENT"))
    if isinstance(spec, Mapping):
        return any(_names_whole_document(k) or _names_whole_document(v)
                   for k, v in spec.items())
    if isinstance(spec, (list, tuple)):
        return any(_names_whole_document(v) for v in spec)
    return False


@pipeline_stage("$bucket")
def compile_bucket(arg: Any, ctx: Any):
    if not isinstance(arg, Mapping):
        raise ServerError(40201, "Argument to $bucket stage must be an object, but found type")
    for key in arg:
        if key not in ("groupBy", "boundaries", "default", "output"):
            raise ServerError(40197, f"Unrecognized option to $bucket: {key}.")
    if "groupBy" not in arg or "boundaries" not in arg:
        raise ServerError(40198, "$bucket requires 'groupBy' and 'boundaries' to be specified.")
    group_spec = arg["groupBy"]
    if not (isinstance(group_spec, Mapping) or (isinstance(group_spec, str) and
                                                group_spec.startswith("$"))):
        raise ServerError(40202, "The $bucket 'groupBy' field must be defined as a $-prefixed "
                                 "path or an expression")
    # boundaries and values compare as the operation's collation says
    compare = comparer(ctx.expressions.collation)
    bounds = arg["boundaries"]
    if not isinstance(bounds, list) or len(bounds) < 2:
        raise ServerError(40192, "The $bucket 'boundaries' field must be an array of values. At "
                                 "least two boundaries must be specified")
    for low, high in zip(bounds, bounds[1:]):
        if compare(low, high) >= 0:
            raise ServerError(40194, "The 'boundaries' option to $bucket must be sorted in "
                                     "ascending order")
    has_default = "default" in arg
    default = arg.get("default")
    if has_default and not (compare(default, bounds[0]) < 0 or
                            compare(default, bounds[-1]) >= 0):
        raise ServerError(40199, "The $bucket 'default' field must be less than the lowest "
                                 "boundary or greater than or equal to the highest boundary.")
    group_fn = compile_expression(group_spec, ctx.expressions)
    accs = compile_accumulators(arg.get("output") or {"count": {"$sum": 1}}, ctx, "$bucket")

    def run(docs: Iterable[dict], variables: dict) -> Iterable[dict]:
        buckets: dict = {}
        for doc in docs:
            scope = {**variables, "ROOT": doc, "CURRENT": doc}
            value = group_fn(scope)
            index = None
            if compare(value, bounds[0]) >= 0 and compare(value, bounds[-1]) < 0:
                for i in range(len(bounds) - 1):
                    if compare(value, bounds[i + 1]) < 0:
                        index = i
                        break
            if index is None:
                if not has_default:
                    raise ServerError(40066, "$switch could not find a matching branch for an "
                                             "input, and no default was specified.")
                index = -1
            states = buckets.get(index)
            if states is None:
                states = buckets[index] = [acc.new() for _, acc in accs]
            for (_, acc), state in zip(accs, states):
                acc.process(state, scope)
        out = []
        for index in sorted(buckets, key=lambda i: (i == -1, i)):
            result = {"_id": bounds[index] if index >= 0 else default}
            for (field, acc), state in zip(accs, buckets[index]):
                result[field] = acc.result(state)
            out.append(result)
        return out

    return run


__all__ = ["ACCUMULATORS", "compile_accumulators", "MinMaxAccumulator"]
