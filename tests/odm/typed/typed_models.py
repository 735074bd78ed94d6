from typing import Optional, assert_type

from odm import schema
from odm.orm.expressions import ExpressionQuery, KeysetPage, Pagination
from odm.orm.loading import ODMCursor
from odm.orm.mapper import Query
from odm.odm import FieldProperty, MappedClass


class Page(MappedClass):
    class __mongometa__:
        name = "page"

    _id = FieldProperty(schema.ObjectId)
    title = FieldProperty(str)


assert_type(Page.query, Query[Page])
assert_type(Page.query.get("x"), Optional[Page])
assert_type(Page.query.find({}), ODMCursor[Page])
assert_type(Page.query.find({}).first(), Optional[Page])
assert_type(Page.query.find({}).sort("title").all(), list[Page])
assert_type(Page.query.filter(Page.title == "x"), ExpressionQuery[Page])
assert_type(Page.query.filter(Page.title == "x").one(), Page)
assert_type(Page.query.paginate(1, 10), Pagination[Page])
assert_type(Page.query.keyset(10).items, list[Page])
assert_type(Page.query.find().paginate().items, list[Page])
