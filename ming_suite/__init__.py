"""Ming's own test suite, run against odm + mim (``pytest --ming``).

See ``ming_suite/conftest.py`` for how the suite is fetched, aliased and counted.
"""
