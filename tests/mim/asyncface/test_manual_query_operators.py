"""Async twin of ``manual/test_query_operators.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "manual.test_query_operators")
