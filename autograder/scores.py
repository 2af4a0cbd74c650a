"""A student's grade, all told: autograded points, points a person entered, and the late penalty.

The result records hold what the sandbox earned. What else decides a grade lives elsewhere and may
change after grading: points a grader enters in the Formgrader (nbgrader's gradebook: a written
answer's score, an override of an autograded cell, extra credit), a student's extension, the due date
and the late policy (the course's configuration, ``autograder.late``). ``Marking`` gathers those once;
``standing`` combines them with a record, so grades.csv, the report, feedback and every LMS export
say the same thing, and say it anew whenever they are rebuilt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from autograder.late import LatePenalty, extended, lateness
from autograder.spec import AssignmentSpec


@dataclass
class Marking:
    """What decides grades beside the records: hand grades, extensions, the due date and the policy."""

    policy: LatePenalty = field(default_factory=LatePenalty)
    penalty_plugin: object = None  # nbgrader's configured late-penalty plug-in (default: ``policy``)
    due: datetime | None = None
    # student -> (notebook, grade_id) -> (manual_score, auto_score, extra_credit), as nbgrader's gradebook has them
    hand: dict[str, dict[tuple[str, str], tuple[float | None, float | None, float]]] = field(default_factory=dict)
    extensions: dict[str, timedelta] = field(default_factory=dict)

    def penalty(self, student_id: str, raw: float, seconds_late: float | None) -> float:
        """Points taken for lateness, as nbgrader's plug-in computes them (never below 0 or above ``raw``)."""
        if not seconds_late or raw <= 0:
            return 0.0
        plugin = self.penalty_plugin or self.policy
        taken = plugin.late_submission_penalty(student_id, raw, seconds_late)
        return round(min(max(float(taken or 0.0), 0.0), raw), 4)


def marking_of(course: Path, spec: AssignmentSpec, gradebook: bool = True) -> Marking:
    """The course's late policy and due date, and (``gradebook``) what people entered in nbgrader's gradebook."""
    from autograder.gradebook import hand_marks, late_policy
    policy, plugin = late_policy(course)
    marking = Marking(policy=policy, penalty_plugin=plugin)
    due = policy.due_date(spec.name)
    if gradebook:
        marking.hand, marking.extensions, gradebook_due = hand_marks(course, spec.name)
        due = due or gradebook_due
    marking.due = due
    return marking


@dataclass
class Standing:
    """One student's grade: every cell's points, what is still to be graded by hand, raw and final score."""

    record: dict
    points: dict[tuple[str, str], float | None]  # (notebook, grade_id) -> points; None: not graded yet
    pending: list[str]  # hand-graded cells nobody has graded yet
    raw: float
    seconds_late: float | None
    late_basis: str
    days_late: int
    penalty: float
    max_score: float

    @property
    def score(self) -> float:
        return round(self.raw - self.penalty, 4)



def standing(spec: AssignmentSpec, record: dict, marking: Marking) -> Standing:
    """The grade of one record: a person's score wins over the autograder's (as in nbgrader), extra credit
    adds, hand-graded cells nobody graded yet count 0 and are listed, and the late penalty is taken
    from the whole."""
    entered = marking.hand.get(record["student_id"], {})
    earned = {(nb["name"], cell["grade_id"]): cell["points"] for nb in record["notebooks"] for cell in nb["cells"]}
    points: dict[tuple[str, str], float | None] = {}
    for nb, grade_id, _ in spec.questions():
        manual, _auto, extra = entered.get((nb, grade_id), (None, None, 0.0))
        points[(nb, grade_id)] = (manual if manual is not None else earned.get((nb, grade_id), 0.0)) + extra
    pending = []
    for nb, grade_id, _ in spec.hand_graded():
        manual, auto, extra = entered.get((nb, grade_id), (None, None, 0.0))
        given = manual if manual is not None else auto  # auto: nbgrader's 0 for an answer left as released
        points[(nb, grade_id)] = None if given is None else given + extra
        if given is None and _handed_in(record, nb):
            pending.append(grade_id if len(spec.notebooks) == 1 else f"{nb}:{grade_id}")
    raw = round(sum(value or 0.0 for value in points.values()), 4)
    due = extended(marking.due, marking.extensions.get(record["student_id"]))
    seconds, basis = lateness(record, due, marking.policy)
    return Standing(record, points, pending, raw, seconds, basis,
                    marking.policy.days_late(seconds) if seconds else 0,
                    marking.penalty(record["student_id"], raw, seconds), spec.points_possible)


def _handed_in(record: dict, notebook: str) -> bool:
    """Whether the student handed in the notebook (without it there is nothing to grade by hand)."""
    return any(nb["name"] == notebook and nb.get("file") for nb in record["notebooks"])


def standings(spec: AssignmentSpec, records: list[dict], marking: Marking) -> list[Standing]:
    return [standing(spec, record, marking) for record in sorted(records, key=lambda r: r["student_id"])]


def number(value: float | None) -> str:
    """Points as people write them: 6, 6.5, 0.35 (no float noise); '' for none."""
    if value is None:
        return ""
    value = round(float(value), 4)
    return str(int(value)) if value.is_integer() else f"{value:g}"
