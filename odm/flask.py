"""The Flask extension (Flask-MongoAlchemy's place): ``odm.flask.ODM(app)`` or ``ODM().init_app(app)``.

Install with the ``flask`` extra.  Models use ``odm_ext.session`` (a
thread-local ODM session) as their ``__mongometa__.session``; each request
works in its own unit of work, flushed when the view returned a successful
response (status below 400) and cleared when the request ends, so an error
(raised, or answered with a 4xx/5xx) writes nothing.
``Model.query.get_or_404(id)`` and ``first_or_404()`` raise
:class:`odm.exc.NotFound`, answered here with Flask's 404.

Configuration keys (any other ``ODM_*`` key is refused):

``ODM_URL``
    a ``mim://`` or ``mongodb://`` URL (default ``mim:///test``);
``ODM_DATABASE``
    the database, when the URL names none;
``ODM_USERNAME`` / ``ODM_PASSWORD``
    credentials for the client.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Flask, Response
from werkzeug.exceptions import NotFound as HTTPNotFound

from .datastore import DataStore, create_datastore
from .exc import MingConfigError, NotFound
from .orm.session import ThreadLocalODMSession
from .session import Session

__all__ = ["ODM", "CONFIG_DEFAULTS"]

#: Every ``ODM_*`` key the extension reads, with its default.
CONFIG_DEFAULTS: dict[str, Any] = {
    "ODM_URL": "mim:///test",
    "ODM_DATABASE": None,
    "ODM_USERNAME": None,
    "ODM_PASSWORD": None,
}


class ODM:
    """Binds odm to a Flask application: one datastore, one unit of work per request."""

    def __init__(self, app: Optional[Flask] = None) -> None:
        self.doc_session = Session()
        #: The session models map onto; bound to the app's datastore by :meth:`init_app`.
        self.session = ThreadLocalODMSession(self.doc_session)
        self.datastore: Optional[DataStore] = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the app's ``ODM_*`` configuration, connect, and hook the request cycle."""
        unknown = sorted(k for k in app.config if k.startswith("ODM_") and k not in CONFIG_DEFAULTS)
        if unknown:
            raise MingConfigError(f"unknown odm configuration keys: {unknown}")
        config = {key: app.config.get(key, default) for key, default in CONFIG_DEFAULTS.items()}
        options: dict[str, Any] = {}
        if config["ODM_DATABASE"] is not None:
            options["database"] = config["ODM_DATABASE"]
        if config["ODM_USERNAME"] is not None or config["ODM_PASSWORD"] is not None:
            options["authenticate"] = dict(name=config["ODM_USERNAME"], password=config["ODM_PASSWORD"])
        self.datastore = create_datastore(config["ODM_URL"], **options)
        self.doc_session.bind = self.datastore
        app.extensions["odm"] = self
        app.after_request(self._flush_after_request)
        app.teardown_request(self._clear_after_request)
        app.register_error_handler(NotFound, self._not_found)

    def _flush_after_request(self, response: Response) -> Response:
        # in after_request, so a failed flush still turns into an error response
        if response.status_code < 400:
            self.session.flush()
        return response

    def _clear_after_request(self, error: Optional[BaseException]) -> None:
        self.session.close()

    @staticmethod
    def _not_found(error: NotFound) -> Any:
        return HTTPNotFound(str(error))
