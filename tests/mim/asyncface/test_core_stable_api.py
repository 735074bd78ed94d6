"""Async twin of ``core/test_stable_api.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_stable_api")
