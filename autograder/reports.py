"""What graders and students read: grades.csv, feedback pages, and per-question statistics.

Feedback shows each check's name, whether it passed, and the message (the student's own answer and
the hint) — never a test's source, never an expected value.
"""
from __future__ import annotations

import csv
import html
import statistics
from collections import Counter
from pathlib import Path

from autograder.spec import AssignmentSpec


def question_labels(spec: AssignmentSpec) -> list[tuple[str, str, str]]:
    """(column label, notebook, grade_id) per autograded question; labels are grade_ids when unique."""
    questions = spec.questions()
    ids = [grade_id for _, grade_id, _ in questions]
    return [(grade_id if ids.count(grade_id) == 1 else f"{nb}:{grade_id}", nb, grade_id)
            for nb, grade_id, _ in questions]


def cell_points(record: dict) -> dict[tuple[str, str], float]:
    return {(nb["name"], cell["grade_id"]): cell["points"] for nb in record["notebooks"] for cell in nb["cells"]}


def write_grades(spec: AssignmentSpec, records: list[dict], path: Path) -> Path:
    """One row per student: student_id, assignment, score, max_score, problem, then one column per question."""
    labels = question_labels(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student_id", "assignment", "score", "max_score", "problem", *[l for l, _, _ in labels]])
        for record in sorted(records, key=lambda r: r["student_id"]):
            points = cell_points(record)
            writer.writerow([record["student_id"], spec.name, _number(record["score"]), _number(spec.max_score),
                             record.get("problem", ""),
                             *[_number(points.get((nb, gid), 0.0)) for _, nb, gid in labels]])
    return path


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
                 f"<p>Student: {_e(record['student_id'])} — score <b>{_number(score)} / {_number(total)}</b></p>"]
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
    return html.escape(str(text))


def write_feedback(records: list[dict], folder: Path, nested_assignment: bool = False) -> list[Path]:
    """``folder/<student>/<notebook>.html`` (or ``folder/<student>/<assignment>/...``, nbgrader's layout)."""
    written = []
    for record in records:
        target = folder / record["student_id"]
        if nested_assignment:
            target = target / record["assignment"]
        target.mkdir(parents=True, exist_ok=True)
        for name, page in feedback_html(record).items():
            path = target / f"{name}.html"
            path.write_text(page, encoding="utf-8")
            written.append(path)
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
