"""Async twin of ``pipeline/test_windows_densify_fill.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "pipeline.test_windows_densify_fill")
