"""``wire/test_crud.py`` on the in-process driver transport (see ``twins.py``)."""
from asyncface.twin import twin

from . import twins

twin(globals(), "wire.test_crud", async_face=False)
globals().update(module_client=twins.module_client, logged=twins.logged)
