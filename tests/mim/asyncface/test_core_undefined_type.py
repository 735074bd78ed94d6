"""Async twin of ``core/test_undefined_type.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_undefined_type")
