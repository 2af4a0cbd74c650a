"""Simulated time: a clock that only moves when told to, so every run prints the same AGE columns.

Also the one reader of timestamps (`parse_time`): what the API server accepts in a metav1.Time field is
what everything else here may rely on, so validation and the printers never disagree.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

START = datetime(2026, 1, 1, tzinfo=timezone.utc)

# RFC 3339 as the API server parses metav1.Time (Go's time.RFC3339): `T` and `Z` upper case, seconds
# required, any fraction of a second (kept to the microsecond), an offset of `Z` or `±hh:mm`.
_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})", re.ASCII)


def parse_time(text: str) -> datetime:
    """An RFC 3339 timestamp (`2026-01-02T03:04:05Z`, fraction and offset allowed) as an aware UTC
    datetime; ValueError, naming the text, for anything else (`20260101T000000Z`, a date alone...)."""
    m = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"{text!r} is not an RFC 3339 timestamp like 2026-01-01T00:00:00Z")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    zone = m.group(8)
    offset = timedelta(0) if zone == "Z" else \
        (1 if zone[0] == "+" else -1) * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    if offset >= timedelta(hours=24):
        raise ValueError(f"{text!r} is not an RFC 3339 timestamp: offset {zone} out of range")
    try:
        moment = datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset))
    except ValueError as exc:  # month 13, hour 24, February 30...
        raise ValueError(f"{text!r} is not an RFC 3339 timestamp: {exc}") from None
    return moment.astimezone(timezone.utc)


class Clock:
    def __init__(self, start: datetime = START):
        if start.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware start instant")
        self.now = start.astimezone(timezone.utc)

    def tick(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError(f"time only moves forward: tick({seconds})")
        self.now = self.now + timedelta(seconds=seconds)
        return self.now
