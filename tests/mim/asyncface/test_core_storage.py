"""Async twin of ``core/test_storage.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_storage")
