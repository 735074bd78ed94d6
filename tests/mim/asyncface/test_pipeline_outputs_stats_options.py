"""Async twin of ``pipeline/test_outputs_stats_options.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "pipeline.test_outputs_stats_options")
