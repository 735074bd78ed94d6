"""``ming.odm.unit_of_work``."""
from ..orm.unit_of_work import UnitOfWork

__all__ = ["UnitOfWork"]
