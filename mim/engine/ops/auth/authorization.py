"""Who may run which command: the privileges each command needs, and the
per-connection :class:`AuthSession` that checks them.

Checks follow mongod's order (``commands.cpp``): a command that needs no
authentication (the handshake, ``ping``, the SASL commands…) always runs; with
access control on, any other command from an unauthenticated connection fails
with ``Command <name> requires authentication`` (13); an authenticated one
lacking a privilege fails with ``not authorized on <db> to execute command
<command>`` (13).  The localhost exception: while the engine has no user at
all, a loopback connection may create the first one in ``admin`` (and nothing
else that needs a privilege).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from typing import Any

from ...values.errors import ServerError
from ...values.render import render_document
from .restrictions import LOCAL_ADDRESS
from .role_store import RoleName, resolve_roles, roles_of
from .roles import (Privilege, Target, grants_anything, matches, resource_error,
                    resource_from_document)
from .scram import ScramConversation
from .users import User, UserStore

__all__ = ["AuthSession", "CURRENT_SESSION", "required_privileges", "NO_AUTH_COMMANDS",
           "PRIVILEGE_RULES", "OWN_CHECKS", "role_arguments"]

#: Commands that run before (or without) authentication.
NO_AUTH_COMMANDS = frozenset({
    "hello", "isMaster", "ismaster", "buildInfo", "buildinfo", "ping", "saslStart",
    "saslContinue", "logout", "connectionStatus", "listCommands", "getnonce"})

#: With the localhost exception: create the first user (in ``admin``).
_LOCALHOST_PRIVILEGES: list[Privilege] = [
    (("db", "admin"), frozenset({"createUser", "createRole", "grantRole"}))]

Need = tuple[Target, str]
NeedsFunction = Callable[[str, Mapping[str, Any]], list[Need]]
#: What each command needs, by command name (every registered command has a rule).
PRIVILEGE_RULES: dict[str, NeedsFunction] = {}


def _needs(*names: str) -> Callable[[NeedsFunction], NeedsFunction]:
    def register(fn: NeedsFunction) -> NeedsFunction:
        for name in names:
            PRIVILEGE_RULES[name] = fn
        return fn
    return register


def _target(db: str, cmd: Mapping[str, Any]) -> Target:
    """The collection a command names in its first field, else its database."""
    value = next(iter(cmd.values()))
    if isinstance(value, str) and value:
        return ("collection", db, value)
    return ("database", db)


def _on_target(*actions: str) -> NeedsFunction:
    return lambda db, cmd: [(_target(db, cmd), action) for action in actions]


def _on_database(*actions: str) -> NeedsFunction:
    return lambda db, cmd: [(("database", db), action) for action in actions]


def _on_cluster(*actions: str) -> NeedsFunction:
    return lambda db, cmd: [(("cluster",), action) for action in actions]


def _clone_as_capped(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    """``cloneCollectionAsCapped``: ``find`` on the source; ``insert`` and
    ``createCollection`` on the target (as the server's command checks)."""
    target = cmd.get("toCollection")
    destination: Target = (("collection", db, target) if isinstance(target, str) and target
                           else ("database", db))
    return [(_target(db, cmd), "find"), (destination, "insert"),
            (destination, "createCollection")]


def _nothing(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    return []


for _names, _fn in (
        (("find", "count", "distinct", "getMore", "mapReduce", "mapreduce"), _on_target("find")),
        (("listIndexes",), _on_target("listIndexes")),
        (("collStats", "collstats", "dataSize"), _on_target("collStats")),
        (("insert",), _on_target("insert")),
        (("delete",), _on_target("remove")),
        (("create",), _on_target("createCollection")),
        (("drop",), _on_target("dropCollection")),
        (("createIndexes",), _on_target("createIndex")),
        (("dropIndexes", "deleteIndexes"), _on_target("dropIndex")),
        (("collMod",), _on_target("collMod")),
        (("convertToCapped",), _on_target("convertToCapped")),
        (("cloneCollectionAsCapped",), _clone_as_capped),
        (("validate",), _on_target("validate")),
        (("compact",), _on_target("compact")),
        (("reIndex",), _on_target("reIndex")),
        (("killCursors",), _on_target("killCursors")),
        (("dbStats", "dbstats"), _on_database("dbStats")),
        (("dbHash",), _on_database("dbHash")),
        (("dropDatabase",), _on_database("dropDatabase")),
        (("profile",), _on_database("enableProfiler")),
        (("createUser",), _on_database("createUser")),
        (("dropUser", "dropAllUsersFromDatabase"), _on_database("dropUser")),
        (("serverStatus",), _on_cluster("serverStatus")),
        (("hostInfo",), _on_cluster("hostInfo")),
        (("getLog",), _on_cluster("getLog")),
        (("getCmdLineOpts",), _on_cluster("getCmdLineOpts")),
        (("replSetGetStatus",), _on_cluster("replSetGetStatus")),
        (("setParameter",), _on_cluster("setParameter")),
        (("replSetGetConfig",), _on_cluster("replSetGetConfig")),
        (("getParameter",), _on_cluster("getParameter")),
        (("currentOp",), _on_cluster("inprog")),
        (("killOp",), _on_cluster("killop")),
        (("fsync",), _on_cluster("fsync")),
        (("fsyncUnlock",), _on_cluster("unlock")),
        (("top",), _on_cluster("top")),
        (("connPoolStats",), _on_cluster("connPoolStats")),
        (("killAllSessions", "killAllSessionsByPattern"), _on_cluster("killAnySession")),
        (("startSession", "refreshSessions", "endSessions", "killSessions",
          "commitTransaction", "abortTransaction"), _nothing),
        # fail_point_cmd.cpp: "No auth needed because it only works when enabled via
        # command line" (enableTestCommands)
        (("configureFailPoint", "waitForFailPoint"), _nothing),
        # CmdWhatsMyUri: "No explicit privileges required.  Any authenticated user may call."
        (("whatsmyuri",), _nothing),
        # the Stable API test commands check no privilege either (test-only commands)
        (("testVersion1", "testVersion2", "testDeprecation", "testDeprecationInVersion2",
          "testRemoval"), _nothing),
):
    for _name in _names:
        PRIVILEGE_RULES[_name] = _fn


def role_arguments(value: Any, db: str) -> list[tuple[str, str]]:
    """``roles`` as commands take them: a name (a role of ``db``) or ``{role, db}``."""
    roles = []
    for role in value if isinstance(value, list) else ():
        if isinstance(role, str):
            roles.append((role, db))
        elif isinstance(role, Mapping) and isinstance(role.get("role"), str) \
                and isinstance(role.get("db"), str):
            roles.append((role["role"], role["db"]))
    return roles


def _role_grants(cmd: Mapping[str, Any], db: str, field: str, action: str) -> list[Need]:
    return [(("database", role_db), action) for _role, role_db in
            role_arguments(cmd.get(field), db)]


@_needs("createUser")
def _create_user(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    return [(("database", db), "createUser"), *_role_grants(cmd, db, "roles", "grantRole")]


@_needs("updateUser")
def _update_user(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    needs: list[Need] = []
    if "pwd" in cmd:
        needs.append((("database", db), "changePassword"))
    if "customData" in cmd:
        needs.append((("database", db), "changeCustomData"))
    if "roles" in cmd:
        needs += _role_grants(cmd, db, "roles", "grantRole")
        needs += _role_grants(cmd, db, "roles", "revokeRole")
    return needs or [(("database", db), "changePassword")]


@_needs("grantRolesToUser")
def _grant_roles(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    return _role_grants(cmd, db, "roles", "grantRole") or [(("database", db), "grantRole")]


@_needs("revokeRolesFromUser")
def _revoke_roles(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    return _role_grants(cmd, db, "roles", "revokeRole") or [(("database", db), "revokeRole")]


@_needs("usersInfo")
def _users_info(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    return [(("database", db), "viewUser")]


@_needs("update")
def _update(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    needs = [(_target(db, cmd), "update")]
    updates = cmd.get("updates")
    if isinstance(updates, list) and any(isinstance(u, Mapping) and u.get("upsert")
                                         for u in updates):
        needs.append((_target(db, cmd), "insert"))
    return needs


@_needs("findAndModify", "findandmodify")
def _find_and_modify(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    target = _target(db, cmd)
    needs = [(target, "find"), (target, "remove" if cmd.get("remove") else "update")]
    if cmd.get("upsert"):
        needs.append((target, "insert"))
    return needs


@_needs("renameCollection")
def _rename_collection(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    source, target = cmd.get("renameCollection"), cmd.get("to")
    if not isinstance(source, str) or not isinstance(target, str):
        return []
    source_db, _, source_coll = source.partition(".")
    target_db, _, target_coll = target.partition(".")
    if source_db == target_db:
        needs: list[Need] = [(("database", source_db), "renameCollectionSameDB")]
    else:
        needs = [(("collection", source_db, source_coll), "find"),
                 (("collection", source_db, source_coll), "dropCollection"),
                 (("collection", target_db, target_coll), "insert"),
                 (("collection", target_db, target_coll), "createIndex")]
    if cmd.get("dropTarget"):
        needs.append((("collection", target_db, target_coll), "dropCollection"))
    return needs


def _pipeline_needs(db: str, pipeline: Any) -> list[Need]:
    """What the stages reading or writing other collections need."""
    needs: list[Need] = []
    for stage in pipeline if isinstance(pipeline, list) else ():
        if not isinstance(stage, Mapping) or len(stage) != 1:
            continue
        name, spec = next(iter(stage.items()))
        if name in ("$lookup", "$graphLookup") and isinstance(spec, Mapping):
            if isinstance(spec.get("from"), str):
                needs.append((("collection", db, spec["from"]), "find"))
            needs += _pipeline_needs(db, spec.get("pipeline"))
        elif name == "$unionWith":
            coll = spec if isinstance(spec, str) else (
                spec.get("coll") if isinstance(spec, Mapping) else None)
            if isinstance(coll, str):
                needs.append((("collection", db, coll), "find"))
            if isinstance(spec, Mapping):
                needs += _pipeline_needs(db, spec.get("pipeline"))
        elif name == "$facet" and isinstance(spec, Mapping):
            for sub in spec.values():
                needs += _pipeline_needs(db, sub)
        elif name in ("$out", "$merge"):
            into = spec.get("into", spec.get("coll")) if isinstance(spec, Mapping) else spec
            out_db = spec.get("db", db) if isinstance(spec, Mapping) else db
            if isinstance(into, Mapping):
                out_db, into = into.get("db", db), into.get("coll")
            if isinstance(into, str) and isinstance(out_db, str):
                actions = ("insert", "remove") if name == "$out" else ("insert", "update")
                needs += [(("collection", out_db, into), action) for action in actions]
        elif name == "$currentOp":
            needs.append((("cluster",), "inprog"))
        elif name == "$collStats":
            pass  # checked as the aggregate's own collection below
    return needs


@_needs("aggregate")
def _aggregate(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    return [(_target(db, cmd), "find"), *_pipeline_needs(db, cmd.get("pipeline"))]


@_needs("explain")
def _explain(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    inner = cmd.get("explain")
    if not isinstance(inner, Mapping) or not inner:
        return []
    return required_privileges(db, inner)


@_needs("listDatabases")
def _list_databases(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    # any authenticated user: without the privilege the reply shows the databases the
    # user has privileges on (AuthSession.may_see_database), unless it asks for all
    if cmd.get("authorizedDatabases") is False:
        return [(("cluster",), "listDatabases")]
    return []


@_needs("listCollections")
def _list_collections(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    # {nameOnly: true, authorizedCollections: true} lists what the user may touch
    if cmd.get("authorizedCollections") is True and cmd.get("nameOnly") is True:
        return []
    return [(("database", db), "listCollections")]


# -- the role commands decide with their own rules -----------------------------------
# (``authorization_checks.cpp``: checkAuthForTypedCommand for each role command).  Their
# own Unauthorized reasons ("Not authorized to grant role: …") never reach the client:
# ``CommandInvocation::checkAuthorization`` answers every refusal with "not authorized on
# <db> to execute command …", as for any other command.

#: What a connection's user may do, handed to the checks below.
Granted = list[Privilege]
OwnCheck = Callable[[Granted, list[RoleName], str, Mapping[str, Any]], bool]
#: Commands whose authorization rule is their own (not :data:`PRIVILEGE_RULES`'):
#: ``check(privileges, roles the users hold (directly or not), db, cmd)`` says whether
#: the command may run.
OWN_CHECKS: dict[str, OwnCheck] = {}


def _own_check(*names: str) -> Callable[[OwnCheck], OwnCheck]:
    def register(fn: OwnCheck) -> OwnCheck:
        for name in names:
            OWN_CHECKS[name] = fn
            PRIVILEGE_RULES[name] = _nothing
        return fn
    return register


def _granted_resources(cmd: Mapping[str, Any]) -> list:
    """The resources of a role command's ``privileges`` (those that parse; a bad one
    is the command's own error to report)."""
    value = cmd.get("privileges")
    resources = []
    for entry in value if isinstance(value, list) else ():
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if isinstance(resource, Mapping) and resource_error(resource) is None \
                and all(isinstance(resource.get(k, ""), str) for k in ("db", "collection")):
            resources.append(resource_from_document(resource))
    return resources


def _may_handle_roles(granted: Granted, cmd: Mapping[str, Any], db: str, action: str) -> bool:
    """``checkAuthorizedToGrantRoles`` / ``checkAuthorizedToRevokeRoles``: ``action``
    on the database of each role named."""
    return all(matches(granted, ("database", role_db), action)
               for _role, role_db in role_arguments(cmd.get("roles"), db))


def _may_handle_privileges(granted: Granted, cmd: Mapping[str, Any], action: str) -> bool:
    """``checkAuthorizedToGrantPrivilege`` / ``checkAuthorizedToRevokePrivilege``: a
    privilege on one database needs ``action`` there, any other needs it on ``admin``."""
    return all(matches(granted, ("database", resource[1] if resource[0] in ("db", "ns")
                                 else "admin"), action)
               for resource in _granted_resources(cmd))


@_own_check("createRole")
def _create_role(granted: Granted, held: list[RoleName], db: str,
                 cmd: Mapping[str, Any]) -> bool:
    # isAuthorizedToCreateRole: createRole on the database, or (localhost exception)
    # a role the user already holds
    return (matches(granted, ("database", db), "createRole")
            or (cmd.get("createRole"), db) in held) \
        and _may_handle_roles(granted, cmd, db, "grantRole") \
        and _may_handle_privileges(granted, cmd, "grantRole")


@_own_check("updateRole")
def _update_role(granted: Granted, held: list[RoleName], db: str,
                 cmd: Mapping[str, Any]) -> bool:
    # it may revoke anything: revokeRole on every normal resource
    return matches(granted, ("anynormal",), "revokeRole") \
        and _may_handle_roles(granted, cmd, db, "grantRole") \
        and _may_handle_privileges(granted, cmd, "grantRole")


@_own_check("grantRolesToRole")
def _grant_roles_to_role(granted: Granted, held: list[RoleName], db: str,
                         cmd: Mapping[str, Any]) -> bool:
    return _may_handle_roles(granted, cmd, db, "grantRole")


@_own_check("revokeRolesFromRole")
def _revoke_roles_from_role(granted: Granted, held: list[RoleName], db: str,
                            cmd: Mapping[str, Any]) -> bool:
    return _may_handle_roles(granted, cmd, db, "revokeRole")


@_own_check("grantPrivilegesToRole")
def _grant_privileges_to_role(granted: Granted, held: list[RoleName], db: str,
                              cmd: Mapping[str, Any]) -> bool:
    return _may_handle_privileges(granted, cmd, "grantRole")


@_own_check("revokePrivilegesFromRole")
def _revoke_privileges_from_role(granted: Granted, held: list[RoleName], db: str,
                                 cmd: Mapping[str, Any]) -> bool:
    return _may_handle_privileges(granted, cmd, "revokeRole")


@_own_check("dropRole", "dropAllRolesFromDatabase")
def _drop_role(granted: Granted, held: list[RoleName], db: str,
               cmd: Mapping[str, Any]) -> bool:
    return matches(granted, ("database", db), "dropRole")


@_own_check("rolesInfo")
def _roles_info(granted: Granted, held: list[RoleName], db: str,
                cmd: Mapping[str, Any]) -> bool:
    wanted = cmd.get("rolesInfo")
    if isinstance(wanted, (int, float)) and not isinstance(wanted, bool):
        return matches(granted, ("database", db), "viewRole")
    # a user may always look at the roles it holds
    return all(role in held or matches(granted, ("database", role[1]), "viewRole")
               for role in role_arguments(wanted if isinstance(wanted, list) else [wanted],
                                          db))

#: A command mim knows but this table does not: only ``root`` may run it.
_UNLISTED: list[Need] = [(("cluster",), "anyAction")]


def required_privileges(db: str, cmd: Mapping[str, Any]) -> list[Need]:
    """The ``(target, action)`` pairs command ``cmd`` on database ``db`` needs."""
    name = next(iter(cmd), "")
    needs = PRIVILEGE_RULES.get(name)
    return list(_UNLISTED) if needs is None else needs(db, cmd)


def _snip_for_logging(cmd: Mapping[str, Any]) -> dict[str, Any]:
    """The command as an error message shows it: passwords replaced by ``"xxx"``."""
    return {key: "xxx" if key == "pwd" else value for key, value in cmd.items()}


class AuthSession:
    """Who is authenticated on one connection, and its SASL conversations.

    ``access_control`` is the server's ``--auth``; ``local`` says whether the
    peer is on a loopback address (for the localhost exception).
    """

    def __init__(self, store: UserStore, access_control: bool = False,
                 local: bool = False) -> None:
        self.store = store
        self.access_control = access_control
        self.local = local
        self.users: list[tuple[str, str]] = []  # (name, db), in authentication order
        #: the connection's two ends (IP addresses; None when not IP): the
        #: in-process faces count as a loopback connection
        self.client_address: str | None = LOCAL_ADDRESS
        self.server_address: str | None = LOCAL_ADDRESS
        self.conversations: dict[int, ScramConversation] = {}
        #: (mechanism, speculative) of the latest successful authentication
        self.last_mechanism: tuple[str, bool] = ("", False)
        self._next_conversation = 1

    # -- authentication ----------------------------------------------------

    def begin(self, conversation: ScramConversation) -> int:
        conversation_id = self._next_conversation
        self._next_conversation += 1
        self.conversations = {conversation_id: conversation}  # a new one replaces any other
        return conversation_id

    def authenticated(self, name: str, db: str, mechanism: str = "",
                      speculative: bool = False) -> None:
        """Record a successful authentication (one user per database, as mongod)."""
        self.users = [(n, d) for n, d in self.users if d != db] + [(name, db)]
        self.last_mechanism = (mechanism, speculative)

    def logout(self, db: str) -> None:
        self.users = [(n, d) for n, d in self.users if d != db]

    def current_users(self) -> list[User]:
        """The authenticated users that still exist."""
        found = (self.store.get(name, db) for name, db in self.users)
        return [user for user in found if user is not None]

    def roles(self) -> list[tuple[str, str]]:
        return [role for user in self.current_users() for role in user.roles]

    def resolved(self) -> tuple[list[RoleName], list[Privilege]]:
        """The roles the users hold, directly or through other roles, and every
        privilege those grant (user-defined roles resolved in ``admin.system.roles``)."""
        direct = self.roles()
        inherited, privileges = resolve_roles(roles_of(self.store.server), direct)
        return list(dict.fromkeys([*direct, *inherited])), privileges

    def privileges(self) -> list[Privilege]:
        """What this connection may do: its users' privileges, and with the
        localhost exception, creating the first user or role."""
        privileges = self.resolved()[1]
        if self.localhost_bypass():
            privileges += _LOCALHOST_PRIVILEGES
        return privileges

    def localhost_bypass(self) -> bool:
        """No user and no user-defined role yet (``hasAnyPrivilegeDocuments``)."""
        return (self.access_control and self.local and len(self.store) == 0
                and len(roles_of(self.store.server)) == 0)

    # -- authorization -----------------------------------------------------

    def authorize(self, db: str, cmd: Mapping[str, Any],
                  shown: Mapping[str, Any] | None = None) -> None:
        """Raise Unauthorized (13) unless this connection may run ``cmd`` on ``db``.

        ``shown`` is the command as the refusal quotes it (mongod quotes an OP_MSG's
        body without its document sequences); ``cmd`` by default."""
        if not self.access_control:
            return
        name = next(iter(cmd), "")
        if name in NO_AUTH_COMMANDS:
            return
        if not self.users and not self.localhost_bypass():
            raise ServerError(13, f"Command {name} requires authentication")
        if self._is_own_user_info(db, cmd):
            return
        privileges = self.privileges()
        own_check = OWN_CHECKS.get(name)
        if own_check is not None:
            allowed = own_check(privileges, self.resolved()[0], db, cmd)
        else:
            allowed = all(matches(privileges, target, action)
                          for target, action in required_privileges(db, cmd))
        if not allowed:
            raise ServerError(13, f"not authorized on {db} to execute command "
                                  f"{render_document(_snip_for_logging(shown or cmd))}")

    def _is_own_user_info(self, db: str, cmd: Mapping[str, Any]) -> bool:
        """A user may always look itself up with ``usersInfo``."""
        if next(iter(cmd), "") != "usersInfo":
            return False
        wanted = cmd["usersInfo"]
        if isinstance(wanted, str):
            wanted = {"user": wanted, "db": db}
        return isinstance(wanted, Mapping) and (wanted.get("user"), wanted.get("db")) in \
            self.users

    def may_see_database(self, name: str) -> bool:
        """``listDatabases`` without the ``listDatabases`` privilege shows the databases
        the user has some privilege on (``authorizedDatabases``)."""
        privileges = self.privileges()
        if matches(privileges, ("cluster",), "listDatabases"):
            return True
        return any(resource[0] in ("any", "anydb", "coll") or  # ("coll": in every db)
                   (resource[0] in ("db", "ns") and resource[1] == name)
                   for resource, _actions in privileges)

    def may_see_collection(self, db: str, name: str) -> bool:
        """``listCollections`` with ``authorizedCollections`` shows the collections the
        user has some privilege on (all of them with ``listCollections``)."""
        privileges = self.privileges()
        return matches(privileges, ("database", db), "listCollections") or \
            grants_anything(privileges, ("collection", db, name))

    def filters_databases(self) -> bool:
        return self.access_control and not matches(self.privileges(), ("cluster",),
                                                    "listDatabases")


#: The connection whose command is running (set by the wire server around each
#: command).  Handlers keep the dispatcher's ``(server, db, cmd)`` signature, so
#: the few that need the connection — ``saslStart``, ``logout``,
#: ``connectionStatus`` — read it here; None for the in-process faces.
CURRENT_SESSION: contextvars.ContextVar[AuthSession | None] = contextvars.ContextVar(
    "mim_auth_session", default=None)

