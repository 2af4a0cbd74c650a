"""Hostile submissions, graded in ONE run next to honest ones: no attack scores above the blank release.

The attack notebooks are in tests/attacks/hostile.py; each plays a student with full control of
their kernel. The honest submissions in the same run must be graded normally.
"""
from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

import pytest

from autograder.cli import main
from conftest import require_tool

sys.path.insert(0, str(Path(__file__).resolve().parent / "attacks"))
import demo_course  # noqa: E402
import hostile  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_tool("bwrap")
    root = tmp_path_factory.mktemp("attacks")
    course = demo_course.released_course(root)
    submissions = root / "submissions"
    for kind in ("reference", "blank", "half"):
        demo_course.write_student(submissions, kind, demo_course.notebook(course, kind))
    other = submissions / "reference" / "demo.ipynb"
    paths = {"course": str(course), "submissions": str(submissions), "other": str(other.parent),
             "other_notebook": str(other), "gradebook": str(course / "gradebook.db")}
    attacks = hostile.write_attacks(str(course / "release" / "demo" / "demo.ipynb"), submissions, paths)
    before = hashlib.sha256(other.read_bytes()).hexdigest()
    out = root / "out"
    code = main(["grade", "demo", str(submissions), "--course", str(course), "--out", str(out),
                 "--jobs", "2", "--timeout", "12", "--cell-timeout", "2", "--memory", "1024"])
    with open(out / "grades.csv") as stream:
        rows = {row["student_id"]: row for row in csv.DictReader(stream)}
    return {"code": code, "rows": rows, "attacks": attacks, "course": course, "out": out,
            "submissions": submissions, "other": other, "before": before}


def test_every_submission_gets_a_row_and_the_grader_exits_0(graded):
    assert graded["code"] == 0
    assert set(graded["rows"]) == {"reference", "blank", "half", *graded["attacks"]}


def test_honest_submissions_are_graded_normally_next_to_the_attacks(graded):
    rows = graded["rows"]
    assert float(rows["reference"]["score"]) == demo_course.FULL
    assert float(rows["half"]["score"]) == demo_course.HALF
    assert float(rows["blank"]["score"]) == 0


def test_no_attack_scores_more_than_the_untouched_release(graded):
    rows, blank = graded["rows"], float(graded["rows"]["blank"]["score"])
    table = [(name, float(rows[student]["score"]), rows[student]["problem"])
             for student, name in graded["attacks"].items()]
    print("\n| attack | score | blank's score | how it ended |\n|---|---|---|---|")
    for name, score, problem in table:
        print(f"| {name} | {score:g} | {blank:g} | {problem or 'ran to the end'} |")
    assert [name for name, score, _ in table if score > blank] == []


def test_attacks_changed_nothing_outside_their_sandbox(graded):
    assert hashlib.sha256(graded["other"].read_bytes()).hexdigest() == graded["before"]
    for folder in (graded["course"], graded["submissions"], graded["other"].parent, Path("/tmp")):
        assert not (folder / hostile.MARKER).exists(), folder


def test_the_gradebook_holds_the_graders_scores_not_the_attackers(graded):
    from autograder.gradebook import GradebookWriter
    writer = GradebookWriter(graded["course"], "demo")
    try:
        scores = writer.scores()
    finally:
        writer.close()
    assert scores == {student: float(row["score"]) for student, row in graded["rows"].items()}


def test_no_background_process_outlives_grading(graded):
    survivors = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if hostile.SURVIVOR_SECONDS.encode() in cmdline:
                survivors.append(entry.name)
    assert survivors == []


def test_feedback_never_shows_hidden_tests(graded):
    pages = list((graded["out"] / "feedback").rglob("*.html"))
    assert len(pages) == len(graded["rows"])
    for page in pages:
        text = page.read_text()
        assert "count_ready([{" not in text and 'q1, "B"' not in text and "expect(" not in text
    blank = (graded["out"] / "feedback" / "blank" / "demo.html").read_text()
    assert "q2 mixed" in blank and "NotImplementedError" in blank


def test_the_secret_reading_attack_is_real_without_the_sandbox(tmp_path):
    """Proof the attack is no straw man: with --unsafe it finds the hidden answer and earns q1's points."""
    course = demo_course.released_course(tmp_path)
    submissions = tmp_path / "submissions"
    nb = demo_course.notebook(course, "blank")
    paths = {"course": str(course), "submissions": str(submissions)}
    demo_course.write_student(submissions, "reader", hostile.ATTACKS["read hidden tests and gradebook"](nb, paths))
    out = tmp_path / "out"
    assert main(["grade", "demo", str(submissions), "--course", str(course), "--out", str(out),
                 "--unsafe", "--jobs", "1", "--no-gradebook"]) == 0
    with open(out / "grades.csv") as stream:
        row = next(csv.DictReader(stream))
    assert float(row["q1-test"]) == 2
