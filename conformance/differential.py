"""Differential runs: the same generated operations against two pymongo-compatible clients.

:func:`observe` runs one :class:`Scenario` (documents to load, then one operation) on a
client and returns what a user would see, normalised to canonical extended JSON so
that two servers' answers compare exactly (``1`` vs ``1.0``, ``-0.0``, NaN, field order
all count).  Errors are observed as their code (or the exception type for client-side
errors).  ``Scenario.reproduction()`` prints a self-contained pymongo script.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import bson
from bson import json_util
from bson.son import SON
from pymongo.errors import OperationFailure, PyMongoError

__all__ = ["Scenario", "observe", "DATABASE", "COLLECTION"]

DATABASE = "mim_conformance"
COLLECTION = "differential"

_CANONICAL = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL,
                                   document_class=SON)


def _canonical(value: Any) -> str:
    return json_util.dumps(value, json_options=_CANONICAL)


@dataclass
class Scenario:
    """Documents to insert, then one operation (``find``, ``count_documents``,
    ``distinct``, ``update_many``, ``update_one``, ``delete_many``, ``aggregate``)."""

    documents: list[dict[str, Any]]
    operation: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def reproduction(self) -> str:
        """A pymongo snippet that replays this scenario against any server."""
        docs = _canonical(self.documents)
        args = _canonical(self.arguments)
        return (
            "from bson import json_util\n"
            "coll = client.test.repro\n"
            "coll.drop()\n"
            f"docs = json_util.loads({docs!r})\n"
            "if docs: coll.insert_many(docs)\n"
            f"args = json_util.loads({args!r})\n"
            f"print(coll.{self.operation}(**args))"
            + ("\nprint(list(coll.find({}, sort=[('_id', 1)])))"
               if self.operation in ("update_many", "update_one", "delete_many") else "")
        )


def _run(coll: Any, scenario: Scenario) -> Any:
    args = scenario.arguments
    op = scenario.operation
    if op == "find":
        return list(coll.find(**args, sort=[("_id", 1)]))
    if op == "aggregate":
        return list(coll.aggregate(**args))
    if op == "count_documents":
        return coll.count_documents(**args)
    if op == "distinct":
        values = coll.distinct(**args)
        return sorted(values, key=lambda v: bson.encode({"v": v}))
    if op in ("update_many", "update_one", "delete_many"):
        result = getattr(coll, op)(**args)
        counts = {k: v for k, v in (result.raw_result or {}).items()
                  if k in ("n", "nModified", "upserted")}
        return {"result": counts, "after": list(coll.find({}, sort=[("_id", 1)]))}
    raise ValueError(f"unknown differential operation {op!r}")


def observe(client: Any, scenario: Scenario) -> str:
    """What *client* answers to *scenario*, as canonical extended JSON (comparable)."""
    coll = client[DATABASE].get_collection(COLLECTION)
    coll.drop()
    try:
        if scenario.documents:
            coll.insert_many(scenario.documents)
        outcome: Any = {"ok": _run(coll, scenario)}
    except OperationFailure as exc:
        outcome = {"error": exc.code, "codeName": (exc.details or {}).get("codeName")}
    except (PyMongoError, bson.errors.BSONError, TypeError, ValueError) as exc:
        outcome = {"client error": type(exc).__name__}
    return _canonical(outcome)


def explain(candidate: str, reference: str, scenario: Scenario,
            names: tuple[str, str] = ("candidate", "MongoDB")) -> str:
    """A readable report of one difference, with a reproduction."""
    def pretty(text: str) -> str:
        return json.dumps(json.loads(text), indent=1)[:2000]

    return (f"\n{names[0]} answered:\n{pretty(candidate)}\n{names[1]} answered:\n"
            f"{pretty(reference)}\nreproduction (pymongo):\n{scenario.reproduction()}")


Observer = Callable[[Scenario], str]
