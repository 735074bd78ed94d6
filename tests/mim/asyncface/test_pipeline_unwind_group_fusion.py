"""Async twin of ``pipeline/test_unwind_group_fusion.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "pipeline.test_unwind_group_fusion")
