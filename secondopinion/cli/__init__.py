"""The command line, ``python -m secondopinion COMMAND``: content checks, plans, the roster.

``main(argv)`` runs one command and returns its exit code, so tests can call it in-process.
"""

from secondopinion.cli._main import main

__all__ = ["main"]
