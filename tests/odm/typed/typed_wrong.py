from odm import schema
from odm.odm import FieldProperty, MappedClass


class Page(MappedClass):
    class __mongometa__:
        name = "page"

    _id = FieldProperty(schema.ObjectId)


page: Page = Page.query.get("x")
count: int = Page.query.find({}).first()
