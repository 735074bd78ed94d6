"""Async twin of ``core/test_values.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_values")
