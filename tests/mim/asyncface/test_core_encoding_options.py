"""Async twin of ``core/test_encoding_options.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_encoding_options")
