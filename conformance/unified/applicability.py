"""Which specification tests apply to an in-process emulator, and why not.

What mim claims to be (:class:`Deployment`) is read from the client itself:
``buildInfo.version`` gives the server version and ``hello`` the topology
(``setName`` → ``replicaset``, ``msg: isdbgrid`` → ``sharded``, otherwise
``single``).  mim answers 7.0.0 with a ``setName`` (a one-node replica set), so
the transaction, session and change-stream tests apply.  The environment
variable ``MIM_CONFORMANCE_TOPOLOGY`` overrides the topology.

A test is *not applicable* when (reasons are reported verbatim):

* its ``runOnRequirements`` exclude the claimed version/topology, need auth,
  CSFLE, serverless or server parameters;
* it has a ``skipReason``;
* its subject is the wire or the driver rather than the server's behaviour: fail
  points, connection/session pinning, lsid bookkeeping, event waiting, log
  messages, client-side encryption, Atlas search indexes;
* it checks nothing but command-monitoring events (``expectEvents``): no
  operation has ``expectResult``/``expectError`` and there is no ``outcome``;
* it uses an operation pymongo 4's API does not have (``count``).

``expectEvents`` is otherwise ignored: results and ``outcome`` are still checked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterable

from .data import SpecCase

__all__ = ["Deployment", "classify", "describe_deployment"]


@dataclass(frozen=True)
class Deployment:
    """What the client under test claims to be."""

    version: tuple[int, ...]
    topology: str              # single | replicaset | sharded | load-balanced
    serverless: bool = False
    auth: bool = False
    csfle: bool = False

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


def _version(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in str(text).split(".") if p.isdigit()]
    return tuple((parts + [0, 0, 0])[:3])


def describe_deployment(client: Any) -> Deployment:
    """Ask *client* what it is (buildInfo and hello), as a driver's test runner does."""
    build = client.admin.command("buildInfo")
    hello = client.admin.command("hello")
    topology = "single"
    if hello.get("setName"):
        topology = "replicaset"
    elif hello.get("msg") == "isdbgrid":
        topology = "sharded"
    topology = os.environ.get("MIM_CONFORMANCE_TOPOLOGY", topology)
    return Deployment(_version(build.get("version", "0.0.0")), topology)


# Operations (by ``object.name`` or ``name``) whose subject is the wire or the driver.
_WIRE_OPERATIONS = {
    "targetedFailPoint": "uses a fail point on a pinned mongos (wire/topology)",
    "assertSessionPinned": "checks mongos pinning of a session (topology)",
    "assertSessionUnpinned": "checks mongos pinning of a session (topology)",
    "assertDifferentLsidOnLastTwoCommands": "checks the lsid sent in commands (wire)",
    "assertSameLsidOnLastTwoCommands": "checks the lsid sent in commands (wire)",
    "assertSessionDirty": "checks driver session pooling after network errors (driver)",
    "assertSessionNotDirty": "checks driver session pooling after network errors (driver)",
    "assertNumberConnectionsCheckedOut": "checks the connection pool (driver)",
    "waitForEvent": "waits for monitoring events (driver)",
    "assertEventCount": "counts monitoring events (driver)",
    "waitForThread": "runs driver threads against topology events (driver)",
    "createSearchIndex": "Atlas search indexes (Atlas only)",
    "createSearchIndexes": "Atlas search indexes (Atlas only)",
    "dropSearchIndex": "Atlas search indexes (Atlas only)",
    "listSearchIndexes": "Atlas search indexes (Atlas only)",
    "updateSearchIndex": "Atlas search indexes (Atlas only)",
    "count": "Collection.count does not exist in pymongo 4's API (removed driver helper)",
}

_WIRE_ENTITY_KEYS = {
    "clientEncryption": "client-side field level encryption (CSFLE)",
    "thread": "driver threads (topology/pool tests)",
}

_WIRE_CLIENT_OPTIONS = {
    "observeLogMessages": "checks the driver's log messages",
    "autoEncryptOpts": "client-side field level encryption (CSFLE)",
    "serverApi": "checks the Stable API handshake (wire)",
}


def _requirement_problem(req: dict[str, Any], deployment: Deployment) -> str | None:
    if "minServerVersion" in req and deployment.version < _version(req["minServerVersion"]):
        return f"needs server >= {req['minServerVersion']} (mim claims {deployment.version_text})"
    if "maxServerVersion" in req:
        max_version = _version(req["maxServerVersion"])
        if deployment.version > max_version:
            return (f"needs server <= {req['maxServerVersion']} (mim claims "
                    f"{deployment.version_text})")
    if "topologies" in req and deployment.topology not in req["topologies"]:
        return (f"needs topology {'/'.join(req['topologies'])} (mim claims "
                f"{deployment.topology})")
    if req.get("serverless") == "require" and not deployment.serverless:
        return "needs a serverless deployment"
    if "auth" in req and bool(req["auth"]) != deployment.auth:
        return "needs authentication" if req["auth"] else "needs auth disabled"
    if "authMechanism" in req:
        return f"needs auth mechanism {req['authMechanism']}"
    if req.get("csfle"):
        return "needs client-side field level encryption (CSFLE)"
    if "serverParameters" in req:
        return f"needs server parameters {sorted(req['serverParameters'])}"
    return None


def _requirements_problem(reqs: Iterable[dict[str, Any]] | None,
                          deployment: Deployment) -> str | None:
    reqs = list(reqs or [])
    if not reqs:
        return None
    problems = [_requirement_problem(r, deployment) for r in reqs]
    if any(p is None for p in problems):
        return None
    return "runOnRequirements: " + "; or ".join(dict.fromkeys(p for p in problems if p))


def _operations(operations: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every operation, including those nested in withTransaction callbacks."""
    for op in operations:
        yield op
        callback = op.get("arguments", {}).get("callback")
        if isinstance(callback, list):
            yield from _operations(callback)


def _entity_problem(entities: Iterable[dict[str, Any]]) -> str | None:
    for entity in entities:
        kind, spec = next(iter(entity.items()))
        if kind in _WIRE_ENTITY_KEYS:
            return f"entity {kind}: {_WIRE_ENTITY_KEYS[kind]}"
        if kind == "client":
            for key, reason in _WIRE_CLIENT_OPTIONS.items():
                if key in spec:
                    return f"client option {key}: {reason}"
    return None


def classify(case: SpecCase, deployment: Deployment) -> str | None:
    """The reason *case* is not applicable to *deployment*, or ``None`` if it is."""
    document, test = case.file.document, case.test
    if "skipReason" in test:
        return f"skipReason: {test['skipReason']}"
    problem = (_requirements_problem(document.get("runOnRequirements"), deployment)
               or _requirements_problem(test.get("runOnRequirements"), deployment))
    if problem:
        return problem
    problem = _entity_problem(document.get("createEntities", []))
    if problem:
        return problem
    operations = list(_operations(test["operations"]))
    for op in operations:
        if op["name"] == "createEntities":
            problem = _entity_problem(op.get("arguments", {}).get("entities", []))
            if problem:
                return problem
        if op["name"] in _WIRE_OPERATIONS:
            return f"operation {op['name']}: {_WIRE_OPERATIONS[op['name']]}"
    checks = "outcome" in test or any(
        "expectResult" in op or "expectError" in op for op in operations)
    if not checks:
        return "checks only command-monitoring events (expectEvents): a wire-level subject"
    return None
