"""Async twin of ``core/test_projection.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_projection")
