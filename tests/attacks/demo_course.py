"""The demo course of the grading kit's tests, copied to a temporary folder and released with nbgrader."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from autograder.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "course"
FULL, HALF = 6, 2  # demo's autograded points; a half-right submission answers q1 only


def released_course(folder: Path) -> Path:
    """A fresh copy of the demo course with ``release/demo`` made by nbgrader (via ``autograder release``)."""
    course = folder / "course"
    shutil.copytree(FIXTURE, course)
    assert main(["release", "demo", "--course", str(course)]) == 0
    return course


def notebook(course: Path, kind: str) -> dict:
    """reference (the source, solutions in), blank (the release untouched) or half (release + q1 right)."""
    if kind == "reference":
        return json.loads((course / "source" / "demo" / "demo.ipynb").read_text())
    nb = json.loads((course / "release" / "demo" / "demo.ipynb").read_text())
    if kind == "half":
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q1-answer":
                cell["source"] = 'q1 = "B"'
    return nb


def write_student(submissions: Path, student: str, nb: dict, name: str = "demo.ipynb") -> Path:
    path = submissions / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path
