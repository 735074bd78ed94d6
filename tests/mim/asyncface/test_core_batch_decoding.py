"""Async twin of ``core/test_batch_decoding.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_batch_decoding")
