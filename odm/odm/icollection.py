"""``ming.odm.icollection``: instrumented lists and dicts."""
from ..orm.icollection import InstrumentedList, InstrumentedObj, deinstrument, instrument

__all__ = ["InstrumentedObj", "InstrumentedList", "instrument", "deinstrument"]
