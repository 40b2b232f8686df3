"""The navigator's desk for JupyterLab: roster table, records chart, new people's links, exports.

>>> from widgets.desk import NavigatorDesk
>>> desk = NavigatorDesk(dashboard_url="https://workbook.example.org/")  # doctest: +SKIP
"""

from widgets.desk.navigator_desk import NavigatorDesk

__all__ = ["NavigatorDesk"]
