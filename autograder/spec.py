"""An assignment as the grader knows it, read from the trusted source notebooks (never a submission).

The spec is plain data (JSON-ready), so one submission's grading is a self-contained unit: spec +
submission in, result record out — on this machine or in a Kubernetes Job.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.probes import Probe, ProtocolError, parse_test_cell, visible_source


class SpecError(ValueError):
    """The assignment cannot be graded as written; the message names the notebook and cell."""


@dataclass
class CellSpec:
    """One nbgrader cell of a source notebook that matters for grading.

    kind: "solution" (the student's code goes here), "answer" (the student's code, graded by hand),
    "fixed" (locked code: the source's version runs), "test" (autograded: its probes), "manual"
    (a written answer or task, graded by hand).
    """

    grade_id: str
    kind: str
    source: str = ""
    points: float = 0.0
    probes: list[Probe] = field(default_factory=list)

    @property
    def released_source(self) -> str:
        return visible_source(self.source) if self.kind == "test" else self.source


@dataclass
class NotebookSpec:
    name: str
    cells: list[CellSpec]

    @property
    def tests(self) -> list[CellSpec]:
        return [cell for cell in self.cells if cell.kind == "test"]

    @property
    def hand_graded(self) -> list[CellSpec]:
        """Cells a person grades in the Formgrader (a written answer, a task, code graded by hand)."""
        return [cell for cell in self.cells if cell.kind in HAND_KINDS and cell.points > 0]

    @property
    def max_score(self) -> float:
        """The autograded points of the notebook."""
        return sum(cell.points for cell in self.tests)

    @property
    def points_possible(self) -> float:
        """Every point of the notebook, autograded or graded by hand, as nbgrader's max_score counts them."""
        return self.max_score + sum(cell.points for cell in self.hand_graded)


HAND_KINDS = ("manual", "answer")


@dataclass
class AssignmentSpec:
    name: str
    notebooks: list[NotebookSpec]

    @property
    def max_score(self) -> float:
        """The autograded points of the assignment."""
        return sum(nb.max_score for nb in self.notebooks)

    @property
    def points_possible(self) -> float:
        """Every point, autograded or graded by hand (nbgrader's max_score; grades.csv's and the LMS's)."""
        return sum(nb.points_possible for nb in self.notebooks)

    def questions(self) -> list[tuple[str, str, float]]:
        """(notebook, grade_id, points) of every autograded test cell, in order."""
        return [(nb.name, cell.grade_id, cell.points) for nb in self.notebooks for cell in nb.tests]

    def hand_graded(self) -> list[tuple[str, str, float]]:
        """(notebook, grade_id, points) of every cell graded by hand in the Formgrader, in order."""
        return [(nb.name, cell.grade_id, cell.points) for nb in self.notebooks for cell in nb.hand_graded]

    def to_record(self) -> dict:
        return {"name": self.name, "notebooks": [
            {"name": nb.name, "cells": [
                {"grade_id": c.grade_id, "kind": c.kind, "source": c.source, "points": c.points,
                 "probes": [p.to_record() for p in c.probes]} for c in nb.cells]}
            for nb in self.notebooks]}

    def digest(self) -> str:
        """A fingerprint of everything that decides a grade (tests, expected values, points)."""
        text = json.dumps(self.to_record(), sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()


def _nbgrader_meta(cell: Any) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def cell_kind(cell: Any) -> str | None:
    """What nbgrader makes of a cell: solution, answer, test, manual, fixed, or None (not nbgrader's)."""
    meta = _nbgrader_meta(cell)
    if not meta.get("grade_id"):
        return None
    code = cell.get("cell_type") == "code"
    if meta.get("grade") and not meta.get("solution"):
        return "test" if code else "manual"
    if meta.get("solution"):
        if meta.get("grade"):
            return "answer" if code else "manual"
        return "solution" if code else None
    if meta.get("task"):
        return "manual"
    return "fixed" if code and meta.get("locked") else None


def read_cells(path: Path) -> list[dict]:
    """A notebook's cells as dicts with ``source`` joined into one string (nbformat v4 on disk)."""
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = notebook["cells"]
        for cell in cells:
            if isinstance(cell.get("source"), list):
                cell["source"] = "".join(cell["source"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise SpecError(f"{path}: not a readable notebook ({err})") from None
    return cells


def load_notebook(path: Path) -> NotebookSpec:
    """Read one source notebook; refuse a test cell outside the answer protocol."""
    cells, seen = [], set()
    for cell in read_cells(path):
        kind = cell_kind(cell)
        if kind is None:
            continue
        meta = _nbgrader_meta(cell)
        grade_id = str(meta["grade_id"])
        if grade_id in seen:
            raise SpecError(f"{path.name}: grade_id {grade_id!r} is used by two cells")
        seen.add(grade_id)
        spec = CellSpec(grade_id, kind, cell["source"], float(meta.get("points", 0) or 0))
        if kind == "test":
            try:
                spec.probes = parse_test_cell(cell["source"])
            except ProtocolError as err:
                raise SpecError(f"{path}: test cell {grade_id!r} does not follow the answer protocol "
                                f"(autograder.answers): {err}") from None
        cells.append(spec)
    return NotebookSpec(path.stem, cells)


def load_assignment(course: Path, assignment: str) -> AssignmentSpec:
    """The spec of ``course/source/<assignment>``: every notebook, in name order."""
    folder = Path(course) / "source" / assignment
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        raise SpecError(f"no notebooks in {folder}: is {assignment!r} an assignment of this course?")
    return AssignmentSpec(assignment, [load_notebook(path) for path in paths])
