"""Where Ming's documentation says mapped classes come from (``ming.odm.mapped_class.MappedClass``)."""
from ..orm.declarative import MappedClass, _MappedClassMeta

__all__ = ["MappedClass", "_MappedClassMeta"]
