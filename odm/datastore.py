"""Connections (:class:`Engine`) and databases (:class:`DataStore`).

An :class:`Engine` is a lazily opened client; a :class:`DataStore` is one
database on an engine.  The URL scheme picks the client class:

* ``mongodb://`` and ``mongodb+srv://`` - a real :class:`pymongo.MongoClient`
  (replica sets, ``w=``, ``readPreference=``, credentials: all as pymongo
  parses them);
* ``mim://`` - an in-process mim server.  ``mim`` is imported when the first
  connection is opened, never at import time, so the ODM works (and imports)
  without it; clients for the same ``mim://host`` share one server, like
  clients of one real server do.

Nothing below this module knows which kind of client it got: the rest of the
ODM uses only the public pymongo API of the database object.
"""
from __future__ import annotations

import importlib
import logging
import threading
import time
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

import pymongo
from pymongo.errors import ConnectionFailure, OperationFailure

from .exc import MingConfigError, MingException, MongoGone

log = logging.getLogger(__name__)

__all__ = ["Engine", "DataStore", "create_engine", "create_datastore", "DEFAULT_DATABASE"]

#: Database used when a URL names none (the mongo shell's default too).
DEFAULT_DATABASE = "test"

_MIM_SCHEME = "mim"


def _mim_client(*args: Any, **kwargs: Any) -> Any:
    """Open a mim client; imported here so ``import odm`` never imports mim.

    A URL naming no host and no option (``mim://``, ``mim:///db``) is Ming's
    process-wide shared connection, :meth:`mim.ming.Connection.get`, with its
    ``drop_all()`` and a ``close()`` that does not end it; ``mim://host/db``
    is a mim client of the server of that name.
    """
    mim = importlib.import_module("mim")
    if not kwargs and len(args) == 1 and _is_shared_mim_url(args[0]):
        return importlib.import_module("mim.ming").Connection.get()
    return mim.MongoClient(*args, **kwargs)


def _is_shared_mim_url(url: Any) -> bool:
    """``mim://`` or ``mim:///db``: no host, no options (Ming ignores them all)."""
    if not _is_mim_url(url):
        return False
    hosts, _, path = url.split("://", 1)[1].partition("/")
    return not hosts and "?" not in path


def _client_class() -> Callable[..., Any]:
    """The class ``mongodb://`` engines use: pymongo's ``MongoClient`` as it is at
    call time, or ``odm.datastore.MongoClient`` when something (a test's
    ``mock.patch('odm.datastore.MongoClient')``, as Ming's tests do) set it."""
    return globals().get("MongoClient") or pymongo.MongoClient


def __getattr__(name: str) -> Any:
    """``odm.datastore.MongoClient`` reads as pymongo's current class until it is set."""
    if name == "MongoClient":
        return pymongo.MongoClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _is_mim_url(value: Any) -> bool:
    return isinstance(value, str) and value.split(":", 1)[0].lower() == _MIM_SCHEME and "://" in value


class Engine:
    """A MongoDB client that is created the first time it is needed.

    ``Connection`` is the client class (or factory); it is called with
    ``conn_args``/``conn_kwargs`` by :meth:`connect`, which retries up to
    ``connect_retry`` times on :class:`pymongo.errors.ConnectionFailure`
    (waiting a second between tries) before raising :class:`odm.exc.MongoGone`.
    ``auto_ensure_indexes`` makes sessions create a class's declared indexes
    the first time they touch its collection.
    """

    def __init__(
        self,
        Connection: Callable[..., Any],  # noqa: N803 - Ming's parameter name
        conn_args: tuple = (),
        conn_kwargs: Optional[dict] = None,
        connect_retry: int = 3,
        auto_ensure_indexes: bool = True,
        _sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._Connection = Connection
        self._conn_args = tuple(conn_args)
        self._conn_kwargs = dict(conn_kwargs or {})
        self._connect_retry = connect_retry
        self._auto_ensure_indexes = auto_ensure_indexes
        self._sleep = _sleep
        self._conn: Any = None
        self._lock = threading.Lock()
        self._transactions: Optional[bool] = None

    @property
    def auto_ensure_indexes(self) -> bool:
        return self._auto_ensure_indexes

    @property
    def conn(self) -> Any:
        """The client itself, connecting on first access."""
        if self._conn is None:
            self.connect()
        return self._conn

    def connect(self) -> Any:
        """Create the client now (normally done on first use) and return it."""
        with self._lock:
            if self._conn is not None:
                return self._conn
            attempts = max(self._connect_retry, 0) + 1
            for attempt in range(attempts):
                try:
                    self._conn = self._Connection(*self._conn_args, **self._conn_kwargs)
                    return self._conn
                except ConnectionFailure as exc:
                    if attempt + 1 == attempts:
                        raise MongoGone(f"could not connect after {attempts} attempt(s): {exc}") from exc
                    log.exception("could not connect (attempt %d of %d); retrying", attempt + 1, attempts)
                    self._sleep(1)
        return self._conn  # pragma: no cover - loop always returns or raises

    def supports_transactions(self, database: str = "test") -> bool:
        """Whether the server runs multi-document transactions, found out once per engine
        (see :func:`server_supports_transactions`; ``database`` is where the probe reads)."""
        if self._transactions is None:
            self._transactions = server_supports_transactions(self.conn, database)
        return self._transactions

    def __getitem__(self, name: str) -> Any:
        return self.conn[name]

    def __getattr__(self, name: str) -> Any:
        """Anything else is the client's (``engine.drop_all()``, ``engine.list_database_names()``),
        as in Ming."""
        if name.startswith("_") or name == "conn":  # conn itself failed: no recursion
            raise AttributeError(name)
        return getattr(self.conn, name)

    def __repr__(self) -> str:
        return f"<Engine {self._conn!r}>"


#: What a server answers a transaction it does not run: IllegalOperation (a standalone),
#: NotImplemented (a server that presents a replica set without running transactions yet).
_NO_TRANSACTION_CODES = (20, 238)


def server_supports_transactions(client: Any, database: str) -> bool:
    """Whether the server behind ``client`` (pymongo's or mim's) runs multi-document transactions.

    It must be a replica-set member (``hello`` names a ``setName``) or a
    ``mongos`` (``msg: "isdbgrid"``), and a transaction reading one document
    of ``database`` (nothing is written) must not be refused with
    IllegalOperation or NotImplemented.  A server that does not run them is
    given a documented order of writes instead (see ``odm.orm.delete_rules``).
    """
    hello = client.admin.command("hello")
    if not (hello.get("setName") or hello.get("msg") == "isdbgrid"):
        return False
    with client.start_session() as session:
        try:
            with session.start_transaction():
                client[database]["odm.transaction_probe"].find_one({}, session=session)
                session.abort_transaction()
        except OperationFailure as exc:
            if exc.code in _NO_TRANSACTION_CODES:
                return False
            raise
    return True


class DataStore:
    """One database (``name``) on an :class:`Engine` (``bind``).

    :attr:`db` is the plain pymongo-style Database, opened lazily; use it to
    drop below the ODM.  The repr shows ``None`` until the connection exists.
    """

    def __init__(self, bind: Engine, name: Optional[str], authenticate: Optional[dict] = None) -> None:
        self.bind = bind
        self.name = name
        self._authenticate = authenticate
        self._db: Any = None
        #: (collection name, class) pairs whose indexes this datastore already ensured.
        self._ensured_indexes: set = set()

    @property
    def db(self) -> Any:
        """The database object (pymongo's or mim's), created on first access."""
        if self._db is None:
            if not self.name:
                raise MingException("this datastore has no database name")
            self._db = self.bind[self.name]
        return self._db

    @property
    def conn(self) -> Any:
        """The client this datastore's database belongs to."""
        return self.bind.conn

    @property
    def supports_transactions(self) -> bool:
        """Whether this datastore's server runs multi-document transactions (see :func:`server_supports_transactions`)."""
        if isinstance(self.bind, Engine):
            return self.bind.supports_transactions(self.name or DEFAULT_DATABASE)
        return server_supports_transactions(self.conn, self.name or DEFAULT_DATABASE)

    def __getattr__(self, name: str) -> Any:
        """Anything else is the database's (``datastore.my_collection``), as in Ming."""
        if name.startswith("_") or name == "db":
            raise AttributeError(name)
        return getattr(self.db, name)

    def __repr__(self) -> str:
        return f"<DataStore {self._db!r}>"


def create_engine(*args: Any, **kwargs: Any) -> Engine:
    """Make an :class:`Engine`; positional and extra keyword arguments go to the client.

    ``use_class`` forces the client class; otherwise a ``mim://`` URL (first
    argument or ``host=``) selects mim and anything else pymongo.
    ``connect_retry`` and ``auto_ensure_indexes`` configure the engine itself.
    """
    use_class = kwargs.pop("use_class", None)
    connect_retry = int(kwargs.pop("connect_retry", 3))
    auto_ensure_indexes = kwargs.pop("auto_ensure_indexes", True)
    if isinstance(auto_ensure_indexes, str):
        auto_ensure_indexes = auto_ensure_indexes.strip().lower() in ("1", "true", "yes", "on")
    if use_class is None:
        target = args[0] if args else kwargs.get("host")
        use_class = _mim_client if _is_mim_url(target) else _client_class()
    return Engine(use_class, args, kwargs, connect_retry, bool(auto_ensure_indexes))


def _database_from_url(uri: str) -> Optional[str]:
    parts = urlsplit(uri) if not uri.lower().startswith("mongodb") else None
    if parts is not None:
        path = parts.path
    else:
        # mongodb:// URLs may list several hosts, which urlsplit rejects; the
        # database is whatever follows the first "/" after the host list.
        rest = uri.split("://", 1)[1]
        path = rest.split("/", 1)[1] if "/" in rest else ""
        path = "/" + path
    name = path.lstrip("/").split("?", 1)[0]
    return name or None


def create_datastore(uri: str, **kwargs: Any) -> DataStore:
    """Make a :class:`DataStore` for the database a URL (or bare name) identifies.

    ``mongodb://user:pass@host:port/dbname?options`` and
    ``mim://host/dbname`` name the server and the database; a bare
    ``'dbname'`` means that database on the default server
    (``mongodb://localhost:27017``).  So these are the same::

        create_datastore('mongodb://localhost:27017/foo')
        create_datastore('foo')
        create_datastore('foo', bind=create_engine())

    ``bind`` reuses an existing engine, with a bare database name only (a
    full URL names its own server, so ``bind`` with one is a
    :class:`MingConfigError`, as in Ming); ``database`` names the database when
    the URL does not; ``authenticate=dict(name=..., password=...)`` adds
    credentials for the new client; every other keyword goes to
    :func:`create_engine`.
    """
    bind: Optional[Engine] = kwargs.pop("bind", None)
    authenticate: Optional[dict] = kwargs.pop("authenticate", None)
    database: Optional[str] = kwargs.pop("database", None)
    if bind is not None and kwargs:
        raise MingConfigError(f"client options cannot be given with bind= (the engine is already "
                              f"configured): {sorted(kwargs)}")
    if "://" in uri:
        if bind is not None:
            raise MingConfigError("bind not allowed with full URI")
        name = _database_from_url(uri) or database or DEFAULT_DATABASE
        engine_args: tuple = (uri,)
    else:
        name = uri
        engine_args = ()
    if bind is None:
        if authenticate:
            kwargs.setdefault("username", authenticate.get("name") or authenticate.get("username"))
            kwargs.setdefault("password", authenticate.get("password"))
            kwargs.setdefault("authSource", authenticate.get("source", name))
        bind = create_engine(*engine_args, **kwargs)
    return DataStore(bind, name, authenticate)
