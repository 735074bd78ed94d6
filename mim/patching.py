"""``mim.patch``: make ``pymongo.MongoClient`` build mim clients while active.

How it works (and why; the README section "Using mim in your tests" has the user-facing version):

* **Redirecting construction.**  Code under test may hold pymongo's class
  under any name (``pymongo.MongoClient``, ``from pymongo import MongoClient``
  done before or after patching, ``pymongo.mongo_client.MongoClient``, a
  default argument, a class attribute …); all of them are the one class
  object.  So the patch installs a ``__new__`` on that class: for an address
  the patch covers it returns a :class:`mim.MongoClient` built from the same
  arguments (Python then skips pymongo's ``__init__``, because the result is
  not an instance of pymongo's class); for any other address it returns a
  normal, real pymongo client.  With no patch active the hook does exactly
  what ``object.__new__`` did (it stays installed: CPython cannot cleanly
  remove an assigned ``__new__``).
  Subclasses of pymongo's client are left alone (they get real clients).

* **isinstance.**  pymongo's client class is a plain class (metaclass
  ``type``), so nothing can make ``isinstance(mim_client, <that class>)``
  true short of making mim's client a subclass of it — which would let every
  pymongo method mim does not override run pymongo's network code on a
  half-built object, and pymongo's ``__del__`` warn about unclosed clients.
  Instead, while patched, the public names ``pymongo.MongoClient`` and
  ``pymongo.mongo_client.MongoClient`` point at a stand-in subclass whose
  metaclass accepts mim clients in ``isinstance``/``issubclass``.  Code that
  looks the name up while the patch is active passes the check; a name bound
  before patching still refers to pymongo's own class, and ``isinstance``
  with it is False for a mim client.  ``pymongo.database.Database`` and
  ``pymongo.collection.Collection`` get stand-ins the same way (MongoEngine's
  tests check ``isinstance(get_db(), pymongo.database.Database)``).

* **Async clients.**  ``pymongo.AsyncMongoClient`` gets the same treatment
  and returns a :class:`mim.AsyncMongoClient` (on the same server the sync
  client for that address gets), with its own stand-in for ``isinstance``;
  so does Motor's ``AsyncIOMotorClient`` when Motor is installed (it returns
  mim's Motor spelling, :class:`mim.asynchronous.AsyncIOMotorClient`).  Motor's
  classes need no stand-in: mim's Motor spelling subclasses them (for
  ``isinstance`` only, see :mod:`mim.asynchronous.motor`), so
  ``isinstance(client, AsyncIOMotorClient)`` holds however the name was bound.

* **GridFS.**  ``gridfs.GridFS`` and ``gridfs.GridFSBucket`` get the same
  ``__new__`` treatment: given a mim database they return
  :mod:`mim.gridfs`'s classes (same API), otherwise pymongo's own;
  ``gridfs.AsyncGridFS``/``AsyncGridFSBucket`` given a mim async database
  return :mod:`mim.asynchronous.gridfs`'s, and Motor's ``AsyncIOMotorGridFSBucket``
  returns mim's Motor spelling of it.

Patches nest (the innermost one that covers an address decides which server
a client gets) and every exit restores pymongo exactly, even on error.  The
patch is process-wide, like :func:`unittest.mock.patch`.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
import unittest
from collections.abc import Iterable
from typing import Any, Callable, TypeVar

import pymongo
import pymongo.asynchronous.mongo_client
import pymongo.collection
import pymongo.database
import pymongo.mongo_client
from gridfs.asynchronous import grid_file as _pymongo_async_grid_file
from gridfs.synchronous import grid_file as _pymongo_grid_file
from pymongo.asynchronous.mongo_client import AsyncMongoClient as _RealAsyncMongoClient
from pymongo.errors import ConfigurationError
from pymongo.synchronous.collection import Collection as _RealCollection
from pymongo.synchronous.database import Database as _RealDatabase
from pymongo.synchronous.mongo_client import MongoClient as _RealMongoClient

from .asynchronous import AsyncIOMotorClient as _MimMotorClient
from .asynchronous.motor import BUILT_BY_PATCH
from .asynchronous import AsyncIOMotorCollection as _MimMotorCollection
from .asynchronous import AsyncIOMotorDatabase as _MimMotorDatabase
from .asynchronous import AsyncIOMotorGridFSBucket as _MimMotorGridFSBucket
from .asynchronous import AsyncIOMotorGridIn as _MimMotorGridIn
from .asynchronous import AsyncIOMotorGridOut as _MimMotorGridOut
from .asynchronous import AsyncCollection as _MimAsyncCollection
from .asynchronous import AsyncDatabase as _MimAsyncDatabase
from .asynchronous import AsyncMongoClient as _MimAsyncMongoClient
from .asynchronous.gridfs import AsyncGridFS as _MimAsyncGridFS
from .asynchronous.gridfs import AsyncGridFSBucket as _MimAsyncGridFSBucket
from .asynchronous.gridfs import AsyncGridIn as _MimAsyncGridIn
from .asynchronous.gridfs import AsyncGridOut as _MimAsyncGridOut
from . import driver
from .client import MongoClient as _MimMongoClient
from .client import _server_key, get_server
from .collection import Collection as _MimCollection
from .database import Database as _MimDatabase
from . import gridfs as mim_gridfs
from .engine.storage.store import Server

try:  # Motor (deprecated, optional): its client is redirected too when installed
    import motor.motor_asyncio as _motor_asyncio
except ImportError:  # pragma: no cover - depends on the environment
    _motor_asyncio = None

__all__ = ["patch"]

_F = TypeVar("_F", bound=Callable[..., Any])
Address = tuple[str, int]

_DEFAULT_PORT = 27017
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}
_LOCK = threading.RLock()
_ACTIVE: list["patch"] = []


# -- addresses --------------------------------------------------------------------------

def _split_host(entity: str, default_port: int) -> Address:
    if entity.startswith("["):
        host, _, rest = entity[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else default_port
    elif entity.count(":") == 1:
        host, _, port_text = entity.partition(":")
        port = int(port_text) if port_text.isdigit() else default_port
    else:
        host, port = entity, default_port
    host = host.lower()
    return ("localhost" if host in _LOCAL_NAMES else host), port


def _entity_addresses(entity: str, default_port: int) -> list[Address]:
    """The ``(host, port)`` pairs one host string or URI names (no DNS lookups)."""
    if "://" in entity:
        rest = entity.partition("://")[2]
        hosts = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
        return [_split_host(h, default_port) for h in hosts.split(",") if h] or \
            [("localhost", default_port)]
    return [_split_host(entity, default_port)]


def client_addresses(host: Any = None, port: Any = None) -> list[Address]:
    """Every address a ``MongoClient(host, port)`` call names, normalised."""
    if not isinstance(port, int) or isinstance(port, bool):
        port = _DEFAULT_PORT
    if host is None:
        host = ["localhost"]
    elif isinstance(host, str):
        host = [host]
    addresses: list[Address] = []
    for entity in host:
        if isinstance(entity, str):
            addresses.extend(_entity_addresses(entity, port))
    return addresses or [("localhost", port)]


def _is_address_tuple(value: Any) -> bool:
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], int))


def _server_specs(servers: Any) -> list[Any]:
    """``servers`` as a list (one string or one ``(host, port)`` tuple is one server)."""
    if isinstance(servers, str) or _is_address_tuple(servers):
        return [servers]
    return list(servers)


def _server_spec(spec: Any) -> list[Address]:
    if _is_address_tuple(spec):
        host = spec[0].lower()
        return [("localhost" if host in _LOCAL_NAMES else host, spec[1])]
    if isinstance(spec, str):
        return _entity_addresses(spec, _DEFAULT_PORT)
    raise TypeError(f"a server is a 'host', 'host:port', a mongodb:// URI or a (host, port) "
                    f"tuple, not {spec!r}")


# -- the patch --------------------------------------------------------------------------

class patch:
    """Redirect ``pymongo.MongoClient(...)`` to mim while active.

    ``servers``: the addresses to redirect — ``"host"``, ``"host:port"``,
    ``"mongodb://…"`` URIs or ``(host, port)`` tuples; ``None`` (the default)
    redirects every address.  Clients for other addresses are real pymongo
    clients.  Redirected clients share mim's in-process server for their
    address (the one ``mim.MongoClient(address)`` uses), unless ``server`` is
    given: then every redirected client talks to that one :class:`mim.Server`.

    Use as a context manager (``with mim.patch(): …``, which returns the
    patch), or as a decorator of a function, coroutine function, a
    ``unittest.TestCase`` class (each test, with its ``setUp`` and
    ``tearDown``, runs patched) or another class (each ``test*`` method).

    ``driver=True``: clients stay *real* pymongo clients (``MongoClient`` and
    ``AsyncMongoClient``, so every ``isinstance`` check and pymongo's own
    ``gridfs`` work); their connections to a covered address reach the mim
    server in process instead of the network (:mod:`mim.driver`).  A client
    connects when it first needs a connection, so build and use it while the
    patch is active.
    """

    def __init__(self, servers: Any = None, *, server: Server | None = None,
                 driver: bool = False) -> None:
        if servers is None:
            self._addresses: frozenset[Address] | None = None
        else:
            self._addresses = frozenset(a for spec in _server_specs(servers)
                                        for a in _server_spec(spec))
        if server is not None and not isinstance(server, Server):
            raise TypeError(f"server must be a mim.Server, not {type(server)}")
        self._server = server
        self._driver = bool(driver)
        self._used: dict[Address, Server] = {}

    def __repr__(self) -> str:
        servers = "all" if self._addresses is None else sorted(self._addresses)
        driver = ", driver=True" if self._driver else ""
        return f"mim.patch(servers={servers!r}{driver})"

    # -- what a patch covers ---------------------------------------------------------

    def covers(self, addresses: Iterable[Address]) -> bool:
        """Whether a client for ``addresses`` (any of them) is redirected by this patch."""
        return self._addresses is None or any(a in self._addresses for a in addresses)

    @property
    def servers(self) -> dict[Address, Server]:
        """The mim servers this patch has handed out so far, by address."""
        return dict(self._used)

    def reset(self) -> None:
        """Wipe every server this patch has handed out (its ``server``, if given)."""
        if self._server is not None:
            self._server.reset()
        for server in self._used.values():
            server.reset()

    def _server_for(self, address: Address) -> Server:
        """The mim server a driver-mode connection to ``address`` reaches."""
        server = self._server if self._server is not None else \
            get_server(_server_key("mongodb", [address]))
        self._used.setdefault(address, server)
        return server

    def _client(self, addresses: list[Address], args: tuple, kwargs: dict) -> _MimMongoClient:
        if self._server is not None:
            kwargs = {**kwargs, "server": self._server}
        client = _MimMongoClient(*args, **kwargs)
        self._used.setdefault(addresses[0], client.server)
        return client

    # -- activation --------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self in _ACTIVE

    def start(self) -> "patch":
        """Activate (what ``__enter__`` does); pair with :meth:`stop`."""
        with _LOCK:
            if self in _ACTIVE:
                raise RuntimeError(f"{self!r} is already active")
            if self._driver:
                driver.install()
            else:
                # a subclass of pymongo's client stays a real client: its connections
                # to a covered address reach mim in process (not supported by every
                # pymongo: then they reach the network, as without the patch)
                try:
                    driver.install()
                except ConfigurationError:
                    pass
            driver.set_dynamic_router(_driver_route)
            _ACTIVE.append(self)
            _sync_aliases()
        return self

    def stop(self) -> None:
        """Deactivate; pymongo is restored once the last active patch stops."""
        with _LOCK:
            if self not in _ACTIVE:
                raise RuntimeError(f"{self!r} is not active")
            _ACTIVE.remove(self)
            _sync_aliases()

    def __enter__(self) -> "patch":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- decorator -----------------------------------------------------------------------

    def _fresh(self) -> "patch":
        """An inactive copy with the same settings (one per decorated call)."""
        clone = copy.copy(self)
        clone._used = {}
        return clone

    def __call__(self, target: _F) -> _F:
        if inspect.isclass(target):
            return self._decorate_class(target)
        if inspect.iscoroutinefunction(target):
            @functools.wraps(target)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return await target(*args, **kwargs)
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(target)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return target(*args, **kwargs)
        return wrapper  # type: ignore[return-value]

    def _decorate_class(self, cls: Any) -> Any:
        if issubclass(cls, unittest.TestCase):
            original_run = cls.run

            @functools.wraps(original_run)
            def run(test_self: Any, *args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return original_run(test_self, *args, **kwargs)
            cls.run = run
            return cls
        for name, value in list(vars(cls).items()):
            if name.startswith("test") and callable(value):
                setattr(cls, name, self(value))
        return cls


def _patch_for(addresses: list[Address]) -> patch | None:
    """The innermost active patch covering ``addresses`` that builds mim clients."""
    for active in reversed(_ACTIVE):
        if active.covers(addresses):
            return None if active._driver else active
    return None


def _driver_route(address: Address) -> Server | None:
    """For the driver transport: the mim server a real pymongo client's connection to
    ``address`` reaches when an active patch covers it (under a plain patch only a
    subclass of pymongo's client, or one built before the patch, is still real)."""
    host = address[0].lower()
    address = ("localhost" if host in _LOCAL_NAMES else host, address[1])
    for active in reversed(_ACTIVE):
        if active.covers([address]):
            return active._server_for(address)
    return None


# -- the hooks ------------------------------------------------------------------------

def _mongo_client_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    if _ACTIVE and cls is _RealMongoClient:
        host = args[0] if args else kwargs.get("host")
        port = args[1] if len(args) > 1 else kwargs.get("port")
        addresses = client_addresses(host, port)
        active = _patch_for(addresses)
        if active is not None:
            return active._client(addresses, args, kwargs)
    return object.__new__(cls)


def _async_client_new(real_cls: type, mim_cls: type) -> Callable[..., Any]:
    """``__new__`` of an async client class: a mim async client for a patched address."""
    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        if _ACTIVE and cls is real_cls:
            host = args[0] if args else kwargs.get("host")
            port = args[1] if len(args) > 1 else kwargs.get("port")
            addresses = client_addresses(host, port)
            active = _patch_for(addresses)
            if active is not None:
                face_options = mim_cls._face_options(kwargs)
                return _built(real_cls, mim_cls._wrapping(active._client(addresses, args, kwargs),
                                                          **face_options))
        return object.__new__(cls)
    return __new__


def _built(real_cls: type, built: Any) -> Any:
    """``built``, marked so that the ``__init__`` Python calls next (when ``built`` is an
    instance of ``real_cls``: mim's Motor spelling subclasses Motor's) does nothing."""
    if isinstance(built, real_cls):
        built.__dict__[BUILT_BY_PATCH] = True
    return built


def _new_given_mim(real_cls: type, mim_owner: type, replacement: Callable[..., Any],
                   *keywords: str) -> Callable[..., Any]:
    """``__new__`` of a pymongo class built on a client or database (``Database``,
    ``Collection``, GridFS …): given mim's ``mim_owner`` (first argument, or one of
    ``keywords``) while patched, ``replacement`` — mim's class with the same
    signature — is built instead (Python then skips ``real_cls.__init__``)."""
    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        owner = args[0] if args else next((kwargs[k] for k in keywords if k in kwargs), None)
        if _ACTIVE and cls is real_cls and isinstance(owner, mim_owner):
            return _built(real_cls, replacement(*args, **kwargs))
        # what real_cls's own __new__ was (object's; io.IOBase's for pymongo's GridOut)
        return super(real_cls, cls).__new__(cls)
    return __new__


class _StandInMeta(type):
    """Metaclass of a stand-in for one of pymongo's public classes (see :func:`_stand_in`):
    ``isinstance``/``issubclass`` accept pymongo's class and mim's counterpart."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        accepted = vars(cls).get("_stands_in_for")
        if accepted is not None:
            return accepted[0](*args, **kwargs)
        return super().__call__(*args, **kwargs)

    def __instancecheck__(cls, instance: Any) -> bool:
        accepted = vars(cls).get("_stands_in_for")
        if accepted is not None:
            return isinstance(instance, accepted)
        return super().__instancecheck__(instance)

    def __subclasscheck__(cls, subclass: Any) -> bool:
        accepted = vars(cls).get("_stands_in_for")
        if accepted is not None:
            return issubclass(subclass, accepted)
        return super().__subclasscheck__(subclass)


def _stand_in(real: type, mim_cls: type) -> type:
    """The class put under ``real``'s public names while patched: calling it builds
    ``real`` (whose hooked ``__new__`` may hand out mim's object), ``isinstance`` with it
    accepts ``real``'s and ``mim_cls``'s instances; ``Name[T]`` is ``real[T]``; a
    subclass of it is an ordinary subclass of ``real``."""
    def __class_getitem__(cls: type, item: Any) -> Any:
        return real[item]  # type: ignore[index]

    return _StandInMeta(real.__name__, (real,), {
        "_stands_in_for": (real, mim_cls), "__class_getitem__": classmethod(__class_getitem__),
        "__module__": real.__module__, "__qualname__": real.__qualname__,
        "__doc__": f"Stands in for ``{real.__name__}`` while :func:`mim.patch` is active."})


_PatchedMongoClient = _stand_in(_RealMongoClient, _MimMongoClient)
_PatchedAsyncMongoClient = _stand_in(_RealAsyncMongoClient, _MimAsyncMongoClient)
_PatchedDatabase = _stand_in(_RealDatabase, _MimDatabase)
_PatchedCollection = _stand_in(_RealCollection, _MimCollection)

_HOOKED_CLASSES: list[tuple[type, Callable[..., Any]]] = [
    (_RealMongoClient, _mongo_client_new),
    (_RealAsyncMongoClient, _async_client_new(_RealAsyncMongoClient, _MimAsyncMongoClient)),
    (_RealDatabase, _new_given_mim(_RealDatabase, _MimMongoClient, _MimDatabase, "client")),
    (_RealCollection, _new_given_mim(_RealCollection, _MimDatabase, _MimCollection,
                                     "database")),
]
_HOOKED_CLASSES += [
    (real, _new_given_mim(real, owner, replacement, "database", "db"))
    for real, owner, replacement in [
        (_pymongo_grid_file.GridFS, _MimDatabase, mim_gridfs.GridFS),
        (_pymongo_grid_file.GridFSBucket, _MimDatabase, mim_gridfs.GridFSBucket),
        (_pymongo_async_grid_file.AsyncGridFS, _MimAsyncDatabase, _MimAsyncGridFS),
        (_pymongo_async_grid_file.AsyncGridFSBucket, _MimAsyncDatabase, _MimAsyncGridFSBucket),
    ]]
_HOOKED_CLASSES += [
    (real, _new_given_mim(real, owner, replacement, "root_collection"))
    for real, owner, replacement in [
        (_pymongo_grid_file.GridIn, _MimCollection, mim_gridfs.GridIn),
        (_pymongo_grid_file.GridOut, _MimCollection, mim_gridfs.GridOut),
        (_pymongo_async_grid_file.AsyncGridIn, _MimAsyncCollection, _MimAsyncGridIn),
        (_pymongo_async_grid_file.AsyncGridOut, _MimAsyncCollection, _MimAsyncGridOut),
    ]]
if _motor_asyncio is not None:
    _HOOKED_CLASSES += [
        (_motor_asyncio.AsyncIOMotorClient,
         _async_client_new(_motor_asyncio.AsyncIOMotorClient, _MimMotorClient)),
        (_motor_asyncio.AsyncIOMotorGridFSBucket,
         _new_given_mim(_motor_asyncio.AsyncIOMotorGridFSBucket, _MimAsyncDatabase,
                        _MimMotorGridFSBucket, "database")),
        (_motor_asyncio.AsyncIOMotorDatabase,
         _new_given_mim(_motor_asyncio.AsyncIOMotorDatabase, _MimAsyncMongoClient,
                        _MimMotorDatabase._motor_constructed, "client")),
        (_motor_asyncio.AsyncIOMotorCollection,
         _new_given_mim(_motor_asyncio.AsyncIOMotorCollection, _MimAsyncDatabase,
                        _MimMotorCollection._motor_constructed, "database")),
        (_motor_asyncio.AsyncIOMotorGridIn,
         _new_given_mim(_motor_asyncio.AsyncIOMotorGridIn, _MimAsyncCollection,
                        _MimMotorGridIn, "root_collection")),
        (_motor_asyncio.AsyncIOMotorGridOut,
         _new_given_mim(_motor_asyncio.AsyncIOMotorGridOut, _MimAsyncCollection,
                        _MimMotorGridOut, "root_collection")),
    ]
_ALIASES = [(pymongo, "MongoClient", _RealMongoClient, _PatchedMongoClient),
            (pymongo.mongo_client, "MongoClient", _RealMongoClient, _PatchedMongoClient),
            (pymongo.database, "Database", _RealDatabase, _PatchedDatabase),
            (pymongo.collection, "Collection", _RealCollection, _PatchedCollection),
            (pymongo, "AsyncMongoClient", _RealAsyncMongoClient, _PatchedAsyncMongoClient),
            (pymongo.asynchronous.mongo_client, "AsyncMongoClient", _RealAsyncMongoClient,
             _PatchedAsyncMongoClient)]
_saved_aliases: list[tuple[Any, str, Any, Any]] = []


_hooks_installed = False


def _sync_aliases() -> None:
    """Stand-ins under pymongo's public names while a patch that builds mim clients is
    active; pymongo's own classes otherwise (a ``driver=True`` patch keeps them)."""
    if any(not active._driver for active in _ACTIVE):
        _install()
    else:
        _uninstall()


def _install() -> None:
    global _hooks_installed
    if not _hooks_installed:
        for cls, _new in _HOOKED_CLASSES:
            if "__new__" in vars(cls):
                raise RuntimeError(f"{cls!r} already defines __new__; mim.patch cannot hook it")
        # The hooks stay once installed: with no patch active they do exactly what
        # object.__new__ did.  (CPython cannot take an assigned __new__ back: after
        # ``del cls.__new__`` the class still routes through the slot wrapper, and
        # object.__new__ then rejects the constructor's arguments.)
        for cls, new in _HOOKED_CLASSES:
            cls.__new__ = new  # type: ignore[method-assign]
        _hooks_installed = True
    if _saved_aliases:
        return
    for module, name, real, stand_in in _ALIASES:
        if getattr(module, name, None) is real:
            _saved_aliases.append((module, name, real, stand_in))
            setattr(module, name, stand_in)


def _uninstall() -> None:
    while _saved_aliases:
        module, name, original, stand_in = _saved_aliases.pop()
        if getattr(module, name, None) is stand_in:
            setattr(module, name, original)


def is_patched() -> bool:
    """Whether any :class:`patch` is active."""
    return bool(_ACTIVE)

