"""What graders and students read: grades.csv, feedback pages, and per-question statistics.

All of them are built from ``autograder.scores`` standings: the autograder's points, the points a
person entered in the Formgrader and the late penalty. Feedback shows each check's name, whether it
passed, and the message (the student's own answer and the hint) — never a test's source, never an
expected value.
"""
from __future__ import annotations

import csv
import html
import io
import statistics
from collections import Counter
from pathlib import Path

from autograder.inert import csv_cell, printable
from autograder.records import write_atomically
from autograder.scores import Standing, number
from autograder.spec import AssignmentSpec


def question_labels(spec: AssignmentSpec) -> list[tuple[str, str, str]]:
    """(column label, notebook, grade_id) per graded cell — autograded, then graded by hand; labels are
    grade_ids when unique."""
    cells = [*spec.questions(), *spec.hand_graded()]
    ids = [grade_id for _, grade_id, _ in cells]
    return [(grade_id if ids.count(grade_id) == 1 else f"{nb}:{grade_id}", nb, grade_id) for nb, grade_id, _ in cells]


GRADES_COLUMNS = ["student_id", "name", "lms_id", "late", "assignment", "score", "max_score", "problem"]
# after the one column per graded cell, so the columns issue 10 fixed keep their places
LATE_AND_HAND_COLUMNS = ["raw_score", "late_penalty", "days_late", "submitted_at", "to_grade_by_hand"]


def write_grades(spec: AssignmentSpec, standings: list[Standing], path: Path) -> Path:
    """One row per student: who (id, the LMS's name and id, late), the score after any late penalty and any
    problem, one column per graded cell (blank: not graded by hand yet), then the raw score, the penalty,
    days late, the submission time and what is still to be graded by hand. Every cell is inert in a
    spreadsheet (``inert.csv_cell``)."""
    labels = question_labels(spec)
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    writer.writerow([csv_cell(name) for name in [*GRADES_COLUMNS, *[label for label, _, _ in labels],
                                                 *LATE_AND_HAND_COLUMNS]])
    for one in standings:
        record = one.record
        late = {True: "yes", False: "no"}.get(record.get("late"), "")
        writer.writerow([csv_cell(cell) for cell in [
            record["student_id"], record.get("name", ""), record.get("lms_id", ""), late, spec.name,
            number(one.score), number(one.max_score), record.get("problem", ""),
            *[number(one.points.get((nb, gid))) for _, nb, gid in labels],
            number(one.raw), number(one.penalty), one.days_late or "", record.get("submitted_at", ""),
            " ".join(one.pending)]])
    return write_atomically(path, stream.getvalue())


def feedback_html(one: Standing, spec: AssignmentSpec | None = None) -> dict[str, str]:
    """A small self-contained HTML page per notebook: each test cell and check, the points given by hand,
    the late penalty, and the score."""
    record = one.record
    hand = {(nb, gid): pts for nb, gid, pts in (spec.hand_graded() if spec else [])}
    pages = {}
    for nb in record["notebooks"]:
        cells = [(cell["grade_id"], one.points.get((nb["name"], cell["grade_id"]), cell["points"]),
                  cell["max_points"], cell) for cell in nb["cells"]]
        cells += [(gid, one.points.get((name, gid)), pts, None) for (name, gid), pts in hand.items() if name == nb["name"]]
        score = sum(points or 0.0 for _, points, _, _ in cells)
        total = sum(maximum for _, _, maximum, _ in cells)
        parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(nb['name'])} feedback</title>"
                 "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}.pass{color:#176117}"
                 ".fail{color:#a11}li{margin:.3em 0}</style></head><body>",
                 f"<h1>{_e(record['assignment'])} / {_e(nb['name'])}</h1>",
                 f"<p>Student: {_e(record.get('name') or record['student_id'])} — score <b>{number(score)} / "
                 f"{number(total)}</b></p>"]
        if one.penalty:
            parts.append(f"<p class='fail'>Late by {one.days_late} day(s) ({_e(one.late_basis)}): the late penalty of "
                         f"{number(one.penalty)} point(s) is taken from the assignment's total: "
                         f"{number(one.raw)} → <b>{number(one.score)} / {number(one.max_score)}</b>.</p>")
        if nb["problem"]:
            parts.append(f"<p class='fail'>Problem: {_e(nb['problem'])}</p>")
        for grade_id, points, maximum, cell in cells:
            status = "pass" if points == maximum else "fail"
            shown = "not graded yet" if points is None else f"{number(points)} / {number(maximum)}"
            parts.append(f"<h2 class='{status}'>{_e(grade_id)}: {shown}</h2><ul>")
            if cell is None:
                parts.append("<li>graded by hand</li>")
            for check in (cell or {}).get("checks", []):
                label = "hidden check" if check["hidden"] else "check"
                text = "passed" if check["passed"] else check["message"]
                parts.append(f"<li class='{'pass' if check['passed'] else 'fail'}'>{label} "
                             f"<b>{_e(check['name'])}</b>: {_e(text)}</li>")
            parts.append("</ul>")
        if nb.get("errors"):
            parts.append("<h2>Errors while running your notebook</h2><ul>")
            parts.extend(f"<li><code>{_e(error)}</code></li>" for error in nb["errors"])
            parts.append("</ul>")
        parts.append("</body></html>")
        pages[nb["name"]] = "".join(parts)
    return pages


def _e(text) -> str:
    return html.escape(printable(text))


def write_feedback(standings: list[Standing], folder: Path, nested_assignment: bool = False,
                   spec: AssignmentSpec | None = None) -> list[Path]:
    """``folder/<student>/<notebook>.html`` (or ``folder/<student>/<assignment>/...``, nbgrader's layout)."""
    written = []
    for one in standings:
        target = folder / one.record["student_id"]
        if nested_assignment:
            target = target / one.record["assignment"]
        for name, page in feedback_html(one, spec).items():
            written.append(write_atomically(target / f"{name}.html", page))
    return written


def question_statistics(spec: AssignmentSpec, standings: list[Standing]) -> list[dict]:
    """Per graded cell: mean, spread, share of full marks, most common failing check — worst first. A cell
    graded by hand counts the students a person has graded so far."""
    maxima = {(nb, gid): pts for nb, gid, pts in [*spec.questions(), *spec.hand_graded()]}
    rows = []
    for label, nb, grade_id in question_labels(spec):
        points, failing = [], Counter()
        for one in standings:
            given = one.points.get((nb, grade_id))
            if given is None:
                continue
            points.append(given)
            for notebook in one.record["notebooks"]:
                for cell in notebook["cells"]:
                    if notebook["name"] == nb and cell["grade_id"] == grade_id:
                        # a name counts once per student: a form check and a hidden check may share it
                        failing.update(list(dict.fromkeys(c["name"] for c in cell["checks"] if not c["passed"])))
        if not points:
            continue
        maximum = maxima[(nb, grade_id)]
        common = failing.most_common(1)
        graded_by_hand = (nb, grade_id) in {(n, g) for n, g, _ in spec.hand_graded()}
        rows.append({"question": label + (" (by hand)" if graded_by_hand else ""), "max_points": maximum,
                     "mean": statistics.fmean(points), "stdev": statistics.pstdev(points),
                     "full_marks": sum(p >= maximum for p in points) / len(points),
                     "most_common_failing_check":
                         f"{common[0][0]} (failed by {common[0][1]} of {len(points)})" if common else
                         (f"graded for {len(points)} of {len(standings)}" if graded_by_hand else "")})
    return sorted(rows, key=lambda row: row["mean"] / row["max_points"] if row["max_points"] else 1.0)


def render_statistics(rows: list[dict], students: int) -> str:
    """The report as a Markdown table, the questions that taught least first."""
    lines = [f"{students} students graded. Questions that taught least first.", "",
             "| question | mean / max | spread (sd) | full marks | most common failing check |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['question']} | {row['mean']:.2f} / {number(row['max_points'])} | {row['stdev']:.2f} "
                     f"| {row['full_marks']:.0%} | {row['most_common_failing_check']} |")
    return "\n".join(lines) + "\n"


def render_summary(assignment: str, intake, graded: list[dict], unchanged: int, saved: list[dict], out: Path,
                   interrupted: bool = False) -> str:
    """What a run did, for the terminal and ``OUT/summary.txt``: who was graded, who has a problem (each
    named), which files belong to no student, and what ``grades.csv`` now covers. Every name is printable."""
    found = len(intake.submissions) if intake else 0
    problems = [r for r in graded if r.get("problem")]
    lines = [f"{assignment}: {found} submission(s) found ({intake.layout if intake else ''}); "
             f"{len(graded)} graded now, {unchanged} unchanged since an earlier run"]
    if interrupted:
        lines[0] = f"{assignment}: INTERRUPTED — {len(graded)} graded and saved in this run, " \
                   f"{max(found - len(graded) - unchanged, 0)} not graded (run the same command again to resume)"
    if problems:
        lines.append(f"{len(problems)} with a problem:")
        lines.extend(f"  {who(r)}: {printable(r['problem'], 400)}" for r in problems)
    if intake and intake.notes:
        lines.append("ids changed to keep students apart:")
        lines.extend(f"  {note}" for note in intake.notes)
    if intake and intake.skipped:
        lines.append(f"{len(intake.skipped)} file(s) skipped (no student they belong to):")
        lines.extend(f"  {printable(item, 400)}" for item in intake.skipped[:200])
        if len(intake.skipped) > 200:
            lines.append(f"  ... and {len(intake.skipped) - 200} more")
    earlier = len(saved) - len({r["student_id"] for r in graded}) - unchanged
    lines.append(f"grades.csv covers {len(saved)} student(s)" + (f" ({earlier} from earlier runs)" if earlier > 0 else "")
                 + f" -> {printable(Path(out) / 'grades.csv')}")
    return "\n".join(lines) + "\n"


def who(record: dict) -> str:
    name = record.get("name") or ""
    shown = printable(record["student_id"])
    return f"{shown} ({printable(name, 80)})" if name and name != record["student_id"] else shown
