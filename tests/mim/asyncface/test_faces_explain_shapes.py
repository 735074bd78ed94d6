"""Async twin of ``faces/test_explain_shapes.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "faces.test_explain_shapes")
