"""``ming.odm.odmsession``: the ODM sessions, their cursor and extension hooks (they live in :mod:`odm.orm.session`)."""
from ..orm.events import SessionExtension
from ..orm.loading import ODMCursor
from ..orm.session import ContextualODMSession, ODMSession, ThreadLocalODMSession

__all__ = ["ODMSession", "ThreadLocalODMSession", "ContextualODMSession", "ODMCursor", "SessionExtension"]
