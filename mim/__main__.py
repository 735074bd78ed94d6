"""``python -m mim serve …``: see :mod:`mim.wire.cli`."""

import sys

from .wire.cli import main

if __name__ == "__main__":
    sys.exit(main())
