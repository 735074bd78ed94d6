"""``ming.odm.middleware``."""
from ..orm.middleware import MingMiddleware, ODMMiddleware

__all__ = ["ODMMiddleware", "MingMiddleware"]
