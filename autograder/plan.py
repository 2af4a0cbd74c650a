"""Turn a submitted notebook (untrusted) into the steps its sandbox runs.

Only the *code the student wrote* is taken from a submission: the cells whose grade_id is a solution
cell of the source, and cells the student added (run where they were added). Locked cells run as the
source has them; test cells are never taken from the submission at all — at their place the sandbox
evaluates the actual expressions of the source's checks (probes). Outputs, execution counts and every
other piece of metadata in the submission are ignored: they are re-executed, never trusted.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from autograder.inert import printable
from autograder.spec import NotebookSpec

MAX_NOTEBOOK_BYTES = 16 * 1024 * 1024
# A course notebook has tens of cells; a student adds some. 460,000 empty cells fit in 16 MiB and would
# cost minutes of the grader's time and an autograded notebook the Formgrader cannot open.
MAX_CELLS = 5000


class SubmissionError(ValueError):
    """A submitted notebook the grader cannot read; the message says why in a student's words."""


def read_submission(path: Path) -> list[dict]:
    """The cells of a submitted notebook as ``{"type", "source", "grade_id"}``; tolerant of bad metadata.

    The notebook is read with a cap (never more than MAX_NOTEBOOK_BYTES + 1 bytes, whatever the file
    claims to be) and its cells are counted before it is parsed, so one submission cannot hold the
    grader's memory or time."""
    shown = printable(path.name)
    if path.is_symlink():
        raise SubmissionError(f"{shown} is a symbolic link, not a notebook")
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as err:
        raise SubmissionError(f"{shown} cannot be read ({err.strerror})") from None
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"{shown} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    if data.count(b'"cell_type"') > MAX_CELLS:
        raise SubmissionError(f"{shown} has more than {MAX_CELLS} cells: not graded")
    try:
        data = json.loads(data)
    except (ValueError, RecursionError):
        raise SubmissionError(f"{shown} is not a notebook (not valid JSON)") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise SubmissionError(f"{shown} is not a notebook (no list of cells)")
    if len(cells) > MAX_CELLS:
        raise SubmissionError(f"{shown} has more than {MAX_CELLS} cells: not graded")
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


def build_steps(spec: NotebookSpec, work: tuple[dict[str, str], list[tuple[str | None, str]]]) -> list[dict]:
    """Steps for the sandbox: ``{"code": ..., "where": ...}`` and ``{"probe": id, "expr": ...}``.

    ``work`` is ``student_work(spec, cells)``, computed once per notebook by the caller (the record keeps
    it too). The expected values are not in the steps: they never leave the grader's process.
    """
    answers, added = work
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


def find_notebook(files: list[Path], folder: Path | None, name: str, only_one: bool) -> tuple[Path | None, str]:
    """The submitted file for source notebook ``name``, and a problem to show when the choice was not clear.

    ``name.ipynb`` first, then LMS renames of it (``name-1.ipynb``, ``name (2).ipynb``: the highest
    number is the latest upload); for a one-notebook assignment, the only notebook whatever its name.
    Notebooks at the top of the submission come before those in subfolders."""
    def depth(path: Path) -> int:
        return len(path.relative_to(folder).parts) if folder is not None and path.is_relative_to(folder) else 1

    notebooks = sorted((path for path in files if path.suffix == ".ipynb"), key=lambda p: (depth(p), str(p)))
    exact = [path for path in notebooks if path.stem == name]
    renamed = sorted((path for path in notebooks if _rename_number(path.stem, name) is not None),
                     key=lambda path: _rename_number(path.stem, name))
    candidates = exact[:1] + renamed[::-1] + exact[1:]
    if candidates:
        chosen = candidates[0]
        if len(candidates) > 1:
            others = ", ".join(printable(p.relative_to(folder).as_posix() if folder else p.name) for p in candidates[1:])
            return chosen, (f"{len(candidates)} notebooks could be {printable(name)}.ipynb: graded "
                            f"{printable(chosen.name)}, not {others}")
        return chosen, ""
    if only_one and len(notebooks) == 1:
        return notebooks[0], ""
    if notebooks:
        listed = ", ".join(printable(p.name) for p in notebooks[:5])
        return None, (f"no {printable(name)}.ipynb in the submission ({len(notebooks)} other notebook(s): "
                      f"{listed}; rename the one to grade)")
    return None, f"no {printable(name)}.ipynb in the submission"


def _rename_number(stem: str, name: str) -> int | None:
    """``name-3`` or ``name (3)`` (how LMSs and browsers rename a second upload) -> 3."""
    for pattern in (rf"^{re.escape(name)}-(\d+)$", rf"^{re.escape(name)} \((\d+)\)$"):
        match = re.match(pattern, stem)
        if match:
            return int(match[1])
    return None


def as_json(steps: list[dict[str, Any]]) -> bytes:
    return json.dumps({"steps": steps}).encode()
