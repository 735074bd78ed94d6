"""Async twin of ``core/test_validate_and_fsync.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_validate_and_fsync")
