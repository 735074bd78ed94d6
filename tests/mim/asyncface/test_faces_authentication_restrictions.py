"""Async twin of ``faces/test_authentication_restrictions.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "faces.test_authentication_restrictions")
