"""Pinned behaviours of `autograder/grading.py` that need no sandbox (issue 15): judging a cell from the
sandbox's records, records on disk, what a grade depends on, and re-runs that skip unchanged work."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import pytest

from autograder import grading
from autograder.probes import Probe
from autograder.sandbox import Limits, SandboxRun
from autograder.spec import AssignmentSpec, CellSpec, NotebookSpec
from autograder.submissions import Submission


def probe(name: str, expected, check_fn: str = "expect", hidden: bool = True, hint: str = "") -> Probe:
    return Probe(check_fn, name, "answer", expected, hint, hidden)


CELL = CellSpec("q1", "test", "", 2.0, [probe("first", "B", "expect_choice", hidden=False),
                                       probe("second", {"a", "b"}, hint="count them")])
SPEC = AssignmentSpec("demo", [NotebookSpec("demo", [CellSpec("s1", "solution", "x = 1"), CELL])])


def run(*records: dict, ending: str = "done") -> SandboxRun:
    return SandboxRun(records=list(records), ending=ending)


def test_a_cell_scores_its_points_only_when_every_check_passes():
    ok = grading.judge_cell(CELL, run({"probe": "q1#0", "value": "B"}, {"probe": "q1#1", "value": {"__set__": ["a", "b"]}}))
    assert (ok["grade_id"], ok["points"], ok["max_points"]) == ("q1", 2.0, 2.0)
    assert [(c["name"], c["hidden"], c["passed"], c["message"]) for c in ok["checks"]] == \
        [("first", False, True, None), ("second", True, True, None)]
    half = grading.judge_cell(CELL, run({"probe": "q1#0", "value": "B"}, {"probe": "q1#1", "value": {"__set__": ["a"]}}))
    assert half["points"] == 0.0 and [c["passed"] for c in half["checks"]] == [True, False]
    assert half["checks"][1]["message"] == "second: not yet right (your answer: {'__set__': ['a']}). Hint: count them"


def test_the_first_record_of_a_probe_counts_and_a_raised_error_is_shown():
    cell = grading.judge_cell(CELL, run({"probe": "q1#0", "value": "B"}, {"probe": "q1#0", "value": "Z"},
                                        {"probe": "q1#1", "error": "ZeroDivisionError: division by zero"}))
    assert cell["checks"][0]["passed"] is True
    assert cell["checks"][1]["message"] == "second: your code raised ZeroDivisionError: division by zero"
    long = grading.judge_cell(CELL, run({"probe": "q1#1", "error": "x" * 1000}))
    assert long["checks"][1]["message"] == "second: your code raised " + "x" * 400
    bare = grading.judge_cell(CELL, run({"probe": "q1#1"}))
    assert bare["checks"][1]["message"] == "second: your code raised an error"


def test_a_probe_never_reached_says_why():
    cell = grading.judge_cell(CELL, run({"probe": "q1#0", "value": "B"}, ending="notebook timeout"))
    assert cell["checks"][1]["message"] == "second: not checked (notebook timeout)."
    cell = grading.judge_cell(CELL, run({"probe": 7, "value": "B"}))
    assert [c["message"] for c in cell["checks"]] == [
        "first: not checked (an earlier cell stopped the notebook).",
        "second: not checked (an earlier cell stopped the notebook)."]


def test_answers_that_cannot_be_compared_fail_with_a_message_not_a_crash():
    assert grading._judge("expect", "q", {"__set__": [[1], {"a": 1}]}, {"a"}, "") is not None
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert grading._judge("expect", "q", deep, [], "") == \
        "q: your answer could not be compared (it is not plain data)."
    assert grading._judge("expect_shape", "q", [1, 2], [0], "") is None
    assert grading._judge("expect_shape", "q", ["x"], [0], "") is not None


def test_records_are_written_whole_and_read_back_sorted(tmp_path):
    results = tmp_path / "results"
    for student in ("zoe", "adam"):
        path = grading.write_record(results, {"student_id": student, "score": 1})
        assert path == results / f"{student}.json"
    (results / "broken.json").write_text("{not json")
    assert [r["student_id"] for r in grading.read_records(results)] == ["adam", "zoe"]
    assert sorted(p.name for p in results.iterdir()) == ["adam.json", "broken.json", "zoe.json"]
    assert json.loads((results / "zoe.json").read_text()) == {"student_id": "zoe", "score": 1}


def _submission(tmp_path: Path, student: str, text: str, problem: str = "", name: str = "demo.ipynb") -> Submission:
    """A submission as intake leaves it: the files, and their sha256 digests taken while copying."""
    folder = tmp_path / "in" / student
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return Submission(student, folder, [path], problem,
                      digests={name: hashlib.sha256(text.encode()).hexdigest()})


def test_the_key_changes_with_the_files_the_tests_and_the_problem(tmp_path):
    a = _submission(tmp_path, "a", "one")
    key = grading.submission_key(SPEC, a)
    assert key == grading.submission_key(SPEC, _submission(tmp_path, "b", "one"))
    assert key != grading.submission_key(SPEC, _submission(tmp_path, "c", "two"))
    assert key != grading.submission_key(SPEC, _submission(tmp_path, "d", "one", problem="late"))
    other = AssignmentSpec("demo", [NotebookSpec("demo", [CellSpec("q1", "test", "", 3.0, CELL.probes)])])
    assert key != grading.submission_key(other, a)
    assert key != grading.submission_key(SPEC, _submission(tmp_path, "e", "one", name="other.ipynb"))


def test_a_submission_that_cannot_run_is_recorded_without_a_sandbox(tmp_path):
    sub = _submission(tmp_path, "amy", "{}", problem="late")
    record = grading.grade_submission(SPEC, sub, Limits(), bwrap=None)
    assert record["student_id"] == "amy" and record["assignment"] == "demo"
    assert record["score"] == 0 and record["max_score"] == 2.0
    (nb,) = record["notebooks"]
    assert nb["problem"] and nb["errors"] == [] and nb["problem"] in record["problem"]
    assert record["problem"].startswith("late; ")
    assert [c["checks"][0]["message"] for c in nb["cells"]] == ["first: not checked (not run)."]
    assert record["limits"] == asdict(Limits()) and record["key"] == grading.submission_key(SPEC, sub)


def test_a_missing_notebook_is_named(tmp_path):
    folder = tmp_path / "in" / "bo"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("hi")
    two = AssignmentSpec("demo", [NotebookSpec("demo", [CELL]), NotebookSpec("extra", [])])
    record = grading.grade_submission(two, Submission("bo", folder, [folder / "notes.txt"]), Limits(), None)
    assert [nb["problem"] for nb in record["notebooks"]] == ["no demo.ipynb in the submission",
                                                             "no extra.ipynb in the submission"]
    assert record["problem"] == "no demo.ipynb in the submission; no extra.ipynb in the submission"


@pytest.mark.parametrize("notebook, limited", [
    ({"problem": "notebook timeout", "errors": []}, True),
    ({"problem": "output too large", "errors": []}, True),
    ({"problem": "", "errors": ["cell 3: CellTimeout: cell took longer than 30 s"]}, True),
    ({"problem": "", "errors": ["cell 3: MemoryError: "]}, True),
    ({"problem": "", "errors": ["cell 3: ValueError: CellTimeout"]}, False),
    ({"problem": "crashed", "errors": ["cell 1: NameError: x"]}, False),
])
def test_hit_a_limit(notebook, limited):
    assert grading.hit_a_limit({"notebooks": [{"problem": "", "errors": []}, notebook]}) is limited


def test_a_rerun_keeps_unchanged_grades_and_regrades_after_new_limits_only_if_a_limit_decided(tmp_path):
    results = tmp_path / "out"
    subs = [_submission(tmp_path, s, "{}", problem="no notebook") for s in ("b", "a", "c")]
    seen: list[tuple[str, bool]] = []
    first = grading.grade_class(SPEC, subs, results, jobs=2, limits=Limits(), bwrap=None,
                                on_record=lambda r, new: seen.append((r["student_id"], new)))
    assert [r["student_id"] for r in first] == ["b", "a", "c"] and sorted(seen) == [("a", True), ("b", True), ("c", True)]
    seen.clear()
    grading.grade_class(SPEC, subs, results, jobs=1, limits=Limits(), bwrap=None,
                        on_record=lambda r, new: seen.append((r["student_id"], new)))
    assert seen == [("b", False), ("a", False), ("c", False)]
    record = json.loads((results / "a.json").read_text())
    record["notebooks"][0]["problem"] = "notebook timeout"
    (results / "a.json").write_text(json.dumps(record))
    seen.clear()
    grading.grade_class(SPEC, subs, results, jobs=1, limits=Limits(cell_timeout=60), bwrap=None,
                        on_record=lambda r, new: seen.append((r["student_id"], new)))
    assert sorted(seen) == [("a", True), ("b", False), ("c", False)]
    (results / "c.json").write_text("{")
    subs[0] = _submission(tmp_path, "b", "changed", problem="no notebook")
    seen.clear()
    grading.grade_class(SPEC, subs, results, jobs=1, limits=Limits(cell_timeout=60), bwrap=None,
                        on_record=lambda r, new: seen.append((r["student_id"], new)))
    assert sorted(seen) == [("a", False), ("b", True), ("c", True)]
