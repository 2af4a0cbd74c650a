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
import stat
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.inert import csv_cell, printable, sanitize_markdown
from autograder.records import write_atomically


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


def late_policy(course: Path):
    """The course's late policy (``c.LatePenalty``: due dates, grace, penalty) and the plug-in nbgrader
    itself would apply (``c.AssignLatePenalties.plugin_class``; None when it is that same policy)."""
    from traitlets.utils.importstring import import_item
    from autograder.late import LatePenalty
    config = load_config(course)
    policy = LatePenalty(config=config)
    chosen = config.AssignLatePenalties.get("plugin_class") if "AssignLatePenalties" in config else None
    if chosen is None:
        return policy, None
    try:
        plugin_class = import_item(chosen) if isinstance(chosen, str) else chosen
    except (ImportError, AttributeError, ValueError) as err:
        raise CourseError(f"c.AssignLatePenalties.plugin_class = {chosen!r} cannot be imported: {err}") from None
    return policy, (None if plugin_class is LatePenalty else plugin_class(config=config))


def hand_marks(course: Path, assignment: str):
    """What nbgrader's gradebook holds beside the autograder's points, per student: each cell's
    (manual_score, auto_score, extra_credit) — a person's points, nbgrader's automatic ones (0 for an answer
    left as released), extra credit —, each student's extension, and the assignment's due date. Empty
    without a gradebook."""
    coursedir = _coursedir(course)
    url = coursedir.db_url
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        return {}, {}, None
    from nbgrader.api import Gradebook, MissingEntry
    marks, extensions = {}, {}
    with Gradebook(url, coursedir.course_id) as gradebook:
        try:
            due = gradebook.find_assignment(assignment).duedate
        except MissingEntry:
            return {}, {}, None
        for submission in gradebook.assignment_submissions(assignment):
            student = submission.student.id
            if submission.extension:
                extensions[student] = submission.extension
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    marks.setdefault(student, {})[(notebook.name, grade.name)] = (
                        grade.manual_score, grade.auto_score, grade.extra_credit or 0.0)
    return marks, extensions, due


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

    def __init__(self, course: Path, assignment: str, marking=None):
        from nbgrader.api import Gradebook, MissingEntry
        coursedir = _coursedir(course)
        self.assignment = assignment
        self.marking = marking  # autograder.scores.Marking: the late policy, as nbgrader's plug-in applies it
        self._missing = MissingEntry
        self.coursedir = coursedir
        self.gradebook = Gradebook(coursedir.db_url, coursedir.course_id)
        self._released: dict[str, dict] = {}
        try:
            self.gradebook.find_assignment(assignment)
        except MissingEntry:
            self.close()
            raise CourseError(f"{assignment!r} is not in the gradebook {coursedir.db_url}: "
                              f"run `autograder release {assignment}` first") from None
        due = marking.policy.due_date(assignment) if marking is not None else None
        if due is not None:  # the configured due date, where the Formgrader and nbgrader look for it
            self.gradebook.update_or_create_assignment(assignment, duedate=due)

    def write(self, record: dict, regraded: bool = True) -> None:
        """The student's scores as nbgrader's own autograde would leave them (SaveAutoGrades): a test
        cell's auto_score, and ``needs_manual_grade`` only where a person must look — an answer graded
        by hand that the student changed, or a cell a grader already scored by hand (when the submission
        was graded anew; an unchanged one keeps the grader's review). Solution cells left as released get
        nbgrader's "No response." comment; each notebook's late penalty is the course policy's
        (AssignLatePenalties). All of it in one transaction."""
        gradebook = self.gradebook
        student = record["student_id"]
        with _one_transaction(gradebook.db):
            details = {}
            if record.get("lms_id"):
                details["lms_user_id"] = str(record["lms_id"])
            if record.get("name") and record["name"] != student:
                details["last_name"] = csv_cell(record["name"])[:128]
            gradebook.update_or_create_student(student, **details)
            timestamp = _timestamp(record)
            with warnings.catch_warnings():
                # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; the rows are right.
                warnings.simplefilter("ignore")
                gradebook.update_or_create_submission(self.assignment, student,
                                                      **({"timestamp": timestamp} if timestamp else {}))
            for notebook in record["notebooks"]:
                judged = {cell["grade_id"]: cell for cell in notebook["cells"]}
                release = {_grade_id(cell): cell for cell in self._release(notebook["name"])["cells"]}
                try:
                    source = gradebook.find_notebook(notebook["name"], self.assignment)
                except self._missing:
                    continue
                notebook_score = 0.0
                for cell in source.grade_cells:
                    grade = gradebook.find_grade(cell.name, notebook["name"], self.assignment, student)
                    if cell.name in judged:
                        grade.auto_score = judged[cell.name]["points"]
                    else:
                        grade.auto_score = 0.0 if self._unchanged(release.get(cell.name), notebook) else None
                    if regraded or grade.manual_score is None:
                        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
                    given = grade.manual_score if grade.manual_score is not None else grade.auto_score
                    notebook_score += (given or 0.0) + (grade.extra_credit or 0.0)
                submitted = gradebook.find_submission_notebook(notebook["name"], self.assignment, student)
                submitted.late_submission_penalty = self._penalty(record, notebook_score)
                for cell in source.solution_cells:
                    if cell.name in {task.name for task in source.task_cells}:
                        continue
                    comment = gradebook.find_comment(cell.name, notebook["name"], self.assignment, student)
                    comment.auto_comment = "No response." if self._unchanged(release.get(cell.name), notebook) else None

    def _penalty(self, record: dict, score: float) -> float | None:
        """nbgrader's late_submission_penalty of one notebook: the course policy applied to its score."""
        if self.marking is None:
            return None
        from autograder.late import extended, lateness
        marking = self.marking
        due = extended(marking.due, marking.extensions.get(record["student_id"]))
        seconds, _ = lateness(record, due, marking.policy)
        return marking.penalty(record["student_id"], score, seconds) or None

    def _release(self, notebook: str) -> dict:
        """The released notebook (nbgrader's student version, with its checksums), read once."""
        if notebook not in self._released:
            root = Path(self.coursedir.root)
            path = root / self.coursedir.release_directory / self.assignment / f"{notebook}.ipynb"
            try:
                self._released[notebook] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._released[notebook] = {"cells": []}
        return self._released[notebook]

    @staticmethod
    def _unchanged(released: dict | None, notebook: dict) -> bool:
        """nbgrader's test for "no response": the cell's checksum is the released one."""
        if released is None:
            return False
        answer = notebook.get("answers", {}).get(_grade_id(released))
        if answer is None:
            return True
        from nbformat import from_dict
        from nbgrader.utils import compute_checksum
        cell = from_dict(json.loads(json.dumps(released)))
        cell.source = answer
        return cell.metadata.get("nbgrader", {}).get("checksum") == compute_checksum(cell)

    def write_submitted(self, submission) -> Path | None:
        """nbgrader's ``submitted/<student>/<assignment>/``, as ``nbgrader zip_collect`` would fill it, from
        the grader's private copy (and nbgrader's timestamp.txt when the export had one), so nbgrader's own
        tools see what was graded. Skipped for a submission without a notebook."""
        root = Path(self.coursedir.root)
        folder = root / self.coursedir.submitted_directory / submission.student_id / self.assignment
        if submission.folder is None or not any(path.suffix == ".ipynb" for path in submission.files):
            return None  # nbgrader would warn "no notebooks matched"; the gradebook already says 0
        staging = folder.with_name(f".{self.assignment}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(submission.folder, staging, symlinks=True)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
        return folder

    def write_autograded(self, record: dict) -> list[Path]:
        """nbgrader's ``autograded/<student>/<assignment>/<notebook>.ipynb``, so formgrader (manual
        grading) and ``nbgrader generate_feedback`` work on what we graded. Built from the RELEASED
        notebook (no hidden tests, nbgrader's checksums): the student's answers in their cells — a
        markdown answer sanitised, as the Formgrader renders it live — and the judge's messages as the
        output of a failed test cell. Written atomically."""
        root = Path(self.coursedir.root)
        folder = root / self.coursedir.autograded_directory / record["student_id"] / self.assignment
        written = []
        for notebook in record["notebooks"]:
            base = self._release(notebook["name"])
            if not base["cells"]:
                source = root / self.coursedir.source_directory / self.assignment / f"{notebook['name']}.ipynb"
                base = json.loads(source.read_text(encoding="utf-8"))
            text = json.dumps(autograded_notebook(base, notebook), indent=1, ensure_ascii=False)
            written.append(write_atomically(folder / f"{notebook['name']}.ipynb", text))
        submitted = root / self.coursedir.submitted_directory / record["student_id"] / self.assignment
        for name in SUBMISSION_FILES:
            data = _small_regular_file(submitted / name)
            if data is not None:
                written.append(write_atomically(folder / name, data))
        return written

    def scores(self) -> dict[str, float]:
        """Student id -> autograded score, as the gradebook has it (for checks and merges)."""
        return {s.student.id: s.code_score for s in self.gradebook.assignment_submissions(self.assignment)}

    def close(self) -> None:
        self.gradebook.close()


# nbgrader's own files beside a submission: `nbgrader autograde` carries them into autograded/, and
# generate_feedback/release_feedback need them there (release_feedback fails without timestamp.txt).
SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")


def _small_regular_file(path: Path, limit: int = 4096) -> bytes | None:
    """The bytes of ``path`` if it is a small regular file (never through a link), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return stream.read(limit + 1)[:limit]


def _grade_id(cell: dict) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell.get("metadata"), dict) else {}
    return meta.get("grade_id") if isinstance(meta, dict) else None


def _timestamp(record: dict):
    """nbgrader's submission time, from nbgrader's own timestamp.txt only (an LMS zip's clock is not it)."""
    if record.get("submitted_from") != "timestamp.txt" or not record.get("submitted_at"):
        return None
    from nbgrader.utils import parse_utc
    try:
        return parse_utc(record["submitted_at"])
    except (ValueError, TypeError, OverflowError):
        return None


def autograded_notebook(source: dict, graded: dict) -> dict:
    """The released (or source) notebook with the student's answers and the judge's verdicts."""
    from autograder.probes import HIDDEN_BEGIN, visible_source
    from autograder.spec import cell_kind
    judged = {cell["grade_id"]: cell for cell in graded["cells"]}
    answers = graded.get("answers", {})
    added: dict = {}
    for anchor, code in graded.get("added", []):
        added.setdefault(anchor, []).append(code)
    cells = [_code_cell(code) for code in added.get(None, [])]
    for original in source["cells"]:
        cell = json.loads(json.dumps(original))
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        kind = cell_kind(cell)
        grade_id = _grade_id(cell)
        if kind in ("solution", "answer", "manual") and grade_id in answers:
            text = answers[grade_id]
            if cell["cell_type"] != "code":
                text = sanitize_markdown(text)
        elif kind == "test" and HIDDEN_BEGIN in text:  # the source notebook: hide its hidden tests
            text = visible_source(text)
        cell["source"] = text
        if cell["cell_type"] == "code":
            cell["execution_count"] = None
            cell["outputs"] = _verdict(judged[grade_id]) if kind == "test" and grade_id in judged else []
        cells.append(cell)
        cells.extend(_code_cell(code) for code in added.get(grade_id, []))
    return {**source, "cells": cells}


def _verdict(judged: dict) -> list[dict]:
    failed = [printable(check["message"]) for check in judged["checks"] if not check["passed"]]
    if not failed:
        return []
    return [{"output_type": "error", "ename": "AssertionError", "evalue": failed[0], "traceback": failed}]


def _code_cell(code: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:8], "metadata": {},
            "outputs": [], "source": code}
