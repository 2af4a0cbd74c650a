"""After `autograder grade`, nbgrader's own tools see a consistent course: the Formgrader flags only
the answers a person must grade (ps4's two explanations), renders what students wrote without running
it, and plain `nbgrader autograde` / `export` / `generate_feedback` read the same gradebook without a
warning."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import main
from conftest import REPO, require_tool

pytestmark = pytest.mark.slow
ASSIGNMENT = "ps4-troubleshooting"
GENERATED = ("release", "submitted", "autograded", "feedback", "grading", "gradebook.db")
SCRIPT = '<script>document.title="owned"</script><img src=x onerror="alert(1)"> [click](javascript:alert(2))'


def set_answer(nb: dict, grade_id: str, text: str) -> dict:
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = text
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_tool("bwrap")
    root = tmp_path_factory.mktemp("nbgrader")
    course = root / "course"
    shutil.copytree(REPO / "course", course, ignore=shutil.ignore_patterns(*GENERATED))
    assert main(["release", ASSIGNMENT, "--course", str(course)]) == 0
    release = json.loads((course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    source = json.loads((course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    students = {
        "reference": source,
        "untouched": release,
        "scripter": set_answer(set_answer(json.loads(json.dumps(release)), "E1", SCRIPT), "E2",
                               "Because the Pods are **not Ready**."),
    }
    for student, nb in students.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    (course / "submitted" / "scripter" / ASSIGNMENT / "submission_secret.txt").symlink_to(course / "source")
    assert main(["grade", ASSIGNMENT, str(course / "submitted"), "--course", str(course), "--out",
                 str(root / "out"), "--jobs", "2"]) == 0
    return course


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=300)


def test_formgrader_flags_only_the_answers_a_person_must_grade(graded):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}") as gradebook:
        flagged = {}
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                flagged[submission.student.id] = sorted(g.name for g in notebook.grades if g.needs_manual_grade)
                assert all(g.auto_score is not None for g in notebook.grades if g.name not in ("E1", "E2"))
        comments = {c.name: c.auto_comment for c in
                    gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "untouched").comments}
        timestamp = gradebook.find_submission(ASSIGNMENT, "scripter").timestamp
    # The untouched release left both explanations as released: nbgrader scores them 0, "No response."
    assert flagged == {"reference": ["E1", "E2"], "scripter": ["E1", "E2"], "untouched": []}
    assert comments["E1"] == comments["E2"] == "No response."
    assert str(timestamp).startswith("2026-11-20 10:00:00")


def test_formgrader_renders_a_markdown_answer_without_running_it(graded):
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config
    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": ASSIGNMENT, "notebook_id": ASSIGNMENT, "submission_id": "x", "index": 0,
                 "total": 3, "base_url": "/", "last_name": None, "first_name": None, "notebook_path": "/x"}

    def render(student: str) -> str:
        path = graded / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        return HTMLExporter(config=config).from_filename(str(path), resources={**resources, "student": student})[0]

    from test_autograder_inert import ActiveParts
    html = render("scripter")
    # the Formgrader's own page has scripts and handlers; the answers add none to them
    assert ActiveParts.of(html) == ActiveParts.of(render("untouched"))
    assert 'document.title="owned"</script>' not in html
    assert "&lt;script&gt;document.title" in html  # shown as text, not run
    assert "<strong>not Ready</strong>" in html  # honest markdown still renders
    path = graded / "autograded" / "scripter" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    e2 = [c for c in json.loads(path.read_text())["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "E2"]
    assert e2[0]["source"] == "Because the Pods are **not Ready**."


def test_plain_nbgrader_reads_the_same_gradebook_without_warnings(graded):
    for args in (["autograde", ASSIGNMENT], ["generate_feedback", ASSIGNMENT], ["export"]):
        done = nbgrader(graded, *args)
        assert done.returncode == 0, done.stderr
        warnings = [line for line in (done.stdout + done.stderr).splitlines()
                    if ("WARNING" in line or "ERROR" in line) and "display_data_priority" not in line]
        assert warnings == [], (args, warnings)
    autograde = nbgrader(graded, "autograde", ASSIGNMENT)
    assert "Skipping existing assignment" in autograde.stderr
    rows = (graded / "grades.csv").read_text().splitlines()
    assert any(row.startswith(f"{ASSIGNMENT},") and ",reference," in row for row in rows)


def test_nbgraders_own_files_travel_to_feedback_so_it_can_be_released(graded):
    for student in ("reference", "untouched"):
        stamp = graded / "autograded" / student / ASSIGNMENT / "timestamp.txt"
        assert stamp.read_text() == "2026-11-20 10:00:00.000000 UTC"
    # a link in the submitted folder is never followed into autograded/
    assert not (graded / "autograded" / "scripter" / ASSIGNMENT / "submission_secret.txt").exists()
    done = nbgrader(graded, "generate_feedback", ASSIGNMENT, "--force")
    assert done.returncode == 0, done.stderr
    assert (graded / "feedback" / "reference" / ASSIGNMENT / "timestamp.txt").exists()  # release_feedback needs it
