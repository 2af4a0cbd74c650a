"""The bridge to nbgrader: its course configuration, its ``generate_assignment``, its gradebook.

We never re-implement nbgrader: the student version is made by nbgrader's own GenerateAssignment,
and scores go into nbgrader's gradebook through ``nbgrader.api.Gradebook``, so formgrader, manual
grading and the exchange keep working on what we graded.
"""
from __future__ import annotations

import json
import os
import uuid
import shutil
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader


class CourseError(RuntimeError):
    """The course or nbgrader could not do what was asked; the message says what and where."""


def load_config(course: Path) -> Config:
    """The course's ``nbgrader_config.py`` (root forced to ``course``), as nbgrader would read it."""
    config = Config()
    path = Path(course) / "nbgrader_config.py"
    if path.exists():
        config.merge(PyFileConfigLoader(path.name, str(path.parent)).load_config())
    config.CourseDirectory.root = str(Path(course).resolve())
    return config


def _coursedir(course: Path):
    from nbgrader.coursedir import CourseDirectory
    return CourseDirectory(config=load_config(course))


def release(course: Path, assignment: str) -> Path:
    """Run nbgrader's generate_assignment: the student version in ``course/release/<assignment>``."""
    from nbgrader.apps import NbGraderAPI
    coursedir = _coursedir(course)
    api = NbGraderAPI(coursedir=coursedir, config=load_config(course))
    with _in(course):
        result = api.generate_assignment(assignment, force=True, create=True)
    if not result.get("success"):
        raise CourseError(f"nbgrader generate_assignment {assignment} failed:\n{result.get('log', '')}"
                          f"{result.get('error', '')}")
    return Path(coursedir.root) / coursedir.release_directory / assignment


@contextmanager
def _in(folder: Path):
    """Work in ``folder``, with this Python's scripts on PATH (nbgrader runs ``alembic`` from there)."""
    previous, path = os.getcwd(), os.environ.get("PATH", "")
    scripts = str(Path(sys.executable).parent)
    if shutil.which("alembic") is None:
        os.environ["PATH"] = f"{scripts}{os.pathsep}{path}"
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)
        os.environ["PATH"] = path


@contextmanager
def _one_transaction(session):
    """Make nbgrader's several commits for one student a single SQLite transaction.

    nbgrader's API commits after creating a submission and again after its grades; a grader killed in
    between would leave a submission scored 0. Inside this block its commits only flush, and one commit
    at the end makes the student's rows appear all at once — or, after a kill, not at all.
    """
    session.commit = session.flush
    try:
        yield
    except BaseException:
        del session.commit
        session.rollback()
        raise
    del session.commit
    session.commit()


class GradebookWriter:
    """Writes result records into nbgrader's gradebook, one transaction per student."""

    def __init__(self, course: Path, assignment: str):
        from nbgrader.api import Gradebook, MissingEntry
        coursedir = _coursedir(course)
        self.assignment = assignment
        self._missing = MissingEntry
        self.coursedir = coursedir
        self.gradebook = Gradebook(coursedir.db_url, coursedir.course_id)
        try:
            self.gradebook.find_assignment(assignment)
        except MissingEntry:
            self.close()
            raise CourseError(f"{assignment!r} is not in the gradebook {coursedir.db_url}: "
                              f"run `autograder release {assignment}` first") from None

    def write(self, record: dict) -> None:
        gradebook = self.gradebook
        student = record["student_id"]
        with _one_transaction(gradebook.db):
            gradebook.update_or_create_student(student)
            with warnings.catch_warnings():
                # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; the rows are right.
                warnings.simplefilter("ignore")
                gradebook.update_or_create_submission(self.assignment, student)
            for notebook in record["notebooks"]:
                for cell in notebook["cells"]:
                    try:
                        grade = gradebook.find_grade(cell["grade_id"], notebook["name"], self.assignment,
                                                     student)
                    except self._missing:
                        continue
                    grade.auto_score = cell["points"]

    def write_autograded(self, record: dict) -> list[Path]:
        """nbgrader's ``autograded/<student>/<assignment>/<notebook>.ipynb``, so formgrader (manual
        grading) and ``nbgrader generate_feedback`` work on what we graded. Built from the SOURCE
        notebook: the student's answers in their cells, test cells as released (no hidden tests) with
        the judge's messages as the output of a failed cell."""
        root = Path(self.coursedir.root)
        folder = root / self.coursedir.autograded_directory / record["student_id"] / self.assignment
        written = []
        for notebook in record["notebooks"]:
            source = root / self.coursedir.source_directory / self.assignment / f"{notebook['name']}.ipynb"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{notebook['name']}.ipynb"
            path.write_text(json.dumps(autograded_notebook(json.loads(source.read_text()), notebook), indent=1))
            written.append(path)
        return written

    def scores(self) -> dict[str, float]:
        """Student id -> autograded score, as the gradebook has it (for checks and merges)."""
        return {s.student.id: s.code_score for s in self.gradebook.assignment_submissions(self.assignment)}

    def close(self) -> None:
        self.gradebook.close()


def autograded_notebook(source: dict, graded: dict) -> dict:
    """The source notebook with the student's answers and the judge's verdicts (see write_autograded)."""
    from autograder.probes import visible_source
    from autograder.spec import cell_kind
    judged = {cell["grade_id"]: cell for cell in graded["cells"]}
    added: dict = {}
    for anchor, code in graded.get("added", []):
        added.setdefault(anchor, []).append(code)
    cells = [_code_cell(code) for code in added.get(None, [])]
    for original in source["cells"]:
        cell = json.loads(json.dumps(original))
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        kind = cell_kind(cell)
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if kind in ("solution", "answer", "manual"):
            text = graded.get("answers", {}).get(grade_id, "")
        elif kind == "test":
            text = visible_source(text)
        cell["source"] = text
        if cell["cell_type"] == "code":
            cell["execution_count"] = None
            cell["outputs"] = _verdict(judged[grade_id]) if kind == "test" and grade_id in judged else []
        cells.append(cell)
        cells.extend(_code_cell(code) for code in added.get(grade_id, []))
    return {**source, "cells": cells}


def _verdict(judged: dict) -> list[dict]:
    failed = [check["message"] for check in judged["checks"] if not check["passed"]]
    if not failed:
        return []
    return [{"output_type": "error", "ename": "AssertionError", "evalue": failed[0], "traceback": failed}]


def _code_cell(code: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:8], "metadata": {},
            "outputs": [], "source": code}
