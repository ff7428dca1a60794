"""Times: kept in UTC inside the store, shown in Beijing time (docs/record.md).

The store writes every timestamp as ISO 8601 in UTC with its offset (``+00:00``), which is
unambiguous whatever the machine's time zone. Everything shown to people — the command line,
the app, every workbook — is converted to the display zone: ``Asia/Shanghai`` unless the
environment variable ``ALLOCATOR_TZ`` names another IANA zone (``UTC``, ``Europe/Berlin``, …).
The machine's own ``TZ`` is deliberately not used: a server in another zone must still show the
planner's clock. ``tzdata`` is a dependency so the zone database exists on every platform.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from allocator.i18n import Text, text

#: Environment variable naming the display time zone.
ENV_VAR = "ALLOCATOR_TZ"
DEFAULT_ZONE = "Asia/Shanghai"


class ZoneError(ValueError):
    """``ALLOCATOR_TZ`` names no known time zone (the command line exits 2)."""

    def __init__(self, name: str):
        self.message: Text = text("clock.bad_zone", name=name, variable=ENV_VAR)
        super().__init__(self.message.en)


def zone_name() -> str:
    return os.environ.get(ENV_VAR, "").strip() or DEFAULT_ZONE


def zone() -> ZoneInfo:
    """The display zone; :class:`ZoneError` when ``ALLOCATOR_TZ`` names none."""
    name = zone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ZoneError(name) from None


def now_utc() -> str:
    """Now, as the store keeps it: ISO 8601 in UTC with its offset, whole seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def local(stamp: str) -> datetime | None:
    """A stored ISO 8601 time in the display zone; None when it is not a time with an offset."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(zone())


def shown(stamp: str) -> str:
    """A stored time as people read it: ``2026-12-03 15:04:05 +08:00`` (display zone).

    Text that is not a time with an offset is returned as it is.
    """
    moment = local(stamp)
    if moment is None:
        return stamp
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def iso_local(stamp: str) -> str:
    """A stored time as ISO 8601 in the display zone (``2026-12-03T15:04:05+08:00``): for
    audit sheets, exact and machine-readable; other text is returned as it is."""
    moment = local(stamp)
    return stamp if moment is None else moment.isoformat(timespec="seconds")
