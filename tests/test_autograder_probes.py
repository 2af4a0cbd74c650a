"""Test cells read as data: checks, actual expressions, expected literals; anything else refused."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.answers import judge, judge_choice, to_plain
from autograder.cli import main
from autograder.grading import judge_cell
from autograder.plan import build_steps, student_work
from autograder.probes import ProtocolError, parse_test_cell, visible_source
from autograder.sandbox import SandboxRun
from autograder.spec import CellSpec, NotebookSpec

CELL = '''from autograder.answers import expect, expect_choice
expect_choice("q1", q1, "ABCD")
### BEGIN HIDDEN TESTS
expect("q1", q1, "B", hint="Look at step 3.")
expect("pods", select({"app": "web"}, [{"app": "web"}]), [{"app": "web"}])
### END HIDDEN TESTS
'''


def test_a_test_cell_becomes_probes_with_literals_and_hidden_flags():
    probes = parse_test_cell(CELL)
    assert [(p.check_fn, p.name, p.actual, p.hidden) for p in probes] == [
        ("expect_choice", "q1", "q1", False), ("expect", "q1", "q1", True),
        ("expect", "pods", 'select({"app": "web"}, [{"app": "web"}])', True)]
    assert probes[1].expected == "B" and probes[1].hint == "Look at step 3."
    assert probes[2].expected == [{"app": "web"}]


def test_the_released_source_has_no_hidden_test():
    assert visible_source(CELL) == 'from autograder.answers import expect, expect_choice\nexpect_choice("q1", q1, "ABCD")'


@pytest.mark.parametrize("source, words", [
    ('assert q1 == "B"', "only calls of"),
    ('expect("q1", q1, ANSWER)', "must be a Python literal"),
    ('expect("q1", q1, compute())', "must be a Python literal"),
    ('expect(name, q1, "B")', "check name"),
    ('expect("q1", q1)', "three arguments"),
    ('expect("q1", q1, "B", hint=h)', "hint"),
    ('import os\nexpect("q1", q1, "B")', "only calls of"),
    ('from autograder.answers import same', "imports same"),
    ('expect_choice("q1", q1, 3)', "choices"),
    ('x = 1', "only calls of"),
    ('# nothing', "no check"),
    ('expect("q1", q1, "B"', "not valid Python"),
])
def test_a_cell_outside_the_protocol_is_refused_with_the_reason(source, words):
    with pytest.raises(ProtocolError, match=words):
        parse_test_cell(source)


def test_release_refuses_a_test_cell_outside_the_protocol_naming_notebook_and_cell(tmp_path, capsys):
    course = tmp_path / "course"
    shutil.copytree(Path(__file__).parent / "fixtures" / "course", course)
    notebook = course / "source" / "demo" / "demo.ipynb"
    notebook.write_text(notebook.read_text().replace('expect_shape(\\"q3 form\\", q3, [0])', 'assert q3 == [80, 443]'))
    assert main(["release", "demo", "--course", str(course)]) == 2
    error = capsys.readouterr().err
    assert "demo.ipynb" in error and "'q3-test'" in error and "only calls of" in error
    assert not (course / "release").exists()


def test_steps_take_only_the_students_code_and_never_an_expected_value():
    spec = NotebookSpec("nb", [CellSpec("setup", "fixed", "X = 1"), CellSpec("a1", "solution", "q1 = None"),
                               CellSpec("t1", "test", CELL, 1, parse_test_cell(CELL))])
    cells = [{"type": "code", "source": "X = 999", "grade_id": "setup"},
             {"type": "code", "source": "q1 = 'C'", "grade_id": "a1"},
             {"type": "code", "source": "helper = 2", "grade_id": None},
             {"type": "code", "source": "q1 = 'forged'", "grade_id": "t1"},
             {"type": "code", "source": "q1 = 'dup'", "grade_id": "a1"}]
    steps = build_steps(spec, student_work(spec, cells))
    assert [s.get("code", s.get("expr")) for s in steps] == ["X = 1", "q1 = 'C'", "helper = 2", "q1", "q1",
                                                             'select({"app": "web"}, [{"app": "web"}])']
    assert '"B"' not in repr(steps) and "Look at step 3" not in repr(steps)


def test_a_cell_earns_its_points_only_when_every_check_passes():
    cell = CellSpec("t1", "test", CELL, 2, parse_test_cell(CELL))
    right = SandboxRun([{"probe": "t1#0", "value": "B"}, {"probe": "t1#1", "value": "B"},
                        {"probe": "t1#2", "value": [{"app": "web"}]}])
    one_wrong = SandboxRun([{"probe": "t1#0", "value": "B"}, {"probe": "t1#1", "value": "B"},
                            {"probe": "t1#2", "error": "NameError: name 'select' is not defined"}])
    assert judge_cell(cell, right)["points"] == 2
    judged = judge_cell(cell, one_wrong)
    assert judged["points"] == 0
    assert judged["checks"][2]["message"] == "pods: your code raised NameError: name 'select' is not defined"
    assert judge_choice("q1", "B", "ABCD") is None


def test_values_that_only_look_equal_are_not_answers():
    cell = CellSpec("t1", "test", 'expect("n", n, 1)', 1, parse_test_cell('expect("n", n, 1)'))
    for fake in (True, 1.0, "1", [1], None):
        assert judge_cell(cell, SandboxRun([{"probe": "t1#0", "value": fake}]))["points"] == 0
    assert judge_cell(cell, SandboxRun([{"probe": "t1#0", "value": 1}]))["points"] == 1


plain_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner, max_size=4)
    | st.frozensets(st.integers() | st.text(), max_size=4),
    max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(plain_data)
def test_an_honest_answer_survives_the_trip_out_of_the_sandbox(value):
    """The sandbox sends to_plain(answer) as a JSON line; the grader must judge it right, as nbgrader would."""
    line = json.dumps({"probe": "t#0", "value": to_plain(value)})
    assert judge("check", json.loads(line)["value"], value) is None
