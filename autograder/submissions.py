"""Find who submitted what: a folder of ``<student>/...`` or an LMS export zip (Canvas naming).

Everything here is untrusted input. Symbolic links are refused (a link could point a "submission" at
the course's source), zip members are written flat under the student's own folder with size caps.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

CANVAS_NAME = re.compile(r"^(?P<name>[A-Za-z0-9.-]+?)(?:_LATE)?_(?P<id>\d+)_(?P<subid>\d+)_(?P<file>.+)$")
SAFE_ID = re.compile(r"[^A-Za-z0-9._-]")
MAX_MEMBER_BYTES = 64 * 1024**2
MAX_ZIP_BYTES = 2 * 1024**3


class SubmissionsError(ValueError):
    """SUBMISSIONS is neither a folder nor a zip the grader can read (a grader-level error)."""


@dataclass
class Submission:
    """One student's files (all inside ``folder``), or the reason there are none usable."""

    student_id: str
    folder: Path | None
    files: list[Path] = field(default_factory=list)
    problem: str = ""


def collect(path: Path, assignment: str, workdir: Path) -> list[Submission]:
    """Every student found in ``path`` (folder or zip), sorted by id; zips are unpacked into ``workdir``."""
    path, workdir = Path(path).absolute(), Path(workdir).absolute()
    if path.is_dir():
        return sorted(_from_folder(path, assignment), key=lambda s: s.student_id)
    if zipfile.is_zipfile(path):
        return sorted(_from_zip(path, workdir), key=lambda s: s.student_id)
    raise SubmissionsError(f"{path}: not a folder of <student>/<notebook>.ipynb nor an LMS export zip")


def _from_folder(root: Path, assignment: str) -> list[Submission]:
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        student = SAFE_ID.sub("_", entry.name)
        if entry.is_symlink():
            found.append(Submission(student, None, problem="the submission is a symbolic link"))
            continue
        if not entry.is_dir():
            continue
        folder = entry / assignment if (entry / assignment).is_dir() and not (entry / assignment).is_symlink() else entry
        files = sorted(p for p in folder.iterdir() if p.is_file() or p.is_symlink())
        links = [p.name for p in files if p.is_symlink()]
        problem = f"symbolic links are not accepted: {', '.join(links)}" if links else ""
        found.append(Submission(student, folder, [p for p in files if not p.is_symlink()], problem))
    return found


def _from_zip(archive: Path, workdir: Path) -> list[Submission]:
    students: dict[str, Submission] = {}
    total = 0
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            if member.is_dir():
                continue
            match = CANVAS_NAME.match(Path(member.filename).name)
            if not match:
                continue
            student = SAFE_ID.sub("_", match["name"])
            name = SAFE_ID.sub("_", match["file"])
            if student not in students:
                shutil.rmtree(workdir / student, ignore_errors=True)
                students[student] = Submission(student, workdir / student)
            submission = students[student]
            total += member.file_size
            if member.file_size > MAX_MEMBER_BYTES or total > MAX_ZIP_BYTES:
                submission.problem = f"{name} is too large to grade"
                continue
            target = workdir / student / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(member) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
            submission.files.append(target)
    return list(students.values())
