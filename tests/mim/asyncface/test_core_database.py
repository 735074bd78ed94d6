"""Async twin of ``core/test_database.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_database")
