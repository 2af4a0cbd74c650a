"""The assignments are well-formed nbgrader notebooks that follow the course's answer protocol.

Checked without running nbgrader's apps (fast): cell metadata nbgrader accepts, test cells the grading
kit can parse (autograder.answers' protocol), hidden tests for every answer check, points that add up
to what each question promises, notebooks stored without outputs, and a release (made with nbgrader's
own preprocessors) that holds neither an answer nor a hidden test.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

from autograder.answers import CHECKS
from conftest import REPO

SOURCE = REPO / "course" / "source"
NOTEBOOKS = sorted(SOURCE.glob("*/*.ipynb"))
ASSIGNMENTS = {"ps1-the-flow", "ps2-selectors-and-endpoints", "ps3-slices", "ps4-troubleshooting"}
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
POINTS = re.compile(r"\((\d+) points?\b")
# The seed's three quiz questions, naming what the page shows (the seed said "execution table" and
# "variable tracker") and asking for the *first* removal (step 10 removes a pod IP too).
SEED_QUESTIONS = [
    "Look at the process table at step 3. What IPs are listed in the endpoints?",
    "At which step does the endpoints list first lose a pod IP?",
    "If a new pod with IP 10.0.0.3 is added matching the service selector, what changes in the status "
    "tracker after step 2?",
]
NAMES_NOT_ON_THE_PAGE = ("execution table", "variable tracker", "'Endpoints' column")


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _is_test(cell) -> bool:
    meta = _meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def parse_test_cell(source: str, where: str) -> list[dict]:
    """The checks of a test cell, as the grading kit reads them; AssertionError naming the cell otherwise."""
    hidden_spans = [(m.start(1), m.end(1)) for m in HIDDEN.finditer(source)]
    offsets = [0]
    for line in source.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    checks = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom):
            assert node.module == "autograder.answers" and all(a.name in CHECKS for a in node.names), \
                f"{where}: only `from autograder.answers import {', '.join(CHECKS)}` may be imported"
            continue
        assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
            and isinstance(node.value.func, ast.Name) and node.value.func.id in CHECKS, \
            f"{where}: line {node.lineno} is not a call of {', '.join(CHECKS)}"
        call = node.value
        kind = call.func.id
        assert len(call.args) == 3, f"{where}: {kind}() takes (check, actual, expected)"
        keywords = {k.arg for k in call.keywords}
        assert keywords <= ({"hint"} if kind == "expect" else set()), f"{where}: unexpected keywords {keywords}"
        name = ast.literal_eval(call.args[0])
        assert isinstance(name, str) and name, f"{where}: a check is named by a string literal"
        expected = ast.literal_eval(call.args[2])  # raises ValueError if not a literal
        hint = ast.literal_eval(call.keywords[0].value) if call.keywords else ""
        used = {n.id for n in ast.walk(call.args[1]) if isinstance(n, ast.Name)}
        assert "slicelab" not in used, f"{where}: the actual expression may not call slicelab"
        start = offsets[node.lineno - 1]
        checks.append({"kind": kind, "name": name, "actual": call.args[1], "expected": expected, "hint": hint,
                       "hidden": any(a <= start < b for a, b in hidden_spans)})
    assert checks, f"{where}: a test cell without checks"
    return checks


def _release(nb):
    """What `nbgrader generate_assignment` gives learners, made with the same preprocessors."""
    nb = nbformat.from_dict(nb)
    nb, _ = ClearSolutions(enforce_metadata=True).preprocess(nb, {})
    nb, _ = ClearHiddenTests(enforce_metadata=True).preprocess(nb, {})
    return nb


def test_the_four_assignments_exist():
    assert {p.parent.name for p in NOTEBOOKS} == ASSIGNMENTS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_notebook_is_valid_and_stored_without_outputs(path):
    nb = _read(path)
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)  # nbgrader's own checks of cell metadata
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: cell {cell.id} has outputs"
    ids = [_meta(c)["grade_id"] for c in nb.cells if _meta(c)]
    assert len(ids) == len(set(ids)), f"{path.name}: duplicate grade_id"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_every_test_cell_follows_the_answer_protocol(path):
    for cell in _read(path).cells:
        if _is_test(cell):
            assert _meta(cell).get("points", 0) > 0, f"{path.name}: {_meta(cell)['grade_id']} has no points"
            assert _meta(cell).get("locked"), f"{path.name}: {_meta(cell)['grade_id']} is not read-only"
            parse_test_cell(cell.source, f"{path.name}:{_meta(cell)['grade_id']}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_answers_to_questions_are_checked_only_in_hidden_tests(path):
    """A check of an answer variable (q1, w3, A2...) would reveal it: it must be hidden; form checks are
    visible so learners can self-check; every answer cell is followed by a test cell."""
    nb = _read(path)
    answer_names = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and _meta(cell).get("solution"):
            tree = ast.parse(cell.source)
            answer_names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                             if isinstance(t, ast.Name)}
    visible_form_checks = 0
    for cell in nb.cells:
        if not _is_test(cell):
            continue
        for check in parse_test_cell(cell.source, _meta(cell)["grade_id"]):
            actual = check["actual"]
            base = actual.value if isinstance(actual, ast.Subscript) else actual
            if check["kind"] == "expect" and isinstance(base, ast.Name) and base.id in answer_names:
                assert check["hidden"], f"{path.name}: the check {check['name']!r} reveals an answer"
            if check["kind"] != "expect":
                assert not check["hidden"], f"{path.name}: form check {check['name']!r} should be visible"
                visible_form_checks += 1
            expected = check["expected"]
            if check["kind"] == "expect" and isinstance(expected, (str, list, dict)) and len(repr(expected)) > 6:
                for shown in {repr(expected), str(expected)}:  # short values (True, 2, "B") can't be judged this way
                    assert shown not in check["hint"], f"{path.name}: the hint of {check['name']!r} states the answer"
    if answer_names:
        assert visible_form_checks >= len(answer_names), f"{path.name}: some answers have no form check"
    cells = nb.cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and _meta(cell).get("solution"):
            assert i + 1 < len(cells) and _is_test(cells[i + 1]), \
                f"{path.name}: answer cell {_meta(cell)['grade_id']} is not followed by its test cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_points_add_up_per_question(path):
    """A heading or question that promises `(N points)` is backed by graded cells worth exactly N."""
    cells = _read(path).cells
    promised = 0
    for i, cell in enumerate(cells):
        match = POINTS.search(cell.source) if cell.cell_type == "markdown" and not _meta(cell).get("grade") else None
        if not match:
            continue
        level = len(cell.source) - len(cell.source.lstrip("#")) or 99
        total = 0
        for later in cells[i + 1:]:
            if later.cell_type == "markdown" and not _meta(later).get("grade") and POINTS.search(later.source):
                later_level = len(later.source) - len(later.source.lstrip("#")) or 99
                if later_level <= level:
                    break
            if _meta(later).get("grade"):
                total += _meta(later).get("points", 0)
        assert total == int(match.group(1)), f"{path.name}: {cell.source.splitlines()[0]!r} promises " \
                                             f"{match.group(1)} points, its cells give {total}"
        promised += 1
    assert promised, f"{path.name}: no question states its points"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_release_reveals_no_answer_and_no_hidden_test(path):
    source = _read(path)
    released = "\n".join(c.source for c in _release(source).cells)
    assert "BEGIN SOLUTION" not in released and "BEGIN HIDDEN TESTS" not in released
    for cell in source.cells:
        if cell.cell_type == "code" and _meta(cell).get("solution"):
            solution = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S).group(1)
            for line in solution.splitlines():
                if len(line.strip()) > 8:  # skip trivial lines such as `return x`
                    assert line.strip() not in released, f"{path.name}: the release shows {line.strip()!r}"
        for block in HIDDEN.findall(cell.source) if _is_test(cell) else ():
            for line in block.splitlines():
                if line.strip().startswith("expect("):
                    assert line.strip() not in released, f"{path.name}: the release shows a hidden test"


def test_manually_graded_answers_in_troubleshooting():
    cells = _read(SOURCE / "ps4-troubleshooting" / "ps4-troubleshooting.ipynb").cells
    manual = [c for c in cells if c.cell_type == "markdown" and _meta(c).get("grade") and _meta(c).get("solution")]
    assert 1 <= len(manual) <= 2 and all(_meta(c)["points"] > 0 for c in manual)
    released = _release(nbformat.from_dict({"cells": manual, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert all(c.source.strip() == "YOUR ANSWER HERE" for c in released.cells)


def test_ps1_asks_the_seed_questions_word_for_word():
    text = "\n".join(c.source for c in _read(SOURCE / "ps1-the-flow" / "ps1-the-flow.ipynb").cells)
    for question in SEED_QUESTIONS:
        assert question in text
    questions = re.findall(r"\*\*Question \d+\*\*", text)
    assert len(questions) >= 10, "the seed's three questions plus at least seven more"


def test_quizzes_name_only_what_the_page_shows():
    from slicelab.scenario import load_scenario

    ps1 = "\n".join(c.source for c in _read(SOURCE / "ps1-the-flow" / "ps1-the-flow.ipynb").cells)
    seed = load_scenario("seed")
    lesson = " ".join(f"{q['question']} {q.get('hint', '')}" for q in seed.quiz)
    for text in (ps1, lesson):
        for name in NAMES_NOT_ON_THE_PAGE:
            assert name not in text
    for text in (ps1, lesson):
        assert "process table" in text and "status tracker" in text
    # question 2 has one right answer: the first step at which the Endpoints list loses an IP
    from slicelab.scenario import endpoints_ips

    timeline = seed.replay()
    lists = [set(endpoints_ips(timeline[s], "my-service")) for s in range(timeline.steps + 1)]
    losses = [s for s in range(1, timeline.steps + 1) if lists[s] < lists[s - 1]]
    assert len(losses) > 1                       # why "first" matters: step 10 removes an IP too
    question = seed.quiz[1]
    assert question["choices"][question["answer"]] == f"Step {losses[0]}"


def test_multiple_choice_options_are_four_letters():
    for path in NOTEBOOKS:
        for cell in _read(path).cells:
            if _is_test(cell):
                for check in parse_test_cell(cell.source, path.name):
                    if check["kind"] == "expect_choice":
                        assert check["expected"] == "ABCD"
                    if check["kind"] == "expect" and check["expected"] in list("ABCD"):
                        assert check["hidden"]


def test_root_config_points_formgrader_at_the_course(monkeypatch):
    """The Formgrader of `make lab` (JupyterLab at the repository root) reads only the root config, the
    way nbgrader's formgrader extension loads it; it must find the course, its id and its gradebook."""
    from nbgrader.apps import NbGrader, NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    monkeypatch.chdir(REPO)
    app = NbGrader()
    app.load_config_file()
    config = app.config
    coursedir = CourseDirectory(config=config)
    assert Path(coursedir.root) == REPO / "course"
    assert config.CourseDirectory.course_id == "slicelab"
    assert coursedir.db_url == f"sqlite:///{REPO / 'course' / 'gradebook.db'}"
    assert NbGraderAPI(coursedir=coursedir, config=config).get_source_assignments() == ASSIGNMENTS


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_the_grading_kit_reads_every_test_cell_as_this_file_does(assignment):
    """autograder's own reader (what `autograder release/grade` use) agrees check by check with ours."""
    from autograder.spec import load_assignment

    spec = load_assignment(SOURCE.parent, assignment)
    theirs = {cell.grade_id: [(p.check_fn, p.name, p.expected, p.hidden) for p in cell.probes]
              for nb in spec.notebooks for cell in nb.tests}
    ours = {}
    for cell in _read(SOURCE / assignment / f"{assignment}.ipynb").cells:
        if _is_test(cell):
            ours[_meta(cell)["grade_id"]] = [(c["kind"], c["name"], c["expected"], c["hidden"])
                                            for c in parse_test_cell(cell.source, _meta(cell)["grade_id"])]
    assert theirs == ours
    assert spec.max_score == sum(_meta(c).get("points", 0) for c in _read(SOURCE / assignment / f"{assignment}.ipynb").cells
                                 if _is_test(c))
