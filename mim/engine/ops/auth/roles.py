"""The built-in roles and the privileges they grant (``role_graph_builtin_roles.cpp``).

A privilege is a resource pattern and a set of actions.  Resource patterns:

- ``("db", name)`` — every normal (non-``system.``) collection of database
  ``name``, and the database itself;
- ``("ns", db, collection)`` — one collection, system collections included;
- ``("coll", collection)`` — the normal collection of that name in every database
  (``{db: "", collection: "<name>"}``);
- ``("anydb",)`` — every normal collection of every database, and every database;
- ``("cluster",)`` — the server itself (``serverStatus``, ``listDatabases``…);
- ``("any",)`` — everything (``root``).

A database role (``read``, ``readWrite``, ``dbAdmin``, ``userAdmin``,
``dbOwner``) exists in every database and grants on that database; the
any-database and cluster roles exist only in ``admin``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["Privilege", "Target", "builtin_role_exists", "builtin_role_names", "privileges_of_role",
           "matches", "grants_anything",
           "privilege_document", "merge_privileges", "resource_from_document",
           "resource_error", "privilege_from_document", "role_document_privileges",
           "ACTION_TYPES",
           "ANY_DATABASE_ROLES"]

Resource = tuple
Privilege = tuple[Resource, frozenset[str]]
#: What a command touches: ``("collection", db, coll)``, ``("database", db)``,
#: ``("cluster",)`` or ``("anynormal",)`` (every normal resource: what ``updateRole``
#: asks ``revokeRole`` on).
Target = tuple

#: The action names a privilege may grant (``action_type.idl``'s ``ActionType``).
ACTION_TYPES = frozenset("""
    addShard advanceClusterTime allCollectionStats analyze analyzeShardKey anyAction
    appendOplogNote applicationMessage auditConfigure auditLogRotate authCheck authenticate
    authSchemaUpgrade bypassDocumentValidation bypassWriteBlockingMode changeCustomData
    changePassword changeOwnPassword changeOwnCustomData changeStream
    checkFreeMonitoringStatus checkMetadataConsistency cleanupOrphaned clearJumboFlag
    cleanupStructuredEncryptionData closeAllDatabases collMod collStats compact
    compactStructuredEncryptionData configureQueryAnalyzer connPoolStats connPoolSync
    convertToCapped cpuProfiler createCollection createDatabase createIndex createRole
    createSearchIndexes createUser dbCheck dbHash dbStats dropAllRolesFromDatabase
    dropAllUsersFromDatabase dropCollection dropConnections dropDatabase dropIndex dropRole
    dropSearchIndex dropUser emptycapped enableProfiler enableSharding exportCollection find
    flushRouterConfig forceUUID fsync getClusterParameter getDatabaseVersion
    getDefaultRWConcern getCmdLineOpts getLog getParameter getShardMap getShardVersion
    grantRole grantPrivilegesToRole grantRolesToRole grantRolesToUser hostInfo impersonate
    importCollection indexStats inprog insert internal invalidateUserCache killAnyCursor
    killAnySession killCursors killop listCachedAndActiveUsers listCollections listCursors
    listDatabases listIndexes listSampledQueries listSearchIndexes listSessions listShards
    logRotate updateSearchIndex moveChunk netstat oidcListKeys oidcRefreshKeys oidReset
    operationMetrics planCacheIndexFilter planCacheRead planCacheWrite
    refineCollectionShardKey reIndex remove removeShard renameCollection
    renameCollectionSameDB repairDatabase replSetConfigure replSetGetConfig replSetGetStatus
    replSetHeartbeat replSetReconfig replSetResizeOplog replSetStateChange reshardCollection
    resync revokeRole revokePrivilegesFromRole revokeRolesFromRole revokeRolesFromUser
    rotateCertificates runAsLessPrivilegedUser runTenantMigration serverStatus
    setAuthenticationRestriction setClusterParameter setDefaultRWConcern
    setFeatureCompatibilityVersion setFreeMonitoring setParameter setUserWriteBlockMode
    shardCollection shardedDataDistribution shardingState shutdown splitChunk splitVector
    storageDetails top touch trafficRecord transitionFromDedicatedConfigServer
    transitionToDedicatedConfigServer unlock useTenant useUUID update updateRole updateUser
    validate viewRole viewUser applyOps setChangeStreamState getChangeStreamState
""".split())

READ_ACTIONS = frozenset({
    "changeStream", "collStats", "dbHash", "dbStats", "find", "killCursors", "listCollections",
    "listIndexes", "listSearchIndexes"})
READ_WRITE_ACTIONS = READ_ACTIONS | frozenset({
    "convertToCapped", "createCollection", "createIndex", "createSearchIndexes",
    "dropCollection", "dropIndex", "dropSearchIndex", "insert", "remove",
    "renameCollectionSameDB", "update", "updateSearchIndex"})
DB_ADMIN_ACTIONS = frozenset({
    "bypassDocumentValidation", "collMod", "collStats", "compact", "convertToCapped",
    "createCollection", "createIndex", "dbHash", "dbStats", "dropCollection", "dropDatabase",
    "dropIndex", "enableProfiler", "listCollections", "listIndexes", "planCacheIndexFilter",
    "planCacheRead", "planCacheWrite", "reIndex", "renameCollectionSameDB", "storageDetails",
    "validate"})
#: dbAdmin may read the profiler's collection.
PROFILE_READ_ACTIONS = frozenset({"collStats", "dbHash", "dbStats", "find", "killCursors",
                                  "listCollections", "listIndexes", "planCacheRead"})
USER_ADMIN_ACTIONS = frozenset({
    "changeCustomData", "changePassword", "createRole", "createUser", "dropRole", "dropUser",
    "grantRole", "revokeRole", "setAuthenticationRestriction", "viewRole", "viewUser"})
CLUSTER_MONITOR_ACTIONS = frozenset({
    "checkFreeMonitoringStatus", "connPoolStats", "getCmdLineOpts", "getDefaultRWConcern",
    "getLog", "getParameter", "getShardMap", "hostInfo", "inprog", "listDatabases",
    "listSessions", "netstat", "replSetGetConfig", "replSetGetStatus", "serverStatus", "top",
    "useUUID"})
ANY_DATABASE_CLUSTER_ACTIONS = frozenset({"listDatabases"})
USER_ADMIN_ANY_CLUSTER_ACTIONS = frozenset({"authSchemaUpgrade", "invalidateUserCache",
                                            "listDatabases", "viewUser"})


def _database_role(actions: frozenset[str], extra: Callable[[str], list[Privilege]]
                   = lambda db: []) -> Callable[[str], list[Privilege]]:
    return lambda db: [(("db", db), actions), *extra(db)]


def _profile(db: str) -> list[Privilege]:
    return [(("ns", db, "system.profile"), PROFILE_READ_ACTIONS)]


_DATABASE_ROLES: dict[str, Callable[[str], list[Privilege]]] = {
    "read": _database_role(READ_ACTIONS),
    "readWrite": _database_role(READ_WRITE_ACTIONS),
    "dbAdmin": _database_role(DB_ADMIN_ACTIONS, _profile),
    "userAdmin": _database_role(USER_ADMIN_ACTIONS),
    "dbOwner": _database_role(READ_WRITE_ACTIONS | DB_ADMIN_ACTIONS | USER_ADMIN_ACTIONS,
                              _profile),
}

_ADMIN_ROLES: dict[str, list[Privilege]] = {
    "readAnyDatabase": [(("anydb",), READ_ACTIONS),
                        (("cluster",), ANY_DATABASE_CLUSTER_ACTIONS)],
    "readWriteAnyDatabase": [(("anydb",), READ_WRITE_ACTIONS),
                             (("cluster",), ANY_DATABASE_CLUSTER_ACTIONS)],
    "dbAdminAnyDatabase": [(("anydb",), DB_ADMIN_ACTIONS),
                           (("cluster",), ANY_DATABASE_CLUSTER_ACTIONS)],
    "userAdminAnyDatabase": [(("anydb",), USER_ADMIN_ACTIONS),
                             (("cluster",), USER_ADMIN_ANY_CLUSTER_ACTIONS)],
    "clusterMonitor": [(("cluster",), CLUSTER_MONITOR_ACTIONS)],
    "root": [(("any",), frozenset({"anyAction"}))],
}

ANY_DATABASE_ROLES = frozenset(_ADMIN_ROLES)


def builtin_role_names(db: str) -> list[str]:
    """The built-in roles that exist in database ``db``, sorted."""
    return sorted([*_DATABASE_ROLES, *(_ADMIN_ROLES if db == "admin" else ())])


def builtin_role_exists(role: str, db: str) -> bool:
    return role in _DATABASE_ROLES or (db == "admin" and role in _ADMIN_ROLES)


def privileges_of_role(role: str, db: str) -> list[Privilege]:
    """What ``role@db`` grants (empty for a role that does not exist)."""
    if role in _DATABASE_ROLES:
        return _DATABASE_ROLES[role](db)
    if db == "admin":
        return list(_ADMIN_ROLES.get(role, ()))
    return []


def _resource_matches(resource: Resource, target: Target) -> bool:
    kind = resource[0]
    if kind == "any":
        return True
    if target[0] == "cluster":
        return kind == "cluster"
    if target[0] == "anynormal":
        return kind == "anydb"
    if kind == "cluster":
        return False
    normal = target[0] == "database" or not target[2].startswith("system.")
    if kind == "anydb":
        return normal
    if kind == "db":
        return target[1] == resource[1] and normal
    if kind == "coll":
        return target[0] == "collection" and target[2] == resource[1] and normal
    return target[0] == "collection" and target[1:] == resource[1:]


def grants_anything(privileges: Iterable[Privilege], target: Target) -> bool:
    """Whether some privilege grants some action on ``target``."""
    return any(_resource_matches(resource, target) for resource, _actions in privileges)


def matches(privileges: Iterable[Privilege], target: Target, action: str) -> bool:
    """Whether some privilege grants ``action`` on ``target``."""
    return any(_resource_matches(resource, target)
               and (action in actions or "anyAction" in actions)
               for resource, actions in privileges)


def privilege_document(resource: Resource, actions: frozenset[str]) -> dict:
    """A privilege as ``usersInfo``/``connectionStatus`` show it."""
    kind = resource[0]
    if kind == "cluster":
        shown: dict = {"cluster": True}
    elif kind == "any":
        shown = {"anyResource": True}
    elif kind == "anydb":
        shown = {"db": "", "collection": ""}
    elif kind == "db":
        shown = {"db": resource[1], "collection": ""}
    elif kind == "coll":
        shown = {"db": "", "collection": resource[1]}
    else:
        shown = {"db": resource[1], "collection": resource[2]}
    return {"resource": shown, "actions": sorted(actions)}


def merge_privileges(privileges: Iterable[Privilege]) -> list[Privilege]:
    """One privilege per resource, its actions the union of those given for it, in
    the order the resources first appear (``Privilege::addPrivilegesToPrivilegeVector``)."""
    merged: dict[Resource, frozenset[str]] = {}
    for resource, actions in privileges:
        merged[resource] = merged.get(resource, frozenset()) | actions
    return list(merged.items())


def resource_from_document(resource: Mapping[str, Any]) -> Resource:
    """A privilege's ``resource`` as a pattern (``ParsedPrivilege::parsedPrivilegeToPrivilege``);
    ``resource`` has passed :func:`resource_error`."""
    if resource.get("anyResource") is True:
        return ("any",)
    if resource.get("cluster") is True:
        return ("cluster",)
    db, collection = resource["db"], resource["collection"]
    if db:
        return ("ns", db, collection) if collection else ("db", db)
    return ("coll", collection) if collection else ("anydb",)


def resource_error(resource: Mapping[str, Any]) -> str | None:
    """Why ``resource`` is not a privilege's resource (``ParsedResource::isValid``), or None."""
    has_db, has_collection = "db" in resource, "collection" in resource
    kinds = ("anyResource" in resource) + ("cluster" in resource) + (has_db or has_collection)
    if has_db != has_collection:
        return "resource must set both db and collection or neither, but not exactly one."
    if kinds != 1:
        return ("resource must have exactly db and collection set, or have only cluster set "
                " or have only anyResource set")
    if "anyResource" in resource and resource["anyResource"] is not True:
        return "anyResource must be true when specified"
    if "cluster" in resource and resource["cluster"] is not True:
        return "cluster must be true when specified"
    return None


def privilege_from_document(doc: Mapping[str, Any]) -> Privilege:
    """A stored privilege (``{resource, actions}``, already validated) as a :data:`Privilege`."""
    return resource_from_document(doc["resource"]), frozenset(doc["actions"])


def role_document_privileges(doc: Mapping[str, Any]) -> list[Privilege]:
    """The privileges a stored role document grants directly."""
    return [privilege_from_document(p) for p in doc.get("privileges", ())
            if isinstance(p, Mapping)]
