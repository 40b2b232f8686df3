"""``python -m secondopinion.serving ARGS``: Voilà with this project's template and settings."""

import sys

from secondopinion.serving._launch import run_voila

run_voila(sys.argv[1:])
