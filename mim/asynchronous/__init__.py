"""mim's async face: pymongo's asynchronous API (``pymongo.asynchronous``) on the
same in-process engine as :class:`mim.MongoClient`.

>>> import asyncio, mim
>>> async def main():
...     async with mim.AsyncMongoClient(server=mim.Server()) as client:
...         await client.shop.items.insert_one({"_id": 1, "qty": 3})
...         return await client.shop.items.find({}).to_list()
>>> asyncio.run(main())
[{'_id': 1, 'qty': 3}]

Every async object wraps the sync object of the same role and delegates to it
(:mod:`mim.asynchronous.facade` says how), so the two faces cannot disagree.
"""

from __future__ import annotations

from .change_stream import AsyncChangeStream
from .client import AsyncMongoClient
from .collection import AsyncCollection
from .cursor import AsyncCommandCursor, AsyncCursor
from .database import AsyncDatabase
from .motor import (AsyncIOMotorChangeStream, AsyncIOMotorClient, AsyncIOMotorClientSession,
                    AsyncIOMotorCollection, AsyncIOMotorCommandCursor, AsyncIOMotorCursor,
                    AsyncIOMotorDatabase, AsyncIOMotorGridFSBucket, AsyncIOMotorGridIn,
                    AsyncIOMotorGridOut, AsyncIOMotorGridOutCursor,
                    AsyncIOMotorLatentCommandCursor)
from .session import AsyncClientSession

__all__ = ["AsyncChangeStream", "AsyncMongoClient", "AsyncDatabase", "AsyncCollection", "AsyncCursor",
           "AsyncCommandCursor", "AsyncClientSession", "AsyncIOMotorClient",
           "AsyncIOMotorDatabase", "AsyncIOMotorCollection", "AsyncIOMotorCursor",
           "AsyncIOMotorCommandCursor", "AsyncIOMotorClientSession",
           "AsyncIOMotorLatentCommandCursor", "AsyncIOMotorChangeStream",
           "AsyncIOMotorGridFSBucket", "AsyncIOMotorGridIn", "AsyncIOMotorGridOut",
           "AsyncIOMotorGridOutCursor"]
