"""Back to the LMS: grades in the file Canvas or Moodle imports as it is, feedback packed as each takes it in bulk.

Grade files (``autograder export``):
  * Canvas — its gradebook CSV, as Canvas's own export writes it and its importer reads it: a header
    ``Student, ID, SIS User ID, SIS Login ID, Section, <assignment> (<id>)``, then a ``Points Possible``
    row, then one row per student keyed by Canvas's user ID (the number in the submissions download).
    The raw score and the late penalty ride along in columns whose names Canvas's importer never takes
    for an assignment (its read-only "Final Points" columns), so the import changes one column only.
  * Moodle — a CSV for "Import grades from CSV" (Grades > Import): an ``Email address`` (and
    ``ID number``) column to map students by, the grade, the raw score and the penalty. Moodle's
    submissions download names participants by a number the gradebook cannot map, so the emails come
    from a roster: the assignment's grading worksheet ("Download grading worksheet").
  * csv — one plain row per student: score, raw score, penalty, days late, what is still to be graded
    by hand.
A roster (``--roster``: the LMS's own export of the class — Canvas's gradebook export, Moodle's grading
worksheet, or a CSV with a ``student_id`` column) adds the students who submitted nothing (0, or blank
with ``--missing blank``) and flags submissions nobody on the roster made (never sent to the LMS).
Every file is UTF-8 with a byte-order mark (both LMSs read it; spreadsheets need it for names like
Müller), every cell inert (``autograder.inert``), written atomically. An export remembers how it was
made (``OUT/export/exports.json``) and is rebuilt whenever grades change (a regrade, a merge).

Feedback packs (``autograder feedback --pack``): Canvas's "Re-Upload Submissions" zip (files named as
its submissions download names them: ``name[_LATE]_<user id>_<attachment id>_...``; Canvas attaches each
to that submission as a comment), Moodle's "Upload multiple feedback files in a zip"
(``Full Name_<participant>_assignfeedback_file_/...``), or one folder per student.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.gradebook import CourseError
from autograder.inert import csv_cell, printable
from autograder.records import write_atomically
from autograder.scores import Standing, number
from autograder.spec import AssignmentSpec
from autograder.submissions import CANVAS_FILE, MOODLE_FOLDER, safe_file_name

FORMATS = ("canvas", "moodle", "csv")
PACKS = ("canvas", "moodle", "folders")
EXPORT_DIR = "export"
SETTINGS_FILE = "exports.json"
BOM = "\ufeff"
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_POSSIBLE = "    Points Possible"  # as Canvas writes it; its importer looks for "Points Possible"
CANVAS_TEST_STUDENT = ("Student, Test", "Test Student")  # Canvas's Student View user: not a learner
# Columns Canvas's importer never takes for an assignment (its totals; matched anywhere in a header)
CANVAS_NOT_ASSIGNMENTS = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points",
                          "Final Grade", "Override Score", "Override Grade", "Override Status")
TITLE_AND_ID = re.compile(r"^(?P<title>.*?)\s*\((?P<id>\d+)\)\s*$", re.S)


class ExportError(CourseError):
    """An export or a pack that cannot be made as asked; the message says why and what to pass."""


@dataclass
class Member:
    """One student of a roster, with every id the LMS gave them."""

    key: str  # Canvas user ID, Moodle participant number, or the student id of a plain roster
    name: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    email: str = ""
    id_number: str = ""
    username: str = ""


@dataclass
class Roster:
    kind: str  # canvas | moodle | plain
    members: list[Member]
    columns: list[str] = field(default_factory=list)  # Canvas: the assignment columns of its export
    left_out: list[str] = field(default_factory=list)


# -- reading a roster --------------------------------------------------------------------------------

def read_roster(path: Path) -> Roster:
    """The class as the LMS exported it: Canvas's gradebook CSV, Moodle's grading worksheet, or a plain
    CSV with a ``student_id`` column. Refuses (naming the file) anything else."""
    rows = _csv_rows(Path(path))
    if not rows:
        raise ExportError(f"roster {printable(path)} is empty")
    header = [cell.strip() for cell in rows[0]]
    if len(header) > 1 and "Student" in header[0] and "ID" in header[1]:
        return _canvas_roster(header, rows[1:])
    if "Identifier" in header:
        return _moodle_roster(header, rows[1:])
    if "student_id" in header:
        return _plain_roster(header, rows[1:])
    raise ExportError(f"roster {printable(path)}: not Canvas's gradebook export (Student, ID, ...), Moodle's "
                      "grading worksheet (Identifier, Full name, Email address, ...) nor a CSV with a "
                      "student_id column")


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ExportError(f"roster {printable(path)} cannot be read ({err.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # a spreadsheet saved it in the Windows code page
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if any(c.strip() for c in row)]


def _column(header: list[str], row: list[str], *names: str) -> str:
    for name in names:
        if name in header and header.index(name) < len(row):
            return row[header.index(name)].strip()
    return ""


def _canvas_roster(header: list[str], rows: list[list[str]]) -> Roster:
    last = max((i for i, name in enumerate(header) if "Section" in name), default=len(CANVAS_STUDENT_COLUMNS) - 1)
    totals = re.compile("|".join(CANVAS_NOT_ASSIGNMENTS))
    roster = Roster("canvas", [], columns=[name for name in header[last + 1:] if not totals.search(name)])
    for row in rows:
        first = row[0].strip() if row else ""
        if "Points Possible" in first or all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c or "", re.I) for c in row):
            continue
        if first in CANVAS_TEST_STUDENT:
            roster.left_out.append(f"{first} (Canvas's Student View user)")
            continue
        key = _column(header, row, "ID")
        if not key:
            roster.left_out.append(f"{printable(first)}: no Canvas ID in the roster")
            continue
        roster.members.append(Member(key, first, _column(header, row, "SIS User ID"),
                                     _column(header, row, "SIS Login ID"), _column(header, row, "Section")))
    return roster


def _moodle_roster(header: list[str], rows: list[list[str]]) -> Roster:
    roster = Roster("moodle", [])
    for row in rows:
        identifier = _column(header, row, "Identifier")
        number_part = re.search(r"(\d+)\s*$", identifier)
        if not number_part:
            roster.left_out.append(f"{printable(identifier)}: not a participant identifier")
            continue
        roster.members.append(Member(number_part[1], _column(header, row, "Full name"), email=_column(
            header, row, "Email address"), id_number=_column(header, row, "ID number"),
            username=_column(header, row, "Username")))
    return roster


def _plain_roster(header: list[str], rows: list[list[str]]) -> Roster:
    roster = Roster("plain", [])
    for row in rows:
        key = _column(header, row, "student_id")
        if key:
            roster.members.append(Member(key, _column(header, row, "name"), email=_column(header, row, "email"),
                                         id_number=_column(header, row, "lms_id")))
    return roster


def matches(member: Member, record: dict, kind: str) -> bool:
    """Whether a record is this roster member's: by the LMS id intake kept, else by a login the LMS gave."""
    lms_id, student = str(record.get("lms_id") or ""), record["student_id"]
    if kind == "canvas":
        return (record.get("lms") == "canvas" and lms_id == member.key) or \
            (not record.get("lms") and student in filter(None, (member.sis_login_id, member.sis_user_id)))
    if kind == "moodle":
        return (record.get("lms") == "moodle" and lms_id == member.key) or \
            (not record.get("lms") and student in filter(None, (member.email, member.username, member.id_number)))
    return student == member.key or (bool(lms_id) and lms_id == member.id_number)


# -- the class as the LMS will see it ---------------------------------------------------------------------

@dataclass
class Row:
    """One student in an export: their roster entry (if any) and their standing (None: submitted nothing)."""

    member: Member | None
    standing: Standing | None


@dataclass
class ClassList:
    rows: list[Row]
    not_on_roster: list[Standing] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def class_list(standings: list[Standing], roster: Roster | None) -> ClassList:
    """Everyone on the roster (with or without a submission), and the submissions nobody on it made."""
    if roster is None:
        return ClassList([Row(None, one) for one in standings])
    rows, taken = [], set()
    for member in roster.members:
        mine = [one for one in standings if matches(member, one.record, roster.kind)]
        rows.append(Row(member, mine[0] if mine else None))
        taken.update(one.record["student_id"] for one in mine)
    others = [one for one in standings if one.record["student_id"] not in taken]
    return ClassList(rows, others, list(roster.left_out))


# -- writing the grade files ------------------------------------------------------------------------------

@dataclass
class Export:
    """How an export is made (kept in ``OUT/export/exports.json`` to rebuild it when grades change)."""

    kind: str
    file: str
    roster: str | None = None
    column: str | None = None
    missing: str = "zero"  # zero | blank: the grade of a roster student who submitted nothing
    score: str = "final"  # final | raw: which score goes in the LMS's grade column


@dataclass
class Written:
    path: Path
    rows: int
    listed: ClassList
    skipped: list[str]
    pending: int


def write_export(spec: AssignmentSpec, standings: list[Standing], export: Export) -> Written:
    """Write one export file; what could not go into it is returned, never dropped silently."""
    roster = read_roster(Path(export.roster)) if export.roster else None
    listed = class_list(standings, roster)
    writer = {"canvas": _canvas_rows, "moodle": _moodle_rows, "csv": _plain_rows}[export.kind]
    rows, skipped = writer(spec, listed, export, roster)
    stream = io.StringIO(newline="")
    out = csv.writer(stream, lineterminator="\r\n")
    for row in rows:
        out.writerow([csv_cell(cell) for cell in row])
    path = write_atomically(Path(export.file), BOM + stream.getvalue())
    pending = sum(1 for row in listed.rows if row.standing and row.standing.pending)
    return Written(path, len(rows), listed, skipped, pending)


def _grade_of(row: Row, export: Export) -> tuple[str, str, str]:
    """(grade, raw score, penalty) as the LMS gets them; a roster student without a submission gets 0 or ''."""
    if row.standing is None:
        nothing = "0" if export.missing == "zero" else ""
        return nothing, nothing, ""
    one = row.standing
    grade = one.raw if export.score == "raw" else one.score
    return number(grade), number(one.raw), number(one.penalty)


def canvas_column(spec: AssignmentSpec, roster: Roster | None, given: str | None) -> str:
    """The Canvas assignment column: ``Title (id)`` as the roster (Canvas's own export) names it, or as
    given; a bare title makes Canvas match the assignment by name (or create it)."""
    wanted = given or spec.name
    if TITLE_AND_ID.match(wanted):
        return wanted
    for column in (roster.columns if roster and roster.kind == "canvas" else []):
        match = TITLE_AND_ID.match(column)
        if match and match["title"] == wanted:
            return column
    return wanted


def _canvas_rows(spec, listed: ClassList, export: Export, roster: Roster | None):
    column = canvas_column(spec, roster, export.column)
    title = TITLE_AND_ID.match(column)["title"] if TITLE_AND_ID.match(column) else column
    extra = [f"{title} Final Points before late penalty", f"{title} late penalty (Final Points deducted)"]
    rows = [[*CANVAS_STUDENT_COLUMNS, column, *extra],
            [CANVAS_POINTS_POSSIBLE, "", "", "", "", number(spec.points_possible), "(read only)", "(read only)"]]
    skipped = []
    for row in listed.rows:
        member, one = row.member, row.standing
        record = one.record if one else {}
        canvas_id = member.key if member else (str(record.get("lms_id")) if record.get("lms") == "canvas" else "")
        if not canvas_id:
            skipped.append(f"{printable(record.get('student_id', '?'))}: no Canvas user ID (not from a Canvas "
                           "export; pass --roster with Canvas's gradebook export to match SIS login IDs)")
            continue
        name = member.name if member and member.name else record.get("name") or record.get("student_id", "")
        grade, raw, penalty = _grade_of(row, export)
        rows.append([name, canvas_id, member.sis_user_id if member else "", member.sis_login_id if member else "",
                     member.section if member else "", grade, raw, penalty])
    return rows, skipped


def _moodle_rows(spec, listed: ClassList, export: Export, roster: Roster | None):
    column = export.column or spec.name
    rows = [["Email address", "ID number", "Participant", "Full name", column, f"{column} raw score",
             f"{column} late penalty"]]
    skipped = []
    for row in listed.rows:
        member, one = row.member, row.standing
        record = one.record if one else {}
        email, id_number = (member.email, member.id_number) if member else ("", "")
        if not (email or id_number):
            skipped.append(f"{printable(record.get('student_id') or (member.key if member else '?'))}: no email "
                           "address or ID number Moodle can map (pass --roster with the assignment's grading worksheet)")
            continue
        participant = member.key if member and roster and roster.kind == "moodle" else str(record.get("lms_id") or "")
        name = (member.name if member and member.name else record.get("name")) or record.get("student_id", "")
        grade, raw, penalty = _grade_of(row, export)
        rows.append([email, id_number, participant, name, grade, raw, penalty])
    return rows, skipped


PLAIN_COLUMNS = ["student_id", "name", "lms_id", "on_roster", "submitted", "score", "max_score", "raw_score",
                 "late_penalty", "days_late", "late", "to_grade_by_hand", "problem"]


def _plain_rows(spec, listed: ClassList, export: Export, roster: Roster | None):
    rows = [PLAIN_COLUMNS]
    on_roster = "yes" if roster else ""
    for row in listed.rows + [Row(None, one) for one in listed.not_on_roster]:
        one, member = row.standing, row.member
        record = one.record if one else {}
        grade, raw, penalty = _grade_of(row, export)
        rows.append([record.get("student_id") or (member.key if member else ""),
                     (member.name if member and member.name else "") or record.get("name", ""),
                     record.get("lms_id", "") or (member.key if member and roster.kind != "plain" else ""),
                     on_roster if (member or not roster) else "no", "yes" if one else "no", grade,
                     number(spec.points_possible), raw, penalty, one.days_late if one and one.days_late else "",
                     {True: "yes", False: "no"}.get(record.get("late"), ""), " ".join(one.pending) if one else "",
                     record.get("problem", "")])
    return rows, []


def default_file(out: Path, assignment: str, kind: str) -> Path:
    return Path(out) / EXPORT_DIR / f"{safe_file_name(assignment)}-{kind}.csv"


def remember(out: Path, export: Export) -> None:
    settings = _settings(out)
    settings[export.kind] = export.__dict__
    write_atomically(Path(out) / EXPORT_DIR / SETTINGS_FILE, json.dumps(settings, indent=1, sort_keys=True))


def _settings(out: Path) -> dict:
    try:
        settings = json.loads((Path(out) / EXPORT_DIR / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return settings if isinstance(settings, dict) else {}


def refresh_exports(spec: AssignmentSpec, out: Path, standings: list[Standing]) -> list[Path]:
    """Rebuild every export made before from ``out``, so the LMS files never lag the grades."""
    written = []
    for kind, made in _settings(out).items():
        if kind not in FORMATS or not isinstance(made, dict):
            continue
        try:
            written.append(write_export(spec, standings, Export(**made)).path)
        except (ExportError, TypeError) as err:
            print(f"autograder: WARNING: the {kind} export of {printable(out)} was not rebuilt: {err}", file=sys.stderr)
    return written


# -- feedback for the LMS ---------------------------------------------------------------------------------

def pack_feedback(spec: AssignmentSpec, standings: list[Standing], kind: str, target: Path) -> tuple[Path, int, list[str]]:
    """A zip of feedback pages the LMS takes in bulk (or one folder per student); returns the zip, how many
    pages it holds, and the students left out (with why)."""
    from autograder.reports import feedback_html
    buffer, count, skipped = io.BytesIO(), 0, []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for one in standings:
            record = one.record
            for notebook, page in feedback_html(one, spec).items():
                name = _pack_name(kind, record, notebook)
                if name is None:
                    skipped.append(f"{printable(record['student_id'])}: {_why_not(kind, record)}")
                    break
                archive.writestr(name, page)
                count += 1
    return write_atomically(Path(target), buffer.getvalue()), count, skipped


def _pack_name(kind: str, record: dict, notebook: str) -> str | None:
    page = safe_file_name(f"{notebook}-feedback.html")
    if kind == "folders":
        return f"{record['student_id']}/{safe_file_name(notebook + '.html')}"
    if record.get("lms") != kind:
        return None
    graded = next((nb.get("file") for nb in record["notebooks"] if nb["name"] == notebook), None)
    original = (record.get("lms_files") or {}).get(graded or "", "") or next(iter((record.get("lms_files") or {}).values()), "")
    if kind == "canvas":
        match = CANVAS_FILE.match(original)
        if not match:
            return None
        prefix = f"{match['name']}{match['late'] or ''}_{match['id']}_{match['subid']}"
        return safe_file_name(f"{prefix}_{page}")
    folder = MOODLE_FOLDER.match(original.split("/", 1)[0]) if "/" in original else None
    participant = folder["id"] if folder else str(record.get("lms_id") or "")
    if not participant.isdigit():
        return None
    full_name = " ".join((record.get("name") or "student").replace("_", " ").split()) or "student"
    return f"{safe_file_name(full_name)}_{participant}_assignfeedback_file_/{page}"


def _why_not(kind: str, record: dict) -> str:
    return {"canvas": "not from a Canvas submissions download (Canvas needs its user and attachment ids in the name)",
            "moodle": "not from a Moodle submissions download (Moodle needs its participant number)"}.get(kind, "")
