"""Serving the patient dashboard: the Voilà launch, and a pre-heated kernel's wait for its visit.

``serve_dashboard`` starts Voilà with one notebook, this project's page template and its safety
settings (``_launch``). ``visit`` is the kernel side: a pre-heated dashboard kernel waits there
for Voilà to hand it a visit (its address, with the private link), and works out the address
people open the page at. Neither imports Jupyter widgets.
"""

from secondopinion.serving._launch import (
    CONTENT_SECURITY_POLICY,
    DASHBOARD,
    REPO,
    dashboard_command,
    pool_size,
    serve_dashboard,
)

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DASHBOARD",
    "REPO",
    "dashboard_command",
    "pool_size",
    "serve_dashboard",
]
