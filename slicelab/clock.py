"""Simulated time: a clock that only moves when told to, so every run prints the same AGE columns."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


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
