"""``python -m shared.cli``: the same as the ``lienthong`` script."""

import sys

from shared.cli import main

sys.exit(main())
