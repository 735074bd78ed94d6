"""Async twin of ``pipeline/test_dbref_paths.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "pipeline.test_dbref_paths")
