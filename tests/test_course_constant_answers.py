"""A graded check must fail for an answer that ignores the question.

For every assignment with function answers, each function is replaced by one that returns the same
constant whatever it is given — `None`, `0`, `""`, `[]`, `{}`, `True`, `False` — and the submission goes
through the real grading kit (release, sandboxed run, judging). It must earn 0 points: a test cell
that such a function passes rewards nothing (issue 12, "Checks that reward nothing").
"""
from __future__ import annotations

import ast
import csv
import json
import re
import shutil

import nbformat
import pytest

from autograder.cli import main
from conftest import REPO, require_tool

pytestmark = pytest.mark.slow
CONSTANTS = {"none": None, "zero": 0, "empty-str": "", "empty-list": [], "empty-dict": {}, "true": True,
             "false": False}
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
GENERATED = ("release", "submitted", "autograded", "feedback", "grading", "gradebook.db")


def _functions(source: str) -> list[str]:
    """Names of the functions a solution defines (the answer is a function, not a value)."""
    if not SOLUTION.search(source):
        return []
    code = "\n".join(line for line in source.splitlines() if not line.strip().startswith("### "))
    return [node.name for node in ast.parse(code).body if isinstance(node, ast.FunctionDef)]


def _source(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(REPO / "course" / "source" / assignment / f"{assignment}.ipynb", as_version=4)


def _assignments_with_functions() -> dict[str, list[str]]:
    out = {}
    for folder in sorted((REPO / "course" / "source").iterdir()):
        nb = _source(folder.name)
        names = [n for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") for n in _functions(c.source)]
        if names:
            out[folder.name] = names
    return out


FUNCTION_ASSIGNMENTS = _assignments_with_functions()


def test_the_course_has_function_answers_to_probe():
    assert {"ps2-selectors-and-endpoints", "ps3-slices"} <= set(FUNCTION_ASSIGNMENTS)


def _constant_submission(assignment: str, release: nbformat.NotebookNode, value) -> nbformat.NotebookNode:
    """The release with every function answer replaced by one returning `value`; other answers untouched."""
    nb = nbformat.from_dict(release)
    sources = {c.metadata["nbgrader"]["grade_id"]: c.source for c in _source(assignment).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            names = _functions(sources[meta["grade_id"]])
            if names:
                cell.source = "\n".join(f"def {name}(*args, **kwargs):\n    return {value!r}\n" for name in names)
    return nb


@pytest.mark.parametrize("assignment", sorted(FUNCTION_ASSIGNMENTS))
def test_functions_that_ignore_their_input_earn_nothing(assignment, tmp_path):
    require_tool("bwrap")
    course = tmp_path / "course"
    shutil.copytree(REPO / "course", course, ignore=shutil.ignore_patterns(*GENERATED))
    assert main(["release", assignment, "--course", str(course)]) == 0
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    for student, value in CONSTANTS.items():
        target = tmp_path / "class" / student
        target.mkdir(parents=True)
        nbformat.write(_constant_submission(assignment, release, value), target / f"{assignment}.ipynb")
    out = tmp_path / "out"
    assert main(["grade", assignment, str(tmp_path / "class"), "--course", str(course), "--out", str(out),
                 "--jobs", "2"]) == 0
    with open(out / "grades.csv") as stream:
        rows = {row["student_id"]: row for row in csv.DictReader(stream)}
    assert set(rows) == set(CONSTANTS)
    rewarded = {}
    for student in CONSTANTS:
        record = json.loads((out / "results" / f"{student}.json").read_text())
        assert record["problem"] == "", (student, record["problem"])
        cells = [c["grade_id"] for nb in record["notebooks"] for c in nb["cells"] if c["points"] > 0]
        if cells:
            rewarded[student] = cells
        assert (float(rows[student]["score"]) == 0) == (not cells), (student, rows[student]["score"], cells)
    assert not rewarded, f"{assignment}: test cells a constant function passes: {rewarded}"
