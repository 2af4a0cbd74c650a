"""`autograder check NOTEBOOK`: what a student runs before submitting.

It runs the student's own notebook and only the *form* checks of its visible test cells
(``expect_choice``, ``expect_shape``): is each answer there, of the right kind? It never has the
hidden tests (a released notebook does not contain them) and never says whether an answer is right.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from autograder.grading import judge_cell
from autograder.inert import printable
from autograder.plan import SubmissionError, build_steps, read_submission, student_work
from autograder.probes import ProtocolError, parse_test_cell
from autograder.sandbox import Limits, SandboxUnavailable, check_bwrap, run_steps
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


def check_notebook(path: Path, timeout: float = 120.0, out=None, unsafe: bool = False) -> int:
    """Print each form check's outcome; return 0 when all pass, 1 otherwise.

    Everything comes from the notebook itself (its visible test cells), never from ``course/source``.
    It runs in a bubblewrap sandbox when bubblewrap is here (a TA may check a student's notebook), on a
    private copy of the notebook alone: the code sees neither its folder nor the project."""
    out = out or sys.stdout
    try:
        cells = read_submission(path)
    except SubmissionError as err:
        print(f"{printable(path.name)}: {err}", file=out)
        return 1
    spec = form_spec(path)
    steps = build_steps(spec, student_work(spec, cells))
    bwrap = None
    if not unsafe:
        try:
            bwrap = check_bwrap()
        except SandboxUnavailable:
            print("autograder check: bubblewrap is not available: the notebook runs WITHOUT a sandbox, "
                  "with your rights (only check notebooks you trust).", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as home:
        shutil.copyfile(path, Path(home) / path.name)
        run = run_steps(steps, Path(home), Limits(notebook_timeout=timeout), bwrap=bwrap)
    failures = total = 0
    for cell in spec.tests:
        if not cell.probes:
            continue
        for check in judge_cell(cell, run)["checks"]:
            total += 1
            failures += not check["passed"]
            print(f"  ok   {printable(check['name'])}" if check["passed"] else f"  FIX  {printable(check['message'])}",
                  file=out)
    if run.problem:
        print(f"  the notebook did not run to the end: {run.problem}", file=out)
    print(f"{printable(path.name)}: {total - failures} of {total} form checks pass"
          f"{'' if failures else ' — ready to submit (this does not say whether answers are right)'}.", file=out)
    return 1 if failures else 0
