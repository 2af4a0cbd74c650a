"""Headless execution time of every lesson notebook (nbclient), per notebook and in total.

Prints figures, never passes or fails on time. The goal for lessons 02-09 is under 60 s in total on the
course machine; the baseline printed first (a notebook with one trivial cell, run the same way, in the
same run) shows how much of each figure is kernel start-up rather than the lesson.

    python benchmarks/notebooks.py [notebooks/02-*.ipynb ...]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(notebook: nbformat.NotebookNode, workdir: Path) -> float:
    """Run a notebook top to bottom in a fresh kernel; return wall-clock seconds."""
    started = time.perf_counter()
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return time.perf_counter() - started


def main(paths: list[str]) -> int:
    files = [Path(p) for p in paths] or sorted(NOTEBOOKS.glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as scratch:
        baseline_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
        baseline = execute(baseline_nb, Path(scratch))
        print(f"{'baseline (empty kernel run)':<48} {baseline:6.1f} s")
        total = 0.0
        for path in files:
            seconds = execute(nbformat.read(path, as_version=4), path.parent)
            total += seconds
            print(f"{path.name:<48} {seconds:6.1f} s   {seconds / baseline:5.1f}x baseline")
        print(f"{'total (' + str(len(files)) + ' notebooks)':<48} {total:6.1f} s   "
              f"{total / baseline:5.1f}x baseline; without kernel start-ups ≈ "
              f"{max(0.0, total - baseline * len(files)):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
