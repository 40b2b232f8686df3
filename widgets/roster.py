"""The navigator's desk, kept importable from its old place: see ``widgets.desk``."""

from widgets.desk import NavigatorDesk

__all__ = ["NavigatorDesk"]
