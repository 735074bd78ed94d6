"""Where Ming users import the declarative base from (``ming.declarative.Document``).

The class itself lives in :mod:`odm.metadata`, shared with :func:`odm.collection`.
"""
from .metadata import Document, _DocumentMeta

__all__ = ["Document", "_DocumentMeta"]
