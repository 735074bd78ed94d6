"""The ``collMod`` command: change a collection's index options.

What applies to mim is implemented on the collection's
:class:`~mim.engine.index.indexes.IndexCatalog`: an index (named by ``name`` or
``keyPattern``) can be hidden or unhidden, given or relieved of a TTL
(``expireAfterSeconds``), prepared for uniqueness (``prepareUnique``: new
duplicate keys are refused, existing ones stay) and converted to ``unique``
once prepared — refused with CannotConvertIndexToUnique (359) and the
conflicting ``_id`` groups in ``violations`` while duplicates exist.  The
reply reports ``<option>_old``/``<option>_new`` as the server does.

Document validation: ``validator``, ``validationLevel`` and
``validationAction`` replace the collection's (the new validator is compiled
first; documents already stored are not re-checked, as on the server).
``expireAfterSeconds`` (a number or ``"off"``) changes the TTL of a clustered or
time-series collection, and ``timeseries`` its granularity or bucketing, with
the server's transition rules.  Views are refused with NotImplemented (238).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values.errors import ServerError
from ..index.specs import check_expire_after_seconds
from ..index.indexes import ID_INDEX_NAME
from ..values.render import render_document
from ..storage.store import Server
from ..storage.validation import build_validator, check_namespace, validation_options
from ..values.order import is_number
from .registry import DRIVER_FIELDS, command
from ..index.ttl import ttl_index_created
from ..ops.clustered import check_coll_mod_expire_after_seconds, check_coll_mod_target
from ..ops.timeseries import check_time_series_coll_mod, is_timeseries, modified_timeseries
from .arguments import collection_name, type_name

_INDEX_FIELDS = ("name", "keyPattern", "hidden", "expireAfterSeconds", "prepareUnique",
                 "unique")
_NOT_YET = {
    "viewOn": "views",
    "pipeline": "views",
    "cappedSize": "resizing capped collections",
    "cappedMax": "resizing capped collections",
}


def _invalid(message: str) -> ServerError:
    return ServerError(72, message)


def _find_index(coll: Any, spec: Mapping[str, Any], namespace: str) -> Any:
    indexes = coll.indexes
    if "name" in spec:
        name = spec["name"]
        if not isinstance(name, str):
            raise ServerError(14, f"BSON field 'collMod.index.name' is the wrong type "
                                  f"'{type_name(name)}', expected type 'string'")
        if name not in indexes.specs:
            raise ServerError(27, f"cannot find index {name} for ns {namespace}")
        return indexes.by_name(name)
    key = spec["keyPattern"]
    if not isinstance(key, Mapping):
        raise ServerError(14, f"BSON field 'collMod.index.keyPattern' is the wrong type "
                              f"'{type_name(key)}', expected type 'object'")
    wanted = list(dict(key).items())
    matches = [n for n, s in indexes.specs.items() if list(dict(s["key"]).items()) == wanted]
    if not matches:
        raise ServerError(27, f"cannot find index {render_document(dict(key))} for ns "
                              f"{namespace}")
    if len(matches) > 1:
        raise ServerError(181, f"index keyPattern {render_document(dict(key))} matches "
                               f"{len(matches)} indexes, must use index name. Conflicting "
                               f"indexes: {render_document(indexes.specs[matches[0]])}, "
                               f"{render_document(indexes.specs[matches[1]])}",
                          codeName="AmbiguousIndexKeyPattern")
    return indexes.by_name(matches[0])


def _check_index_spec(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise ServerError(14, f"BSON field 'collMod.index' is the wrong type "
                              f"'{type_name(spec)}', expected type 'object'")
    spec = dict(spec)
    for field in spec:
        if field not in _INDEX_FIELDS:
            raise ServerError(40415, f"BSON field 'collMod.index.{field}' is an unknown field.")
    if "name" in spec and "keyPattern" in spec:
        raise _invalid("Cannot specify both key pattern and name.")
    if "name" not in spec and "keyPattern" not in spec:
        raise _invalid("Must specify either index name or key pattern.")
    for field in ("hidden", "prepareUnique", "unique"):
        if field in spec and not isinstance(spec[field], bool):
            raise ServerError(14, f"BSON field 'collMod.index.{field}' is the wrong type "
                                  f"'{type_name(spec[field])}', expected type 'bool'")
    if "expireAfterSeconds" in spec and not is_number(spec["expireAfterSeconds"]):
        raise ServerError(14, f"BSON field 'collMod.index.expireAfterSeconds' is the wrong "
                              f"type '{type_name(spec['expireAfterSeconds'])}', expected "
                              f"types '[long, int, decimal, double]'")
    if not any(f in spec for f in ("hidden", "expireAfterSeconds", "prepareUnique", "unique")):
        raise _invalid("no expireAfterSeconds, hidden, unique, or prepareUnique field")
    return spec


def _modify_index(coll: Any, request: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    index = _find_index(coll, request, namespace)
    if index.name == ID_INDEX_NAME:
        if "hidden" in request:
            raise ServerError(2, "can't hide _id index")
        if "expireAfterSeconds" in request:
            raise _invalid("the _id field does not support TTL indexing")
    if index.pattern.fields != 1 and "expireAfterSeconds" in request:
        raise _invalid("TTL indexes are single-field indexes, compound indexes do not "
                       "support TTL")
    if "expireAfterSeconds" in request:
        reason = check_expire_after_seconds(request["expireAfterSeconds"])
        if reason is not None:
            raise _invalid(reason)
    if request.get("unique") is False:
        raise ServerError(2, "'Unique: false' option is not supported")
    if request.get("unique") and not index.unique and not index.prepare_unique:
        raise _invalid("Cannot make index unique with 'prepareUnique' being false or unset. "
                       "Please run collMod with 'prepareUnique: true' first")
    if request.get("unique") and not index.unique:
        groups = index.duplicate_groups()
        if groups:
            documents = coll.documents
            violations = [{"ids": [documents[k].doc["_id"] for k in group]}
                          for group in groups]
            raise ServerError(359, "Cannot convert the index to unique. Please resolve "
                                   "conflicting documents before running collMod again.",
                              codeName="CannotConvertIndexToUnique", violations=violations)
    reply: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if "expireAfterSeconds" in request:
        old = index.spec.get("expireAfterSeconds")
        new = request["expireAfterSeconds"]
        if old is not None:
            reply["expireAfterSeconds_old"] = old
        reply["expireAfterSeconds_new"] = new
        changes["expireAfterSeconds"] = new
    if "hidden" in request and bool(index.hidden) != request["hidden"]:
        reply["hidden_old"] = bool(index.hidden)
        reply["hidden_new"] = request["hidden"]
        changes["hidden"] = True if request["hidden"] else None
    if "prepareUnique" in request and index.prepare_unique != request["prepareUnique"]:
        reply["prepareUnique_old"] = index.prepare_unique
        reply["prepareUnique_new"] = request["prepareUnique"]
        changes["prepareUnique"] = True if request["prepareUnique"] else None
    if request.get("unique") and not index.unique:
        changes["unique"] = True
        changes["prepareUnique"] = None
        reply["unique_new"] = True
    if changes:
        coll.indexes.modify(index.name, changes)
    return reply


@command("collMod")
def cmd_coll_mod(server: Server, db: str, cmd: Mapping) -> dict:
    name = collection_name(cmd, "collMod")
    namespace = f"{db}.{name}"
    options = {k: v for k, v in cmd.items() if k != "collMod" and k not in DRIVER_FIELDS}
    for option in options:
        if option in _NOT_YET:
            raise ServerError(238, f"collMod '{option}' is not supported by mim yet: "
                                   f"{_NOT_YET[option]} are planned in a later issue")
        if option not in ("index", "changeStreamPreAndPostImages", "dryRun",
                          "validator", "validationLevel", "validationAction",
                          "expireAfterSeconds", "timeseries"):
            raise ServerError(40415, f"BSON field 'collMod.{option}' is an unknown field.")
    expire_after = None
    if "expireAfterSeconds" in options:
        expire_after = check_coll_mod_expire_after_seconds(options["expireAfterSeconds"])
    request = _check_index_spec(options["index"]) if "index" in options else None
    validation = validation_options("collMod", options)
    check_namespace(db, name, validation.get("validator") or {})
    pre_post = options.get("changeStreamPreAndPostImages")
    if pre_post is not None and (not isinstance(pre_post, Mapping)
                                 or not isinstance(pre_post.get("enabled"), bool)):
        raise ServerError(40414, "BSON field 'collMod.changeStreamPreAndPostImages.enabled' "
                                 "is missing but a required field")
    with server.lock:
        server.await_unheld((db, name))  # its exclusive lock: behind a transaction there
        coll = server.get_collection(db, name)
        if coll is None:
            database = server.get_database(db)
            if validation and database is not None and name in database.views:
                raise ServerError(72, f"option not supported on a view: {next(iter(validation))}")
            raise ServerError(26, f"ns does not exist: {namespace}")
        timeseries = is_timeseries(coll)
        check_time_series_coll_mod(coll, options)
        if "expireAfterSeconds" in options:
            check_coll_mod_target(coll, timeseries)
        new_timeseries = (modified_timeseries(coll, options["timeseries"])
                          if "timeseries" in options else None)
        reply: dict[str, Any] = {}
        if new_timeseries is not None and new_timeseries != coll.options["timeseries"]:
            coll.set_option("timeseries", new_timeseries)
        if "expireAfterSeconds" in options:
            if expire_after != coll.options.get("expireAfterSeconds"):
                coll.set_option("expireAfterSeconds", expire_after)
            if expire_after is not None:
                ttl_index_created(coll)
        if request is not None:
            if options.get("dryRun"):
                if not request.get("unique"):
                    raise _invalid("dryRun: true is only supported with unique: true")
                index = _find_index(coll, request, namespace)
                groups = index.duplicate_groups() if not index.unique else []
                if groups:
                    documents = coll.documents
                    raise ServerError(359, "Cannot convert the index to unique. Please "
                                           "resolve conflicting documents before running "
                                           "collMod again.",
                                      codeName="CannotConvertIndexToUnique",
                                      violations=[{"ids": [documents[k].doc["_id"]
                                                           for k in g]} for g in groups])
            else:
                reply.update(_modify_index(coll, request, namespace))
        if pre_post is not None:
            coll.set_option("changeStreamPreAndPostImages", {"enabled": pre_post["enabled"]})
        if validation:
            settings = {**coll.options, **validation}
            validator = build_validator(settings)
            for option, value in validation.items():
                coll.set_option(option, value)  # one ``modify`` event each
            coll.validator = validator
        if not options:
            # a collMod that changes nothing is still written to the oplog (a
            # ``modify`` event with an empty description)
            coll.record("modify", {"option": None, "old": None, "new": None})
    reply["ok"] = 1.0
    return reply
