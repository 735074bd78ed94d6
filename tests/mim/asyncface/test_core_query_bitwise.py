"""Async twin of ``core/test_query_bitwise.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_query_bitwise")
