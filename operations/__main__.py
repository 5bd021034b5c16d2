"""``python -m operations``: the same as the ``lienthong`` script."""

import sys

from operations import main

sys.exit(main())
