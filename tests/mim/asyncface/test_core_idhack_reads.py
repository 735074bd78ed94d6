"""Async twin of ``core/test_idhack_reads.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "core.test_idhack_reads")
