"""Async twin of ``indexes/test_management.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "indexes.test_management")
