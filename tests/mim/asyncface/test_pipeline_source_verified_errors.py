"""Async twin of ``pipeline/test_source_verified_errors.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "pipeline.test_source_verified_errors")
