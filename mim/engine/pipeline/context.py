"""What a pipeline is compiled against: the catalog of collections and the
variables in scope."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from ..expressions import ExpressionContext


class Catalog(Protocol):
    """Access to other collections, for $lookup, $unionWith, $out.

    ``documents(name)`` returns the decoded documents of collection ``name``
    in the pipeline's database (empty when it does not exist);
    ``replace_collection(name, docs)`` atomically replaces its contents.
    """

    def documents(self, name: str) -> list[dict]: ...

    def replace_collection(self, name: str, documents: list[dict]) -> None: ...


class ListCatalog:
    """A catalog over plain lists (tests, ``$documents`` pipelines)."""

    def __init__(self, collections: dict[str, list[dict]] | None = None) -> None:
        self.collections = collections if collections is not None else {}

    def documents(self, name: str) -> list[dict]:
        return list(self.collections.get(name, []))

    def replace_collection(self, name: str, documents: list[dict]) -> None:
        self.collections[name] = list(documents)


class PipelineContext:
    """Compile-time context: catalog, variable names, whether this is the first stage."""

    def __init__(self, catalog: Catalog | None = None, variables: Iterable[str] = (),
                 *, collection: str | None = None) -> None:
        self.catalog = catalog if catalog is not None else ListCatalog()
        self.expressions = ExpressionContext(variables)
        self.collection = collection
        self.position = 0
        self.nested = False

    def with_variables(self, names: Iterable[str]) -> "PipelineContext":
        child = PipelineContext(self.catalog, (), collection=self.collection)
        child.expressions = self.expressions.with_variables(names)
        child.nested = True
        return child

    def sub_pipeline(self, collection: str | None) -> "PipelineContext":
        child = PipelineContext(self.catalog, (), collection=collection)
        child.expressions = self.expressions
        child.nested = True
        return child


__all__ = ["Catalog", "ListCatalog", "PipelineContext", "Any"]
