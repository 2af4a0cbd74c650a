"""The grading kit on the course's real assignment ps1: the reference solution earns full marks."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from autograder.cli import main
from autograder.spec import load_assignment
from conftest import REPO, require_tool

pytestmark = pytest.mark.slow
ASSIGNMENT = "ps1-the-flow"
GENERATED = ("release", "submitted", "autograded", "feedback", "grading", "gradebook.db")


def test_ps1_reference_scores_full_marks_and_the_release_zero(tmp_path):
    require_tool("bwrap")
    course = tmp_path / "course"
    shutil.copytree(REPO / "course", course, ignore=shutil.ignore_patterns(*GENERATED))
    spec = load_assignment(course, ASSIGNMENT)
    assert main(["release", ASSIGNMENT, "--course", str(course)]) == 0
    for student, folder in (("reference", "source"), ("release", "release")):
        target = tmp_path / "class" / student
        target.mkdir(parents=True)
        shutil.copy(course / folder / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", target)
    out = tmp_path / "out"
    assert main(["grade", ASSIGNMENT, str(tmp_path / "class"), "--course", str(course), "--out", str(out),
                 "--jobs", "2"]) == 0
    with open(out / "grades.csv") as stream:
        rows = {row["student_id"]: row for row in csv.DictReader(stream)}
    failures = json.loads((out / "results" / "reference.json").read_text())["notebooks"][0]
    assert float(rows["reference"]["score"]) == spec.max_score > 0, failures
    assert float(rows["release"]["score"]) == 0
    assert rows["reference"]["problem"] == rows["release"]["problem"] == ""
