"""The drop-in tests use pytest's ``pytester`` fixture to run the mim plugin.

``pytest_plugins = ["pytester"]`` is only allowed in a top-level conftest, and
this one is not when the whole suite runs, so the plugin is registered by hand
(pytest replays ``pytest_addoption`` and ``pytest_configure`` for it).
"""


def pytest_configure(config):
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
