"""Async twin of ``core/test_client_credentials.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_client_credentials")
