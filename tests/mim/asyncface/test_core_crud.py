"""Async twin of ``core/test_crud.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_crud", skip={
    "test_eq_hash_repr": "pymongo's async reprs say AsyncCollection(AsyncDatabase(...)); "
                         "asserted in test_async_face.py",
})
