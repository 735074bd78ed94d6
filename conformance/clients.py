"""Client factories: mim by default, or any pymongo-compatible ``module:factory``.

A *factory* is a callable taking pymongo's ``MongoClient`` keyword arguments and
returning a client.  ``--conformance-client package.module:make_client`` (or the
environment variable ``MIM_CONFORMANCE_CLIENT``) names one, so other in-memory
MongoDBs can be compared with a real server the same way mim is.
"""

from __future__ import annotations

import functools
import importlib
import os
from typing import Any, Callable

__all__ = ["ClientFactory", "mim_factory", "load_factory", "CLIENT_ENV", "URI_ENV",
           "real_server_factory"]

ClientFactory = Callable[..., Any]
CLIENT_ENV = "MIM_CONFORMANCE_CLIENT"
URI_ENV = "MONGODB_URI"


def mim_factory() -> ClientFactory:
    """A factory of mim clients sharing one fresh, empty in-memory server."""
    import mim

    return functools.partial(mim.MongoClient, server=mim.Server())


def load_factory(spec: str) -> ClientFactory:
    """Import ``module:attribute`` (or ``module.attribute``) and return the factory."""
    module_name, sep, attribute = spec.partition(":")
    if not sep:
        module_name, _, attribute = spec.rpartition(".")
    if not module_name or not attribute:
        raise ValueError(f"expected 'module:factory', got {spec!r}")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{spec} is not callable")
    return target


def real_server_factory(uri: str | None = None) -> ClientFactory | None:
    """pymongo clients of ``$MONGODB_URI``, or ``None`` when it is not set."""
    uri = uri or os.environ.get(URI_ENV)
    if not uri:
        return None
    import pymongo

    return functools.partial(pymongo.MongoClient, uri)
