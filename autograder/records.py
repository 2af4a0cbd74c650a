"""The records a grading run keeps, and how every file of the kit is written: atomically.

``OUT/results/<student>.json`` is the source of truth: one record per student, written as soon as
the student is graded. grades.csv, feedback and the report are always rebuilt from *every* record
in ``OUT/results`` (not only the last run's), so a second batch, a re-run or an interrupted run
never leaves a student out. Every file goes through ``write_atomically``: a reader (or a crash)
sees the old file or the new one, never half of one.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

WHERE_FILE = "where.json"


def write_atomically(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise
    return path


def write_record(results: Path, record: dict) -> Path:
    """One student's record, atomically, as ``results/<student_id>.json``."""
    return write_atomically(Path(results) / f"{record['student_id']}.json", json.dumps(record, indent=1))


def read_record(path: Path) -> dict | None:
    """A record, or None for a missing or unreadable file (a run killed before its first write)."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("student_id"), str) else None


def read_records(results: Path, assignment: str | None = None) -> list[dict]:
    """Every record in a results folder (of ``assignment`` if given), sorted by student id."""
    records = []
    for path in sorted(Path(results).glob("*.json")):
        record = read_record(path)
        if record is not None and (assignment is None or record.get("assignment") == assignment):
            records.append(record)
    return sorted(records, key=lambda r: r["student_id"])


def remember_out(course: Path, assignment: str, out: Path) -> None:
    """Note where ``grade`` wrote an assignment's results, so ``feedback`` and ``report`` find them."""
    where = Path(course) / "grading" / WHERE_FILE
    known = _read_where(where)
    known[assignment] = str(Path(out).absolute())
    write_atomically(where, json.dumps(known, indent=1, sort_keys=True))


def results_folder(course: Path, assignment: str, given: Path | None) -> Path:
    """The OUT folder of an assignment: ``given``, else where ``grade`` last wrote it, else the default
    ``course/grading/ASSIGNMENT``."""
    if given is not None:
        return Path(given)
    remembered = _read_where(Path(course) / "grading" / WHERE_FILE).get(assignment)
    if isinstance(remembered, str) and (Path(remembered) / "results").is_dir():
        return Path(remembered)
    return Path(course) / "grading" / assignment


def _read_where(path: Path) -> dict:
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}
