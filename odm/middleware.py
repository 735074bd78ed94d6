"""``odm.middleware.ODMMiddleware``: flush and close thread-local ODM sessions around WSGI requests."""
from .odm.middleware import MingMiddleware, ODMMiddleware

__all__ = ["ODMMiddleware", "MingMiddleware"]
