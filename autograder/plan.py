"""Turn a submitted notebook (untrusted) into the steps its sandbox runs.

Only the *code the student wrote* is taken from a submission: the cells whose grade_id is a solution
cell of the source, and cells the student added (run where they were added). Locked cells run as the
source has them; test cells are never taken from the submission at all — at their place the sandbox
evaluates the actual expressions of the source's checks (probes). Outputs, execution counts and every
other piece of metadata in the submission are ignored: they are re-executed, never trusted.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autograder.spec import NotebookSpec

MAX_NOTEBOOK_BYTES = 16 * 1024 * 1024


class SubmissionError(ValueError):
    """A submitted notebook the grader cannot read; the message says why in a student's words."""


def read_submission(path: Path) -> list[dict]:
    """The cells of a submitted notebook as ``{"type", "source", "grade_id"}``; tolerant of bad metadata."""
    if path.is_symlink():
        raise SubmissionError(f"{path.name} is a symbolic link, not a notebook")
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        raise SubmissionError(f"{path.name} is not a notebook (not valid JSON)") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise SubmissionError(f"{path.name} is not a notebook (no list of cells)")
    return [_read_cell(cell) for cell in cells if isinstance(cell, dict)]


def _read_cell(cell: dict) -> dict:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(part for part in source if isinstance(part, str))
    if not isinstance(source, str):
        source = ""
    metadata = cell.get("metadata")
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return {"type": cell.get("cell_type") if isinstance(cell.get("cell_type"), str) else "",
            "source": source, "grade_id": grade_id if isinstance(grade_id, str) else None}


STUDENT_KINDS = ("solution", "answer", "manual")
RUN_KINDS = ("solution", "answer")


def student_work(spec: NotebookSpec, cells: list[dict]) -> tuple[dict[str, str], list[tuple[str | None, str]]]:
    """What the student wrote: answers by grade_id (first cell wins) and added code cells with the
    grade_id of the nbgrader cell they follow (None: before any)."""
    kinds = {cell.grade_id: cell.kind for cell in spec.cells}
    answers: dict[str, str] = {}
    added: list[tuple[str | None, str]] = []
    anchor = None
    for cell in cells:
        grade_id = cell["grade_id"]
        if grade_id in kinds:
            if kinds[grade_id] in STUDENT_KINDS and grade_id not in answers:
                answers[grade_id] = cell["source"]
            anchor = grade_id
        elif cell["type"] == "code" and cell["source"].strip():
            added.append((anchor, cell["source"]))
    return answers, added


def build_steps(spec: NotebookSpec, cells: list[dict]) -> list[dict]:
    """Steps for the sandbox: ``{"code": ..., "where": ...}`` and ``{"probe": id, "expr": ...}``.

    The expected values are not in the steps: they never leave the grader's process.
    """
    answers, added = student_work(spec, cells)
    steps = [{"code": source, "where": "a cell you added"} for anchor, source in added if anchor is None]
    for cell in spec.cells:
        if cell.kind in RUN_KINDS and cell.grade_id in answers:
            steps.append({"code": answers[cell.grade_id], "where": f"cell {cell.grade_id}"})
        elif cell.kind == "fixed":
            steps.append({"code": cell.source, "where": f"cell {cell.grade_id}"})
        elif cell.kind == "test":
            steps.extend({"probe": f"{cell.grade_id}#{index}", "expr": probe.actual}
                         for index, probe in enumerate(cell.probes))
        steps.extend({"code": source, "where": f"a cell you added after {cell.grade_id}"}
                     for anchor, source in added if anchor == cell.grade_id)
    return steps


def find_notebook(files: list[Path], name: str, only_one: bool) -> Path | None:
    """The submitted file for source notebook ``name`` (LMS renames like ``name-1.ipynb`` accepted)."""
    notebooks = [path for path in files if path.suffix == ".ipynb"]
    for path in notebooks:
        if path.stem == name:
            return path
    for path in notebooks:
        stem, _, suffix = path.stem.rpartition("-")
        if stem == name and suffix.isdigit():
            return path
    return notebooks[0] if only_one and len(notebooks) == 1 else None


def as_json(steps: list[dict[str, Any]]) -> bytes:
    return json.dumps({"steps": steps}).encode()
