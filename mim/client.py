"""``MongoClient``: pymongo's client, backed by an in-process mim server.

Clients built for the same address share one :class:`~mim.engine.storage.store.Server`
(application code and test code that each build a client see the same data,
as with a real ``mongod``); ``MongoClient(server=mim.Server())`` gives a
private one.  No network is ever touched.
"""

from __future__ import annotations

import threading
from urllib.parse import unquote_plus
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

import bson
from bson.codec_options import CodecOptions
from pymongo import common
from pymongo.client_options import ClientOptions
from pymongo.driver_info import DriverInfo
from pymongo.hello import Hello
from pymongo.server_description import ServerDescription
from pymongo.synchronous.settings import TopologySettings
from pymongo.topology_description import TOPOLOGY_TYPE, TopologyDescription
from pymongo.uri_parser import parse_uri
from pymongo.uri_parser_shared import (_check_options, _handle_option_deprecations,
                                       _handle_security_options, _normalize_options)
from pymongo.errors import ConfigurationError, InvalidOperation
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from .change_stream import ChangeStream, watch as watch_changes
from .cursor import CommandCursor
from .database import Database
from .engine.commands import hello_reply
from .engine.storage.store import Server
from .boundary import ENGINE_CODEC, to_engine
from .options import OptionsCarrier
from .monitors import ClientMonitor, wants_monitor
from .runner import Runner
from .session import end_client_sessions, start_session

_DocumentType = TypeVar("_DocumentType")

__all__ = ["MongoClient", "get_server", "reset_all", "servers"]

_SERVERS: dict[Any, Server] = {}
_SERVERS_LOCK = threading.Lock()
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def _server_key(scheme: str, nodes: Sequence[tuple[str, int]]) -> Any:
    host, port = nodes[0]
    host = host.lower()
    if host in _LOCAL_NAMES:
        host = "localhost"
    return (scheme, host, port)


def get_server(key: Any, replica_set_name: str | None = None) -> Server:
    """The shared in-memory server for an address key, created on first use (a
    replica set named ``replica_set_name``, the URI's ``replicaSet``, if given)."""
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None:
            address = key[1:] if isinstance(key, tuple) else key
            server = _SERVERS[key] = Server(address, replica_set_name=replica_set_name) \
                if replica_set_name else Server(address)
        return server


def servers() -> dict[Any, Server]:
    """Every shared in-process server, by address."""
    with _SERVERS_LOCK:
        return dict(_SERVERS)


def reset_all() -> None:
    """Wipe every shared in-process server (all databases of all addresses)."""
    for server in servers().values():
        server.reset()


def _split_host(entity: str, default_port: int) -> tuple[str, int]:
    if entity.startswith("["):
        host, _, rest = entity[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else default_port
        return host, port
    if entity.count(":") == 1:
        host, port_text = entity.split(":")
        if not port_text.isdigit():
            raise ValueError(f"Port must be an integer between 0 and 65535: {port_text!r}")
        return host, int(port_text)
    return entity, default_port


def _parse_uri(uri: str, default_port: int) -> dict[str, Any]:
    """Parse ``mongodb://``, ``mongodb+srv://`` and ``mim://`` URIs without DNS."""
    scheme, _, rest = uri.partition("://")
    if scheme == "mongodb":
        parsed = parse_uri(uri, default_port, validate=True, warn=True, normalize=False)
        parsed["scheme"] = "mongodb"
        return parsed
    if scheme not in ("mongodb+srv", "mim"):
        raise ConfigurationError("Invalid URI scheme: URI must begin with 'mongodb://' or "
                                 "'mongodb+srv://'")
    hosts, _, path = rest.partition("/")
    userinfo, at, hostpart = hosts.rpartition("@")
    username = password = None
    if at:
        username, _, password = userinfo.partition(":")
    database, _, query = path.partition("?")
    options: Any = common._CaseInsensitiveDictionary()
    if query:
        for pair in query.split("&"):
            if pair:
                key, _, value = pair.partition("=")
                key, value = common.validate(unquote_plus(key), unquote_plus(value))
                options[key] = value
    nodes = [_split_host(h, default_port) for h in hostpart.split(",") if h] or \
        [("", default_port) if scheme == "mim" else ("localhost", default_port)]
    return {"nodelist": nodes, "username": username, "password": password,
            "database": database or None, "collection": None, "options": options,
            "scheme": scheme}


class _ClientBulkChecks:
    """pymongo's client-bulk protocol, keeping only its client-side validation."""

    def add_insert(self, namespace: str, document: Any) -> None:
        common.validate_is_document_type("document", document)

    def add_update(self, namespace: str, selector: Any, update: Any, multi: bool,
                   *args: Any, **kwargs: Any) -> None:
        common.validate_ok_for_update(update)

    def add_replace(self, namespace: str, selector: Any, replacement: Any,
                    *args: Any, **kwargs: Any) -> None:
        common.validate_ok_for_replace(replacement)

    def add_delete(self, namespace: str, selector: Any, *args: Any, **kwargs: Any) -> None:
        common.validate_is_mapping("filter", selector)


class MongoClient(OptionsCarrier, Generic[_DocumentType]):
    """A client for an in-memory MongoDB; accepts what pymongo's accepts."""

    HOST = "localhost"
    PORT = 27017
    #: the class of the databases this client hands out (a subclass may hand out its own)
    _database_class: type = Database

    def __init__(self, host: str | Sequence[str] | None = None, port: int | None = None,
                 document_class: type | None = None, tz_aware: bool | None = None,
                 connect: bool | None = None, type_registry: Any = None,
                 server: Server | None = None, **kwargs: Any) -> None:
        if host is None:
            host = self.HOST
        if isinstance(host, str):
            host = [host]
        if port is None:
            port = self.PORT
        if not isinstance(port, int):
            raise TypeError("port must be an instance of int")

        nodes: list[tuple[str, int]] = []
        uri_options: Any = common._CaseInsensitiveDictionary()
        username = password = None
        self._default_database_name: str | None = None
        scheme = "mongodb"
        for entity in host:
            if "://" in entity:
                parsed = _parse_uri(entity, port)
                scheme = parsed["scheme"]
                nodes.extend(parsed["nodelist"])
                self._default_database_name = parsed["database"] or self._default_database_name
                username = parsed["username"] or username
                password = parsed["password"] or password
                uri_options = parsed["options"]
            else:
                nodes.append(_split_host(entity, port))
        self._client_options = self._build_client_options(
            kwargs, uri_options, nodes, username, password, document_class=document_class,
            tz_aware=tz_aware, connect=connect, type_registry=type_registry)
        #: pymongo (>= 4.9) keeps its ClientOptions here too; code such as MongoEngine's
        #: tests reads ``client._options.replica_set_name``
        self._options = self._client_options
        options = self._client_options
        self._set_options(options.codec_options, options.read_preference,
                          options.write_concern, options.read_concern)
        self._nodes = nodes
        self._connect = True if connect is None else connect
        self._closed = False
        self._engine = server if server is not None else get_server(
            _server_key(scheme, nodes), options.replica_set_name)
        listeners = options.pool_options._event_listeners
        #: pymongo's topology, server, heartbeat and pool events (None: nobody listens)
        self._monitor: ClientMonitor | None = ClientMonitor(self, listeners, nodes) \
            if wants_monitor(listeners) else None
        #: what every method's command document goes through (:mod:`mim.runner`)
        self._runner = Runner(self)
        if self._monitor is not None and self._connect:
            self._monitor.open()

    # -- option handling ----------------------------------------------------------

    def _build_client_options(self, kwargs: Mapping[str, Any], uri_options: Any,
                              nodes: list[tuple[str, int]], username: Any, password: Any,
                              **named: Any) -> ClientOptions:
        """pymongo's own steps: keyword options validated and laid over the URI's,
        security options reconciled, normalised, checked, then ``ClientOptions``."""
        keyword_opts = common._CaseInsensitiveDictionary(dict(kwargs))
        keyword_opts["document_class"] = named["document_class"] or dict
        if named["type_registry"] is not None:
            keyword_opts["type_registry"] = named["type_registry"]
        tz_aware = named["tz_aware"]
        keyword_opts["tz_aware"] = uri_options.get("tz_aware", False) if tz_aware is None \
            else tz_aware
        connect = named["connect"]
        keyword_opts["connect"] = uri_options.get("connect", True) if connect is None \
            else connect
        keyword_opts = _handle_option_deprecations(keyword_opts)
        keyword_opts = common._CaseInsensitiveDictionary(dict(
            common.validate(keyword_opts.cased_key(k), v) for k, v in keyword_opts.items()))
        opts = common._CaseInsensitiveDictionary()
        opts.update(uri_options)
        opts.update(keyword_opts)
        opts = _handle_security_options(opts)
        opts = _normalize_options(opts)
        _check_options(set(nodes), opts)
        username = opts.get("username", username)
        password = opts.get("password", password)
        return ClientOptions(username, password, self._default_database_name, opts)

    # -- pymongo API ------------------------------------------------------------------





    @property
    def address(self) -> tuple[str, int] | None:
        if self._closed:
            return None
        host, port = self._nodes[0]
        return (host or "localhost", port)

    @property
    def primary(self) -> tuple[str, int] | None:
        """As pymongo: the primary of a replica set, None for a standalone or a
        direct connection (pymongo's topology is then Single)."""
        return self.address if self._discovers_replica_set else None

    @property
    def _discovers_replica_set(self) -> bool:
        return self._engine.is_replica_set and not self._client_options.direct_connection

    @property
    def secondaries(self) -> set:
        return set()

    @property
    def arbiters(self) -> set:
        return set()

    @property
    def is_primary(self) -> bool:
        return True

    @property
    def is_mongos(self) -> bool:
        return False

    @property
    def nodes(self) -> frozenset:
        return frozenset((h or "localhost", p) for h, p in self._nodes)

    @property
    def server(self) -> Server:
        """The in-memory server this client talks to (mim extension)."""
        return self._engine

    @property
    def _server(self) -> Server:
        """The engine every operation goes through; refused once closed (pymongo 4)."""
        if self._closed:
            raise InvalidOperation("Cannot use MongoClient after close")
        return self._engine

    @property
    def options(self) -> ClientOptions:
        """pymongo's ``ClientOptions``, built from the URI and keywords as pymongo does."""
        return self._client_options

    def __getattr__(self, name: str) -> Database[_DocumentType]:
        if name.startswith("_"):
            raise AttributeError(
                f"MongoClient has no attribute {name!r}. To access the {name} database, use "
                f"client[{name!r}].")
        return self.__getitem__(name)

    def __getitem__(self, name: str) -> Database[_DocumentType]:
        return self._database_class(self, name)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, MongoClient):
            return self._engine is other._engine and self.nodes == other.nodes
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((id(self._engine), self.nodes))

    def __repr__(self) -> str:
        hosts = [f"{h or 'localhost'}:{p}" for h, p in self._nodes]
        document_class = self._codec_options.document_class
        name = getattr(document_class, "__name__", repr(document_class))
        if document_class.__module__ not in ("builtins",):
            name = f"{document_class.__module__}.{name}"
        return (f"MongoClient(host={hosts!r}, document_class={name}, "
                f"tz_aware={self._codec_options.tz_aware!r}, connect={self._connect!r})")

    def __enter__(self) -> "MongoClient[_DocumentType]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __iter__(self) -> "MongoClient[_DocumentType]":
        return self

    def __next__(self) -> None:
        raise TypeError("'MongoClient' object is not iterable")

    next = __next__

    def eq_props(self) -> tuple:
        """What pymongo compares clients by: seeds, replica set, SRV host and service."""
        return (tuple(sorted((h or "localhost", p) for h, p in self._nodes)),
                self._client_options.replica_set_name, None, "mongodb")

    @property
    def topology_description(self) -> TopologyDescription:
        """One primary, described by its own ``hello`` reply, as pymongo's monitor
        would see it once connected."""
        address = self.address or ("localhost", 27017)
        hello = hello_reply(self._engine, me=f"{address[0]}:{address[1]}")
        settings = TopologySettings(seeds=[address], replica_set_name=hello.get("setName"))
        description = ServerDescription(address, Hello(hello))
        discovers = self._discovers_replica_set
        kind = TOPOLOGY_TYPE.ReplicaSetWithPrimary if discovers else TOPOLOGY_TYPE.Single
        return TopologyDescription(kind, {address: description},
                                   hello.get("setName") if discovers else None,
                                   None, None, settings)

    def close(self) -> None:
        """Close the client: later use raises ``InvalidOperation`` as in pymongo 4.
        The server's data stays (as with a real mongod); the client's pooled server
        sessions are ended, as pymongo's endSessions does."""
        if not self._closed:
            end_client_sessions(self)
            if self._monitor is not None:
                self._monitor.close()
        self._closed = True
        self._runner.client_closed()

    def get_database(self, name: str | None = None, codec_options: CodecOptions | None = None,
                     read_preference: Any = None, write_concern: WriteConcern | None = None,
                     read_concern: ReadConcern | None = None) -> Database[_DocumentType]:
        if name is None:
            if self._default_database_name is None:
                raise ConfigurationError("No default database name defined or provided.")
            name = self._default_database_name
        return self._database_class(self, name, codec_options, read_preference,
                                    write_concern, read_concern)

    def get_default_database(self, default: str | None = None,
                             codec_options: CodecOptions | None = None,
                             read_preference: Any = None,
                             write_concern: WriteConcern | None = None,
                             read_concern: ReadConcern | None = None
                             ) -> Database[_DocumentType]:
        if self._default_database_name is None and default is None:
            raise ConfigurationError("No default database name defined or provided.")
        name = self._default_database_name or default
        return self._database_class(self, name, codec_options, read_preference,
                                    write_concern, read_concern)

    def list_databases(self, session: Any = None, comment: Any = None,
                       **kwargs: Any) -> CommandCursor:
        cmd: dict[str, Any] = {"listDatabases": 1}
        cmd.update(to_engine(self._codec_options, o=kwargs, comment=comment))
        cmd.update(cmd.pop("o", {}))
        reply = self._runner.run("admin", cmd, session)
        raws = [bson.encode(d, codec_options=ENGINE_CODEC) for d in reply["databases"]]
        return CommandCursor(None, raws, self._codec_options)

    def list_database_names(self, session: Any = None, comment: Any = None) -> list[str]:
        return [d["name"] for d in self.list_databases(session, nameOnly=True)]

    def drop_database(self, name_or_database: Any, session: Any = None,
                      comment: Any = None) -> None:
        name = name_or_database
        if isinstance(name, Database):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(f"name_or_database must be an instance of str or a Database, "
                            f"not {type(name)}")
        cmd: dict[str, Any] = {"dropDatabase": 1}
        if comment is not None:
            cmd["comment"] = comment
        if not self._default_write:
            cmd["writeConcern"] = self._write_concern.document
        self._runner.run(self[name].name, cmd, session, self._write_concern)

    def server_info(self, session: Any = None) -> dict:
        return self.admin.command("buildinfo", session=session)

    def start_session(self, causal_consistency: bool | None = None,
                      default_transaction_options: Any = None,
                      snapshot: bool | None = False) -> Any:
        """A :class:`mim.session.ClientSession`, as a 7.0 standalone gives them (no
        transactions: their first operation fails with code 20)."""
        return start_session(self, causal_consistency, default_transaction_options, snapshot)

    def watch(self, *args: Any, **kwargs: Any) -> ChangeStream:
        """A change stream of every database but admin, config and local (pymongo's ``watch`` parameters:
        ``pipeline``, ``full_document``, ``resume_after``, ``max_await_time_ms``,
        ``batch_size``, ``collation``, ``start_at_operation_time``, ``session``,
        ``start_after``, ``comment``, ``full_document_before_change``,
        ``show_expanded_events``)."""
        return watch_changes(self, self.admin, 1, True, *args, **kwargs)

    def bulk_write(self, models: Sequence[Any], session: Any = None, ordered: bool = True,
                   verbose_results: bool = False, bypass_document_validation: bool | None = None,
                   comment: Any = None, let: Any = None, write_concern: Any = None) -> Any:
        """Client-level bulk write needs a MongoDB 8.0 server; mim is 7.0.

        pymongo validates the models client-side first (so a replacement with
        operators is a ``ValueError``), then refuses the 7.0 server.
        """
        common.validate_list("models", models)
        checker = _ClientBulkChecks()
        for model in models:
            try:
                model._add_to_client_bulk(checker)
            except AttributeError:
                raise TypeError(f"{model!r} is not a valid request") from None
        if not models:
            raise InvalidOperation("No operations to execute")
        raise InvalidOperation("MongoClient.bulk_write requires MongoDB server version 8.0+.")

    def append_metadata(self, driver_info: DriverInfo) -> None:
        """Append ``driver_info`` to the handshake metadata in ``options.pool_options.metadata``,
        as pymongo 4.14+ does: libraries (Beanie's ``init_beanie``) brand the client this way
        and read the brand back."""
        if not isinstance(driver_info, DriverInfo):
            raise TypeError(
                f"driver_info must be an instance of DriverInfo, not {type(driver_info)}")
        self._client_options.pool_options._update_metadata(driver_info)

    def reset(self) -> None:
        """Wipe this client's server: every database (mim extension)."""
        self._server.reset()
