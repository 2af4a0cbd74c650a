"""Every assignment goes through real nbgrader: release, three submissions, autograde, feedback.

The reference solution must earn every autograded point, the untouched release none, and a
half-right submission something in between; each gets a feedback page that shows no hidden test.
nbgrader runs in-process through its own API (NbGraderAPI), in a temporary copy of course/, so
the repository's course/ never receives release/, submitted/, autograded/ or a gradebook.
"""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import REPO

COURSE = REPO / "course"
ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())
STUDENTS = ("reference", "untouched", "half")
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)

pytestmark = pytest.mark.slow


def _is_solution(cell) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def _reference_source(cell) -> str:
    """A solution cell's source without nbgrader's solution markers: what a learner who got it right types."""
    return "\n".join(line for line in cell.source.splitlines() if line.strip() not in SOLUTION_MARKERS)


def _wrong(value):
    """A wrong answer of the right form (another letter, a different count), or None when unsure how."""
    if isinstance(value, str) and value in ("A", "B", "C", "D"):
        return "ABCD"[("ABCD".index(value) + 1) % 4]
    if isinstance(value, dict) and value and all(type(v) is int for v in value.values()):
        return {k: v + 1 for k, v in value.items()}
    return None


def _wrong_source(cell) -> str | None:
    """`name = <wrong literal>` for an answer cell whose solution is `name = <literal>`."""
    import ast

    solution = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
    try:
        (node,) = ast.parse(solution.group(1)).body if solution else (None,)
        wrong = _wrong(ast.literal_eval(node.value)) if isinstance(node, ast.Assign) else None
    except (ValueError, SyntaxError):
        return None
    return None if wrong is None else f"{node.targets[0].id} = {wrong!r}"


def _half_right(release_nb, source_nb):
    """The release with the first half of its answer cells (in notebook order) solved; in the second half,
    answers that can be made wrong in form-correct ways are answered wrongly, the rest left untouched."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c for c in source_nb.cells if _is_solution(c)}
    ids = [c.metadata["nbgrader"]["grade_id"] for c in release_nb.cells if _is_solution(c)]
    solved = set(ids[: len(ids) // 2])
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        if not _is_solution(cell) or cell.cell_type != "code":
            continue
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if grade_id in solved:
            cell.source = _reference_source(answers[grade_id])
        elif _wrong_source(answers[grade_id]):
            cell.source = _wrong_source(answers[grade_id])
    return nb


def _api(root: Path):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return NbGraderAPI(coursedir=CourseDirectory(config=config, root=str(root)), config=config), config


def _ok(result: dict, what: str) -> None:
    assert result["success"], f"nbgrader {what} failed:\n{result.get('error')}\n{result.get('log')}"


def run_pipeline(assignment: str, workdir: str, path: str, empty_gradebook: str) -> dict:
    """Release, submit three versions, autograde them in one call, generate feedback; return the scores.

    Runs in a worker process (assignments are graded in parallel), so it imports nbgrader itself.
    """
    import os

    from nbgrader.api import Gradebook

    os.environ["PATH"] = path  # nbgrader runs alembic from the venv's bin
    root = Path(workdir) / "course"
    root.mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source" / assignment, root / "source" / assignment)
    shutil.copy(empty_gradebook, root / "gradebook.db")
    api, config = _api(root)

    _ok(api.generate_assignment(assignment), "generate_assignment")
    release = root / "release" / assignment
    notebooks = sorted(p.name for p in release.glob("*.ipynb"))
    assert notebooks, f"generate_assignment released no notebook for {assignment}"
    for name in notebooks:
        source_nb = nbformat.read(root / "source" / assignment / name, as_version=4)
        release_nb = nbformat.read(release / name, as_version=4)
        versions = {"reference": source_nb, "untouched": release_nb, "half": _half_right(release_nb, source_nb)}
        for student, nb in versions.items():
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / name)

    _ok(api.autograde(assignment, "*"), "autograde")  # one call grades the three submissions
    _ok(api.generate_feedback(assignment), "generate_feedback")

    scores = {}
    with Gradebook(config.CourseDirectory.db_url) as gb:
        for student in STUDENTS:
            submission = gb.find_submission(assignment, student)
            scores[student] = (submission.code_score, submission.max_code_score)
    return {"assignment": assignment, "root": root, "notebooks": notebooks, "scores": scores}


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory, venv_bin):
    """All assignments through the pipeline, two at a time (the machine has two cores)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from nbgrader.api import Gradebook

    path = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    base = tmp_path_factory.mktemp("course-pipeline")
    # nbgrader asks the alembic command for its schema version whenever it creates a gradebook, which
    # costs seconds: create an empty one once and give each assignment a copy.
    empty = base / "empty-gradebook.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", path)
        Gradebook(f"sqlite:///{empty}", course_id="slicelab").close()
    # spawn, not fork: earlier tests of the session may have left threads (kernels' ZMQ, loggers) that a
    # forked child would inherit in a locked state.
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {a: pool.submit(run_pipeline, a, str(base / a), path, str(empty)) for a in ASSIGNMENTS}
        results = {}
        for assignment, future in futures.items():
            try:
                results[assignment] = future.result()
            except Exception as err:  # reported by the tests of that assignment, not as a fixture crash
                results[assignment] = err
    for assignment, result in results.items():
        if not isinstance(result, Exception):
            print(f"\n{assignment} autograded scores (score, max): {result['scores']}")
    return results


@pytest.fixture(params=ASSIGNMENTS)
def graded(request, pipelines):
    result = pipelines[request.param]
    if isinstance(result, Exception):
        pytest.fail(f"the nbgrader pipeline of {request.param} failed: {result}")
    return result


def test_reference_solution_earns_every_autograded_point(graded):
    score, maximum = graded["scores"]["reference"]
    assert maximum > 0
    assert score == maximum, f"{graded['assignment']}: the reference solution scored {score} of {maximum}"


def test_untouched_release_earns_nothing(graded):
    score, maximum = graded["scores"]["untouched"]
    assert score == 0, f"{graded['assignment']}: the untouched release scored {score} of {maximum}"


def test_half_right_submission_earns_partial_credit(graded):
    score, maximum = graded["scores"]["half"]
    assert 0 < score < maximum, f"{graded['assignment']}: the half-right submission scored {score} of {maximum}"


def test_reference_notebook_runs_without_errors(graded):
    """The reference solution, as autograded, has no error and no warning in any cell (the lessons' rule)."""
    for name in graded["notebooks"]:
        nb = nbformat.read(graded["root"] / "autograded" / "reference" / graded["assignment"] / name, as_version=4)
        errors = [(cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {i}"), out.get("ename"), out.get("evalue"))
                  for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
                  for out in cell.get("outputs", []) if out.get("output_type") == "error"]
        assert not errors, f"{name}: the reference solution raised {errors}"
        warnings = [out.get("text", "")[:200] for cell in nb.cells if cell.cell_type == "code"
                    for out in cell.get("outputs", []) if out.get("name") == "stderr"]
        assert not warnings, f"{name}: the reference solution wrote to stderr: {warnings}"


def _page_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_feedback_exists_for_every_submission_and_hides_hidden_tests(graded):
    assignment, root = graded["assignment"], graded["root"]
    hidden_lines = []
    for name in graded["notebooks"]:
        source_nb = nbformat.read(root / "source" / assignment / name, as_version=4)
        for cell in source_nb.cells:
            for block in HIDDEN.findall(cell.source if cell.cell_type == "code" else ""):
                hidden_lines += [line.strip() for line in block.splitlines() if line.strip().startswith("expect(")]
    assert hidden_lines, f"{assignment} has no hidden test to hide"
    for student in STUDENTS:
        for name in graded["notebooks"]:
            page = root / "feedback" / student / assignment / name.replace(".ipynb", ".html")
            assert page.is_file(), f"no feedback page {page.relative_to(root)}"
            text = _page_text(page)
            assert "BEGIN HIDDEN TESTS" not in text
            leaked = [line for line in hidden_lines if line in text]
            assert not leaked, f"{page.name} for {student} shows hidden tests: {leaked[:2]}"


def test_failed_checks_tell_the_learner_why(graded):
    """A wrong answer's feedback names the check, shows the learner's answer and a hint, not the right one."""
    root, assignment = graded["root"], graded["assignment"]
    untouched = "".join(_page_text(root / "feedback" / "untouched" / assignment / n.replace(".ipynb", ".html"))
                        for n in graded["notebooks"])
    assert "NotImplementedError" in untouched or "answer with one of" in untouched \
        or "expected an answer shaped like" in untouched
    for name in graded["notebooks"]:
        source_nb = nbformat.read(root / "source" / assignment / name, as_version=4)
        text = _page_text(root / "feedback" / "half" / assignment / name.replace(".ipynb", ".html"))
        wrong = [c for c in source_nb.cells if c.cell_type == "code" and _is_solution(c) and _wrong_source(c)]
        for cell in wrong[-1:]:  # answered wrongly in the half-right submission
            variable = cell.metadata["nbgrader"]["grade_id"]
            line = next((ln for ln in text.splitlines() if f"{variable}: not yet right (your answer:" in ln), None)
            assert line and "Hint:" in line, f"{assignment}: no helpful message for the wrong answer {variable}"
            right = re.search(r"### BEGIN SOLUTION\n.*?= (.*)\n### END SOLUTION", cell.source, re.S).group(1)
            without_answer = re.sub(r"\(your answer: .*?\)\.", "", line)
            assert right.replace('"', "'") not in without_answer, f"{assignment}: feedback states the answer"
