"""Points entered by hand in the Formgrader (ps4's two explanations) count: in grades.csv, the report, the
feedback and every export once entered, with max_score counting them; and the late policy is the one
nbgrader itself applies (the course's LatePenalty plug-in), so plain `nbgrader autograde` agrees."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.late import LatePenalty, lateness
from conftest import REPO, require_tool

ASSIGNMENT = "ps4-troubleshooting"
GENERATED = ("release", "submitted", "autograded", "feedback", "grading", "gradebook.db")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The real course, three submissions of ps4 in nbgrader's layout, graded by the kit."""
    require_tool("bwrap")
    root = tmp_path_factory.mktemp("hand")
    course = root / "course"
    shutil.copytree(REPO / "course", course, ignore=shutil.ignore_patterns(*GENERATED))
    assert main(["release", ASSIGNMENT, "--course", str(course)]) == 0
    release = json.loads((course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    source = json.loads((course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    for student, nb in {"reference": source, "second": source, "untouched": release}.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    assert main(["grade", ASSIGNMENT, str(course / "submitted"), "--course", str(course), "--out",
                 str(root / "out"), "--jobs", "2"]) == 0
    return course


def grades(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as stream:
        return {row["student_id"]: row for row in csv.DictReader(stream)}


def enter_by_hand(course: Path, student: str, points: dict[str, float]) -> None:
    """What the Formgrader does when a grader types a score: nbgrader's API sets manual_score."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for cell, score in points.items():
            grade = gradebook.find_grade(cell, ASSIGNMENT, ASSIGNMENT, student)
            grade.manual_score = score
            grade.needs_manual_grade = False
        gradebook.db.commit()


def test_points_entered_by_hand_count_everywhere_once_entered(course, capsys):
    out = course.parent / "out"
    before = grades(out)
    assert before["reference"]["max_score"] == "15"  # 11 autograded + two explanations of 2
    assert before["reference"]["score"] == "11" and before["reference"]["to_grade_by_hand"] == "E1 E2"
    assert before["reference"]["E1"] == "" and before["untouched"]["E1"] == "0"  # "No response." is 0 in nbgrader
    assert before["untouched"]["to_grade_by_hand"] == ""
    enter_by_hand(course, "reference", {"E1": 2.0, "E2": 1.5})
    assert main(["export", ASSIGNMENT, "--course", str(course), "--to", "csv"]) == 0
    exported = {row["student_id"]: row for row in csv.DictReader(io.StringIO(
        (out / "export" / f"{ASSIGNMENT}-csv.csv").read_text(encoding="utf-8-sig"), newline=""))}
    assert (exported["reference"]["score"], exported["reference"]["max_score"]) == ("14.5", "15")
    assert exported["reference"]["to_grade_by_hand"] == "" and exported["second"]["to_grade_by_hand"] == "E1 E2"
    assert main(["report", ASSIGNMENT, "--course", str(course)]) == 0
    report = capsys.readouterr().out
    # reference 1.5; the untouched release 0 ("No response."); the second one not graded yet
    assert "| E2 (by hand) | 0.75 / 2 | 0.75 | 0% | graded for 2 of 3 |" in report
    # grading again (nothing changed) rebuilds grades.csv with them, the canvas export too, and keeps the
    # grader's review: the Formgrader does not flag an answer someone already graded
    roster = course.parent / "canvas-roster.csv"  # nbgrader's student ids are the SIS login ids here
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n"
                      + "".join(f"{name},{100 + n},,{name},A\n" for n, name in enumerate(("reference", "second", "untouched"))))
    assert main(["export", ASSIGNMENT, "--course", str(course), "--to", "canvas", "--roster", str(roster)]) == 0
    assert main(["grade", ASSIGNMENT, str(course / "submitted"), "--course", str(course), "--out", str(out)]) == 0
    after = grades(out)
    assert (after["reference"]["score"], after["reference"]["E1"], after["reference"]["E2"]) == ("14.5", "2", "1.5")
    canvas = list(csv.reader(io.StringIO((out / "export" / f"{ASSIGNMENT}-canvas.csv").read_text(encoding="utf-8-sig"))))
    assert canvas[1][5] == "15" and [row[5] for row in canvas[2:]] == ["14.5", "11", "0"]
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        reference = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "reference")
        assert not any(grade.needs_manual_grade for grade in reference.grades)
        assert reference.score == 14.5  # nbgrader's own total agrees
    page = (out / "feedback" / "reference" / f"{ASSIGNMENT}.html").read_text()
    assert "E2: 1.5 / 2" in page and "14.5 / 15" in page


def test_late_policy_matches_what_nbgrader_applies_with_the_same_plug_in(tmp_path):
    """Plain `nbgrader autograde` with the course's plug-in gives the penalty the kit gives."""
    require_tool("bwrap")
    sys.path.insert(0, str(Path(__file__).resolve().parent / "attacks"))
    import demo_course
    course = demo_course.released_course(tmp_path)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + '''
c.AssignLatePenalties.plugin_class = "autograder.late.LatePenalty"
c.LatePenalty.due_dates = {"demo": "2026-03-01 23:59:00 Europe/Berlin"}
c.LatePenalty.per_day = 0.25
c.LatePenalty.max_penalty = 0.5
''')
    folder = course / "submitted" / "late" / "demo"
    folder.mkdir(parents=True)
    (folder / "demo.ipynb").write_text(json.dumps(demo_course.notebook(course, "reference")))
    (folder / "timestamp.txt").write_text("2026-03-02 23:30:00.000000 UTC")  # due 22:59 UTC: 1 day and 31 min late
    assert main(["grade", "demo", str(course / "submitted"), "--course", str(course), "--out", str(tmp_path / "out"),
                 "--jobs", "1"]) == 0
    with open(tmp_path / "out" / "grades.csv", newline="") as stream:
        kit = next(csv.DictReader(stream))
    assert (kit["raw_score"], kit["late_penalty"], kit["score"], kit["days_late"]) == ("6", "3", "3", "2")
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_assignment("demo").duedate == datetime(2026, 3, 1, 22, 59)  # the config's, in UTC
        assert gradebook.find_submission_notebook("demo", "demo", "late").late_submission_penalty == 3
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", "demo", "--force"], cwd=course,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook("demo", "demo", "late")
        assert (notebook.score, notebook.late_submission_penalty) == (6, 3)


def test_late_policy_grace_days_cap_and_the_exports_clock():
    policy = LatePenalty(grace_minutes=15, per_day=0.1, max_penalty=0.3, export_timezone="Europe/Berlin")
    assert [policy.days_late(s) for s in (0, 15 * 60, 15 * 60 + 1, 86400, 86401, 10 * 86400)] == [0, 0, 1, 1, 2, 10]
    assert [policy.fraction(s) for s in (60, 3600, 2 * 86400, 10 * 86400)] == [0.0, 0.1, 0.2, 0.3]
    assert policy.late_submission_penalty("s", 10.0, 3 * 86400) == 3.0 and policy.late_submission_penalty("s", 10, 60) is None
    assert LatePenalty(penalty_method="zero").fraction(3600) == 1.0 and LatePenalty(per_day=1).fraction(0) == 0.0
    due = datetime(2026, 3, 1, 22, 59)
    # a zip member's time is the LMS's clock: 2026-03-02 00:30 in Berlin is 23:30 UTC, 31 minutes late
    zipped = {"submitted_at": "2026-03-02T00:30:00", "submitted_from": "zip member time"}
    assert lateness(zipped, due, policy)[0] == 31 * 60
    assert lateness({**zipped, "late": False}, due, policy) == (0.0, "on time (Canvas)")  # Canvas knows extensions
    unknown = lateness({"late": True}, due, policy)
    assert unknown[0] == 86400 and "counted as one day" in unknown[1]
    # no due date configured: Canvas's flag is kept in the record, but no policy takes anything
    assert lateness({"late": True}, None, policy) == (None, "Canvas marked it late; no due date is configured, so no penalty")
    stamped = {"submitted_at": "2026-03-01 23:00:00.000000 UTC", "submitted_from": "timestamp.txt"}
    assert lateness(stamped, due, policy)[0] == 60 and lateness(stamped, None, policy) == (None, "no due date")
    assert lateness(stamped, due + timedelta(days=1), policy)[0] == 0.0  # an extension
    with pytest.raises(ValueError, match="due_dates"):
        LatePenalty(due_dates={"x": "not a date"}).due_date("x")
