"""Under ``--auth`` a user holding a user-defined role may do exactly what the
role's privileges (and the roles it inherits) allow; anything else is
Unauthorized (13) with mongod 7.0's message.  The role commands decide with their
own rules (``authorization_checks.cpp``: createRole on the database, grantRole on
each granted role's database, revokeRole everywhere for updateRole, viewRole unless
the user holds the role...), and their refusal is the one every command gives
("not authorized on <db> to execute command …": ``CommandInvocation::checkAuthorization``
rewrites their own reasons).  Changes to a role apply to the next command (mongod
invalidates its user cache on every role write).
"""

from __future__ import annotations

import pymongo
import pytest
from pymongo.errors import OperationFailure

import mim

ROOT_PASSWORD = "root-secret"


def _uri(server, user: str, password: str, source: str) -> str:
    return (f"mongodb://{user}:{password}@127.0.0.1:{server.port}/?authSource={source}"
            "&directConnection=true")


@pytest.fixture(scope="module")
def server():
    with mim.serve(port=0, auth=True) as running:
        yield running


@pytest.fixture(scope="module")
def root(server):
    anonymous = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    anonymous.admin.command("createUser", "root", pwd=ROOT_PASSWORD, roles=["root"])
    anonymous.close()
    client = pymongo.MongoClient(_uri(server, "root", ROOT_PASSWORD, "admin"),
                                 serverSelectionTimeoutMS=5000)
    yield client
    client.close()


@pytest.fixture
def login(server, root):
    """``login(user, db)``: a client authenticated as ``user`` (password "pw")."""
    made = []

    def make(user: str, db: str):
        client = pymongo.MongoClient(_uri(server, user, "pw", db),
                                     serverSelectionTimeoutMS=5000)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
    for name in ("shop", "other"):
        root[name].command("dropAllUsersFromDatabase")
        root[name].command("dropAllRolesFromDatabase")
        root.drop_database(name)
    root.admin.command("dropAllRolesFromDatabase")
    for user in root.admin.command("usersInfo", 1)["users"]:
        if user["user"] != "root":
            root.admin.command("dropUser", user["user"])


def _refused(message_start: str, call, *args, **kwargs) -> OperationFailure:
    with pytest.raises(OperationFailure) as raised:
        call(*args, **kwargs)
    assert raised.value.code == 13, raised.value.details
    assert raised.value.details["codeName"] == "Unauthorized"
    assert raised.value.details["errmsg"].startswith(message_start), raised.value.details
    return raised.value


def _privilege(db: str, coll: str, *actions: str) -> dict:
    return {"resource": {"db": db, "collection": coll}, "actions": list(actions)}


def test_collection_privilege_allows_only_its_actions(root, login):
    root.shop.command("createRole", "orders",
                      privileges=[_privilege("shop", "orders", "find", "insert")], roles=[])
    root.shop.command("createUser", "clerk", pwd="pw", roles=["orders"])
    shop = login("clerk", "shop").shop
    shop.orders.insert_one({"_id": 1})
    assert shop.orders.find_one() == {"_id": 1}
    _refused('not authorized on shop to execute command { update: "orders"',
             shop.orders.update_one, {"_id": 1}, {"$set": {"x": 1}})
    _refused('not authorized on shop to execute command { find: "items"',
             shop.items.find_one)
    _refused('not authorized on other to execute command { find: "orders"',
             login("clerk", "shop").other.orders.find_one)


def test_inherited_roles_grant_their_privileges(root, login):
    root.shop.command("createRole", "base", privileges=[_privilege("shop", "a", "insert")],
                      roles=["read"])
    root.shop.command("createRole", "top", privileges=[], roles=["base"])
    root.shop.command("createUser", "ann", pwd="pw", roles=["top"])
    client = login("ann", "shop")
    client.shop.a.insert_one({"_id": 1})  # base's own privilege
    assert client.shop.b.find_one() is None  # read, through base
    _refused('not authorized on shop to execute command { insert: "b"',
             client.shop.b.insert_one, {})
    status = client.shop.command("connectionStatus")["authInfo"]
    assert status["authenticatedUserRoles"] == [{"role": "top", "db": "shop"},
                                                {"role": "base", "db": "shop"},
                                                {"role": "read", "db": "shop"}]


def test_cluster_and_any_database_resources(root, login):
    root.admin.command("createRole", "monitor", roles=[], privileges=[
        {"resource": {"cluster": True}, "actions": ["serverStatus"]},
        {"resource": {"db": "", "collection": "logs"}, "actions": ["find"]}])
    root.admin.command("createUser", "mon", pwd="pw", roles=["monitor"])
    client = login("mon", "admin")
    assert client.admin.command("serverStatus")["ok"] == 1.0
    _refused('not authorized on admin to execute command { hostInfo: 1',
             client.admin.command, "hostInfo")
    assert client.shop.logs.find_one() is None  # "logs" in every database
    assert client.other.logs.find_one() is None
    _refused('not authorized on shop to execute command { find: "orders"',
             client.shop.orders.find_one)


def test_role_changes_apply_to_the_next_command(root, login):
    root.shop.command("createRole", "r", privileges=[_privilege("shop", "a", "find")],
                      roles=[])
    root.shop.command("createUser", "ann", pwd="pw", roles=["r"])
    client = login("ann", "shop")
    assert client.shop.a.find_one() is None
    root.shop.command("revokePrivilegesFromRole", "r",
                      privileges=[_privilege("shop", "a", "find")])
    _refused('not authorized on shop to execute command { find: "a"', client.shop.a.find_one)
    root.shop.command("grantRolesToRole", "r", roles=["read"])
    assert client.shop.a.find_one() is None
    root.shop.command("dropRole", "r")
    _refused('not authorized on shop to execute command { find: "a"', client.shop.a.find_one)


def test_role_commands_check_their_own_privileges(root, login):
    root.shop.command("createRole", "mine", privileges=[], roles=[])
    root.shop.command("createUser", "ann", pwd="pw", roles=["readWrite", "mine"])
    shop = login("ann", "shop").shop
    for name, call in [
            ("createRole", lambda: shop.command("createRole", "x", privileges=[], roles=[])),
            ("dropRole", lambda: shop.command("dropRole", "mine")),
            ("rolesInfo", lambda: shop.command("rolesInfo", 1)),
            ("grantRolesToRole", lambda: shop.command("grantRolesToRole", "mine",
                                                      roles=["read"])),
            ("updateRole", lambda: shop.command("updateRole", "mine", roles=[])),
            ("rolesInfo", lambda: shop.command("rolesInfo", "readWrite2"))]:
        _refused(f"not authorized on shop to execute command {{ {name}: ", call)
    # a user may always look at the roles it holds
    assert shop.command("rolesInfo", "mine")["roles"][0]["role"] == "mine"


def test_user_admin_grants_privileges_on_its_database_only(root, login):
    root.shop.command("createUser", "admin1", pwd="pw", roles=["userAdmin"])
    shop = login("admin1", "shop").shop
    shop.command("createRole", "r", privileges=[_privilege("shop", "a", "find")], roles=["read"])
    # privileges on several databases need grantRole on admin; on another one, there
    _refused('not authorized on shop to execute command { grantPrivilegesToRole: "r", ',
             shop.command, "grantPrivilegesToRole", "r",
             privileges=[{"resource": {"db": "", "collection": ""}, "actions": ["find"]}])
    _refused('not authorized on shop to execute command { grantPrivilegesToRole: "r", ',
             shop.command, "grantPrivilegesToRole", "r",
             privileges=[_privilege("other", "a", "find")])
    shop.command("grantPrivilegesToRole", "r", privileges=[_privilege("shop", "b", "find")])
