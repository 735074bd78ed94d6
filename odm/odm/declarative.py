"""``ming.odm.declarative``: the declarative base class."""
from ..orm.declarative import MappedClass, _MappedClassMeta

__all__ = ["MappedClass", "_MappedClassMeta"]
