"""Late work: a due date and a late policy, the same for the kit and for plain nbgrader.

The policy is an nbgrader late-penalty plug-in (``LateSubmissionPlugin``), configured in the course's
``nbgrader_config.py`` the way nbgrader configures its own::

    c.AssignLatePenalties.plugin_class = "autograder.late.LatePenalty"
    c.LatePenalty.due_dates = {"ps1-the-flow": "2026-10-05 23:59:00 Europe/Berlin"}
    c.LatePenalty.grace_minutes = 15      # a submission up to 15 minutes late is on time
    c.LatePenalty.per_day = 0.10          # then 10% of the score per day, a started day counting whole
    c.LatePenalty.max_penalty = 0.50      # never more than half the score

so ``nbgrader autograde`` applies it too (nbgrader calls ``late_submission_penalty`` per notebook;
the penalty is a fraction of the score, so per notebook or per assignment comes to the same). A due
date set in the Formgrader (nbgrader's gradebook) counts where the configuration names none; a
student's extension in the gradebook moves their due date.

When a submission was made comes from the export: nbgrader's ``timestamp.txt`` (with its time zone),
else the newest zip member's time (the LMS's clock, read in ``export_timezone``). A Canvas export
says itself whether a submission was late (``_LATE_`` in the name, judged against the student's own
due date in Canvas): Canvas decides *whether*, the time *by how much*; late by Canvas with no usable
time counts as one day. With no due date configured nothing is taken, whatever the export says: the
record keeps ``late`` and the penalty stays 0 until the course names the due date.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Optional

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Dict, Enum, Float, Unicode

DAY = 86400.0


class LatePenalty(LateSubmissionPlugin):
    """A grace period, a penalty per day late (a fraction of the score) and a cap."""

    penalty_method = Enum(("none", "zero", "per_day"), default_value="per_day",
                          help="'none': no penalty; 'zero': the whole score once late past the grace period; "
                               "'per_day': per_day of the score for each day (or part of one) late, at most "
                               "max_penalty").tag(config=True)
    grace_minutes = Float(0.0, min=0.0, help="minutes after the due date that still count as on time").tag(config=True)
    per_day = Float(0.0, min=0.0, max=1.0, help="fraction of the score taken per day late").tag(config=True)
    max_penalty = Float(1.0, min=0.0, max=1.0, help="the most that is taken, as a fraction of the score").tag(config=True)
    due_dates = Dict(value_trait=Unicode(), default_value={},
                     help="assignment -> due date, e.g. '2026-10-05 23:59:00 Europe/Berlin' (no zone: UTC)"
                     ).tag(config=True)
    export_timezone = Unicode("UTC", help="the time zone of the LMS's clock in its export zips").tag(config=True)

    def days_late(self, seconds_late: float) -> int:
        """Whole days late, a started day counting whole; 0 within the grace period."""
        if seconds_late <= self.grace_minutes * 60:
            return 0
        return math.ceil(seconds_late / DAY)

    def fraction(self, seconds_late: float) -> float:
        """The share of the score taken for being ``seconds_late`` late."""
        days = self.days_late(seconds_late)
        if days == 0 or self.penalty_method == "none":
            return 0.0
        if self.penalty_method == "zero":
            return 1.0
        return min(self.max_penalty, self.per_day * days)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> Optional[float]:
        """nbgrader's hook: the points taken from one notebook's score."""
        taken = self.fraction(total_seconds_late)
        return round(score * taken, 4) if taken else None

    def due_date(self, assignment: str) -> datetime | None:
        """The configured due date of ``assignment`` in UTC (naive, as nbgrader keeps it), or None."""
        text = self.due_dates.get(assignment)
        if not text:
            return None
        from nbgrader.utils import parse_utc
        try:
            return parse_utc(text)
        except (ValueError, OverflowError, TypeError) as err:
            raise ValueError(f"c.LatePenalty.due_dates[{assignment!r}] = {text!r} is not a date: {err}") from None

    def export_time(self, text: str) -> datetime | None:
        """A zip member's time (the LMS's clock, no zone) in UTC."""
        from dateutil import tz
        try:
            local = datetime.fromisoformat(text)
        except ValueError:
            return None
        zone = tz.gettz(self.export_timezone) or timezone.utc
        return local.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def submission_time(record: dict, policy: LatePenalty) -> tuple[datetime | None, str]:
    """When the record's submission was made (UTC, naive) and where that comes from."""
    text, source = record.get("submitted_at") or "", record.get("submitted_from") or ""
    if not text:
        return None, ""
    if source == "timestamp.txt":
        from nbgrader.utils import parse_utc
        try:
            return parse_utc(text), "nbgrader's timestamp.txt"
        except (ValueError, OverflowError, TypeError):
            return None, ""
    if source == "zip member time":
        return policy.export_time(text), f"the export's clock ({policy.export_timezone})"
    return None, ""


def lateness(record: dict, due: datetime | None, policy: LatePenalty) -> tuple[float | None, str]:
    """Seconds late (None: cannot say) and why, for one record against its (extended) due date."""
    if record.get("late") is False:
        return 0.0, "on time (Canvas)"
    when, basis = submission_time(record, policy)
    seconds = max(0.0, (when - due).total_seconds()) if when is not None and due is not None else None
    if due is None:  # no policy to apply: late or not, nothing is taken until the course names a due date
        return None, "Canvas marked it late; no due date is configured, so no penalty" if record.get("late") \
            else "no due date"
    if record.get("late") is True:
        if seconds:
            return seconds, f"Canvas marked it late; by how much: {basis}"
        return DAY, "Canvas marked it late; the export does not say by how much: counted as one day"
    if seconds is None:
        return None, "no submission time in the export"
    return seconds, basis


def extended(due: datetime | None, extension: timedelta | None) -> datetime | None:
    return due + extension if due is not None and extension else due
