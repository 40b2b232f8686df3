"""Serving the patient dashboard: the Voilà launch, its configuration, and the kernel's visit.

``serve_dashboard`` starts Voilà with one notebook, this project's page template and its
configuration (``_launch``, ``configuration``); what it changes of Voilà and Jupyter Server is in
``_delivery`` and ``_kernels``, and every inner part of theirs it touches is named and checked at
start in ``_seams``. ``visit`` is the kernel side: what the page says about its visit (the
private link's secret, from the address's fragment) and the visitor's address. None of it
imports Jupyter widgets, and importing the package imports nothing of Voilà's server.
"""

from secondopinion.serving._launch import (
    DASHBOARD,
    REPO,
    dashboard_command,
    pool_size,
    serve_dashboard,
)
from secondopinion.serving.configuration import CONTENT_SECURITY_POLICY, configure_voila

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DASHBOARD",
    "REPO",
    "configure_voila",
    "dashboard_command",
    "pool_size",
    "serve_dashboard",
]
