"""`autograder check NOTEBOOK`: what a student runs before submitting.

It runs the student's own notebook and only the *form* checks of its visible test cells
(``expect_choice``, ``expect_shape``): is each answer there, of the right kind? It never has the
hidden tests (a released notebook does not contain them) and never says whether an answer is right.
"""
from __future__ import annotations

import sys
from pathlib import Path

from autograder.grading import judge_cell
from autograder.plan import build_steps, read_submission
from autograder.probes import ProtocolError, parse_test_cell
from autograder.sandbox import Limits, run_steps
from autograder.spec import CellSpec, NotebookSpec, cell_kind, read_cells

FORM_CHECKS = {"expect_choice", "expect_shape"}


def form_spec(path: Path) -> NotebookSpec:
    """The notebook's own cells, with only the form checks of its test cells."""
    cells = []
    for cell in read_cells(path):
        kind = cell_kind(cell)
        if kind in (None, "manual"):
            continue
        grade_id = str(cell["metadata"]["nbgrader"]["grade_id"])
        spec = CellSpec(grade_id, kind, cell["source"])
        if kind == "test":
            try:
                spec.probes = [p for p in parse_test_cell(cell["source"]) if p.check_fn in FORM_CHECKS]
            except ProtocolError:
                spec.probes = []
        cells.append(spec)
    return NotebookSpec(path.stem, cells)


def check_notebook(path: Path, timeout: float = 120.0, out=sys.stdout) -> int:
    """Print each form check's outcome; return 0 when all pass, 1 otherwise."""
    spec = form_spec(path)
    steps = build_steps(spec, read_submission(path))
    # The student's own code on the student's own machine: no sandbox is needed to protect anything.
    run = run_steps(steps, path.parent.resolve(), Limits(notebook_timeout=timeout), bwrap=None)
    failures = total = 0
    for cell in spec.tests:
        if not cell.probes:
            continue
        for check in judge_cell(cell, run)["checks"]:
            total += 1
            failures += not check["passed"]
            print(f"  ok   {check['name']}" if check["passed"] else f"  FIX  {check['message']}", file=out)
    print(f"{path.name}: {total - failures} of {total} form checks pass"
          f"{'' if failures else ' — ready to submit (this does not say whether answers are right)'}.", file=out)
    return 1 if failures else 0
