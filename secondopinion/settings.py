"""Every ``SECOND_OPINION_*`` setting: its name, default and meaning, read in this one place.

The settings are environment variables, so that ``make dashboard``, a service manager, a
container or JupyterHub can set them the same way. Each is read when it is needed (a test or a
host may change it between two reads), and a value that does not fit is refused with a message
that names the setting. ``SETTINGS`` lists them all, in the order the README shows them.

>>> [setting.name for setting in SETTINGS][:2]
['SECOND_OPINION_DATA', 'SECOND_OPINION_DB_URL']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its environment variable, its default as people read it, what it does."""

    name: str
    default: str
    help: str

    def raw(self) -> str:
        """The value as set, stripped ('' when not set)."""
        return os.environ.get(self.name, "").strip()


DATA: Final = Setting(
    "SECOND_OPINION_DATA",
    "data/ in the project",
    "The folder of the workbook database (SQLite) and its backups.",
)
DB_URL: Final = Setting(
    "SECOND_OPINION_DB_URL",
    "(none: SQLite in the data folder)",
    "A database URL for the store, such as postgresql+psycopg://user@host/db.",
)
PUBLIC_URL: Final = Setting(
    "SECOND_OPINION_PUBLIC_URL",
    "(none: the address the page was opened at)",
    "The dashboard's address as people open it, behind a proxy or hub: private links use it.",
)
DASHBOARD_URL: Final = Setting(
    "SECOND_OPINION_DASHBOARD_URL",
    "(set by make lab and the hub)",
    "The dashboard's address, for the links the navigator desk makes when no public one is set.",
)
EXPORTS: Final = Setting(
    "SECOND_OPINION_EXPORTS",
    "exports/ next to the notebook",
    "Where the navigators' and the lead's notebooks save their CSV files.",
)
POOL_SIZE: Final = Setting(
    "SECOND_OPINION_POOL_SIZE",
    "2",
    "Dashboard kernels kept started and waiting for the next visits (0: none).",
)
MAX_KERNELS: Final = Setting(
    "SECOND_OPINION_MAX_KERNELS",
    "30",
    "Dashboard kernels at most, in all (each open page holds one).",
)
KERNELS_PER_ADDRESS: Final = Setting(
    "SECOND_OPINION_KERNELS_PER_ADDRESS",
    "8",
    "Dashboard kernels at most for the visits from one network address.",
)
PAUSE_AFTER_IDLE: Final = Setting(
    "SECOND_OPINION_PAUSE_AFTER_IDLE",
    "20",
    "Seconds a page must have been left alone before it may be paused to make room.",
)
ROOM_WAIT: Final = Setting(
    "SECOND_OPINION_ROOM_WAIT",
    "45",
    "Seconds a visit waits for room before it gets the busy page (0: at once).",
)
TRUSTED_PROXIES: Final = Setting(
    "SECOND_OPINION_TRUSTED_PROXIES",
    "(none)",
    "Addresses or networks of proxies whose X-Forwarded-For is believed (spaces or commas).",
)
NEW_WORKBOOKS_PER_HOUR: Final = Setting(
    "SECOND_OPINION_NEW_WORKBOOKS_PER_HOUR",
    "30",
    "New workbooks one network address may start in an hour.",
)
MAX_STORE_MB: Final = Setting(
    "SECOND_OPINION_MAX_STORE_MB",
    "4096",
    "The most the workbook database may hold, in MB; past it no new workbook starts.",
)
HOLIDAYS: Final = Setting(
    "SECOND_OPINION_HOLIDAYS",
    "US",
    "The country (and part of it, e.g. US-CA) whose public holidays the timeline skips.",
)
COMPRESS: Final = Setting(
    "SECOND_OPINION_COMPRESS",
    "1",
    "0 when a proxy in front already compresses: the dashboard then sends files as they are.",
)
LOG_FILE: Final = Setting(
    "SECOND_OPINION_LOG_FILE",
    "(none: the server's own output)",
    "Where `serve` writes the server's log (created readable by its account only).",
)
VISITOR: Final = Setting(
    "SECOND_OPINION_VISITOR",
    "(set by the server)",
    "Set by the dashboard server in a kernel: the network address of the visit it serves.",
)

SETTINGS: Final = (
    DATA,
    DB_URL,
    PUBLIC_URL,
    DASHBOARD_URL,
    EXPORTS,
    POOL_SIZE,
    MAX_KERNELS,
    KERNELS_PER_ADDRESS,
    PAUSE_AFTER_IDLE,
    ROOM_WAIT,
    TRUSTED_PROXIES,
    NEW_WORKBOOKS_PER_HOUR,
    MAX_STORE_MB,
    HOLIDAYS,
    COMPRESS,
    LOG_FILE,
    VISITOR,
)
"""Every setting, in the order the README lists them."""


def text(setting: Setting) -> str | None:
    """The setting's text, or None when it is not set."""
    return setting.raw() or None


def whole_number(setting: Setting, default: int, *, smallest: int) -> int:
    """The setting as a whole number (``default`` when not set), raised to ``smallest``."""
    value = setting.raw()
    if not value:
        return default
    try:
        return max(int(value), smallest)
    except ValueError:
        raise ValueError(f"{setting.name} must be a whole number, not {value!r}") from None


def positive_number(setting: Setting, default: int) -> int:
    """The setting as a whole number of at least 1 (``default`` when not set); else refused."""
    value = setting.raw()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"{setting.name} must be a whole number of at least 1, not {value!r}.")
    return number


def switch(setting: Setting, default: bool) -> bool:
    """The setting as on or off: 1/true/yes/on or 0/false/no/off (``default`` when not set)."""
    value = setting.raw().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{setting.name} must be 1 (on) or 0 (off), not {setting.raw()!r}")


def foreign(name: str) -> str:
    """A variable another program owns (such as Jupyter's ``JUPYTER_PATH``), '' when not set.

    Read here too, so that this module stays the one place the environment is read.
    """
    return os.environ.get(name, "")


def compress() -> bool:
    """Whether the dashboard compresses what it sends (off when a proxy in front does)."""
    return switch(COMPRESS, True)
