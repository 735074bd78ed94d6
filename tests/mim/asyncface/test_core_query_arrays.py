"""Async twin of ``core/test_query_arrays.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_query_arrays")
