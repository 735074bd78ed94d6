"""``odm.middleware.ODMMiddleware``: flush and close thread-local ODM sessions around WSGI requests."""
from .orm.middleware import MingMiddleware, ODMMiddleware

__all__ = ["ODMMiddleware", "MingMiddleware"]
