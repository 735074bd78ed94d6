"""Run one unified-format test against a client factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import WriteConcern

from .data import SpecCase
from .entities import ClientFactory, EntityMap
from .errors import match_error
from .matching import match, match_exact
from .operations import OPERATIONS, Unsupported
from .results import as_spec_result

__all__ = ["RunContext", "run_case", "SpecFailure"]


class SpecFailure(AssertionError):
    """A specification test did not behave as recorded."""


class RunContext:
    """The state of one running test: its entities and a helper client."""

    def __init__(self, case: SpecCase, factory: ClientFactory) -> None:
        self.case = case
        self.factory = factory
        self.entities = EntityMap(factory)
        self._internal: Any = None
        #: fail points the test set, turned off when it ends (as the format requires)
        self.fail_points: list[str] = []

    def disable_fail_points(self) -> None:
        for name in self.fail_points:
            self.internal_client().admin.command("configureFailPoint", name, mode="off")

    def internal_client(self) -> Any:
        """A client of the same deployment for setup and ``outcome`` (not an entity)."""
        if self._internal is None:
            self._internal = self.factory()
            self.entities.clients.append(self._internal)
        return self._internal

    # -- phases ------------------------------------------------------------------

    def load_initial_data(self) -> None:
        client = self.internal_client()
        majority = WriteConcern("majority")
        for entry in self.case.file.document.get("initialData", []):
            db = client.get_database(entry["databaseName"], write_concern=majority)
            name = entry["collectionName"]
            db.drop_collection(name)
            options = dict(entry.get("createOptions", {}))
            if options or not entry.get("documents"):
                db.create_collection(name, **options)
            if entry.get("documents"):
                db.get_collection(name).insert_many(entry["documents"])

    def run_operation(self, op: Mapping[str, Any]) -> None:
        name, target_name = op["name"], op["object"]
        where = f"operation {name} on {target_name}"
        target = None if target_name == "testRunner" else self.entities[target_name]
        kind = "testRunner" if target is None else self.entities.kind(target_name)
        handler = OPERATIONS.get((kind, name))
        if handler is None:
            raise Unsupported(f"{where}: the runner has no mapping for {kind}.{name}")
        arguments = dict(op.get("arguments", {}))
        try:
            result = handler(self, target, arguments)
        except Unsupported:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is compared with the spec
            if op.get("ignoreResultAndError"):
                return
            if "expectError" not in op:
                raise SpecFailure(f"{where} raised {type(exc).__name__}: {exc}") from exc
            problem = match_error(op["expectError"], exc, self.entities.__getitem__)
            if problem:
                raise SpecFailure(f"{where}: {problem}") from exc
            return
        if op.get("ignoreResultAndError"):
            return
        if "expectError" in op:
            raise SpecFailure(f"{where}: expected an error {dict(op['expectError'])}, got "
                              f"the result {as_spec_result(result)!r}")
        if "expectResult" in op:
            actual = as_spec_result(result)
            problem = match(op["expectResult"], actual, self.entities.__getitem__)
            if problem:
                raise SpecFailure(f"{where}: expectResult {problem}")
        if "saveResultAsEntity" in op:
            self.entities.save(op["saveResultAsEntity"], result)

    def check_outcome(self) -> None:
        client = self.internal_client()
        for entry in self.case.test.get("outcome", []):
            coll = client[entry["databaseName"]][entry["collectionName"]]
            actual = list(coll.find({}, sort=[("_id", 1)]))
            expected = entry["documents"]
            problem = match_exact(expected, actual)
            if problem:
                raise SpecFailure(f"outcome of {coll.full_name}: {problem}")


def run_case(case: SpecCase, factory: ClientFactory) -> None:
    """Run *case* with clients from *factory*; raise :class:`SpecFailure` (or the error
    that stopped it) when mim does not behave as the recorded server did."""
    ctx = RunContext(case, factory)
    try:
        ctx.load_initial_data()
        ctx.entities.create(case.file.document.get("createEntities", []))
        for op in case.test["operations"]:
            ctx.run_operation(op)
        ctx.check_outcome()
    finally:
        try:
            ctx.disable_fail_points()
        finally:
            ctx.entities.close()
