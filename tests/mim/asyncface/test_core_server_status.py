"""Async twin of ``core/test_server_status.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_server_status")
