"""Async twin of ``pipeline/test_pipeline_stages.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "pipeline.test_pipeline_stages")
