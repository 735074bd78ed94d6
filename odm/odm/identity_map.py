"""``ming.odm.identity_map``."""
from ..orm.identity_map import IdentityMap

__all__ = ["IdentityMap"]
