"""Read-only views: definitions kept in a database's catalog, resolved on read.

A view is ``{viewOn, pipeline}``; reading it runs its pipeline (views on views
chain) on the backing collection, as the server's view catalog resolves a
view namespace before running an aggregation.  Writes to a view answer 166
CommandNotSupportedOnView.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..languages.collation import collation_spec_of, parse_collation
from ..values.idl import typed_array
from ..values.errors import ServerError
from ..values.order import type_name
from ..values.render import render
from ..storage.store import Server
from ..pipeline import PipelineContext, compile_pipeline
from ..pipeline.registry import constraints as stage_constraints
from ..storage.store import validate_collection_name, validate_database_name

__all__ = ["ViewDefinition", "create_view", "lookup", "resolve", "check_not_view",
           "check_involved_view_collations", "involved_namespaces", "MAX_VIEW_DEPTH"]

#: ViewGraph::kMaxViewDepth
MAX_VIEW_DEPTH = 20


class ViewDefinition:
    """A view: its source, pipeline and default collation (``collation``: the full
    spec listCollections shows; ``default_collation``: parsed, None for simple)."""

    def __init__(self, name: str, view_on: str, pipeline: list, collation: Any = None) -> None:
        self.name = name
        self.view_on = view_on
        self.pipeline = pipeline
        self.default_collation = parse_collation(collation)
        self.collation = collation_spec_of(self.default_collation) \
            if self.default_collation is not None else None

    def info(self) -> dict:
        options: dict[str, Any] = {"viewOn": self.view_on, "pipeline": list(self.pipeline)}
        if self.collation is not None:
            options["collation"] = self.collation
        return {"name": self.name, "type": "view", "options": options,
                "info": {"readOnly": True}}


def _views(server: Server, db: str) -> dict:
    database = server.get_database(db)
    return database.views if database is not None else {}


def lookup(server: Server, db: str, name: str) -> ViewDefinition | None:
    return _views(server, db).get(name)


def resolve(server: Server, db: str, name: str) -> tuple[str, list] | None:
    """``(backing collection, full pipeline)`` when ``name`` is a view, else None."""
    database = server.get_database(db)
    if database is None or not database.views:  # no view here (every find asks)
        return None
    views = database.views
    view = views.get(name)
    if view is None:
        return None
    pipeline: list = []
    depth = 0
    while view is not None:
        depth += 1
        if depth > MAX_VIEW_DEPTH:
            raise ServerError(149, f"View depth too deep or view cycle detected; "
                                   f"maximum depth is {MAX_VIEW_DEPTH}")
        pipeline = list(view.pipeline) + pipeline
        name = view.view_on
        view = views.get(name)
    return name, pipeline


def check_not_view(server: Server, db: str, name: str) -> None:
    """166 for a write (or any collection-only command) on a view."""
    database = server.databases.get(db)
    if database is None or name in database.collections:
        return  # an existing collection is never a view: the common case stays cheap
    if database.views.get(name) is not None:
        raise ServerError(166, f"Namespace {db}.{name} is a view, not a collection")


def _stage_source(name: str, arg: Any) -> str | None:
    """The namespace a ``$lookup``/``$graphLookup``/``$unionWith`` stage reads."""
    if name not in ("$lookup", "$graphLookup", "$unionWith"):
        return None
    source = arg if isinstance(arg, str) else (
        arg.get("from" if name != "$unionWith" else "coll") if isinstance(arg, Mapping)
        else None)
    return source if isinstance(source, str) else None


def _dependencies(view_on: str, pipeline: list) -> list[str]:
    """Namespaces a view reads (its graph edges): ``viewOn`` and the top-level
    ``$lookup``/``$graphLookup``/``$unionWith`` sources."""
    names = [view_on]
    for stage in pipeline:
        source = _stage_source(*next(iter(stage.items())))
        if source is not None:
            names.append(source)
    return names


def involved_namespaces(pipeline: Any) -> list[str]:
    """Every collection or view a pipeline reads besides its own source: the
    ``$lookup``/``$graphLookup``/``$unionWith`` sources, sub-pipelines included."""
    names: list[str] = []
    for stage in pipeline if isinstance(pipeline, list) else ():
        if not isinstance(stage, Mapping) or len(stage) != 1:
            continue
        name, arg = next(iter(stage.items()))
        source = _stage_source(name, arg)
        if source is not None:
            names.append(source)
        if name in ("$lookup", "$unionWith") and isinstance(arg, Mapping):
            names += involved_namespaces(arg.get("pipeline"))
        elif name == "$facet" and isinstance(arg, Mapping):
            for sub in arg.values():
                names += involved_namespaces(sub)
    return names


def check_involved_view_collations(server: Server, db: str, pipeline: Any,
                                   collation: Any) -> None:
    """A pipeline reading a view runs with that view's collation: one with another
    collation is refused (167), as the server's aggregate does."""
    views = _views(server, db)
    if not views:
        return
    for name in involved_namespaces(pipeline):
        view = views.get(name)
        if view is not None and view.default_collation != collation:
            raise ServerError(167, f"Cannot override a view's default collation{db}.{name}")


def _check_view_collations(views: dict, db: str, name: str, refs: list[str],
                           collation: Any) -> None:
    """``ViewsForDatabase::validateCollation`` and the view graph's parent check: a
    view and the views it reads, or that read it, share one collation (167)."""
    for ref in refs:
        other = views.get(ref)
        if other is not None and other.default_collation != collation:
            raise ServerError(167, f"View {db}.{name} has conflicting collation with view "
                                   f"{db}.{ref}")
    for other in views.values():
        if other.name != name and name in _dependencies(other.view_on, other.pipeline) \
                and other.default_collation != collation:
            raise ServerError(167, f"View {db}.{name} has a collation that does not match the "
                                   f"collation of view {db}.{other.name}")


def _find_cycle(views: dict, start: str, current: str, path: list[str]) -> list[str] | None:
    """ViewGraph::_validateChildren: the traversal that comes back to ``start``."""
    path.append(current)
    if len(path) > 1 and current == start:
        return path
    view = views.get(current)
    if view is not None and len(path) <= MAX_VIEW_DEPTH + 1:
        for child in _dependencies(view.view_on, view.pipeline):
            found = _find_cycle(views, start, child, path)
            if found is not None:
                return found
    path.pop()
    return None


def create_view(server: Server, db: str, name: str, options: Mapping) -> None:
    """``create`` with ``viewOn``: validate as the server does, then record it."""
    view_on = options["viewOn"]
    if not isinstance(view_on, str):
        raise ServerError(14, f"BSON field 'create.viewOn' is the wrong type "
                              f"'{type_name(view_on)}', expected type 'string'")
    pipeline = options.get("pipeline", [])
    typed_array(pipeline, "create.pipeline", Mapping, "object")
    if "idIndex" in options:
        raise ServerError(72, f"'idIndex' is not allowed with 'viewOn': "
                              f"{render(options['idIndex'])}")
    if options.get("clusteredIndex"):  # createCollection's check, before the view is made
        raise ServerError(6026500, "The 'clusteredIndex' option is not supported with views")
    collation = parse_collation(options.get("collation"))
    validate_database_name(db)
    validate_collection_name(name, db)
    with server.lock:
        database = server.get_database(db, create=True)
        if name in database.collections:
            raise ServerError(48, f"Collection {db}.{name} already exists.")
        if name in database.views:
            raise ServerError(48, f"A view already exists. NS: {db}.{name}")
        if not _valid_collection_name(view_on):
            raise ServerError(73, f"invalid name for 'viewOn': {view_on}")
        # ViewCatalog::validatePipeline: parsed, nothing that writes or needs no collection
        compile_pipeline(list(pipeline), PipelineContext(collation=collation))
        for position, stage in enumerate(pipeline):
            stage_name = next(iter(stage))
            if stage_constraints(stage_name).writes:
                raise ServerError(167, f"The aggregation stage {stage_name} in location "
                                       f"{position} of the pipeline cannot be used in the "
                                       f"view definition of {db}.{name} because it writes "
                                       f"to disk")
        for stage in pipeline:
            stage_name = next(iter(stage))
            if stage_constraints(stage_name).collectionless:
                raise ServerError(73, f"'{stage_name}' cannot be used in a view definition")
        views = dict(database.views)
        _check_view_collations(views, db, name, _dependencies(view_on, list(pipeline))
                               + involved_namespaces(list(pipeline)), collation)
        views[name] = ViewDefinition(name, view_on, list(pipeline), options.get("collation"))
        cycle = _find_cycle(views, name, name, [])
        if cycle is not None:
            path = [f"{db}.{n}" for n in reversed(cycle)]
            raise ServerError(5, "View cycle detected: " + path[0] + "".join(
                " => " + p for p in path))
        database.add_view(views[name])


def _valid_collection_name(name: str) -> bool:
    """NamespaceString::validCollectionName."""
    return bool(name) and "\x00" not in name and not name.startswith(".")
