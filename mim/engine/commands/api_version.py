"""The Stable API: ``apiVersion``/``apiStrict``/``apiDeprecationErrors`` on a command.

mongod checks them once the command is found and before it runs
(``initializeAPIParameters`` in the server's ``initialize_api_parameters.cpp``):
the flags need ``apiVersion``, only ``"1"`` exists, strict mode refuses commands
outside API Version 1 and deprecation errors refuse the ones deprecated in it.
Both faces go through :func:`check_api_parameters`, so they refuse alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..values.errors import ServerError
from ..values.order import type_name

__all__ = ["API_VERSION_1_COMMANDS", "API_VERSION_1_DEPRECATED", "STAGES_OUTSIDE_VERSION_1",
           "check_api_parameters", "api_parameters_of", "running_with",
           "current_api_parameters"]

#: The commands of API Version 1 in MongoDB 7.0 (the manual's "Stable API" changelog,
#: plus the SASL commands drivers authenticate with under a strict API).
API_VERSION_1_COMMANDS = frozenset({
    "abortTransaction", "aggregate", "authenticate", "checkMetadataConsistency", "collMod",
    "commitTransaction", "count", "create", "createIndexes", "delete", "drop",
    "dropDatabase", "dropIndexes", "endSessions", "explain", "find", "findAndModify",
    "getMore", "hello", "insert", "killCursors", "listCollections", "listDatabases",
    "listIndexes", "ping", "refreshSessions", "saslContinue", "saslStart", "update",
    # in API Version 1 in the server's code though the manual's list leaves them out
    # (measured against a real mongod under apiStrict)
    "collStats", "renameCollection", "createUser", "updateUser", "dropUser", "createRole",
    "updateRole", "dropRole", "grantRolesToUser", "revokeRolesFromUser", "grantRolesToRole",
    "revokeRolesFromRole", "grantPrivilegesToRole", "revokePrivilegesFromRole",
    "createSearchIndexes", "updateSearchIndex", "dropSearchIndex",
    # the Stable API's test commands (enableTestCommands): all but testVersion2
    "testVersion1", "testDeprecation", "testDeprecationInVersion2", "testRemoval",
})

#: Aggregation stages registered ``AllowedWithApiStrict::kNeverInVersion1``.
STAGES_OUTSIDE_VERSION_1 = frozenset({
    "$currentOp", "$listLocalSessions", "$listSessions", "$planCacheStats", "$search",
    "$searchMeta", "$vectorSearch", "$listSearchIndexes",
})

#: Stages whose sub-pipelines the server checks too.
_SUB_PIPELINES = {"$facet": None, "$lookup": "pipeline", "$unionWith": "pipeline"}

#: Commands deprecated in API Version 1: none but a test command (the manual: "no
#: deprecated APIs exist"; ``testDeprecation`` is deprecated so that drivers can test).
API_VERSION_1_DEPRECATED: frozenset[str] = frozenset({"testDeprecation"})

_FLAGS = ("apiStrict", "apiDeprecationErrors")
_FIELDS = ("apiVersion", *_FLAGS)

#: The API parameters of the command running now, for the cursor it may open.
_CURRENT: ContextVar[dict[str, Any]] = ContextVar("api_parameters", default={})


def api_parameters_of(cmd: Mapping[str, Any]) -> dict[str, Any]:
    """The API parameters ``cmd`` carries, in the server's order."""
    return {field: cmd[field] for field in _FIELDS if field in cmd}


@contextmanager
def running_with(parameters: dict[str, Any]) -> Iterator[None]:
    """Make ``parameters`` the running command's (cursors it opens remember them)."""
    token = _CURRENT.set(parameters)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_api_parameters() -> dict[str, Any]:
    """The running command's API parameters (``{}`` outside one, or without any)."""
    return _CURRENT.get()


def check_api_parameters(name: str, cmd: Mapping[str, Any]) -> None:
    """Refuse ``cmd`` (command ``name``) as mongod does for its API parameters."""
    version = cmd.get("apiVersion")
    if version is not None and not isinstance(version, str):
        raise ServerError(14, f"BSON field 'APIParametersFromClient.apiVersion' is the wrong "
                              f"type '{type_name(version)}', expected type 'string'")
    for flag in _FLAGS:
        value = cmd.get(flag)
        if value is not None and not isinstance(value, bool):
            raise ServerError(14, f"BSON field 'APIParametersFromClient.{flag}' is the wrong "
                                  f"type '{type_name(value)}', expected type 'bool'")
    if version is None:
        if any(flag in cmd for flag in _FLAGS):
            raise ServerError(4886600, "Provided apiStrict and/or apiDeprecationErrors "
                                       "without passing apiVersion")
        return
    if version != "1":
        raise ServerError(322, 'API version must be "1"')
    if cmd.get("apiStrict") and name not in API_VERSION_1_COMMANDS:
        raise ServerError(323, f"Provided apiStrict:true, but the command {name} is not in "
                               f"API Version 1. Information on supported commands and "
                               f"migrations in API Version 1 can be found at "
                               f"https://dochub.mongodb.org/core/manual-versioned-api")
    if cmd.get("apiStrict") and name == "aggregate":
        _check_stages(cmd.get("pipeline"))
    if cmd.get("apiDeprecationErrors") and name in API_VERSION_1_DEPRECATED:
        raise ServerError(324, f"Provided apiDeprecationErrors:true, but the command {name} "
                               f"is deprecated in API Version 1")


def _check_stages(pipeline: Any) -> None:
    """Refuse, under ``apiStrict``, a stage outside API Version 1 at any depth."""
    if not isinstance(pipeline, (list, tuple)):
        return
    for stage in pipeline:
        if not isinstance(stage, Mapping) or not stage:
            continue
        stage_name = next(iter(stage))
        if stage_name in STAGES_OUTSIDE_VERSION_1:
            raise ServerError(323, f"{stage_name} is not allowed with 'apiStrict: true' in "
                                   f"API Version 1")
        spec = stage[stage_name]
        if stage_name in _SUB_PIPELINES and isinstance(spec, Mapping):
            field = _SUB_PIPELINES[stage_name]
            for sub in ([spec.get(field)] if field else list(spec.values())):
                _check_stages(sub)
