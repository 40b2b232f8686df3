"""Voilà's configuration file for the workbook dashboard (``dashboard_command`` points Voilà here).

Everything is set through Voilà's, Jupyter Server's and Tornado's public settings, in
``secondopinion.serving.configure_voila``; what can be said as text is on the command line.
"""

from secondopinion.serving.configuration import configure_voila

configure_voila(get_config())  # type: ignore[name-defined] # noqa: F821 (traitlets gives it)
