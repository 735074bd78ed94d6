"""Command names are matched as the server's CommandRegistry matches them (exact
names plus each command's registered aliases, e.g. ``collstats``), and odd
arguments to any command come back as the server's errors: never an internal
error (code 1) nor a raw Python exception."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure, PyMongoError

import mim
from mim.engine.commands import COMMANDS

#: values of the wrong kind for any field
ODD = [None, 5, -1, "x", "", [], [1], {}, {"a": 1}, True, 1.5]
#: field names the commands read besides their own name
FIELDS = ["to", "collection", "index", "indexes", "query", "filter", "key", "pipeline",
          "cursor", "documents", "updates", "deletes", "update", "sort", "fields",
          "projection", "limit", "skip", "batchSize", "hint", "let", "scale", "new", "remove",
          "upsert", "nameOnly", "explain", "verbosity", "cursors", "getLog", "validator",
          "viewOn", "full", "max", "min", "returnKey", "showRecordId", "arrayFilters"]
#: commands whose effect would spoil the rest of the run
SKIP = {"shutdown", "killAllSessions", "killAllSessionsByPattern", "endSessions",
        "killSessions", "dropDatabase", "hello", "isMaster", "ismaster"}


def attempt(db, command) -> None:
    try:
        db.command(command)
    except OperationFailure as exc:
        assert exc.code != 1, f"{command!r}: {exc}"
    except PyMongoError:
        pass
    except TypeError:
        # pymongo itself cannot pack a non-list document sequence (insert.documents…)
        assert not isinstance(db.client, mim.MongoClient), command


def test_collstats_alias(db):
    db.c.insert_one({"_id": 1})
    assert db.command("collstats", "c")["count"] == 1
    assert db.command("collStats", "c")["count"] == 1
    assert db.command("dbstats")["collections"] == 1


def test_command_names_are_case_sensitive(db):
    for name in ("COLLSTATS", "Find", "ISMASTER", "BuildInfo"):
        with pytest.raises(OperationFailure) as info:
            db.command(name, 1)
        assert info.value.code == 59
        assert f"no such command: '{name}'" in str(info.value)


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - SKIP))
def test_odd_arguments_give_server_errors(client, name):
    db = client.oddities
    db.c.insert_one({"_id": 1, "a": 1})
    for value in ODD:
        attempt(db, {name: value})
    for field in FIELDS:
        for value in (None, 5, "x", [5], {"$bad": 1}):
            attempt(db, {name: "c", field: value})
