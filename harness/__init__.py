"""What the tests and the benchmarks both use to drive the real thing (never the product).

``harness.dashboard``: the Voilà dashboard server started as `make dashboard` starts it, and
Chromium's settings; ``harness.pages``: helpers to drive its page; ``harness.postgres``: a
throw-away PostgreSQL server. Nothing in ``secondopinion``, ``widgets`` or ``hub`` imports it.
"""
