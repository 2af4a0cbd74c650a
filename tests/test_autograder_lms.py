"""Back to the LMS: Canvas, Moodle and plain exports read back as each LMS reads them, a roster that adds
who submitted nothing and flags who is on none, the late policy (raw score and penalty both recorded
and exported), regrading one student, and feedback packed as each LMS takes it in bulk."""
from __future__ import annotations

import csv
import io
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main
from conftest import require_tool

sys.path.insert(0, str(Path(__file__).resolve().parent / "attacks"))
import demo_course  # noqa: E402

pytestmark = pytest.mark.slow
LATE_POLICY = '''
c.AssignLatePenalties.plugin_class = "autograder.late.LatePenalty"
c.LatePenalty.due_dates = {"demo": "2026-03-01 23:59:00 UTC"}
c.LatePenalty.grace_minutes = 10
c.LatePenalty.per_day = 0.25
c.LatePenalty.max_penalty = 0.5
'''
CANVAS_ROSTER = ("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Demo assignment (777),Current Score,Final Score\n"
                 "    Points Possible,,,,,6,(read only),(read only)\n"
                 '"Lovelace, Ada",1001,S1001,ada@uni.example,Sec A,,,\n'
                 '"Babbage, Bob",1002,S1002,bob@uni.example,Sec A,,,\n'
                 '"Hopper, Cy",1003,S1003,cy@uni.example,Sec B,,,\n'
                 '"Dee, Dee",1004,S1004,dee@uni.example,Sec B,,,\n'
                 '"=evil",1006,S1006,evil@uni.example,Sec B,,,\n'
                 '"Nobody, Ned",1007,S1007,ned@uni.example,Sec B,,,\n'
                 '"Student, Test",9999,,,Sec A,,,\n')
MOODLE_WORKSHEET = ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
                    "Last modified (submission),Last modified (grade),Feedback comments\n"
                    "Participant 501,Ada Lovelace,ada@uni.example,Submitted for grading,,6.00,Yes,,,\n"
                    "Participant 502,Grace Hopper,grace@uni.example,No submission,,6.00,Yes,,,\n")


def member(archive: zipfile.ZipFile, name: str, nb: dict, when: tuple) -> None:
    archive.writestr(zipfile.ZipInfo(name, date_time=when), json.dumps(nb))


def canvas_zip(path: Path, course: Path, dee: str = "half") -> Path:
    """A Canvas submissions download: on time, late by two days, late within the grace period, a formula
    for a name, and someone who is on no roster."""
    ref = demo_course.notebook(course, "reference")
    with zipfile.ZipFile(path, "w") as archive:
        member(archive, "lovelaceada_1001_5001_demo.ipynb", ref, (2026, 3, 1, 20, 0, 0))
        member(archive, "babbagebob_LATE_1002_5002_demo.ipynb", ref, (2026, 3, 3, 10, 0, 0))
        member(archive, "hoppercy_LATE_1003_5003_demo.ipynb", ref, (2026, 3, 2, 0, 5, 0))
        member(archive, "deedee_1004_5004_demo.ipynb", demo_course.notebook(course, dee), (2026, 3, 1, 12, 0, 0))
        member(archive, "=evil_1006_5006_demo.ipynb", demo_course.notebook(course, "half"), (2026, 3, 1, 12, 0, 0))
        member(archive, "ghost_1099_5099_demo.ipynb", ref, (2026, 3, 1, 12, 0, 0))
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require_tool("bwrap")
    course = demo_course.released_course(tmp_path_factory.mktemp("lms"))
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + LATE_POLICY)
    (course.parent / "roster.csv").write_text(CANVAS_ROSTER, encoding="utf-8")
    return course


@pytest.fixture(scope="module")
def graded(course):
    out = course.parent / "out"
    submissions = canvas_zip(course.parent / "submissions.zip", course)
    assert main(["grade", "demo", str(submissions), "--course", str(course), "--out", str(out), "--jobs", "2"]) == 0
    return out


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def export(course: Path, kind: str, *extra: str) -> int:
    return main(["export", "demo", "--course", str(course), "--results", str(course.parent / "out"), "--to", kind,
                 *extra])


def read_as_canvas(path: Path) -> dict:
    """Canvas's GradebookImporter, as its source reads a file: the header must have Student and ID first
    and Section as the last student column; columns named like its totals are not assignments; an
    assignment column is 'Title (id)'; a 'Points Possible' row; one row per student keyed by ID."""
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, as Canvas's own export can be
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header = rows[0]
    assert "Student" in header[0] and "ID" in header[1] and len(header) > 3
    assert header[2:5] == ["SIS User ID", "SIS Login ID", "Section"] and "Section" in header[4]
    totals = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                        "Override Score|Override Grade|Override Status")
    assignments = [(i, name) for i, name in enumerate(header) if i > 4 and not totals.search(name)]
    assert "Points Possible" in rows[1][0]
    assert all(len(row) == len(header) for row in rows)
    students = {row[1]: {name: row[i] for i, name in assignments} for row in rows[2:]}
    titled = [re.match(r"^(.*)\s+\((\d+)\)$", name) for _, name in assignments]  # Assignment.title_and_id
    return {"assignments": [(m[1], m[2]) if m else (name, None) for m, (_, name) in zip(titled, assignments)],
            "points_possible": [rows[1][i] for i, _ in assignments], "students": students, "rows": rows}


def test_canvas_export_reads_back_as_canvas_imports_it(course, graded, capsys):
    assert export(course, "canvas", "--roster", str(course.parent / "roster.csv"), "--column", "Demo assignment") == 0
    said = capsys.readouterr()
    assert "NOT ON THE ROSTER: 1099 (ghost)" in said.err and "1 student(s) on the roster submitted nothing" in said.out
    canvas = read_as_canvas(graded / "export" / "demo-canvas.csv")
    assert canvas["assignments"] == [("Demo assignment", "777")] and canvas["points_possible"] == ["6"]
    grades = {user: row[("Demo assignment (777)")] for user, row in canvas["students"].items()}
    # on time 6; two days late, 25% a day -> 3; late by Canvas but within the 10-minute grace -> 6; half -> 2;
    # on the roster without a submission -> 0; on no roster -> not sent; Canvas's Test Student -> not sent
    assert grades == {"1001": "6", "1002": "3", "1003": "6", "1004": "2", "1006": "2", "1007": "0"}
    by_id = {row[1]: row for row in canvas["rows"][2:]}
    assert by_id["1002"][5:] == ["3", "6", "3"]  # the grade, the raw score, the penalty
    assert by_id["1002"][2:5] == ["S1002", "bob@uni.example", "Sec A"]
    assert by_id["1006"][0] == "'=evil"  # a formula for a name reaches no spreadsheet as one
    assert export(course, "canvas", "--roster", str(course.parent / "roster.csv"), "--missing", "blank") == 0
    assert read_as_canvas(graded / "export" / "demo-canvas.csv")["students"]["1007"] == {"demo": ""}


def test_plain_export_and_grades_csv_record_raw_score_and_penalty(course, graded):
    assert export(course, "csv", "--roster", str(course.parent / "roster.csv")) == 0
    plain = {row["student_id"]: row for row in csv.DictReader(io.StringIO(
        (graded / "export" / "demo-csv.csv").read_text(encoding="utf-8-sig"), newline=""))}
    assert (plain["1002"]["score"], plain["1002"]["raw_score"], plain["1002"]["late_penalty"],
            plain["1002"]["days_late"]) == ("3", "6", "3", "2")
    assert plain["1099"]["on_roster"] == "no" and plain["1007"]["submitted"] == "no"
    with open(graded / "grades.csv", newline="") as stream:
        rows = {row["student_id"]: row for row in csv.DictReader(stream)}
    assert (rows["1002"]["score"], rows["1002"]["raw_score"], rows["1002"]["late_penalty"]) == ("3", "6", "3")
    assert rows["1003"]["late"] == "yes" and rows["1003"]["late_penalty"] == "0"  # within the grace period
    page = (graded / "feedback" / "1002" / "demo.html").read_text()
    assert "Late by 2 day(s)" in page and "late penalty of 3 point(s)" in page


def test_moodle_export_maps_students_by_email_from_the_grading_worksheet(course, tmp_path, capsys):
    folder = tmp_path / "moodle"
    demo_course.write_student(folder, "Ada Lovelace_501_assignsubmission_file_", demo_course.notebook(course, "reference"))
    out = tmp_path / "out"
    assert main(["grade", "demo", str(folder), "--course", str(course), "--out", str(out), "--jobs", "1",
                 "--no-gradebook"]) == 0
    base = ["export", "demo", "--course", str(course), "--results", str(out), "--to", "moodle"]
    assert main(base) == 2 and "grading worksheet" in capsys.readouterr().err
    (tmp_path / "worksheet.csv").write_text(MOODLE_WORKSHEET)
    assert main([*base, "--roster", str(tmp_path / "worksheet.csv")]) == 0
    data = (out / "export" / "demo-moodle.csv").read_bytes()
    # Moodle's csv_import_reader: drops a UTF-8 BOM, needs every row as long as the header
    text = data.decode("utf-8").removeprefix("\ufeff").strip()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert all(len(row) == len(rows[0]) for row in rows) and len(set(rows[0])) == len(rows[0])
    assert rows[0][:5] == ["Email address", "ID number", "Participant", "Full name", "demo"]
    grades = {row[0]: row[4] for row in rows[1:]}
    assert grades == {"ada@uni.example": "6", "grace@uni.example": "0"}
    pack = tmp_path / "moodle-feedback.zip"
    assert main(["feedback", "demo", "--course", str(course), "--results", str(out), "--pack", "moodle",
                 "--to", str(pack)]) == 0
    names = zipfile.ZipFile(pack).namelist()
    assert names == ["Ada Lovelace_501_assignfeedback_file_/demo-feedback.html"]
    # Moodle's assignfeedback_file importer: explode('_', part, 5) -> name, participant, plugin type and name
    info = names[0].split("/")[0].split("_", 4)
    assert info[1] == "501" and info[2:4] == ["assignfeedback", "file"]


def test_canvas_feedback_pack_is_named_as_canvas_names_submissions(course, graded):
    assert main(["feedback", "demo", "--course", str(course), "--results", str(graded), "--pack", "canvas"]) == 0
    names = zipfile.ZipFile(graded / "export" / "demo-feedback-canvas.zip").namelist()
    # Canvas's Re-Upload Submissions: the first two all-digit parts of the name are the user and attachment ids
    ids = {tuple([part for part in name.split("_") if part.isdigit()][:2]) for name in names}
    assert ids == {("1001", "5001"), ("1002", "5002"), ("1003", "5003"), ("1004", "5004"), ("1006", "5006"),
                   ("1099", "5099")}
    assert "babbagebob_LATE_1002_5002_demo-feedback.html" in names
    assert main(["feedback", "demo", "--course", str(course), "--results", str(graded), "--pack", "folders"]) == 0
    folders = zipfile.ZipFile(graded / "export" / "demo-feedback-folders.zip").namelist()
    assert "1002/demo.html" in folders and len(folders) == 6


def test_regrading_one_student_keeps_everyone_else_and_updates_the_exports(course, graded, capsys):
    assert export(course, "canvas", "--roster", str(course.parent / "roster.csv"), "--column", "Demo assignment") == 0
    before = {path.name: path.read_text() for path in (graded / "results").glob("*.json")}
    fixed = canvas_zip(course.parent / "resubmitted.zip", course, dee="reference")
    base = ["grade", "demo", str(fixed), "--course", str(course), "--out", str(graded), "--jobs", "1"]
    capsys.readouterr()
    assert main([*base, "--student", "1004"]) == 0
    assert "1 submission(s) found" in capsys.readouterr().out
    after = {path.name: path.read_text() for path in (graded / "results").glob("*.json")}
    assert {name for name in after if after[name] != before[name]} == {"1004.json"}
    canvas = read_as_canvas(graded / "export" / "demo-canvas.csv")  # rebuilt with the new grade
    assert canvas["students"]["1004"]["Demo assignment (777)"] == "6"
    assert canvas["students"]["1002"]["Demo assignment (777)"] == "3"
    assert main([*base, "--student", "1001"]) == 0
    assert "0 graded now, 1 unchanged" in capsys.readouterr().out
    assert main([*base, "--student", "1001", "--force"]) == 0
    assert "1 graded now" in capsys.readouterr().out
    assert json.loads((graded / "results" / "1001.json").read_text())["graded_at"] >= json.loads(before["1001.json"])["graded_at"]
    assert main([*base, "--student", "4242"]) == 2
    assert "no submission of student 4242" in capsys.readouterr().err
