from typing import Optional, assert_type

from odm import AsyncMappedClass, AsyncODMCursor, schema
from odm.orm.asynchronous import AsyncExpressionQuery, AsyncQuery
from odm.orm.expressions import KeysetPage, Pagination
from odm.odm import FieldProperty


class Note(AsyncMappedClass):
    class __mongometa__:
        name = "note"

    _id = FieldProperty(schema.ObjectId)
    title = FieldProperty(str)


async def queries() -> None:
    assert_type(Note.query, AsyncQuery[Note])
    assert_type(await Note.query.get("x"), Optional[Note])
    assert_type(await Note.query.get_or_404("x"), Note)
    assert_type(Note.query.find({}), AsyncODMCursor[Note])
    assert_type(Note.query.find({}).sort("title").limit(3), AsyncODMCursor[Note])
    assert_type(await Note.query.find({}).sort("title").all(), list[Note])
    assert_type(await Note.query.find({}).first(), Optional[Note])
    assert_type(await Note.query.find({}).count(), int)
    assert_type(Note.query.filter(Note.title == "x"), AsyncExpressionQuery[Note])
    assert_type(await Note.query.filter(Note.title == "x").one(), Note)
    assert_type(await Note.query.paginate(1, 10), Pagination[Note])
    assert_type((await Note.query.keyset(10)).items, list[Note])
    assert_type(await Note.query.count(), int)
    async for note in Note.query.find():
        assert_type(note, Note)
