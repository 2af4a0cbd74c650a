"""Intake: every LMS layout read, nobody lost or merged, every hostile name, file and member contained.

Each test builds its hostile input here (zips with those names and members, FIFOs, hard links, sparse
files, undecodable names) and calls ``autograder.submissions.collect`` the way ``grade`` does.
"""
from __future__ import annotations

import os
import unicodedata
import zipfile
from pathlib import Path

import pytest

from autograder.plan import find_notebook
from autograder.submissions import IntakeLimits, collect, safe_file_name, student_id_of

NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def by_id(intake) -> dict:
    return {s.student_id: s for s in intake.submissions}


def names_in(submission) -> list[str]:
    return sorted(p.relative_to(submission.folder).as_posix() for p in submission.files)


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return path


def assert_contained(intake, workdir: Path) -> None:
    """Every id is one safe path part, every copy lies inside its own folder under ``workdir``."""
    for submission in intake.submissions:
        sid = submission.student_id
        assert sid not in ("", ".", "..") and "/" not in sid and "\\" not in sid and sid.isprintable(), repr(sid)
        assert len(sid.encode("utf-8")) <= 100
        assert submission.folder.parent == workdir.absolute()
        for path in submission.files:
            assert path.resolve().is_relative_to(submission.folder.resolve())


# -- Canvas ---------------------------------------------------------------------------------------

def test_canvas_keeps_user_ids_names_late_and_every_attachment(tmp_path):
    members = {
        "müllerzoë_101_9001_demo.ipynb": NB,
        "núñezjosé_102_9002_demo.ipynb": NB,
        "smithjohn_103_9003_demo.ipynb": NB + b" ",   # two different users with one name
        "smithjohn_LATE_104_9004_demo.ipynb": NB + b"  ",
        "leeann_105_9005_demo.ipynb": NB,              # two attachments of one student
        "leeann_105_9005_data.csv": b"a,b\n",
        "leeann_105_9006_demo.ipynb": b'{"second": "upload with the same name"}',
    }
    archive = make_zip(tmp_path / "canvas.zip", members)
    intake = collect(archive, "demo", tmp_path / "work")
    students = by_id(intake)
    assert set(students) == {"101", "102", "103", "104", "105"}
    assert students["101"].name == unicodedata.normalize("NFC", "müllerzoë")
    assert students["102"].name == "núñezjosé"
    assert (students["103"].name, students["104"].name) == ("smithjohn", "smithjohn")
    assert (students["103"].late, students["104"].late) == (False, True)
    assert students["103"].lms_id == "103"
    assert (students["103"].folder / "demo.ipynb").read_bytes() == NB + b" "
    assert (students["104"].folder / "demo.ipynb").read_bytes() == NB + b"  "
    assert names_in(students["105"]) == ["data.csv", "demo (2).ipynb", "demo.ipynb"]
    assert intake.skipped == [] and intake.notes == []
    assert_contained(intake, tmp_path / "work")


def test_unzipped_canvas_export_and_a_zip_of_its_folder_read_like_the_zip(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "doejane_LATE_7_70_demo.ipynb").write_bytes(NB)
    (folder / "roejim_8_80_demo.ipynb").write_bytes(NB)
    students = by_id(collect(folder, "demo", tmp_path / "work"))
    assert {sid: (s.name, s.late) for sid, s in students.items()} == {"7": ("doejane", True), "8": ("roejim", False)}
    wrapped = make_zip(tmp_path / "wrapped.zip", {"submissions/doejane_LATE_7_70_demo.ipynb": NB})
    assert set(by_id(collect(wrapped, "demo", tmp_path / "work2"))) == {"7"}


# -- Moodle ---------------------------------------------------------------------------------------

def test_moodle_zip_in_folders_and_flat(tmp_path):
    archive = make_zip(tmp_path / "moodle.zip", {
        "Zoë Müller_5501_assignsubmission_file_/demo.ipynb": NB,
        "Zoë Müller_5501_assignsubmission_file_/data/ports.csv": b"80\n",
        "Zoë Müller_5501_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        "John Smith_5502_assignsubmission_file_/demo.ipynb": NB,
        "John Smith_5503_assignsubmission_file_/demo.ipynb": NB + b" ",
        "Ana Lima_5504_assignsubmission_file_demo.ipynb": NB,
    })
    intake = collect(archive, "demo", tmp_path / "work")
    students = by_id(intake)
    assert {sid: s.name for sid, s in students.items()} == {
        "5501": "Zoë Müller", "5502": "John Smith", "5503": "John Smith", "5504": "Ana Lima"}
    assert names_in(students["5501"]) == ["data/ports.csv", "demo.ipynb", "onlinetext.html"]
    assert students["5501"].late is None and intake.skipped == []
    assert_contained(intake, tmp_path / "work")


def test_unzipped_moodle_export(tmp_path):
    folder = tmp_path / "moodle"
    (folder / "Zoë Müller_5501_assignsubmission_file_").mkdir(parents=True)
    (folder / "Zoë Müller_5501_assignsubmission_file_" / "demo.ipynb").write_bytes(NB)
    (folder / "Li Na_5502_assignsubmission_file_").mkdir()
    students = by_id(collect(folder, "demo", tmp_path / "work"))
    assert {sid: (s.name, names_in(s)) for sid, s in students.items()} == {
        "5501": ("Zoë Müller", ["demo.ipynb"]), "5502": ("Li Na", [])}


# -- folders ----------------------------------------------------------------------------------------

def test_chinese_folder_names_stay_two_students(tmp_path):
    folder = tmp_path / "class"
    for name in ("王芳", "李娜"):
        (folder / name).mkdir(parents=True)
        (folder / name / "demo.ipynb").write_bytes(NB + name.encode())
    students = by_id(collect(folder, "demo", tmp_path / "work"))
    assert set(students) == {"王芳", "李娜"}
    assert (students["李娜"].folder / "demo.ipynb").read_bytes() == NB + "李娜".encode()


def test_nbgrader_submitted_layout_keeps_the_timestamp_and_ignores_other_assignments(tmp_path):
    folder = tmp_path / "submitted"
    (folder / "ada" / "demo").mkdir(parents=True)
    (folder / "ada" / "demo" / "demo.ipynb").write_bytes(NB)
    (folder / "ada" / "demo" / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    (folder / "ada" / "demo" / ".ipynb_checkpoints").mkdir()
    (folder / "ada" / "demo" / ".ipynb_checkpoints" / "demo-checkpoint.ipynb").write_bytes(NB)
    (folder / "ada" / "other-assignment").mkdir()
    (folder / "ada" / "other-assignment" / "other.ipynb").write_bytes(NB)
    ada = by_id(collect(folder, "demo", tmp_path / "work"))["ada"]
    assert names_in(ada) == ["demo.ipynb", "timestamp.txt"]
    assert (ada.submitted_at, ada.submitted_from) == ("2026-11-20 10:00:00.000000 UTC", "timestamp.txt")
    assert ada.problem == ""


def test_unicode_forms_of_one_name_are_kept_apart_and_named(tmp_path):
    folder = tmp_path / "class"
    for name in (unicodedata.normalize("NFC", "José"), unicodedata.normalize("NFD", "José")):
        (folder / name).mkdir(parents=True)
        (folder / name / "demo.ipynb").write_bytes(NB)
    intake = collect(folder, "demo", tmp_path / "work")
    assert len(intake.submissions) == 2
    assert all(s.student_id.startswith("José~") for s in intake.submissions)
    assert len(intake.notes) == 1 and "would share the id José" in intake.notes[0]


# -- hostile names ------------------------------------------------------------------------------------

HOSTILE_NAMES = ["x" * 255, "new\nline", "bell\x07and\x1b[31mred", "=HYPERLINK(\"https:evil\",\"x\")",
                 "-rm", " padded ", "tab\tname", "rtl\u202eexe.ipynb", ".hidden-looking"]


def test_hostile_folder_names_neither_crash_nor_escape_nor_merge(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in HOSTILE_NAMES + ["a_b", "a\nb"]:
        if name.startswith("."):
            continue
        (folder / name).mkdir()
        (folder / name / "demo.ipynb").write_bytes(NB)
    os.mkdir(os.fsencode(folder) + b"/latin1-\xe9t\xe9")  # not UTF-8
    with open(os.fsencode(folder) + b"/latin1-\xe9t\xe9/demo.ipynb", "wb") as stream:
        stream.write(NB)
    intake = collect(folder, "demo", tmp_path / "work")
    assert len(intake.submissions) == len(HOSTILE_NAMES) - 1 + 2 + 1
    assert "a_b" in by_id(intake)  # a safe name is kept as it is, and the unsafe "a\nb" is not merged into it
    assert_contained(intake, tmp_path / "work")
    assert all(s.files for s in intake.submissions)
    long_one = next(s for s in intake.submissions if s.name.startswith("xxxx"))
    assert len(long_one.name) == 200 and "~" in long_one.student_id


def test_hostile_zip_member_names(tmp_path):
    archive = make_zip(tmp_path / "hostile.zip", {
        "../escape_1_2_demo.ipynb": NB,
        "./dot_3_4_demo.ipynb": NB,
        "/abs/olute_5_6_demo.ipynb": NB,
        "..": b"x",
        ("y" * 240) + "_7_8_demo.ipynb": NB,
        "ctrl\x1b[2J_9_10_demo.ipynb": NB,
        "newline\nname_11_12_de\nmo.ipynb": NB,
        "a\\b_13_14_demo.ipynb": NB,
        "=cmd_15_16_=HYPERLINK(1).ipynb": NB,
        ".DS_Store": b"",
        "__MACOSX/._x": b"",
        "Dir Entry_17_assignsubmission_file_/": b"",
        "folder-only/": b"",
    })
    intake = collect(archive, "demo", tmp_path / "work")
    students = by_id(intake)
    # a backslash (Windows zips) separates folders: "a" is a folder-per-student entry, never an escape
    assert set(students) == {"7", "9", "11", "15", "17", "folder-only", "a"}
    assert students["9"].name == "ctrl\x1b[2J" and students["11"].name == "newline\nname"
    assert names_in(students["11"])[0].startswith("de_mo~") and names_in(students["15"]) == ["=HYPERLINK(1).ipynb"]
    assert students["17"].files == [] and students["folder-only"].files == []
    skipped = "\n".join(intake.skipped)
    for shown in ("../escape", "./dot", "/abs/olute", "..:", ".DS_Store", "__MACOSX/"):
        assert shown in skipped, shown
    assert_contained(intake, tmp_path / "work")
    assert not (tmp_path / "escape_1_2_demo.ipynb").exists() and not Path("/abs").exists()


def test_safe_names_are_kept_and_unsafe_ones_marked_distinctly():
    assert student_id_of("王芳") == "王芳" and student_id_of("Ada Lovelace") == "Ada Lovelace"
    marked = {student_id_of(name) for name in (".", "..", "", "a/b", "a\\b", "a\nb", "a\rb", "=1+1", "@x", "+x")}
    assert len(marked) == 10 and all("~" in sid and not sid.startswith((".", "=", "@", "+")) for sid in marked)
    assert safe_file_name("demo.ipynb") == "demo.ipynb"
    assert safe_file_name("z" * 300 + ".ipynb").endswith(".ipynb") and len(safe_file_name("z" * 300 + ".ipynb")) < 160


# -- damaged, oversized, special files ---------------------------------------------------------------

def corrupt_member(archive: Path, name: str) -> None:
    """Flip a byte of one member's stored data: its CRC-32 no longer matches."""
    with zipfile.ZipFile(archive) as zipped:
        info = zipped.getinfo(name)
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    archive.write_bytes(bytes(data))


def test_a_bad_crc_member_costs_only_its_own_student(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
        zipped.writestr("first_1_1_demo.ipynb", NB)
        zipped.writestr("broken_2_2_demo.ipynb", NB * 50)
        zipped.writestr("broken_2_2_notes.txt", b"fine")
        zipped.writestr("last_3_3_demo.ipynb", NB)
    corrupt_member(archive, "broken_2_2_demo.ipynb")
    students = by_id(collect(archive, "demo", tmp_path / "work"))
    assert students["2"].problem == "demo.ipynb is damaged in the export (bad CRC-32): not taken"
    assert names_in(students["2"]) == ["notes.txt"]
    assert students["1"].problem == students["3"].problem == "" and names_in(students["3"]) == ["demo.ipynb"]


def test_caps_are_per_file_and_per_student_never_per_class(tmp_path):
    limits = IntakeLimits(file_bytes=1000, student_bytes=1500)
    archive = make_zip(tmp_path / "export.zip", {
        "huge_1_1_demo.ipynb": b"x" * 5000,              # over the cap per file
        "full_2_2_a.ipynb": b"a" * 900,                  # the two fit one at a time, not together
        "full_2_2_b.ipynb": b"b" * 900,
        "after_3_3_demo.ipynb": b"c" * 900,              # a later student is untouched by the others
        "bomb_4_4_demo.ipynb": b"\0" * 10_000_000,       # compresses to ~10 KB: caught while streaming
    })
    students = by_id(collect(archive, "demo", tmp_path / "work", limits=limits))
    assert students["1"].problem == "demo.ipynb is larger than 1000 bytes (the cap per file): not taken"
    assert names_in(students["2"]) == ["a.ipynb"] and "past 1500 bytes (the cap per student" in students["2"].problem
    assert names_in(students["3"]) == ["demo.ipynb"] and students["3"].problem == ""
    assert students["4"].files == [] and "larger than 1000 bytes" in students["4"].problem


def test_a_member_that_lies_about_its_size_is_capped_while_streaming(tmp_path):
    archive = make_zip(tmp_path / "export.zip", {"liar_1_1_demo.ipynb": b"x" * 50_000})
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zipped:
        info = zipped.getinfo("liar_1_1_demo.ipynb")
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")  # central directory: "10 bytes"
    data[info.header_offset + 22:info.header_offset + 26] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    liar = by_id(collect(archive, "demo", tmp_path / "work", limits=IntakeLimits(file_bytes=1000)))["1"]
    assert liar.files == [] and "demo.ipynb" in liar.problem and "not taken" in liar.problem


def test_a_64_gib_sparse_file_is_refused_without_being_read(tmp_path):
    folder = tmp_path / "class" / "sparse"
    folder.mkdir(parents=True)
    (folder / "demo.ipynb").write_bytes(NB)
    with open(folder / "big.bin", "wb") as stream:
        stream.truncate(64 * 1024**3)
    student = by_id(collect(tmp_path / "class", "demo", tmp_path / "work"))["sparse"]
    assert names_in(student) == ["demo.ipynb"]
    assert student.problem == "big.bin is larger than 64 MiB (the cap per file): not taken"


def test_fifos_links_and_hard_links_are_refused_and_named(tmp_path):
    secret = tmp_path / "course" / "source" / "demo.ipynb"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b'{"solutions": "inside"}')
    folder = tmp_path / "class"
    for student in ("fifo", "linked", "hard", "ok"):
        (folder / student).mkdir(parents=True)
    os.mkfifo(folder / "fifo" / "demo.ipynb")
    (folder / "linked" / "demo.ipynb").symlink_to(secret)
    os.link(secret, folder / "hard" / "demo.ipynb")
    (folder / "ok" / "demo.ipynb").write_bytes(NB)
    (folder / "link-to-folder").symlink_to(secret.parent, target_is_directory=True)
    (folder / ".git").mkdir()
    students = by_id(collect(folder, "demo", tmp_path / "work"))
    assert students["fifo"].problem == "demo.ipynb is not a regular file (a FIFO): not taken"
    assert students["linked"].problem == "demo.ipynb is a symbolic link: not taken"
    assert "demo.ipynb has other hard links" in students["hard"].problem
    assert students["link-to-folder"].problem == "the submission folder is a symbolic link: not followed"
    assert [s.files for s in students.values() if s.student_id != "ok"] == [[]] * 4
    assert names_in(students["ok"]) == ["demo.ipynb"]
    assert ".git" not in students


def test_a_file_swapped_for_a_link_after_the_walk_is_refused(tmp_path):
    """The window between finding a file and opening it: each step is opened without following links."""
    from autograder.submissions import _opener, _walk
    folder = tmp_path / "class"
    (folder / "mallory").mkdir(parents=True)
    (folder / "mallory" / "demo.ipynb").write_bytes(NB)
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(b"answer key")
    root_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        items = [item for item in _walk(root_fd, IntakeLimits()) if item.kind == "file"]
        (folder / "mallory" / "demo.ipynb").unlink()
        (folder / "mallory" / "demo.ipynb").symlink_to(secret)
        with pytest.raises(Exception, match="changed while it was being read"):
            items[0].open()
        (folder / "mallory" / "demo.ipynb").unlink()
        os.rename(folder / "mallory", folder / "gone")
        (folder / "mallory").symlink_to(secret.parent, target_is_directory=True)
        with pytest.raises(Exception, match="changed while it was being read"):
            items[0].open()
        assert _opener  # the opener is the only way files are read
    finally:
        os.close(root_fd)


def test_unattributable_files_are_listed_never_dropped_silently(tmp_path):
    folder = tmp_path / "class"
    (folder / "ada").mkdir(parents=True)
    (folder / "ada" / "demo.ipynb").write_bytes(NB)
    (folder / "grades-from-last-year.csv").write_text("x")
    (folder / "demo.ipynb").write_bytes(NB)
    intake = collect(folder, "demo", tmp_path / "work")
    assert set(by_id(intake)) == {"ada"}
    assert any(line.startswith("grades-from-last-year.csv:") for line in intake.skipped)
    assert any(line.startswith("demo.ipynb:") for line in intake.skipped)


# -- which notebook is graded --------------------------------------------------------------------------

def test_a_misnamed_single_notebook_is_graded_and_two_are_a_problem(tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    one = folder / "My work (final).ipynb"
    one.write_bytes(NB)
    assert find_notebook([one], folder, "demo", only_one=True) == (one, "")
    assert find_notebook([one], folder, "demo", only_one=False)[0] is None
    two = folder / "other.ipynb"
    two.write_bytes(NB)
    chosen, problem = find_notebook([one, two], folder, "demo", only_one=True)
    assert chosen is None and "2 other notebook(s)" in problem and "rename the one to grade" in problem
    renamed = [folder / "demo-1.ipynb", folder / "demo-2.ipynb"]
    for path in renamed:
        path.write_bytes(NB)
    chosen, problem = find_notebook([one, *renamed], folder, "demo", only_one=True)
    assert chosen == renamed[1] and "graded demo-2.ipynb, not demo-1.ipynb" in problem
    exact = folder / "demo.ipynb"
    exact.write_bytes(NB)
    assert find_notebook([exact, one], folder, "demo", only_one=True) == (exact, "")
