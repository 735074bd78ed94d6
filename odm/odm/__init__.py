"""``ming.odm``'s module names over :mod:`odm.orm`, where the mapper lives.

Code written for Ming imports ``ming.odm``, ``ming.odm.odmsession``,
``ming.odm.mapper``, ``ming.odm.property``, ``ming.odm.base`` ...; with
``ming`` renamed to ``odm`` those imports land here and get the very objects
:mod:`odm.orm` defines (nothing is copied or wrapped).
"""
from __future__ import annotations

# The submodules first: importing one later would rebind the package's
# ``mapper`` name (a function here, as in Ming) to the module.
from . import (  # noqa: F401
    base,
    declarative,
    icollection,
    identity_map,
    mapped_class,
    mapper as _mapper_module,
    middleware,
    odmsession,
    property as _property_module,
    unit_of_work,
    unitofwork,
)
from ..orm import *  # noqa: F401,F403,E402
from ..orm import __all__  # noqa: F401,E402
