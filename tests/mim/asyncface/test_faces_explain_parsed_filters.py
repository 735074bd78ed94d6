"""Async twin of ``faces/test_explain_parsed_filters.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "faces.test_explain_parsed_filters")
