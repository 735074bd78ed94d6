"""mim: a pure-Python, in-memory MongoDB with pymongo's API.

>>> import mim
>>> client = mim.MongoClient()
>>> client.shop.items.insert_one({"name": "pen", "qty": 3}).acknowledged
True
"""

from __future__ import annotations

from .asynchronous import (AsyncChangeStream, AsyncClientSession, AsyncCollection, AsyncCommandCursor, AsyncCursor,
                           AsyncDatabase, AsyncMongoClient)
from .change_stream import ChangeStream
from .client import MongoClient, get_server, reset_all, servers
from .collection import Collection, ReturnDocument
from .cursor import CommandCursor, Cursor
from .database import Database
from .driver import driver_async_client, driver_client
from .engine.storage.store import Server
from .patching import patch
from .wire import serve

__version__ = "0.1.0"

__all__ = ["MongoClient", "Database", "Collection", "Cursor", "CommandCursor", "Server",
           "ChangeStream", "AsyncChangeStream", "AsyncMongoClient", "AsyncDatabase", "AsyncCollection", "AsyncCursor",
           "AsyncCommandCursor", "AsyncClientSession", "driver_client", "driver_async_client",
           "ReturnDocument", "get_server", "reset_all", "servers", "patch", "serve",
           "__version__"]
