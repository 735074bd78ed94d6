"""Async twin of ``faces/test_type_index_bounds.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "faces.test_type_index_bounds")
