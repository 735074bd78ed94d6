"""Async twin of ``core/test_threads.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_threads")
