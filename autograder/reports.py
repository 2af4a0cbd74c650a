"""What graders and students read: grades.csv, feedback pages, and per-question statistics.

Feedback shows each check's name, whether it passed, and the message (the student's own answer and
the hint) — never a test's source, never an expected value.
"""
from __future__ import annotations

import csv
import html
import io
import statistics
from collections import Counter
from pathlib import Path

from autograder.inert import csv_cell, printable
from autograder.records import read_records, write_atomically
from autograder.spec import AssignmentSpec


def question_labels(spec: AssignmentSpec) -> list[tuple[str, str, str]]:
    """(column label, notebook, grade_id) per autograded question; labels are grade_ids when unique."""
    questions = spec.questions()
    ids = [grade_id for _, grade_id, _ in questions]
    return [(grade_id if ids.count(grade_id) == 1 else f"{nb}:{grade_id}", nb, grade_id)
            for nb, grade_id, _ in questions]


def cell_points(record: dict) -> dict[tuple[str, str], float]:
    return {(nb["name"], cell["grade_id"]): cell["points"] for nb in record["notebooks"] for cell in nb["cells"]}


GRADES_COLUMNS = ["student_id", "name", "lms_id", "late", "assignment", "score", "max_score", "problem"]


def write_grades(spec: AssignmentSpec, records: list[dict], path: Path) -> Path:
    """One row per student: who (id, the LMS's name and id, late), the score and any problem, then one
    column per question. Every cell is inert in a spreadsheet (``inert.csv_cell``)."""
    labels = question_labels(spec)
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    writer.writerow([csv_cell(name) for name in [*GRADES_COLUMNS, *[label for label, _, _ in labels]]])
    for record in sorted(records, key=lambda r: r["student_id"]):
        points = cell_points(record)
        late = {True: "yes", False: "no"}.get(record.get("late"), "")
        writer.writerow([csv_cell(cell) for cell in [
            record["student_id"], record.get("name", ""), record.get("lms_id", ""), late, spec.name,
            _number(record["score"]), _number(spec.max_score), record.get("problem", ""),
            *[_number(points.get((nb, gid), 0.0)) for _, nb, gid in labels]]])
    return write_atomically(path, stream.getvalue())


def publish(spec: AssignmentSpec, out: Path) -> list[dict]:
    """Rebuild grades.csv and the feedback pages of ``out`` from every saved record of the assignment."""
    records = read_records(Path(out) / "results", spec.name)
    write_grades(spec, records, Path(out) / "grades.csv")
    write_feedback(records, Path(out) / "feedback")
    return records


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def feedback_html(record: dict) -> dict[str, str]:
    """A small self-contained HTML page per notebook: score, each test cell, each check's message."""
    pages = {}
    for nb in record["notebooks"]:
        score = sum(cell["points"] for cell in nb["cells"])
        total = sum(cell["max_points"] for cell in nb["cells"])
        parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(nb['name'])} feedback</title>"
                 "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}.pass{color:#176117}"
                 ".fail{color:#a11}li{margin:.3em 0}</style></head><body>",
                 f"<h1>{_e(record['assignment'])} / {_e(nb['name'])}</h1>",
                 f"<p>Student: {_e(record.get('name') or record['student_id'])} — score <b>{_number(score)} / {_number(total)}</b></p>"]
        if nb["problem"]:
            parts.append(f"<p class='fail'>Problem: {_e(nb['problem'])}</p>")
        for cell in nb["cells"]:
            status = "pass" if cell["points"] == cell["max_points"] else "fail"
            parts.append(f"<h2 class='{status}'>{_e(cell['grade_id'])}: {_number(cell['points'])} / "
                         f"{_number(cell['max_points'])}</h2><ul>")
            for check in cell["checks"]:
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


def write_feedback(records: list[dict], folder: Path, nested_assignment: bool = False) -> list[Path]:
    """``folder/<student>/<notebook>.html`` (or ``folder/<student>/<assignment>/...``, nbgrader's layout)."""
    written = []
    for record in records:
        target = folder / record["student_id"]
        if nested_assignment:
            target = target / record["assignment"]
        for name, page in feedback_html(record).items():
            written.append(write_atomically(target / f"{name}.html", page))
    return written


def question_statistics(spec: AssignmentSpec, records: list[dict]) -> list[dict]:
    """Per question: mean, spread, share of full marks, most common failing check — worst first."""
    rows = []
    for label, nb, grade_id in question_labels(spec):
        points, failing = [], Counter()
        maximum = 0.0
        for record in records:
            for notebook in record["notebooks"]:
                for cell in notebook["cells"]:
                    if notebook["name"] == nb and cell["grade_id"] == grade_id:
                        points.append(cell["points"])
                        maximum = cell["max_points"]
                        # a name counts once per student: a form check and a hidden check may share it
                        failing.update(list(dict.fromkeys(c["name"] for c in cell["checks"] if not c["passed"])))
        if not points:
            continue
        common = failing.most_common(1)
        rows.append({"question": label, "max_points": maximum, "mean": statistics.fmean(points),
                     "stdev": statistics.pstdev(points), "full_marks": sum(p == maximum for p in points) / len(points),
                     "most_common_failing_check":
                         f"{common[0][0]} (failed by {common[0][1]} of {len(points)})" if common else ""})
    return sorted(rows, key=lambda row: row["mean"] / row["max_points"] if row["max_points"] else 1.0)


def render_statistics(rows: list[dict], students: int) -> str:
    """The report as a Markdown table, the questions that taught least first."""
    lines = [f"{students} students graded. Questions that taught least first.", "",
             "| question | mean / max | spread (sd) | full marks | most common failing check |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['question']} | {row['mean']:.2f} / {_number(row['max_points'])} | {row['stdev']:.2f} "
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
        lines.extend(f"  {_who(r)}: {printable(r['problem'], 400)}" for r in problems)
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


def _who(record: dict) -> str:
    name = record.get("name") or ""
    shown = printable(record["student_id"])
    return f"{shown} ({printable(name, 80)})" if name and name != record["student_id"] else shown
