"""Where Voilà reads its configuration file (``voila.py``; see ``serving.configuration``)."""
