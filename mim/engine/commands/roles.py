"""Role-management commands (``createRole``, ``updateRole``, ``dropRole``,
``dropAllRolesFromDatabase``, ``grantRolesToRole``, ``revokeRolesFromRole``,
``grantPrivilegesToRole``, ``revokePrivilegesFromRole``, ``rolesInfo``) over
``admin.system.roles`` (:mod:`mim.engine.ops.auth.role_store`), with mongod
7.0's arguments, replies and errors (``user_management_commands.cpp``,
``authz_manager_external_state_local.cpp``).

Dropping a role takes it away from every user and role holding it, as mongod's
``dropRole`` does.  Who may run these commands is decided before they run, by
the connection's :class:`~mim.engine.ops.auth.authorization.AuthSession`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..ops.auth.authorization import role_arguments
from ..ops.auth.restrictions import check_restriction_array, inherited_restrictions
from ..ops.auth.role_store import RoleName, RoleStore, resolve_roles, role_names, roles_of
from ..ops.auth.roles import (ACTION_TYPES, Privilege, builtin_role_exists, builtin_role_names,
                              merge_privileges, privilege_document, privileges_of_role,
                              resource_error, resource_from_document, role_document_privileges)
from ..ops.auth.users import users_of
from ..storage.store import Server
from ..values.errors import ServerError
from ..values.order import type_name
from .registry import command
from .users import (check_user_fields, required_field, role_arguments_of, typed_field,
                    unknown_roles)

__all__ = ["parse_privileges"]


def _role_name(cmd: Mapping, name: str) -> str:
    return typed_field(cmd, name, name, str, "string")


def _shown(role: RoleName) -> str:
    return f"{role[0]}@{role[1]}"


def _role_document(role: RoleName) -> dict[str, str]:
    return {"role": role[0], "db": role[1]}


def parse_privileges(cmd: Mapping, name: str) -> list[Privilege]:
    """The ``privileges`` argument, merged by resource (``privilegeVectorToBSONArray``):
    an array of objects (the IDL's check), each checked as ``ParsedPrivilege`` /
    ``parseAndValidatePrivilegeArray`` check one (FailedToParse)."""
    value = typed_field(cmd, name, "privileges", list, "array")
    privileges: list[Privilege] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):  # (the IDL's array<object> check)
            raise ServerError(14, f"BSON field '{name}.privileges.{index}' is the wrong type "
                                  f"'{type_name(entry)}', expected type 'object'")
        actions, resource = entry.get("actions"), entry.get("resource")
        if not isinstance(actions, list) or not actions:
            raise ServerError(9, "missing actions field")
        if not isinstance(resource, Mapping):
            raise ServerError(9, "missing resource field")
        problem = resource_error(resource)
        if problem is not None:
            raise ServerError(9, problem)
        for field in ("db", "collection"):
            if field in resource and not isinstance(resource[field], str):
                typed_field(resource, "privilege.resource", field, str, "string")
        unknown = [action for action in actions
                   if not isinstance(action, str) or action not in ACTION_TYPES]
        if unknown:
            raise ServerError(9, "Unrecognized action privilege strings: "
                                 + ",".join(str(action) for action in unknown))
        granted = frozenset(actions)
        if "anyAction" in granted:
            granted = frozenset({"anyAction"})
        privileges.append((resource_from_document(resource), granted))
    return merge_privileges(privileges)


def _privilege_documents(privileges: list[Privilege]) -> list[dict]:
    return [privilege_document(resource, actions) for resource, actions in privileges]


def _check_grant_roles(store: RoleStore, role: RoleName, adding: list[RoleName]) -> None:
    """``checkOkayToGrantRolesToRole``: no role granted to itself, only ``admin`` roles
    hold other databases' roles, every role exists, no cycle."""
    for added in adding:
        if added == role:
            raise ServerError(49, f"Cannot grant role {_shown(role)} to itself.")
        if role[1] != "admin" and added[1] != role[1]:
            raise ServerError(49, f"Roles on the '{role[1]}' database cannot be granted roles "
                                  "from other databases")
    missing = unknown_roles(store.server, adding)
    if missing:
        raise ServerError(31, f"Cannot grant roles to '{_shown(role)}': {missing}")
    reachable, _privileges = resolve_roles(store, adding)
    if role in reachable:
        raise ServerError(49, f"Granting roles to {_shown(role)} would introduce a cycle in "
                              "the role graph")


def _check_grant_privileges(role: RoleName, privileges: list[Privilege]) -> None:
    """``checkOkayToGrantPrivilegesToRole``: a role outside ``admin`` may only hold
    privileges on its own database (or its collections)."""
    if role[1] == "admin":
        return
    for resource, _actions in privileges:
        if resource[0] in ("db", "ns") and resource[1] == role[1]:
            continue
        raise ServerError(49, f"Roles on the '{role[1]}' database cannot be granted privileges "
                              "that target other databases or the cluster")


def _refuse_builtin(role: RoleName) -> None:
    if builtin_role_exists(*role):
        raise ServerError(2, f"{_shown(role)} is a built-in role and cannot be modified")


def _existing(store: RoleStore, role: RoleName) -> dict[str, Any]:
    """The stored role (``updateRoleDocument``'s RoleNotFound when there is none)."""
    found = store.get(*role)
    if found is None:
        raise ServerError(31, f"Role {_shown(role)} not found")
    return found


_ROLE_FIELDS = {"privileges", "roles", "authenticationRestrictions"}


@command("createRole")
def cmd_create_role(server: Server, db: str, cmd: Mapping) -> dict:
    """Define a role: its privileges and the roles it inherits from."""
    check_user_fields(cmd, "createRole", _ROLE_FIELDS)
    name = _role_name(cmd, "createRole")
    required_field(cmd, "createRole", "privileges")
    required_field(cmd, "createRole", "roles")
    privileges = parse_privileges(cmd, "createRole")
    roles = role_arguments_of(cmd, "createRole", db, check=False)
    # (stored as given: createRole checks only that they are objects; a role whose
    # ranges do not parse keeps its users from authenticating)
    restrictions = check_restriction_array(cmd, "createRole")
    if not name:
        raise ServerError(2, "Role name must be non-empty")
    if db == "local":
        raise ServerError(2, "Cannot create roles in the local database")
    if db == "$external":
        raise ServerError(2, "Cannot create roles in the $external database")
    if builtin_role_exists(name, db):
        raise ServerError(2, "Cannot create roles with the same name as a built-in role")
    store = roles_of(server)
    with store.lock:
        _check_grant_roles(store, (name, db), roles)
        _check_grant_privileges((name, db), privileges)
        if store.get(name, db) is not None:
            raise ServerError(51002, f"Role \"{name}@{db}\" already exists")
        doc = {"_id": f"{db}.{name}", "role": name, "db": db,
               "privileges": _privilege_documents(privileges),
               "roles": [_role_document(role) for role in roles]}
        if restrictions:
            doc["authenticationRestrictions"] = restrictions
        store.put(doc)
    return {"ok": 1.0}


@command("updateRole")
def cmd_update_role(server: Server, db: str, cmd: Mapping) -> dict:
    """Replace a role's privileges and/or inherited roles."""
    check_user_fields(cmd, "updateRole", _ROLE_FIELDS)
    role = (_role_name(cmd, "updateRole"), db)
    privileges = parse_privileges(cmd, "updateRole") if "privileges" in cmd else None
    roles = role_arguments_of(cmd, "updateRole", db, check=False) if "roles" in cmd else None
    if not _ROLE_FIELDS & set(cmd):
        raise ServerError(2, "Must specify at least one field to update in updateRole")
    restrictions = check_restriction_array(cmd, "updateRole")
    store = roles_of(server)
    with store.lock:
        if not builtin_role_exists(*role) and store.get(*role) is None:
            raise ServerError(31, f"Could not find role: {_shown(role)}")
        if roles is not None:
            _check_grant_roles(store, role, roles)
        if privileges is not None:
            _check_grant_privileges(role, privileges)
        doc = _existing(store, role)
        if privileges is not None:
            doc["privileges"] = _privilege_documents(privileges)
        if roles is not None:
            doc["roles"] = [_role_document(r) for r in roles]
        if restrictions:
            doc["authenticationRestrictions"] = restrictions
        elif restrictions is not None:  # an empty array unsets them
            doc.pop("authenticationRestrictions", None)
        store.put(doc)
    return {"ok": 1.0}


def _non_empty(cmd: Mapping, name: str, field: str) -> None:
    required_field(cmd, name, field)
    if isinstance(cmd[field], list) and not cmd[field]:
        raise ServerError(2, f"{name} command requires a non-empty \"{field}\" array")


@command("grantPrivilegesToRole")
def cmd_grant_privileges_to_role(server: Server, db: str, cmd: Mapping) -> dict:
    """Add privileges to a role (actions merged into those it has on each resource)."""
    check_user_fields(cmd, "grantPrivilegesToRole", {"privileges"})
    role = (_role_name(cmd, "grantPrivilegesToRole"), db)
    _non_empty(cmd, "grantPrivilegesToRole", "privileges")
    privileges = parse_privileges(cmd, "grantPrivilegesToRole")
    _refuse_builtin(role)
    store = roles_of(server)
    with store.lock:
        _check_grant_privileges(role, privileges)
        doc = _existing(store, role)
        doc["privileges"] = _privilege_documents(
            merge_privileges([*role_document_privileges(doc), *privileges]))
        store.put(doc)
    return {"ok": 1.0}


@command("revokePrivilegesFromRole")
def cmd_revoke_privileges_from_role(server: Server, db: str, cmd: Mapping) -> dict:
    """Take actions away from a role's privileges (a privilege left with none goes)."""
    check_user_fields(cmd, "revokePrivilegesFromRole", {"privileges"})
    role = (_role_name(cmd, "revokePrivilegesFromRole"), db)
    _non_empty(cmd, "revokePrivilegesFromRole", "privileges")
    revoked = dict(parse_privileges(cmd, "revokePrivilegesFromRole"))
    _refuse_builtin(role)
    store = roles_of(server)
    with store.lock:
        doc = _existing(store, role)
        kept = [(resource, actions - revoked.get(resource, frozenset()))
                for resource, actions in role_document_privileges(doc)]
        doc["privileges"] = _privilege_documents([(r, a) for r, a in kept if a])
        store.put(doc)
    return {"ok": 1.0}


@command("grantRolesToRole")
def cmd_grant_roles_to_role(server: Server, db: str, cmd: Mapping) -> dict:
    """Make a role inherit from more roles."""
    check_user_fields(cmd, "grantRolesToRole", {"roles"})
    role = (_role_name(cmd, "grantRolesToRole"), db)
    _non_empty(cmd, "grantRolesToRole", "roles")
    adding = role_arguments_of(cmd, "grantRolesToRole", db, check=False)
    _refuse_builtin(role)
    store = roles_of(server)
    with store.lock:
        _check_grant_roles(store, role, adding)
        doc = _existing(store, role)
        held = role_names(doc.get("roles"))
        doc["roles"] = [_role_document(r) for r in dict.fromkeys([*held, *adding])]
        store.put(doc)
    return {"ok": 1.0}


@command("revokeRolesFromRole")
def cmd_revoke_roles_from_role(server: Server, db: str, cmd: Mapping) -> dict:
    """Stop a role inheriting from some roles."""
    check_user_fields(cmd, "revokeRolesFromRole", {"roles"})
    role = (_role_name(cmd, "revokeRolesFromRole"), db)
    _non_empty(cmd, "revokeRolesFromRole", "roles")
    removing = set(role_arguments_of(cmd, "revokeRolesFromRole", db, check=False))
    _refuse_builtin(role)
    store = roles_of(server)
    with store.lock:
        doc = _existing(store, role)
        doc["roles"] = [_role_document(r) for r in role_names(doc.get("roles"))
                        if r not in removing]
        store.put(doc)
    return {"ok": 1.0}


def _forget_roles(server: Server, doomed: set[RoleName]) -> None:
    """Take ``doomed`` away from every user and every other role holding them."""
    users = users_of(server)
    with users.lock:
        for user in list(users.in_database(None)):
            if any(role in doomed for role in user.roles):
                user.roles = [role for role in user.roles if role not in doomed]
                users.save(user)
    store = roles_of(server)
    for doc in store.all_documents():
        held = role_names(doc.get("roles"))
        if any(role in doomed for role in held):
            doc["roles"] = [_role_document(r) for r in held if r not in doomed]
            store.put(doc)


@command("dropRole")
def cmd_drop_role(server: Server, db: str, cmd: Mapping) -> dict:
    """Remove a role (and take it away from the users and roles holding it)."""
    check_user_fields(cmd, "dropRole", set())
    role = (_role_name(cmd, "dropRole"), db)
    _refuse_builtin(role)
    store = roles_of(server)
    with store.lock:
        if store.get(*role) is None:
            raise ServerError(31, f"Could not find role: {_shown(role)}")
        _forget_roles(server, {role})
        store.delete(f"{db}.{role[0]}")
    return {"ok": 1.0}


@command("dropAllRolesFromDatabase")
def cmd_drop_all_roles(server: Server, db: str, cmd: Mapping) -> dict:
    """Remove every user-defined role of the database; ``n`` says how many."""
    check_user_fields(cmd, "dropAllRolesFromDatabase", set())
    store = roles_of(server)
    with store.lock:
        doomed = store.in_database(db)
        _forget_roles(server, {(doc["role"], doc["db"]) for doc in doomed})
        for doc in doomed:
            store.delete(doc["_id"])
    return {"n": len(doomed), "ok": 1.0}


# -- rolesInfo -----------------------------------------------------------------------

def _wanted_roles(value: Any, db: str) -> list[RoleName] | None:
    """``rolesInfo``'s argument: explicit ``(role, db)`` pairs, or None for every role
    of ``db``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 1:
        return None
    names = value if isinstance(value, list) else [value]
    wanted = []
    for entry in names:
        if isinstance(entry, str):
            wanted.append((entry, db))
        elif isinstance(entry, Mapping) and "role" in entry and "db" in entry:
            wanted += role_arguments([entry], db)
        else:
            raise ServerError(2, "Role names must be either strings or objects")
    return wanted


def _show_privileges(cmd: Mapping) -> bool | str:
    """``showPrivileges``: a boolean, or ``"asUserFragment"``."""
    if "showPrivileges" not in cmd:
        return False
    value = cmd["showPrivileges"]
    if value == "asUserFragment":
        return "asUserFragment"
    return bool(typed_field(cmd, "rolesInfo", "showPrivileges", (bool, int, float), "bool"))


def _stored_role_fields(doc: Mapping, show_privileges: bool, show_restrictions: bool) -> dict:
    """``filterAndMapRole``: the stored role's fields, ``privileges`` only when shown."""
    shown = {key: value for key, value in doc.items()
             if (key != "privileges" or show_privileges)
             and key != "authenticationRestrictions"}
    if show_restrictions:
        shown["authenticationRestrictions"] = list(doc.get("authenticationRestrictions", []))
    return shown


def _resolved_fields(store: RoleStore, doc: Mapping, held: list[RoleName],
                     show_privileges: bool, show_restrictions: bool) -> dict:
    """``serializeResolvedRoles``: inherited roles, and the role's own privileges
    followed by those its roles grant."""
    reachable, privileges = resolve_roles(store, held)
    shown: dict[str, Any] = {"inheritedRoles": [_role_document(r) for r in
                                                dict.fromkeys([*held, *reachable])]}
    if show_privileges:
        shown["inheritedPrivileges"] = [*doc.get("privileges", []),
                                        *_privilege_documents(privileges)]
    if show_restrictions:
        shown["inheritedAuthenticationRestrictions"] = inherited_restrictions(
            store, held, doc.get("authenticationRestrictions"))
    return shown


def _builtin_description(role: RoleName, show_privileges: bool,
                         show_restrictions: bool, listing: bool) -> dict:
    """A built-in role as ``rolesInfo`` describes it (``listing``: as part of
    ``rolesInfo: 1``, which orders the fields differently)."""
    privileges = _privilege_documents(privileges_of_role(*role))
    if listing:
        doc: dict[str, Any] = {"role": role[0], "db": role[1], "isBuiltin": True,
                               "roles": [], "inheritedRoles": []}
    else:
        doc = {"db": role[1], "role": role[0], "roles": []}
    if show_privileges:
        doc["privileges"] = privileges
        if listing:
            doc["inheritedPrivileges"] = privileges
    if show_restrictions:
        doc["authenticationRestrictions"] = []
    if not listing:
        doc["inheritedRoles"] = []
        if show_privileges:
            doc["inheritedPrivileges"] = privileges
    if show_restrictions:
        doc["inheritedAuthenticationRestrictions"] = []
    if not listing:
        doc["isBuiltin"] = True
    return doc


def _custom_description(store: RoleStore, doc: Mapping, show_privileges: bool,
                        show_restrictions: bool, listing: bool) -> dict:
    shown = _stored_role_fields(doc, show_privileges, show_restrictions)
    if listing:
        shown["isBuiltin"] = False
    shown.update(_resolved_fields(store, doc, role_names(doc.get("roles")), show_privileges,
                                  show_restrictions))
    if not listing:
        shown["isBuiltin"] = False
    return shown


def _user_fragment(store: RoleStore, roles: list[RoleName], show_restrictions: bool) -> dict:
    """``showPrivileges: "asUserFragment"``: the roles as a user holding them would
    show them (``getRolesAsUserFragment``)."""
    fragment: dict[str, Any] = {"roles": [_role_document(r) for r in roles]}
    reachable, privileges = resolve_roles(store, roles)
    fragment["inheritedRoles"] = [_role_document(r) for r in dict.fromkeys([*roles,
                                                                             *reachable])]
    fragment["inheritedPrivileges"] = _privilege_documents(privileges)
    if show_restrictions:
        fragment["inheritedAuthenticationRestrictions"] = inherited_restrictions(store, roles)
    return fragment


@command("rolesInfo")
def cmd_roles_info(server: Server, db: str, cmd: Mapping) -> dict:
    """Describe built-in and user-defined roles."""
    check_user_fields(cmd, "rolesInfo", {"showPrivileges", "showBuiltinRoles",
                                         "showAuthenticationRestrictions"})
    show_privileges = _show_privileges(cmd)
    show_builtin = bool(typed_field(cmd, "rolesInfo", "showBuiltinRoles", (bool, int, float),
                                    "bool")) if "showBuiltinRoles" in cmd else False
    show_restrictions = bool(typed_field(
        cmd, "rolesInfo", "showAuthenticationRestrictions", (bool, int, float), "bool")) \
        if "showAuthenticationRestrictions" in cmd else False
    wanted = _wanted_roles(cmd["rolesInfo"], db)
    store = roles_of(server)
    if show_privileges == "asUserFragment":
        if wanted is None:
            raise ServerError(20, "Cannot get user fragment for all roles in a database")
        return {"userFragment": _user_fragment(store, wanted, show_restrictions), "ok": 1.0}
    privileges_shown = bool(show_privileges)
    documents = []
    if wanted is None:
        if show_builtin:
            documents += [_builtin_description((role, db), privileges_shown,
                                               show_restrictions, listing=True)
                          for role in builtin_role_names(db)]
        documents += [_custom_description(store, doc, privileges_shown, show_restrictions,
                                          listing=True) for doc in store.in_database(db)]
        return {"roles": documents, "ok": 1.0}
    for role in wanted:
        if builtin_role_exists(*role):
            documents.append(_builtin_description(role, privileges_shown, show_restrictions,
                                                  listing=False))
            continue
        doc = store.get(*role)
        if doc is not None:  # an unknown role is simply not listed
            documents.append(_custom_description(store, doc, privileges_shown,
                                                 show_restrictions, listing=False))
    return {"roles": documents, "ok": 1.0}
