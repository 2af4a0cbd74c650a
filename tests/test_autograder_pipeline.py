"""The grading kit end to end on the demo course: folders, zips, unreadable notebooks, resume after a
kill, shards and merge, feedback, report, the student's self-check (Kubernetes Jobs: test_autograder_cluster.py)."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.gradebook import GradebookWriter
from conftest import require_tool

sys.path.insert(0, str(Path(__file__).resolve().parent / "attacks"))
import demo_course  # noqa: E402

pytestmark = pytest.mark.slow
LOOP_FOREVER = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"


def rows_of(path: Path) -> dict[str, dict]:
    with open(path) as stream:
        return {row["student_id"]: row for row in csv.DictReader(stream)}


def grade(course: Path, submissions: Path, out: Path, *extra: str) -> int:
    return main(["grade", "demo", str(submissions), "--course", str(course), "--out", str(out),
                 "--jobs", "2", "--timeout", "20", *extra])


def gradebook_scores(course: Path) -> dict[str, float]:
    writer = GradebookWriter(course, "demo")
    try:
        return writer.scores()
    finally:
        writer.close()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require_tool("bwrap")
    return demo_course.released_course(tmp_path_factory.mktemp("pipeline"))


@pytest.fixture(scope="module")
def class_folder(course):
    """A class in nbgrader's and in the flat layout, with an unreadable, a missing and a linked notebook."""
    folder = course.parent / "class"
    demo_course.write_student(folder, "ada", demo_course.notebook(course, "reference"))
    demo_course.write_student(folder / "bob", "demo", demo_course.notebook(course, "half"))  # bob/demo/demo.ipynb
    demo_course.write_student(folder, "cy", demo_course.notebook(course, "blank"))
    (folder / "dee").mkdir()
    (folder / "dee" / "demo.ipynb").write_text('{"cells": "oops"')
    (folder / "eve").mkdir()
    (folder / "eve" / "notes.txt").write_text("forgot the notebook")
    (folder / "fay").mkdir()
    (folder / "fay" / "demo.ipynb").symlink_to(course / "source" / "demo" / "demo.ipynb")
    return folder


@pytest.fixture(scope="module")
def graded(course, class_folder):
    out = course.parent / "out"
    assert grade(course, class_folder, out) == 0
    return out


def test_every_student_gets_a_row_with_score_and_problem(graded):
    rows = rows_of(graded / "grades.csv")
    assert {s: float(r["score"]) for s, r in rows.items()} == {
        "ada": demo_course.FULL, "bob": demo_course.HALF, "cy": 0, "dee": 0, "eve": 0, "fay": 0}
    assert rows["ada"]["max_score"] == "6" and rows["ada"]["problem"] == ""
    assert "not a notebook" in rows["dee"]["problem"]
    assert "no demo.ipynb" in rows["eve"]["problem"]
    assert "symbolic link" in rows["fay"]["problem"]
    assert [k for k in rows["ada"]][:8] == ["student_id", "name", "lms_id", "late", "assignment", "score",
                                            "max_score", "problem"]
    assert [k for k in rows["ada"]][8:] == ["q1-test", "q2-test-visible", "q2-test-hidden", "q3-test", "raw_score",
                                            "late_penalty", "days_late", "submitted_at", "to_grade_by_hand"]
    assert rows["ada"]["raw_score"] == "6" and rows["ada"]["late_penalty"] == "0"
    assert rows["bob"]["q1-test"] == "2" and rows["bob"]["q2-test-hidden"] == "0"


def test_feedback_pages_per_student(graded):
    pages = sorted(p.relative_to(graded / "feedback").as_posix() for p in (graded / "feedback").rglob("*.html"))
    assert pages == [f"{s}/demo.html" for s in ("ada", "bob", "cy", "dee", "eve", "fay")]
    bob = (graded / "feedback" / "bob" / "demo.html").read_text()
    assert "q2 mixed: your code raised NotImplementedError" in bob and "count_ready([{" not in bob
    blank = (graded / "feedback" / "cy" / "demo.html").read_text()
    assert "q1: not yet right (your answer: None). Hint: Which object is sliced?" in blank


def test_scores_are_in_nbgraders_gradebook(course, graded):
    assert gradebook_scores(course) == {s: float(r["score"]) for s, r in rows_of(graded / "grades.csv").items()}


def test_a_rerun_grades_only_what_changed(course, class_folder, graded, capsys):
    capsys.readouterr()
    assert grade(course, class_folder, graded) == 0
    assert "0 graded now, 6 unchanged" in capsys.readouterr().out
    notebook = class_folder / "cy" / "demo.ipynb"
    original = notebook.read_text()
    try:
        notebook.write_text(json.dumps(demo_course.notebook(course, "half")))
        assert grade(course, class_folder, graded) == 0
        assert "1 graded now, 5 unchanged" in capsys.readouterr().out
        assert rows_of(graded / "grades.csv")["cy"]["score"] == "2"
    finally:
        notebook.write_text(original)
        assert grade(course, class_folder, graded) == 0


def test_an_lms_zip_is_graded_like_a_folder(course, tmp_path, capsys):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("doejane_1234_5678_demo.ipynb", json.dumps(demo_course.notebook(course, "reference")))
        zipped.writestr("roejim_LATE_1235_5679_demo-1.ipynb", json.dumps(demo_course.notebook(course, "half")))
        zipped.writestr("../evil_1_2_demo.ipynb", "{}")
        zipped.writestr("readme.txt", "not a submission")
    assert grade(course, archive, tmp_path / "out", "--no-gradebook") == 0
    rows = rows_of(tmp_path / "out" / "grades.csv")
    assert {s: (r["name"], r["lms_id"], r["late"], r["score"]) for s, r in rows.items()} == {
        "1234": ("doejane", "1234", "no", "6"), "1235": ("roejim", "1235", "yes", "2")}
    assert not (tmp_path / "evil_1_2_demo.ipynb").exists()
    out = capsys.readouterr().out
    assert "2 file(s) skipped" in out and "../evil_1_2_demo.ipynb: a path with" in out and "readme.txt:" in out
    assert "readme.txt" in (tmp_path / "out" / "summary.txt").read_text()


def test_a_killed_run_loses_no_finished_grade_and_resumes(course, tmp_path):
    folder = tmp_path / "class"
    for student in ("a1", "a2", "a3"):
        demo_course.write_student(folder, student, demo_course.notebook(course, "reference"))
    for student in ("z1", "z2"):
        nb = demo_course.notebook(course, "blank")
        nb["cells"][3]["source"] = LOOP_FOREVER
        demo_course.write_student(folder, student, nb)
    out = tmp_path / "out"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    command = [sys.executable, "-m", "autograder", "grade", "demo", str(folder), "--course", str(course),
               "--out", str(out), "--jobs", "1", "--timeout", "60"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    results = out / "results"
    while process.poll() is None and len(list(results.glob("*.json"))) < 3:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {p.stem: json.loads(p.read_text()) for p in results.glob("*.json")}
    assert set(finished) == {"a1", "a2", "a3"} and all(r["score"] == 6 for r in finished.values())
    # The record is written first, then the gradebook: a kill in between leaves the gradebook one
    # student behind (never wrong), and the rerun brings it level.
    mine = {s: v for s, v in gradebook_scores(course).items() if s in ("a1", "a2", "a3", "z1", "z2")}
    assert mine.items() <= {s: 6.0 for s in finished}.items()
    rerun = subprocess.run([*command[:-4], "--jobs", "2", "--timeout", "3", "--cell-timeout", "1"],
                           env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "2 graded now, 3 unchanged" in rerun.stdout
    assert {s: r["score"] for s, r in rows_of(out / "grades.csv").items()} == {
        "a1": "6", "a2": "6", "a3": "6", "z1": "0", "z2": "0"}
    assert {s: gradebook_scores(course)[s] for s in ("a1", "a2", "a3", "z1", "z2")} == {
        "a1": 6, "a2": 6, "a3": 6, "z1": 0, "z2": 0}


def test_shards_merged_equal_one_run(course, class_folder, graded, tmp_path):
    for shard in (0, 1):
        assert grade(course, class_folder, tmp_path / f"shard{shard}", "--shard", f"{shard}/2", "--no-gradebook") == 0
    halves = [set(rows_of(tmp_path / f"shard{shard}" / "grades.csv")) for shard in (0, 1)]
    assert halves[0] and halves[1] and not halves[0] & halves[1]
    assert main(["merge", str(tmp_path / "shard0"), str(tmp_path / "shard1"), "--out", str(tmp_path / "all"),
                 "--course", str(course)]) == 0
    assert (tmp_path / "all" / "grades.csv").read_text() == (graded / "grades.csv").read_text()


def test_report_puts_the_questions_that_taught_least_first(course, graded, capsys):
    assert main(["report", "demo", "--course", str(course), "--results", str(graded)]) == 0
    text = capsys.readouterr().out
    order = [line.split(" | ")[0][2:] for line in text.splitlines() if line.startswith("| q") and "-test" in line]
    # q1 was answered right by two students of six, every other question by one: q1 taught most.
    assert sorted(order[:3]) == ["q2-test-hidden", "q2-test-visible", "q3-test"] and order[3] == "q1-test"
    assert "| q1-test | 0.67 / 2 |" in text
    assert "q2 mixed (failed by 5 of 6)" in text and (graded / "report.md").read_text() == text


def test_feedback_command_writes_nbgraders_feedback_folder(course, graded):
    assert main(["feedback", "demo", "--course", str(course), "--results", str(graded)]) == 0
    assert (course / "feedback" / "bob" / "demo" / "demo.html").exists()


def test_self_check_runs_form_checks_only(course, class_folder, capsys):
    assert main(["check", str(class_folder / "bob" / "demo" / "demo.ipynb")]) == 1
    text = capsys.readouterr().out
    assert "ok   q1 form" in text and "FIX  q2 form" in text and "NotImplementedError" in text
    assert "q2 mixed" not in text and "q3:" not in text and "Hint" not in text
    reference = course.parent / "ref.ipynb"
    shutil.copy(course / "source" / "demo" / "demo.ipynb", reference)
    assert main(["check", str(reference)]) == 0
    assert "3 of 3 form checks pass" in capsys.readouterr().out


def test_without_bubblewrap_grading_refuses_loudly_unless_unsafe(course, class_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    assert grade(course, class_folder, tmp_path / "out", "--no-gradebook") == 3
    error = capsys.readouterr().err
    assert "bubblewrap (bwrap) is not installed" in error and "--unsafe" in error and "!!!!" in error
    assert grade(course, class_folder, tmp_path / "out", "--no-gradebook", "--unsafe") == 0
    assert "WITHOUT bubblewrap" in capsys.readouterr().err


def test_autograded_notebooks_for_formgrader_hold_answers_and_verdicts_never_hidden_tests(course, graded):
    nb = json.loads((course / "autograded" / "bob" / "demo" / "demo.ipynb").read_text())
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"] if "nbgrader" in c["metadata"]}
    assert by_id["q1-answer"]["source"] == 'q1 = "B"'
    assert by_id["q1-test"]["outputs"] == [] and by_id["q1-test"]["source"] == 'expect_choice("q1 form", q1, "ABCD")'
    failed = by_id["q2-test-hidden"]["outputs"][0]
    assert failed["output_type"] == "error" and failed["evalue"].startswith("q2 mixed: your code raised")
    assert "HIDDEN" not in json.dumps(nb) and "count_ready([{" not in json.dumps(nb)


def test_a_gradebook_write_is_one_transaction(course, monkeypatch):
    """nbgrader commits a new submission before its grades; a failure (or a kill) in between must not
    leave the student in the gradebook with a score of 0."""
    writer = GradebookWriter(course, "demo")
    try:
        def broken(*args, **kwargs):
            raise RuntimeError("the grader died here")

        monkeypatch.setattr(writer.gradebook, "find_grade", broken)
        record = {"student_id": "half-written", "notebooks": [
            {"name": "demo", "cells": [{"grade_id": "q1-test", "points": 1.0}]}]}
        with pytest.raises(RuntimeError):
            writer.write(record)
    finally:
        writer.close()
    assert "half-written" not in gradebook_scores(course)
