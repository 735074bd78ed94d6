"""Async twin of ``views/test_views.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "views.test_views")
