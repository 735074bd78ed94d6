"""Access control on the wire (``mim serve --auth``): SCRAM authentication from
real pymongo, user management, built-in roles, the localhost exception.

Expected codes and messages are mongod 7.0's: 13 Unauthorized ("Command <name>
requires authentication" before authentication, "not authorized on <db> to
execute command …" after), 18 AuthenticationFailed ("Authentication failed."),
11 UserNotFound, 31 RoleNotFound, 51003 for a duplicate user, 334
MechanismUnavailable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import bson
import pymongo
import pytest
from bson.binary import Binary
from pymongo.errors import OperationFailure

import mim
from mim.engine.ops.auth.authorization import NO_AUTH_COMMANDS, PRIVILEGE_RULES
from mim.engine.ops.auth.users import users_of
from mim.engine.commands import COMMANDS

from .helpers import connect, op_msg, read_op_msg

ROOT_PASSWORD = "root-secret"


def _uri(server, user: str, password: str, source: str = "admin", **options: str) -> str:
    extra = "".join(f"&{k}={v}" for k, v in options.items())
    return (f"mongodb://{user}:{password}@127.0.0.1:{server.port}/?authSource={source}"
            f"&directConnection=true{extra}")


@pytest.fixture(scope="module")
def server():
    with mim.serve(port=0, auth=True) as running:
        yield running


@pytest.fixture(scope="module")
def root(server):
    """A client authenticated as root (the first user, made through the localhost exception)."""
    anonymous = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    anonymous.admin.command("createUser", "root", pwd=ROOT_PASSWORD, roles=["root"])
    anonymous.close()
    client = pymongo.MongoClient(_uri(server, "root", ROOT_PASSWORD),
                                 serverSelectionTimeoutMS=5000)
    yield client
    client.close()


@pytest.fixture
def clients(server, root):
    """``make(user, password, source)``: authenticated clients, closed afterwards."""
    made = []

    def make(user: str, password: str, source: str = "admin", **options: str):
        client = pymongo.MongoClient(_uri(server, user, password, source, **options),
                                     serverSelectionTimeoutMS=5000)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
    for db_name in root.list_database_names():
        if db_name not in ("admin", "config", "local"):
            root.drop_database(db_name)
    for user in root.admin.command("usersInfo", {"forAllDBs": True})["users"]:
        if user["user"] != "root":
            root[user["db"]].command("dropUser", user["user"])


# -- authentication --------------------------------------------------------------------

@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-1", "SCRAM-SHA-256", None])
def test_pymongo_authenticates_with_each_mechanism(server, root, clients, mechanism):
    root.admin.command("createUser", "app", pwd="app-pw", roles=["readWriteAnyDatabase"])
    options = {"authMechanism": mechanism} if mechanism else {}
    client = clients("app", "app-pw", **options)
    client.shop.items.insert_one({"_id": 1})
    assert client.shop.items.find_one() == {"_id": 1}
    status = client.admin.command("connectionStatus")["authInfo"]
    assert status["authenticatedUsers"] == [{"user": "app", "db": "admin"}]
    assert status["authenticatedUserRoles"] == [{"role": "readWriteAnyDatabase", "db": "admin"}]


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-1", "SCRAM-SHA-256"])
def test_wrong_password_and_unknown_user_fail_alike(server, root, clients, mechanism):
    root.admin.command("createUser", "app", pwd="right", roles=["read"])
    for user, password in (("app", "wrong"), ("nobody", "right")):
        client = clients(user, password, authMechanism=mechanism)
        with pytest.raises(OperationFailure) as info:
            client.admin.command("ping")
        assert info.value.code == 18
        assert info.value.details["errmsg"] == "Authentication failed."
        assert info.value.details["codeName"] == "AuthenticationFailed"


def test_user_of_another_database_authenticates_there_only(server, root, clients):
    root.shop.command("createUser", "clerk", pwd="pw", roles=["readWrite"])
    clients("clerk", "pw", source="shop").shop.items.insert_one({"x": 1})
    with pytest.raises(OperationFailure) as info:
        clients("clerk", "pw", source="admin").shop.items.find_one()
    assert info.value.code == 18


def test_unauthenticated_commands_fail_with_13(server, root):
    anonymous = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    try:
        assert anonymous.admin.command("ping")["ok"] == 1.0  # needs no authentication
        assert anonymous.admin.command("hello")["isWritablePrimary"] is True
        for run, name in ((lambda: anonymous.test.c.find_one(), "find"),
                          (lambda: anonymous.test.c.insert_one({}), "insert"),
                          (lambda: anonymous.list_database_names(), "listDatabases")):
            with pytest.raises(OperationFailure) as info:
                run()
            assert info.value.code == 13
            assert info.value.details["errmsg"] == f"Command {name} requires authentication"
            assert info.value.details["codeName"] == "Unauthorized"
    finally:
        anonymous.close()


def test_unknown_command_is_59_before_authorization(server, root):
    anonymous = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    try:
        with pytest.raises(OperationFailure) as info:
            anonymous.admin.command("noSuchCommand")
        assert info.value.code == 59
    finally:
        anonymous.close()


def test_unsupported_mechanism_is_334(server, root):
    with pytest.raises(OperationFailure) as info:
        root.admin.command("saslStart", 1, mechanism="PLAIN", payload=Binary(b"\x00a\x00b"))
    assert info.value.code == 334
    assert info.value.details["errmsg"] == ("Received authentication for mechanism PLAIN "
                                            "which is not enabled")


def test_saslprep_applies_to_scram_sha_256(server, root, clients):
    # RFC 4013: SOFT HYPHEN maps to nothing, so "I\u00adX" and "IX" are one password
    root.admin.command("createUser", "prep", pwd="I\u00adX", roles=["read"],
                       mechanisms=["SCRAM-SHA-256"])
    assert clients("prep", "IX", authMechanism="SCRAM-SHA-256").admin.command("ping")["ok"] == 1


def test_logout_forgets_the_user(server, root, clients):
    root.admin.command("createUser", "app", pwd="pw", roles=["readAnyDatabase"])
    sock = connect(server)
    try:
        _scram_sha256_login(sock, "app", "pw", "admin")
        sock.sendall(op_msg({"find": "c", "$db": "test"}, 10))
        assert read_op_msg(sock)[1]["ok"] == 1.0
        sock.sendall(op_msg({"logout": 1, "$db": "admin"}, 11))
        assert read_op_msg(sock)[1]["ok"] == 1.0
        sock.sendall(op_msg({"find": "c", "$db": "test"}, 12))
        reply = read_op_msg(sock)[1]
        assert (reply["code"], reply["errmsg"]) == (13, "Command find requires authentication")
    finally:
        sock.close()


# -- the SCRAM exchange itself, with an independent client ------------------------------

def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, "sha256").digest()


def _client_final(client_first_bare: str, server_first: str, password: str) -> tuple[str, bytes]:
    """RFC 5802 client-final for SCRAM-SHA-256, and the server signature to expect."""
    fields = dict(part.split("=", 1) for part in server_first.split(","))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(fields["s"]),
                                 int(fields["i"]))
    client_key = _hmac(salted, b"Client Key")
    without_proof = f"c=biws,r={fields['r']}"
    auth_message = f"{client_first_bare},{server_first},{without_proof}".encode()
    signature = _hmac(hashlib.sha256(client_key).digest(), auth_message)
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    server_signature = _hmac(_hmac(salted, b"Server Key"), auth_message)
    return f"{without_proof},p={base64.b64encode(proof).decode()}", server_signature


def _scram_sha256_login(sock, user: str, password: str, db: str) -> None:
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = f"n={user},r={nonce}"
    sock.sendall(op_msg({"saslStart": 1, "mechanism": "SCRAM-SHA-256",
                         "payload": Binary(f"n,,{first_bare}".encode()),
                         "options": {"skipEmptyExchange": True}, "$db": db}, 1))
    start = read_op_msg(sock)[1]
    server_first = bytes(start["payload"]).decode()
    final, expected = _client_final(first_bare, server_first, password)
    sock.sendall(op_msg({"saslContinue": 1, "conversationId": start["conversationId"],
                         "payload": Binary(final.encode()), "$db": db}, 2))
    done = read_op_msg(sock)[1]
    assert done["done"] is True
    assert bytes(done["payload"]) == b"v=" + base64.b64encode(expected)


def test_speculative_authentication_in_hello(server, root, clients):
    root.admin.command("createUser", "spec", pwd="pw", roles=["read"])
    sock = connect(server)
    try:
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = f"n=spec,r={nonce}"
        sock.sendall(op_msg({"hello": 1, "saslSupportedMechs": "admin.spec",
                             "speculativeAuthenticate": {
                                 "saslStart": 1, "mechanism": "SCRAM-SHA-256", "db": "admin",
                                 "payload": Binary(f"n,,{first_bare}".encode()),
                                 "options": {"skipEmptyExchange": True}},
                             "$db": "admin"}, 1))
        hello = read_op_msg(sock)[1]
        assert hello["saslSupportedMechs"] == ["SCRAM-SHA-1", "SCRAM-SHA-256"]
        speculative = hello["speculativeAuthenticate"]
        assert set(speculative) == {"conversationId", "done", "payload"}
        server_first = bytes(speculative["payload"]).decode()
        assert server_first.startswith(f"r={nonce}")
        final, expected = _client_final(first_bare, server_first, "pw")
        sock.sendall(op_msg({"saslContinue": 1, "conversationId": speculative["conversationId"],
                             "payload": Binary(final.encode()), "$db": "admin"}, 2))
        done = read_op_msg(sock)[1]
        assert done["done"] is True and bytes(done["payload"]) == b"v=" + base64.b64encode(
            expected)
        sock.sendall(op_msg({"connectionStatus": 1, "$db": "admin"}, 3))
        status = read_op_msg(sock)[1]["authInfo"]
        assert status["authenticatedUsers"] == [{"user": "spec", "db": "admin"}]
    finally:
        sock.close()


def test_hello_leaves_out_unknown_users_mechanisms_and_failed_speculation(server, root):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"hello": 1, "saslSupportedMechs": "admin.ghost",
                             "speculativeAuthenticate": {
                                 "saslStart": 1, "mechanism": "SCRAM-SHA-256", "db": "admin",
                                 "payload": Binary(b"n,,n=ghost,r=abc")},
                             "$db": "admin"}, 1))
        hello = read_op_msg(sock)[1]
        assert hello["ok"] == 1.0
        assert "saslSupportedMechs" not in hello and "speculativeAuthenticate" not in hello
    finally:
        sock.close()


def test_sasl_continue_without_a_conversation(server, root):
    sock = connect(server)
    try:
        sock.sendall(op_msg({"saslContinue": 1, "conversationId": 7, "payload": Binary(b""),
                             "$db": "admin"}, 1))
        reply = read_op_msg(sock)[1]
        assert (reply["ok"], reply["code"]) == (0.0, 17)
    finally:
        sock.close()


# -- stored credentials ---------------------------------------------------------------

def test_credentials_are_salted_scram_keys_never_the_password(server, root, clients):
    root.admin.command("createUser", "keys", pwd="pa55word", roles=["read"])
    info = root.admin.command("usersInfo", "keys", showCredentials=True)["users"][0]
    credentials = info["credentials"]
    assert set(credentials) == {"SCRAM-SHA-1", "SCRAM-SHA-256"}
    assert "pa55word" not in repr(info)
    # SCRAM-SHA-1 salts MongoDB's password digest, MD5("user:mongo:password")
    sha1 = credentials["SCRAM-SHA-1"]
    digest = hashlib.md5(b"keys:mongo:pa55word").hexdigest().encode()
    salted = hashlib.pbkdf2_hmac("sha1", digest, base64.b64decode(sha1["salt"]),
                                 sha1["iterationCount"])
    client_key = hmac.new(salted, b"Client Key", "sha1").digest()
    assert base64.b64decode(sha1["storedKey"]) == hashlib.sha1(client_key).digest()
    assert base64.b64decode(sha1["serverKey"]) == hmac.new(salted, b"Server Key",
                                                           "sha1").digest()
    assert sha1["iterationCount"] == 10000 and len(base64.b64decode(sha1["salt"])) == 16
    sha256 = credentials["SCRAM-SHA-256"]
    salted = hashlib.pbkdf2_hmac("sha256", b"pa55word", base64.b64decode(sha256["salt"]),
                                 sha256["iterationCount"])
    client_key = _hmac(salted, b"Client Key")
    assert base64.b64decode(sha256["storedKey"]) == hashlib.sha256(client_key).digest()
    assert sha256["iterationCount"] == 15000 and len(base64.b64decode(sha256["salt"])) == 28
    stored = users_of(server.engine).get("keys", "admin")
    assert "pa55word" not in repr(stored.__dict__)


# -- user management ------------------------------------------------------------------

def test_users_info_shapes(server, root, clients):
    root.shop.command("createUser", "clerk", pwd="pw", roles=["readWrite", {"role": "read",
                                                                           "db": "stats"}],
                      customData={"team": "sales"}, mechanisms=["SCRAM-SHA-256"])
    users = root.shop.command("usersInfo", "clerk")["users"]
    assert len(users) == 1
    user = users[0]
    assert list(user) == ["_id", "userId", "user", "db", "customData", "roles", "mechanisms"]
    assert user["_id"] == "shop.clerk" and user["user"] == "clerk" and user["db"] == "shop"
    assert isinstance(user["userId"], (bson.binary.Binary, bson.binary.UUID)) or \
        user["userId"].__class__.__name__ == "UUID"
    assert user["roles"] == [{"role": "readWrite", "db": "shop"},
                             {"role": "read", "db": "stats"}]
    assert user["customData"] == {"team": "sales"}
    assert user["mechanisms"] == ["SCRAM-SHA-256"]
    assert root.shop.command("usersInfo", {"user": "clerk", "db": "shop"})["users"] == users
    assert root.shop.command("usersInfo", 1)["users"] == users
    assert root.shop.command("usersInfo", "nobody")["users"] == []
    every = root.admin.command("usersInfo", {"forAllDBs": True})["users"]
    assert {(u["user"], u["db"]) for u in every} == {("root", "admin"), ("clerk", "shop")}
    privileges = root.shop.command("usersInfo", "clerk", showPrivileges=True)["users"][0]
    # built-in roles hold privileges, not roles: inheritedRoles are the user's own
    assert privileges["inheritedRoles"] == [{"role": "readWrite", "db": "shop"},
                                            {"role": "read", "db": "stats"}]
    assert any(p["resource"] == {"db": "shop", "collection": ""} and "insert" in p["actions"]
               for p in privileges["inheritedPrivileges"])


def test_create_user_errors(server, root, clients):
    root.admin.command("createUser", "dup", pwd="pw", roles=[])
    cases = [
        (dict(createUser="dup", pwd="pw", roles=[]), 51003, 'User "dup@admin" already exists'),
        (dict(createUser="x", pwd="pw"), 40414,
         "BSON field 'createUser.roles' is missing but a required field"),
        (dict(createUser="x", pwd="pw", roles=["nosuchrole"]), 31,
         "Could not find role: nosuchrole@admin"),
        (dict(createUser="x", pwd="pw", roles=[{"role": "readAnyDatabase", "db": "shop"}]), 31,
         "Could not find role: readAnyDatabase@shop"),
        (dict(createUser="x", roles=[]), 2, "Must provide a 'pwd' field for all user "
         "documents, except those with '$external' as the user's source db"),
        (dict(createUser="x", pwd=1, roles=[]), 14,
         "BSON field 'createUser.pwd' is the wrong type 'int', expected type 'string'"),
        (dict(createUser="x", pwd="pw", roles=[], bogus=1), 40415,
         "BSON field 'createUser.bogus' is an unknown field."),
    ]
    for command, code, message in cases:
        with pytest.raises(OperationFailure) as info:
            root.admin.command(bson.SON(command))
        assert (info.value.code, info.value.details["errmsg"]) == (code, message), command
    assert [u["user"] for u in root.admin.command("usersInfo", 1)["users"]] == ["dup", "root"]


def test_update_drop_grant_revoke(server, root, clients):
    root.shop.command("createUser", "clerk", pwd="old", roles=["read"])
    root.shop.command("updateUser", "clerk", pwd="new")
    with pytest.raises(OperationFailure) as info:
        clients("clerk", "old", source="shop").shop.c.find_one()
    assert info.value.code == 18
    clerk = clients("clerk", "new", source="shop")
    clerk.shop.c.find_one()
    with pytest.raises(OperationFailure):
        clerk.shop.c.insert_one({})
    root.shop.command("grantRolesToUser", "clerk", roles=["readWrite"])
    clerk.shop.c.insert_one({})  # takes effect on the open connection
    root.shop.command("revokeRolesFromUser", "clerk", roles=["readWrite", "read"])
    assert root.shop.command("usersInfo", "clerk")["users"][0]["roles"] == []
    with pytest.raises(OperationFailure) as info:
        clerk.shop.c.find_one()
    assert info.value.code == 13
    with pytest.raises(OperationFailure) as info:
        root.shop.command("updateUser", "clerk")
    assert (info.value.code, info.value.details["errmsg"]) == (
        2, "Must specify at least one field to update in updateUser")
    root.shop.command("dropUser", "clerk")
    with pytest.raises(OperationFailure) as info:
        root.shop.command("dropUser", "clerk")
    assert (info.value.code, info.value.details["errmsg"],
            info.value.details["codeName"]) == (11, "User 'clerk@shop' not found",
                                                "UserNotFound")
    for name in ("a", "b"):
        root.shop.command("createUser", name, pwd="pw", roles=[])
    assert root.shop.command("dropAllUsersFromDatabase", 1)["n"] == 2
    assert root.shop.command("usersInfo", 1)["users"] == []


# -- the authorization matrix -------------------------------------------------------------

#: (command as run on database "shop", unless the name says admin)
OPERATIONS = {
    "find": lambda c: c.shop.items.find_one(),
    "listCollections": lambda c: c.shop.list_collection_names(),
    "insert": lambda c: c.shop.items.insert_one({}),
    "update": lambda c: c.shop.items.update_one({}, {"$set": {"a": 1}}),
    "delete": lambda c: c.shop.items.delete_many({"none": 1}),
    "createIndexes": lambda c: c.shop.items.create_index("a"),
    "drop": lambda c: c.shop.scratch.drop(),
    "collMod": lambda c: c.shop.command("collMod", "items"),
    "dropDatabase": lambda c: c.other.command("dropDatabase"),
    "createUser": lambda c: c.shop.command("createUser", f"u{os.urandom(4).hex()}", pwd="p",
                                           roles=[]),
    "usersInfo": lambda c: c.shop.command("usersInfo", 1),
    "otherDbFind": lambda c: c.other.items.find_one(),
    "serverStatus": lambda c: c.admin.command("serverStatus"),
    "getLog": lambda c: c.admin.command("getLog", "global"),
}

# which operations each role (granted on "shop", or in "admin" for the any-database
# roles) may run; the privileges are those of the manual's "Built-In Roles" page
ALLOWED = {
    "read@shop": {"find", "listCollections"},
    "readWrite@shop": {"find", "listCollections", "insert", "update", "delete",
                       "createIndexes", "drop"},
    "dbAdmin@shop": {"listCollections", "createIndexes", "drop", "collMod"},
    "userAdmin@shop": {"createUser", "usersInfo"},
    "dbOwner@shop": {"find", "listCollections", "insert", "update", "delete",
                     "createIndexes", "drop", "collMod", "createUser", "usersInfo"},
    "readAnyDatabase@admin": {"find", "listCollections", "otherDbFind"},
    "readWriteAnyDatabase@admin": {"find", "listCollections", "insert", "update", "delete",
                                   "createIndexes", "drop", "otherDbFind"},
    "dbAdminAnyDatabase@admin": {"listCollections", "createIndexes", "drop", "collMod",
                                 "dropDatabase"},
    "userAdminAnyDatabase@admin": {"createUser", "usersInfo"},
    "clusterMonitor@admin": {"serverStatus", "getLog"},
    "root@admin": set(OPERATIONS),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_role_matrix(server, root, clients, role):
    root.shop.items.insert_one({"seed": 1})
    root.other.items.insert_one({"seed": 1})
    name, role_db = role.split("@")
    root[role_db].command("createUser", "subject", pwd="pw", roles=[name])
    client = clients("subject", "pw", source=role_db)
    for operation, run in OPERATIONS.items():
        if operation in ALLOWED[role]:
            run(client)
            continue
        with pytest.raises(OperationFailure) as info:
            run(client)
        assert info.value.code == 13, (role, operation, info.value.details)
        assert info.value.details["errmsg"].startswith("not authorized on "), operation


def test_unauthorized_message_quotes_the_command_without_password(server, root, clients):
    root.shop.command("createUser", "reader", pwd="pw", roles=["read"])
    reader = clients("reader", "pw", source="shop")
    with pytest.raises(OperationFailure) as info:
        reader.shop.command("createUser", "evil", pwd="topsecret", roles=[])
    message = info.value.details["errmsg"]
    assert message.startswith('not authorized on shop to execute command { createUser: "evil", '
                              'pwd: "xxx", roles: [], ')
    assert "topsecret" not in message
    assert 'lsid: { id: UUID("' in message  # BSONElement::toString writes UUIDs so
    with pytest.raises(OperationFailure) as info:
        reader.shop.items.insert_one({"x": 1})
    # the document sequence is not part of the quoted command body
    assert info.value.details["errmsg"].startswith(
        'not authorized on shop to execute command { insert: "items", ordered: true, ')
    assert "documents" not in info.value.details["errmsg"]


def test_list_databases_shows_only_authorized_databases(server, root, clients):
    for db_name in ("shop", "other"):
        root[db_name].items.insert_one({})
    root.shop.command("createUser", "clerk", pwd="pw", roles=["read"])
    assert clients("clerk", "pw", source="shop").list_database_names() == ["shop"]
    assert {"shop", "other"} <= set(root.list_database_names())


def test_users_may_look_themselves_up(server, root, clients):
    root.shop.command("createUser", "clerk", pwd="pw", roles=[])
    clerk = clients("clerk", "pw", source="shop")
    assert clerk.shop.command("usersInfo", "clerk")["users"][0]["user"] == "clerk"
    with pytest.raises(OperationFailure) as info:
        clerk.shop.command("usersInfo", 1)
    assert info.value.code == 13


# -- the localhost exception ------------------------------------------------------------

def test_localhost_exception_allows_only_the_first_admin_user():
    with mim.serve(port=0, auth=True) as fresh:
        anonymous = pymongo.MongoClient(fresh.uri, serverSelectionTimeoutMS=5000)
        try:
            with pytest.raises(OperationFailure) as info:  # a privilege it does not give
                anonymous.test.c.insert_one({})
            assert info.value.code == 13
            assert info.value.details["errmsg"].startswith(
                'not authorized on test to execute command { insert: "c"')
            with pytest.raises(OperationFailure) as info:  # only in admin
                anonymous.shop.command("createUser", "x", pwd="p", roles=[])
            assert info.value.code == 13
            anonymous.admin.command("createUser", "first", pwd="p", roles=["root"])
            with pytest.raises(OperationFailure) as info:  # the exception is over
                anonymous.admin.command("createUser", "second", pwd="p", roles=["root"])
            assert (info.value.code, info.value.details["errmsg"]) == (
                13, "Command createUser requires authentication")
        finally:
            anonymous.close()


# -- without --auth, and in process -------------------------------------------------------

def test_without_auth_everything_stays_open_and_credentials_still_work():
    with mim.serve(port=0) as open_server:
        anonymous = pymongo.MongoClient(open_server.uri, serverSelectionTimeoutMS=5000)
        anonymous.admin.command("createUser", "u", pwd="p", roles=["read"])
        anonymous.test.c.insert_one({})  # no access control: no role needed
        user = pymongo.MongoClient(_uri(open_server, "u", "p"), serverSelectionTimeoutMS=5000)
        user.test.c.insert_one({})  # authenticated, but roles are not enforced
        assert user.admin.command("connectionStatus")["authInfo"]["authenticatedUsers"] == [
            {"user": "u", "db": "admin"}]
        bad = pymongo.MongoClient(_uri(open_server, "u", "nope"), serverSelectionTimeoutMS=5000)
        with pytest.raises(OperationFailure) as info:
            bad.admin.command("ping")
        assert info.value.code == 18
        for client in (anonymous, user, bad):
            client.close()


def test_in_process_clients_manage_users_and_are_trusted():
    engine = mim.Server()
    local = mim.MongoClient(server=engine)
    local.admin.command("createUser", "app", pwd="pw", roles=[{"role": "read", "db": "test"}])
    assert [u["user"] for u in local.admin.command("usersInfo", 1)["users"]] == ["app"]
    local.test.c.insert_one({})  # in-process clients are trusted
    with mim.serve(port=0, engine=engine, auth=True) as wire:
        app = pymongo.MongoClient(_uri(wire, "app", "pw"), serverSelectionTimeoutMS=5000)
        try:
            assert app.test.c.count_documents({}) == 1  # the same users, the same data
            with pytest.raises(OperationFailure) as info:
                app.test.c.insert_one({})
            assert info.value.code == 13
        finally:
            app.close()


MALFORMED = [
    {"saslStart": 1, "mechanism": 5, "payload": b""},
    {"saslStart": 1, "payload": b""},
    {"saslStart": 1, "mechanism": "SCRAM-SHA-256"},
    {"saslStart": 1, "mechanism": "SCRAM-SHA-256", "payload": 12},
    {"saslStart": 1, "mechanism": "SCRAM-SHA-256", "payload": b"\xff\xfe"},
    {"saslStart": 1, "mechanism": "SCRAM-SHA-256", "payload": b"p=tls-unique,,n=root,r=x"},
    {"saslStart": 1, "mechanism": "SCRAM-SHA-1", "payload": b"n,,garbage"},
    {"saslContinue": 1, "conversationId": {"a": 1}, "payload": b""},
    {"saslContinue": 1, "conversationId": 1},
    {"createUser": 5, "pwd": "p", "roles": []},
    {"createUser": "x", "pwd": "p", "roles": "read"},
    {"createUser": "x", "pwd": "p", "roles": [5]},
    {"createUser": "x", "pwd": "p", "roles": [{"role": "read"}]},
    {"createUser": "x", "pwd": "p", "roles": [], "mechanisms": "SCRAM-SHA-1"},
    {"createUser": "x", "pwd": "p", "roles": [], "mechanisms": []},
    {"createUser": "x", "pwd": "p", "roles": [], "mechanisms": ["MD5"]},
    {"createUser": "x", "pwd": "p", "roles": [], "customData": 3},
    {"createUser": "x", "pwd": "p", "roles": [], "digestPassword": "yes"},
    {"updateUser": "root", "mechanisms": ["SCRAM-SHA-1", "bogus"]},
    {"updateUser": ["root"], "pwd": "x"},
    {"dropUser": None},
    {"grantRolesToUser": "root"},
    {"grantRolesToUser": "root", "roles": {"role": "read"}},
    {"revokeRolesFromUser": "root", "roles": [None]},
    {"usersInfo": {"forAllDBs": 1}},
    {"usersInfo": [5]},
    {"usersInfo": 1, "filter": 7},
    {"usersInfo": 1, "filter": {"$bogus": 1}},
    {"usersInfo": 1, "showCredentials": "yes"},
]


@pytest.mark.parametrize("command", MALFORMED, ids=[str(i) for i in range(len(MALFORMED))])
def test_malformed_auth_commands_fail_cleanly(server, root, command):
    before = root.admin.command("usersInfo", {"forAllDBs": True}, showCredentials=True)
    with pytest.raises(OperationFailure) as info:
        root.admin.command(bson.SON(command))
    assert info.value.code not in (1, None), info.value.details  # never an internal error
    after = root.admin.command("usersInfo", {"forAllDBs": True}, showCredentials=True)
    assert after == before  # nothing changed
    assert root.admin.command("ping")["ok"] == 1.0


def test_every_command_has_an_authorization_rule():
    # a command added later must say which privilege it needs (else only root may run it)
    assert sorted(set(COMMANDS) - set(PRIVILEGE_RULES) - NO_AUTH_COMMANDS) == []


def test_authorized_collections_and_databases(server, root, clients):
    root.shop.items.insert_one({})
    root.shop.orders.insert_one({})
    root.other.things.insert_one({})
    root.other.command("createUser", "outsider", pwd="pw", roles=["read"])
    outsider = clients("outsider", "pw", source="other")
    with pytest.raises(OperationFailure) as info:
        outsider.shop.list_collection_names()
    assert info.value.code == 13
    # {nameOnly: true, authorizedCollections: true}: only what the user may touch
    assert outsider.shop.list_collection_names(authorizedCollections=True) == []
    assert outsider.other.list_collection_names(authorizedCollections=True) == ["things"]
    root.shop.command("createUser", "clerk", pwd="pw", roles=["read"])
    clerk = clients("clerk", "pw", source="shop")
    assert sorted(clerk.shop.list_collection_names(authorizedCollections=True)) == [
        "items", "orders"]
    with pytest.raises(OperationFailure) as info:
        clerk.admin.command("listDatabases", authorizedDatabases=False)
    assert info.value.code == 13
    assert [d["name"] for d in clerk.admin.command("listDatabases",
                                                   authorizedDatabases=True)["databases"]] \
        == ["shop"]


def test_default_mechanism_follows_the_users_mechanisms(server, root, clients):
    # saslSupportedMechs says SCRAM-SHA-1 only: pymongo's speculative SCRAM-SHA-256 attempt
    # is left unanswered and it authenticates with SCRAM-SHA-1
    root.admin.command("createUser", "old", pwd="pw", roles=["read"], mechanisms=["SCRAM-SHA-1"])
    assert root.admin.command("usersInfo", "old")["users"][0]["mechanisms"] == ["SCRAM-SHA-1"]
    assert clients("old", "pw").admin.command("ping")["ok"] == 1.0
    with pytest.raises(OperationFailure) as info:
        clients("old", "pw", authMechanism="SCRAM-SHA-256").admin.command("ping")
    assert info.value.code == 18


def test_driver_transport_authenticates_across_messages():
    # the in-process driver transport keeps one connection's state across its messages,
    # so SCRAM's two round trips work there as on a socket
    engine = mim.Server()
    mim.MongoClient(server=engine).admin.command("createUser", "app", pwd="pw",
                                                 roles=["readWriteAnyDatabase"])
    client = mim.driver_client("mongodb://app:pw@localhost:27017/?authSource=admin",
                               server=engine)
    try:
        client.shop.items.insert_one({"x": 1})
        status = client.admin.command("connectionStatus")["authInfo"]
        assert status["authenticatedUsers"] == [{"user": "app", "db": "admin"}]
    finally:
        client.close()
    wrong = mim.driver_client("mongodb://app:nope@localhost:27017/?authSource=admin",
                              server=engine)
    try:
        with pytest.raises(OperationFailure) as info:
            wrong.admin.command("ping")
        assert info.value.code == 18
    finally:
        wrong.close()


def test_digest_password_false_takes_the_clients_sha1_digest(server, root, clients):
    # digestPassword: false: the client sends MD5("user:mongo:password") itself (SCRAM-SHA-1
    # only; SCRAM-SHA-256 needs the password)
    digest = hashlib.md5(b"legacy:mongo:pw").hexdigest()
    root.admin.command(bson.SON([("createUser", "legacy"), ("pwd", digest), ("roles", []),
                                 ("digestPassword", False), ("mechanisms", ["SCRAM-SHA-1"])]))
    client = clients("legacy", "pw", authMechanism="SCRAM-SHA-1")
    assert client.admin.command("ping")["ok"] == 1.0
    with pytest.raises(OperationFailure) as info:
        root.admin.command(bson.SON([("createUser", "x"), ("pwd", digest), ("roles", []),
                                     ("digestPassword", False)]))
    assert (info.value.code, info.value.details["errmsg"]) == (
        2, "Use of SCRAM-SHA-256 requires undigested passwords")


def test_roles_info_describes_the_builtin_roles(server, root, clients):
    assert root.shop.command("rolesInfo", 1)["roles"] == []  # no user-defined roles
    builtin = root.shop.command("rolesInfo", 1, showBuiltinRoles=True)["roles"]
    names = [r["role"] for r in builtin]
    assert {"read", "readWrite", "dbAdmin", "userAdmin", "dbOwner"} <= set(names)
    assert "readAnyDatabase" not in names  # exists only in admin
    read = root.shop.command("rolesInfo", "read")["roles"]
    assert read == [{"role": "read", "db": "shop", "isBuiltin": True, "roles": [],
                     "inheritedRoles": []}]
    detailed = root.admin.command("rolesInfo", {"role": "readAnyDatabase", "db": "admin"},
                                  showPrivileges=True)["roles"][0]
    assert any(p["resource"] == {"db": "", "collection": ""} and "find" in p["actions"]
               for p in detailed["privileges"])
    assert root.shop.command("rolesInfo", "nosuchrole")["roles"] == []
    root.shop.command("createUser", "plain", pwd="pw", roles=["read"])
    with pytest.raises(OperationFailure) as info:
        clients("plain", "pw", source="shop").shop.command("rolesInfo", 1)
    assert info.value.code == 13
