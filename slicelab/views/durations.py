"""The AGE column: how old an object looks to kubectl.

kubectl prints ages with apimachinery's `duration.HumanDuration`, which drops precision as ages grow
(`90s`, `2m30s`, `45m`, `5h30m`, `3d4h`, `400d`, `2y30d`). Reproducing it exactly lets a lesson show
the same strings a real cluster prints.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from slicelab.clock import parse_time

__all__ = ["human_duration", "parse_timestamp", "age"]


def human_duration(d: timedelta) -> str:
    """Format a duration the way kubectl's AGE column does (apimachinery HumanDuration)."""
    seconds = int(d.total_seconds())  # truncates toward zero, like Go's int(d.Seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = d // timedelta(minutes=1)
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = d // timedelta(hours=1)
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def parse_timestamp(value: str | datetime) -> datetime:
    """A datetime as is (naive ones taken as UTC), text as the API server reads it (`clock.parse_time`)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return parse_time(value)


def age(creation_timestamp: str | datetime | None, now: datetime) -> str:
    """The AGE cell of an object: `<unknown>` without a creationTimestamp, else its human duration."""
    if not creation_timestamp:
        return "<unknown>"
    return human_duration(now - parse_timestamp(creation_timestamp))
