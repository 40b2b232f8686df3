"""``python -m secondopinion``: see secondopinion.cli."""

import sys

from secondopinion.cli import main

sys.exit(main())
