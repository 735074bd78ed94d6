"""Async twin of ``pipeline/test_bucket_auto_graph_lookup.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "pipeline.test_bucket_auto_graph_lookup")
