"""``ming.odm.base``: object state and the session of an object."""
from ..orm.mapper import session
from ..orm.persistence import diff_documents
from ..orm.state import ObjectState, same_value, snapshot, state

__all__ = ["ObjectState", "state", "session", "diff_documents", "snapshot", "same_value"]
