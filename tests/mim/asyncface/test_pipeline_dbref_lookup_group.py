"""Async twin of ``pipeline/test_dbref_lookup_group.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "pipeline.test_dbref_lookup_group")
