"""Async twin of ``faces/test_geospatial.py`` (see ``twin.py``)."""
from .twin import twin

twin(globals(), "faces.test_geospatial")
