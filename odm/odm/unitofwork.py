"""The unit of work under the module name this package used before :mod:`odm.orm`."""
from ..orm.unit_of_work import UnitOfWork

__all__ = ["UnitOfWork"]
