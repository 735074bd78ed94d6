"""``ming.odm.mapper``: the mapper, its extension hooks and the class-level query."""
from ..orm.events import MapperExtension
from ..orm.mapper import InstanceQuery, Mapper, Query, _ClassQuery, _InstQuery, mapper, resolve_class

__all__ = ["Mapper", "MapperExtension", "mapper", "Query", "InstanceQuery", "resolve_class", "_ClassQuery", "_InstQuery"]
