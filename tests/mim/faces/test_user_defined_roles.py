"""User-defined roles on both faces: createRole, updateRole, dropRole,
dropAllRolesFromDatabase, grant/revoke roles and privileges, rolesInfo,
usersInfo of a user holding a custom role, ``admin.system.roles``.

Expected shapes, codes and messages are mongod 7.0's
(``user_management_commands.cpp``: 51002 for a duplicate role,
49 InvalidRoleModification for cycles / self-grants / other databases, 31
RoleNotFound, 2 BadValue for built-in roles; ``authz_manager_external_state_local.cpp``
for the rolesInfo documents: the stored role's fields, then ``inheritedRoles``,
``inheritedPrivileges`` (the role's own privileges, then its roles'), ``isBuiltin``).
"""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure

READ_ACTIONS = ["changeStream", "collStats", "dbHash", "dbStats", "find", "killCursors",
                "listCollections", "listIndexes", "listSearchIndexes"]


def _privilege(db: str, coll: str, *actions: str) -> dict:
    return {"resource": {"db": db, "collection": coll}, "actions": list(actions)}


def _fails(code: int, message: str, call, *args, **kwargs) -> None:
    with pytest.raises(OperationFailure) as raised:
        call(*args, **kwargs)
    assert raised.value.code == code, raised.value.details
    assert raised.value.details["errmsg"] == message


def test_created_role_is_stored_in_admin_system_roles(client):
    db = client.shop
    db.command("createRole", "orders", privileges=[
        _privilege("shop", "orders", "find", "insert"),
        _privilege("shop", "orders", "update")], roles=["read"])
    stored = list(client.admin["system.roles"].find())
    # privileges on one resource are merged (privilegeVectorToBSONArray)
    assert stored == [{"_id": "shop.orders", "role": "orders", "db": "shop",
                       "privileges": [_privilege("shop", "orders", "find", "insert",
                                                 "update")],
                       "roles": [{"role": "read", "db": "shop"}]}]


def test_roles_info_of_a_custom_role(client):
    db = client.shop
    db.command("createRole", "base", privileges=[_privilege("shop", "a", "find")], roles=[])
    db.command("createRole", "top", privileges=[_privilege("shop", "b", "insert")],
               roles=["base", "read"])
    plain = db.command("rolesInfo", "top")["roles"]
    assert plain == [{"_id": "shop.top", "role": "top", "db": "shop",
                      "roles": [{"role": "base", "db": "shop"},
                                {"role": "read", "db": "shop"}],
                      "inheritedRoles": [{"role": "base", "db": "shop"},
                                         {"role": "read", "db": "shop"}],
                      "isBuiltin": False}]
    shown = db.command("rolesInfo", {"role": "top", "db": "shop"}, showPrivileges=True)
    role = shown["roles"][0]
    assert role["privileges"] == [_privilege("shop", "b", "insert")]
    assert role["inheritedPrivileges"][0] == _privilege("shop", "b", "insert")
    assert _privilege("shop", "a", "find") in role["inheritedPrivileges"]
    assert {"resource": {"db": "shop", "collection": ""}, "actions": READ_ACTIONS} in \
        role["inheritedPrivileges"]
    # rolesInfo: 1 lists the database's user-defined roles; built-ins only when asked
    listed = db.command("rolesInfo", 1)["roles"]
    assert [r["role"] for r in listed] == ["base", "top"]
    assert all(r["isBuiltin"] is False for r in listed)
    with_builtin = db.command("rolesInfo", 1, showBuiltinRoles=True)["roles"]
    assert {"read", "readWrite", "dbAdmin", "base", "top"} <= {r["role"] for r in with_builtin}


def test_roles_info_as_user_fragment(client):
    db = client.shop
    db.command("createRole", "base", privileges=[_privilege("shop", "a", "find")], roles=[])
    fragment = db.command("rolesInfo", "base", showPrivileges="asUserFragment")
    assert fragment["userFragment"] == {
        "roles": [{"role": "base", "db": "shop"}],
        "inheritedRoles": [{"role": "base", "db": "shop"}],
        "inheritedPrivileges": [_privilege("shop", "a", "find")]}
    _fails(20, "Cannot get user fragment for all roles in a database",
           db.command, "rolesInfo", 1, showPrivileges="asUserFragment")


def test_users_info_of_a_user_with_a_custom_role(client):
    db = client.shop
    db.command("createRole", "base", privileges=[_privilege("shop", "a", "find")], roles=[])
    db.command("createRole", "top", privileges=[], roles=["base"])
    db.command("createUser", "ann", pwd="pw", roles=["top"])
    user = db.command("usersInfo", "ann", showPrivileges=True)["users"][0]
    assert user["roles"] == [{"role": "top", "db": "shop"}]
    assert user["inheritedRoles"] == [{"role": "top", "db": "shop"},
                                      {"role": "base", "db": "shop"}]
    assert user["inheritedPrivileges"] == [_privilege("shop", "a", "find")]


def test_grant_custom_role_to_user_and_unknown_role(client):
    db = client.shop
    db.command("createUser", "ann", pwd="pw", roles=[])
    _fails(31, "Could not find role: nope@shop", db.command, "grantRolesToUser", "ann",
           roles=["nope"])
    # makeRoleNotFoundStatus: several unknown roles in one message
    _fails(31, "Could not find roles: nope@shop, gone@shop", db.command, "grantRolesToUser",
           "ann", roles=["nope", "read", "gone"])
    db.command("createRole", "base", privileges=[], roles=[])
    db.command("grantRolesToUser", "ann", roles=["base"])
    assert db.command("usersInfo", "ann")["users"][0]["roles"] == [{"role": "base",
                                                                    "db": "shop"}]


def test_create_role_errors(client):
    db = client.shop
    db.command("createRole", "base", privileges=[], roles=[])
    _fails(51002, 'Role "base@shop" already exists',
           db.command, "createRole", "base", privileges=[], roles=[])
    _fails(2, "Cannot create roles with the same name as a built-in role",
           db.command, "createRole", "read", privileges=[], roles=[])
    _fails(2, "Role name must be non-empty", db.command, "createRole", "", privileges=[],
           roles=[])
    _fails(2, "Cannot create roles in the local database",
           client.local.command, "createRole", "x", privileges=[], roles=[])
    _fails(31, "Cannot grant roles to 'x@shop': Could not find role: nope@shop",
           db.command, "createRole", "x", privileges=[], roles=["nope"])
    _fails(49, "Roles on the 'shop' database cannot be granted roles from other databases",
           db.command, "createRole", "x", privileges=[], roles=[{"role": "read", "db": "b"}])
    _fails(49, "Roles on the 'shop' database cannot be granted privileges that target other "
               "databases or the cluster",
           db.command, "createRole", "x", roles=[],
           privileges=[{"resource": {"cluster": True}, "actions": ["serverStatus"]}])
    _fails(9, "Unrecognized action privilege strings: fly",
           db.command, "createRole", "x", roles=[], privileges=[_privilege("shop", "", "fly")])
    _fails(9, "resource must set both db and collection or neither, but not exactly one.",
           db.command, "createRole", "x", roles=[],
           privileges=[{"resource": {"db": "shop"}, "actions": ["find"]}])
    _fails(14, "BSON field 'createRole.privileges.0' is the wrong type 'string', expected "
               "type 'object'", db.command, "createRole", "x", roles=[], privileges=["find"])
    _fails(9, "missing actions field", db.command, "createRole", "x", roles=[],
           privileges=[{"resource": {"db": "shop", "collection": ""}}])
    _fails(40414, "BSON field 'createRole.privileges' is missing but a required field",
           db.command, "createRole", "x", roles=[])
    assert [r["role"] for r in db.command("rolesInfo", 1)["roles"]] == ["base"]


def test_cycles_and_self_grants_are_refused(client):
    db = client.shop
    db.command("createRole", "a", privileges=[], roles=[])
    db.command("createRole", "b", privileges=[], roles=["a"])
    _fails(49, "Granting roles to a@shop would introduce a cycle in the role graph",
           db.command, "grantRolesToRole", "a", roles=["b"])
    _fails(49, "Cannot grant role a@shop to itself.",
           db.command, "grantRolesToRole", "a", roles=["a"])
    _fails(2, "read@shop is a built-in role and cannot be modified",
           db.command, "grantRolesToRole", "read", roles=["a"])
    _fails(2, 'grantRolesToRole command requires a non-empty "roles" array',
           db.command, "grantRolesToRole", "a", roles=[])


def test_grant_and_revoke_roles_and_privileges(client):
    db = client.shop
    db.command("createRole", "r", privileges=[_privilege("shop", "a", "find")], roles=[])
    db.command("grantPrivilegesToRole", "r",
               privileges=[_privilege("shop", "a", "insert"), _privilege("shop", "b", "find")])
    db.command("grantRolesToRole", "r", roles=["read"])
    doc = client.admin["system.roles"].find_one({"_id": "shop.r"})
    assert doc["privileges"] == [_privilege("shop", "a", "find", "insert"),
                                 _privilege("shop", "b", "find")]
    assert doc["roles"] == [{"role": "read", "db": "shop"}]
    db.command("revokePrivilegesFromRole", "r",
               privileges=[_privilege("shop", "a", "find"), _privilege("shop", "b", "find")])
    db.command("revokeRolesFromRole", "r", roles=["read"])
    doc = client.admin["system.roles"].find_one({"_id": "shop.r"})
    assert doc["privileges"] == [_privilege("shop", "a", "insert")]
    assert doc["roles"] == []
    _fails(31, "Role nope@shop not found", db.command, "grantPrivilegesToRole", "nope",
           privileges=[_privilege("shop", "a", "find")])


def test_update_role_replaces_privileges_and_roles(client):
    db = client.shop
    db.command("createRole", "r", privileges=[_privilege("shop", "a", "find")], roles=["read"])
    db.command("updateRole", "r", privileges=[_privilege("shop", "z", "remove")])
    doc = client.admin["system.roles"].find_one({"_id": "shop.r"})
    assert doc["privileges"] == [_privilege("shop", "z", "remove")]
    assert doc["roles"] == [{"role": "read", "db": "shop"}]
    _fails(2, "Must specify at least one field to update in updateRole",
           db.command, "updateRole", "r")
    _fails(31, "Could not find role: nope@shop", db.command, "updateRole", "nope", roles=[])


def test_drop_role_takes_it_from_users_and_roles(client):
    db = client.shop
    db.command("createRole", "base", privileges=[], roles=[])
    db.command("createRole", "top", privileges=[], roles=["base"])
    db.command("createUser", "ann", pwd="pw", roles=["base", "read"])
    assert db.command("dropRole", "base")["ok"] == 1.0
    assert db.command("usersInfo", "ann")["users"][0]["roles"] == [{"role": "read",
                                                                    "db": "shop"}]
    assert db.command("rolesInfo", "top")["roles"][0]["roles"] == []
    _fails(31, "Could not find role: base@shop", db.command, "dropRole", "base")
    _fails(2, "read@shop is a built-in role and cannot be modified",
           db.command, "dropRole", "read")


def test_drop_all_roles_from_database(client):
    db = client.shop
    db.command("createRole", "a", privileges=[], roles=[])
    db.command("createRole", "b", privileges=[], roles=[])
    client.other.command("createRole", "c", privileges=[], roles=[])
    reply = db.command("dropAllRolesFromDatabase")
    assert reply["n"] == 2
    assert db.command("rolesInfo", 1)["roles"] == []
    assert [r["role"] for r in client.other.command("rolesInfo", 1)["roles"]] == ["c"]
