"""Evidence that mim behaves like MongoDB, from sources nobody on the project wrote.

* :mod:`conformance.unified` runs MongoDB's unified-format specification tests
  (read from ``$MIM_CONFORMANCE_DATA``, default ``../shared/conformance-data``).
* :mod:`conformance.strategies` holds public hypothesis strategies for BSON values,
  documents, filters, updates, projections and pipelines.
* ``test_properties.py`` checks invariants MongoDB guarantees; ``test_differential.py``
  compares mim with a real server (``MONGODB_URI``) or any client factory.
"""
