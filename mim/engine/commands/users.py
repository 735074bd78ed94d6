"""User-management commands (``createUser``, ``updateUser``, ``dropUser``,
``dropAllUsersFromDatabase``, ``grantRolesToUser``, ``revokeRolesFromUser``,
``usersInfo``) over the engine's user store (:mod:`mim.engine.auth.users`),
with mongod's arguments, replies and errors.

Passwords are turned into salted SCRAM keys at once and never kept.  Who may
run these commands is decided before they run, by the connection's
:class:`~mim.engine.auth.authorization.AuthSession`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..ops.auth.authorization import role_arguments
from ..ops.auth.restrictions import (check_restriction_array, inherited_restrictions,
                                     parse_restriction_document)
from ..ops.auth.role_store import resolve_roles, role_exists, roles_of
from ..ops.auth.roles import builtin_role_exists, privilege_document
from ..ops.auth.scram import MECHANISMS
from ..ops.auth.users import User, users_of
from ..values.errors import ServerError
from ..languages.matcher.compiler import compile_filter
from ..storage.store import Server
from .registry import DRIVER_FIELDS, command
from .arguments import type_name

_COMMON_FIELDS = DRIVER_FIELDS | {"digestPassword", "writeConcern"}


def check_user_fields(cmd: Mapping, name: str, allowed: frozenset[str] | set[str]) -> None:
    for key in cmd:
        if key != name and key not in allowed and key not in _COMMON_FIELDS:
            raise ServerError(40415, f"BSON field '{name}.{key}' is an unknown field.")


def typed_field(cmd: Mapping, name: str, field: str, kind: type | tuple[type, ...],
           expected: str) -> Any:
    value = cmd[field]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
        raise ServerError(14, f"BSON field '{name}.{field}' is the wrong type "
                              f"'{type_name(value)}', expected type '{expected}'")
    return value


def _user_name(cmd: Mapping, name: str) -> str:
    user = typed_field(cmd, name, name, str, "string")
    if "\x00" in user:
        raise ServerError(2, "Username cannot contain NULL characters")
    return user


def required_field(cmd: Mapping, name: str, field: str) -> None:
    if field not in cmd:
        raise ServerError(40414, f"BSON field '{name}.{field}' is missing but a required field")


def role_arguments_of(cmd: Mapping, name: str, db: str, server: Server | None = None,
                      check: bool = True) -> list[tuple[str, str]]:
    """The ``roles`` argument (each role once), each role checked to exist (built-in,
    or user-defined in ``server``) unless ``check`` is False."""
    value = typed_field(cmd, name, "roles", list, "array")
    for role in value:
        if isinstance(role, Mapping):
            for key in ("role", "db"):  # as bsonExtractStringField reports them
                if key not in role:
                    raise ServerError(4, f"Missing expected field \"{key}\"")
                if not isinstance(role[key], str):
                    raise ServerError(14, f"\"{key}\" had the wrong type. Expected string, "
                                          f"found {type_name(role[key])}")
        elif not isinstance(role, str):
            raise ServerError(2, "Role names must be either strings or objects")
    roles = list(dict.fromkeys(role_arguments(value, db)))
    if check:
        missing = unknown_roles(server, roles)
        if missing:
            raise ServerError(31, missing)
    return roles


def unknown_roles(server: Server | None, roles: list[tuple[str, str]]) -> str | None:
    """``makeRoleNotFoundStatus``'s message for the roles of ``roles`` that exist
    neither built in nor in ``server``'s ``admin.system.roles`` (None: all exist)."""
    store = None if server is None else roles_of(server)
    missing = [f"{role}@{role_db}" for role, role_db in roles
               if not (builtin_role_exists(role, role_db) if store is None
                       else role_exists(store, role, role_db))]
    if not missing:
        return None
    return f"Could not find role{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"


def _mechanisms(cmd: Mapping, name: str, default: list[str]) -> list[str]:
    if "mechanisms" not in cmd:
        return default
    value = typed_field(cmd, name, "mechanisms", list, "array")
    if not value:
        raise ServerError(2, "mechanisms field must not be empty")
    for mechanism in value:
        if mechanism not in MECHANISMS:
            raise ServerError(2, f"Unknown auth mechanism '{mechanism}'")
    return [m for m in MECHANISMS if m in value]


def _password(cmd: Mapping, name: str, mechanisms: list[str]) -> tuple[str, bool]:
    """``pwd``, and whether it is already digested (``digestPassword: false``: the
    client sent MongoDB's SCRAM-SHA-1 digest instead of the password)."""
    password = typed_field(cmd, name, "pwd", str, "string")
    digest = cmd.get("digestPassword", True)
    if not isinstance(digest, bool):
        typed_field(cmd, name, "digestPassword", bool, "bool")
    if not digest and "SCRAM-SHA-256" in mechanisms:
        raise ServerError(2, "Use of SCRAM-SHA-256 requires undigested passwords")
    return password, not digest


def _custom_data(cmd: Mapping, name: str) -> dict | None:
    if "customData" not in cmd:
        return None
    return dict(typed_field(cmd, name, "customData", Mapping, "object"))


def _existing(server: Server, user: str, db: str) -> User:
    found = users_of(server).get(user, db)
    if found is None:
        raise ServerError(11, f"User '{user}@{db}' not found")
    return found


@command("createUser")
def cmd_create_user(server: Server, db: str, cmd: Mapping) -> dict:
    """Add a user with SCRAM credentials and roles."""
    check_user_fields(cmd, "createUser", {"pwd", "customData", "roles", "mechanisms",
                                       "authenticationRestrictions"})
    name = _user_name(cmd, "createUser")
    required_field(cmd, "createUser", "roles")
    restrictions = check_restriction_array(cmd, "createUser")
    if db == "local":
        raise ServerError(2, "Cannot create users in the local database")
    if not name:
        raise ServerError(2, "User document needs 'user' field to be non-empty")
    if "pwd" not in cmd:
        raise ServerError(2, "Must provide a 'pwd' field for all user documents, except those "
                             "with '$external' as the user's source db")
    mechanisms = _mechanisms(cmd, "createUser", list(MECHANISMS))
    password, digested = _password(cmd, "createUser", mechanisms)
    custom_data = _custom_data(cmd, "createUser")
    if restrictions:
        # (checkValidUserDocument, before the roles are looked up)
        parse_restriction_document(restrictions)
    roles = role_arguments_of(cmd, "createUser", db, server)
    store = users_of(server)
    with store.lock:
        if store.get(name, db) is not None:
            raise ServerError(51003, f"User \"{name}@{db}\" already exists")
        user = User(name, db, {}, roles, custom_data, restrictions=restrictions or None)
        user.set_password(password, mechanisms, digested)
        store.add(user)
    return {"ok": 1.0}


@command("updateUser")
def cmd_update_user(server: Server, db: str, cmd: Mapping) -> dict:
    """Change a user's password, custom data, roles or mechanisms."""
    check_user_fields(cmd, "updateUser", {"pwd", "customData", "roles", "mechanisms",
                                       "authenticationRestrictions"})
    name = _user_name(cmd, "updateUser")
    if not any(field in cmd for field in ("pwd", "customData", "roles", "mechanisms",
                                           "authenticationRestrictions")):
        raise ServerError(2, "Must specify at least one field to update in updateUser")
    # (stored as given, an empty array unsetting them: updateUser does not check the
    # ranges, a user whose ranges do not parse cannot authenticate)
    restrictions = check_restriction_array(cmd, "updateUser")
    store = users_of(server)
    with store.lock:
        user = _existing(server, name, db)
        mechanisms = _mechanisms(cmd, "updateUser", user.mechanisms)
        password: str | None = None
        digested = False
        if "pwd" in cmd:
            password, digested = _password(cmd, "updateUser", mechanisms)
        elif not set(mechanisms) <= set(user.mechanisms):
            raise ServerError(2, "mechanisms field must be a subset of previously set "
                                 "mechanisms")
        custom_data = _custom_data(cmd, "updateUser")
        roles = role_arguments_of(cmd, "updateUser", db, server) if "roles" in cmd else None
        if password is not None:
            user.set_password(password, mechanisms, digested)
        else:
            user.credentials = {m: c for m, c in user.credentials.items() if m in mechanisms}
        if custom_data is not None:
            user.custom_data = custom_data
        if roles is not None:
            user.roles = roles
        if restrictions is not None:
            user.restrictions = restrictions or None
        store.save(user)
    return {"ok": 1.0}


@command("dropUser")
def cmd_drop_user(server: Server, db: str, cmd: Mapping) -> dict:
    """Remove one user."""
    check_user_fields(cmd, "dropUser", set())
    name = _user_name(cmd, "dropUser")
    store = users_of(server)
    with store.lock:
        _existing(server, name, db)
        store.remove(name, db)
    return {"ok": 1.0}


@command("dropAllUsersFromDatabase")
def cmd_drop_all_users(server: Server, db: str, cmd: Mapping) -> dict:
    """Remove every user of the database; ``n`` says how many."""
    check_user_fields(cmd, "dropAllUsersFromDatabase", set())
    store = users_of(server)
    with store.lock:
        doomed = list(store.in_database(db))
        for user in doomed:
            store.remove(user.name, user.db)
    return {"n": len(doomed), "ok": 1.0}


def _change_roles(server: Server, db: str, cmd: Mapping, name: str, grant: bool) -> dict:
    check_user_fields(cmd, name, {"roles"})
    user_name = _user_name(cmd, name)
    required_field(cmd, name, "roles")
    roles = role_arguments_of(cmd, name, db, server)
    store = users_of(server)
    with store.lock:
        user = _existing(server, user_name, db)
        if grant:
            user.roles = user.roles + [r for r in dict.fromkeys(roles) if r not in user.roles]
        else:
            user.roles = [r for r in user.roles if r not in roles]
        store.save(user)
    return {"ok": 1.0}


@command("grantRolesToUser")
def cmd_grant_roles_to_user(server: Server, db: str, cmd: Mapping) -> dict:
    """Add roles to a user."""
    return _change_roles(server, db, cmd, "grantRolesToUser", grant=True)


@command("revokeRolesFromUser")
def cmd_revoke_roles_from_user(server: Server, db: str, cmd: Mapping) -> dict:
    """Take roles away from a user."""
    return _change_roles(server, db, cmd, "revokeRolesFromUser", grant=False)


def _wanted_users(value: Any, db: str) -> tuple[str | None, list[tuple[str, str]] | None]:
    """``usersInfo``'s argument: (database to list wholly, or None for every database;
    explicit ``(name, db)`` pairs, or None)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 1:
        return db, None
    if isinstance(value, Mapping) and "forAllDBs" in value:
        if value.get("forAllDBs") is not True or len(value) != 1:
            raise ServerError(2, "\"forAllDBs\" must be the only field and set to true")
        if db != "admin":
            raise ServerError(2, "Only the admin database may use \"forAllDBs\"")
        return None, None
    names = value if isinstance(value, list) else [value]
    wanted = []
    for entry in names:
        if isinstance(entry, str):
            wanted.append((entry, db))
        elif isinstance(entry, Mapping) and isinstance(entry.get("user"), str) \
                and isinstance(entry.get("db"), str):
            wanted.append((entry["user"], entry["db"]))
        else:
            raise ServerError(2, "User name must be either a string or an object with "
                                 "\"user\" and \"db\" fields")
    return db, wanted


@command("usersInfo")
def cmd_users_info(server: Server, db: str, cmd: Mapping) -> dict:
    """Describe users (``showCredentials``, ``showCustomData``, ``showPrivileges``)."""
    check_user_fields(cmd, "usersInfo", {"showCredentials", "showCustomData", "showPrivileges",
                                      "showAuthenticationRestrictions", "filter"})
    flags = {}
    for flag in ("showCredentials", "showCustomData", "showPrivileges",
                 "showAuthenticationRestrictions"):
        flags[flag] = bool(typed_field(cmd, "usersInfo", flag, (bool, int, float), "bool")) \
            if flag in cmd else flag == "showCustomData"
    match = None
    if "filter" in cmd:
        match = compile_filter(typed_field(cmd, "usersInfo", "filter", Mapping, "object"))
    list_db, wanted = _wanted_users(cmd["usersInfo"], db)
    store = users_of(server)
    with store.lock:
        if wanted is None:
            users = list(store.in_database(list_db))
        else:
            users = [u for u in (store.get(name, user_db) for name, user_db in wanted) if u]
        documents = []
        for user in users:
            doc = user.document(flags["showCredentials"], flags["showCustomData"])
            if flags["showPrivileges"]:
                inherited, privileges = resolve_roles(roles_of(server), user.roles)
                doc["inheritedRoles"] = [{"role": role, "db": role_db} for role, role_db
                                         in dict.fromkeys([*user.roles, *inherited])]
                doc["inheritedPrivileges"] = [privilege_document(resource, actions)
                                              for resource, actions in privileges]
            if flags["showAuthenticationRestrictions"] or flags["showPrivileges"]:
                doc["authenticationRestrictions"] = list(user.restrictions or [])
                if flags["showPrivileges"]:
                    doc["inheritedAuthenticationRestrictions"] = \
                        inherited_restrictions(roles_of(server), user.roles)
            if match is None or match.matches(doc):
                documents.append(doc)
    return {"users": documents, "ok": 1.0}
