"""``ming.odm.property``: the mapped-class properties."""
from ..orm.property import (
    AmbiguousJoin,
    FieldProperty,
    FieldPropertyWithMissingNone,
    ForeignIdProperty,
    NoJoin,
    ORMError,
    ORMProperty,
    RelationProperty,
)

__all__ = ["ORMError", "NoJoin", "AmbiguousJoin", "ORMProperty", "FieldProperty", "FieldPropertyWithMissingNone",
           "ForeignIdProperty", "RelationProperty"]
