"""Grading a real class end to end: interrupts, records that cover every run, README commands that
work, output that stays inert, a submission swapped under the grader, notebooks too big to grade,
and `check` in the sandbox."""
from __future__ import annotations

import csv
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.grading import grade_class
from autograder.sandbox import Limits, check_bwrap
from autograder.submissions import collect
from autograder.spec import load_assignment
from conftest import REPO, require_tool

sys.path.insert(0, str(Path(__file__).resolve().parent / "attacks"))
import demo_course  # noqa: E402

pytestmark = pytest.mark.slow
LOOP_FOREVER = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require_tool("bwrap")
    return demo_course.released_course(tmp_path_factory.mktemp("class"))


def rows_of(path: Path) -> dict[str, dict]:
    with open(path, newline="") as stream:
        return {row["student_id"]: row for row in csv.DictReader(stream)}


def grader_env(tmp: Path) -> dict:
    """The grader's environment: its venv on PATH, its sandboxes' temporary folders under ``tmp``."""
    tmp.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "TMPDIR": str(tmp)}


def processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(entry.name)
            except OSError:
                continue
    return found


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_run_keeps_what_finished_and_the_next_run_resumes(course, tmp_path, signum):
    folder = tmp_path / "class"
    for student in ("a1", "a2", "a3"):
        demo_course.write_student(folder, student, demo_course.notebook(course, "reference"))
    for student in ("z1", "z2", "z3", "z4"):
        nb = demo_course.notebook(course, "blank")
        nb["cells"][3]["source"] = LOOP_FOREVER
        demo_course.write_student(folder, student, nb)
    out, sandboxes = tmp_path / "out", tmp_path / "sandboxes"
    command = [sys.executable, "-m", "autograder", "grade", "demo", str(folder), "--course", str(course),
               "--out", str(out), "--jobs", "2", "--timeout", "600", "--no-gradebook"]
    process = subprocess.Popen(command, env=grader_env(sandboxes), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        results = out / "results"
        while process.poll() is None and len(list(results.glob("*.json"))) < 3:
            time.sleep(0.1)
        time.sleep(1.0)  # z1 and z2 are now looping in their sandboxes
        assert processes_mentioning(str(sandboxes)), "the looping sandboxes should be running"
        process.send_signal(signum)
        # A guard, not a timing assertion: the notebook timeout is 600 s, so only a stop ends this run.
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:  # the grader did not stop: end it and its sandboxes, then fail
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "INTERRUPTED — 3 graded and saved in this run, 4 not graded" in stdout
    assert processes_mentioning(str(sandboxes)) == []
    assert {s: r["score"] for s, r in rows_of(out / "grades.csv").items()} == {"a1": "6", "a2": "6", "a3": "6"}
    rerun = subprocess.run([*command[:-3], "--timeout", "3", "--cell-timeout", "1", "--no-gradebook"],
                           env=grader_env(sandboxes), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "4 graded now, 3 unchanged" in rerun.stdout
    assert {s: r["score"] for s, r in rows_of(out / "grades.csv").items()} == {
        "a1": "6", "a2": "6", "a3": "6", "z1": "0", "z2": "0", "z3": "0", "z4": "0"}


def test_a_progress_bar_on_a_terminal_only(course, tmp_path):
    folder = tmp_path / "class"
    for student in ("p1", "p2"):
        demo_course.write_student(folder, student, demo_course.notebook(course, "half"))
    command = [sys.executable, "-m", "autograder", "grade", "demo", str(folder), "--course", str(course),
               "--jobs", "2", "--no-gradebook"]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    process = subprocess.Popen([*command, "--out", str(tmp_path / "tty")], env=grader_env(tmp_path / "t"),
                               stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        try:
            chunk = os.read(master, 4096) if ready else b""
        except OSError:
            chunk = b""
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=60)
    os.close(master)
    assert b"demo: 100%" in seen and b"2/2" in seen and b"student" in seen
    piped = subprocess.run([*command, "--out", str(tmp_path / "pipe")], env=grader_env(tmp_path / "t"),
                           capture_output=True, text=True)
    assert piped.returncode == 0 and "100%" not in piped.stderr
    assert "2 graded now" in piped.stdout


def test_readme_commands_feedback_and_report_find_grades_out(course, tmp_path, monkeypatch, capsys):
    """`grade ... --out grades/ps1`, then `feedback` and `report` with no more arguments, as the README shows."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(course, root / "course")
    demo_course.write_student(root / "class", "ada", demo_course.notebook(course, "reference"))
    demo_course.write_student(root / "class", "bob", demo_course.notebook(course, "half"))
    monkeypatch.chdir(root)
    assert main(["grade", "demo", "class", "--out", "grades/demo", "--jobs", "2"]) == 0
    assert main(["feedback", "demo"]) == 0
    assert main(["report", "demo"]) == 0
    assert (root / "course" / "feedback" / "bob" / "demo" / "demo.html").exists()
    assert "2 students graded" in (root / "grades" / "demo" / "report.md").read_text()
    assert "results of demo from" in capsys.readouterr().err


def test_a_second_batch_keeps_the_first_in_grades_feedback_and_report(course, tmp_path, capsys):
    out = tmp_path / "out"
    for batch, students in (("first", ("ada", "bob")), ("late-emails", ("cy",))):
        for student in students:
            demo_course.write_student(tmp_path / batch, student, demo_course.notebook(course, "half"))
        assert main(["grade", "demo", str(tmp_path / batch), "--course", str(course), "--out", str(out),
                     "--no-gradebook"]) == 0
    assert set(rows_of(out / "grades.csv")) == {"ada", "bob", "cy"}
    assert "grades.csv covers 3 student(s) (2 from earlier runs)" in capsys.readouterr().out
    assert sorted(p.parent.name for p in (out / "feedback").rglob("*.html")) == ["ada", "bob", "cy"]
    assert main(["report", "demo", "--course", str(course), "--results", str(out)]) == 0
    assert capsys.readouterr().out.startswith("3 students graded")


def test_what_the_instructor_opens_is_inert(course, tmp_path, capsys):
    folder = tmp_path / "class"
    hostile = {'=HYPERLINK("https:evil","click")': "half", "+1": "half", "@SUM(1)": "half",
               "bell\x07\x1b[31mred": "half", "-2": "half"}
    for student, kind in hostile.items():
        demo_course.write_student(folder, student, demo_course.notebook(course, kind))
    nb = demo_course.notebook(course, "blank")
    nb["cells"][3]["source"] = 'raise ValueError("\\x1b]0;owned\\x07\\x1b[2J=cmd|calc")'
    demo_course.write_student(folder, "escapes", nb, name="=HYPERLINK(1).ipynb")
    assert main(["grade", "demo", str(folder), "--course", str(course), "--out", str(tmp_path / "out"),
                 "--no-gradebook"]) == 0
    printed = capsys.readouterr()
    raw = (tmp_path / "out" / "grades.csv").read_bytes()
    assert not any(byte in raw for byte in (b"\x1b", b"\x07")), raw
    with open(tmp_path / "out" / "grades.csv", newline="") as stream:
        cells = [cell for row in csv.reader(stream) for cell in row]
    assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    assert "'=HYPERLINK(\"https:evil\",\"click\")" in cells or any(c.startswith("'=") for c in cells)
    for text in (printed.out, printed.err, (tmp_path / "out" / "summary.txt").read_text()):
        assert "\x1b" not in text and "\x07" not in text
    for page in (tmp_path / "out" / "feedback").rglob("*.html"):
        assert "\x1b" not in page.read_text() and "\x07" not in page.read_text()


def test_a_submission_swapped_for_a_link_after_intake_grades_the_private_copy(course, tmp_path):
    """The race: a student who can write their folder swaps it for a link to the course after the kit
    has looked at it. The checks and the sandbox see only the private copy taken first."""
    folder = tmp_path / "class"
    demo_course.write_student(folder, "mallory", demo_course.notebook(course, "blank"))
    spec = load_assignment(course, "demo")
    intake = collect(folder, "demo", tmp_path / "out" / "work")
    shutil.rmtree(folder / "mallory")
    (folder / "mallory").symlink_to(course / "source" / "demo", target_is_directory=True)
    records = grade_class(spec, intake.submissions, tmp_path / "out" / "results", jobs=1,
                          limits=Limits(notebook_timeout=60), bwrap=check_bwrap())
    assert [(r["student_id"], r["score"]) for r in records] == [("mallory", 0)]


def test_a_notebook_of_460000_cells_is_refused_quickly(course, tmp_path):
    nb = demo_course.notebook(course, "blank")
    body = json.dumps(nb)
    cells = ",".join(['{"cell_type":"code","source":"1"}'] * 460_000)
    text = body.replace('"cells": [', '"cells": [' + cells + ",", 1)
    (tmp_path / "class" / "huge").mkdir(parents=True)
    (tmp_path / "class" / "huge" / "demo.ipynb").write_text(text)
    assert len(text) < 16 * 1024**2
    assert main(["grade", "demo", str(tmp_path / "class"), "--course", str(course), "--out", str(tmp_path / "out"),
                 "--timeout", "10"]) == 0
    row = rows_of(tmp_path / "out" / "grades.csv")["huge"]
    assert row["score"] == "0" and row["problem"] == "demo.ipynb has more than 5000 cells: not graded"
    autograded = course / "autograded" / "huge" / "demo" / "demo.ipynb"
    assert autograded.stat().st_size < 100_000


def test_check_runs_in_the_sandbox_and_sees_no_course_source(course, tmp_path, capsys):
    """`autograder check` on a notebook that looks for the answer key beside the installed packages (an
    editable install's project folder) and writes into the folder it was checked from."""
    nb = demo_course.notebook(course, "blank")
    nb["cells"][3]["source"] = (
        "import os, autograder, slicelab\nfrom pathlib import Path\n"
        "roots = {Path(m.__file__).resolve().parents[1] for m in (autograder, slicelab)}\n"
        f"roots.add(Path({str(REPO)!r}))\n"
        "seen = [r for r in roots if (r / 'course' / 'source').exists()]\n"
        "q1 = 'Z' if seen else 'A'\n"
        "try:\n    open('planted-by-check', 'w').write('x')\nexcept OSError:\n    pass")
    folder = tmp_path / "ta"
    path = demo_course.write_student(folder, "student", nb)
    assert main(["check", str(path)]) == 1  # q2 is not answered; q1's form check tells what was seen
    text = capsys.readouterr().out
    assert "ok   q1 form" in text, text
    assert not (path.parent / "planted-by-check").exists()


def test_an_export_is_filed_in_nbgraders_submitted_folder_and_plain_nbgrader_agrees(course, tmp_path):
    """Graded from a Canvas zip, the class appears in course/submitted/ as nbgrader's zip_collect would put
    it, so `nbgrader autograde` sees every student already graded and has nothing to warn about."""
    import zipfile
    archive = tmp_path / "canvas.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("doejane_501_1_demo.ipynb", json.dumps(demo_course.notebook(course, "half")))
        zipped.writestr("roejim_502_2_notes.txt", "no notebook")
    assert main(["grade", "demo", str(archive), "--course", str(course), "--out", str(tmp_path / "out")]) == 0
    assert (course / "submitted" / "501" / "demo" / "demo.ipynb").exists()
    assert not (course / "submitted" / "502").exists()  # nothing nbgrader could grade
    env = grader_env(tmp_path / "t")
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", "demo"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Skipping existing assignment" in done.stderr
    assert [line for line in done.stderr.splitlines() if "WARNING" in line or "ERROR" in line] == []
