"""Find who submitted what, and take a private copy of it before anything reads it.

Layouts read (a folder, or a zip of one):
  * Canvas: ``<name>[_LATE]_<user id>_<submission id>_<file>`` (flat), the id is Canvas's user id;
  * Moodle: ``<Full Name>_<participant id>_assignsubmission_<plugin>_/<files...>`` (or flat
    ``..._assignsubmission_file_<file>``), the id is Moodle's participant id;
  * nbgrader's ``submitted/<student>/<assignment>/...`` and a plain folder per student
    ``<student>/...``: the id is the folder's name, Unicode kept (NFC).

Everything here is untrusted: names, sizes, file types, even whether a file stays what it was. So:
  * a student is an LMS user id (or a folder), never a name: two users called ``smithjohn`` stay two;
  * each student's files are copied, streaming and capped, into ``OUT/work/<student id>/``; the
    checks, the hash of the submission and the sandbox see only that private copy, so a folder swapped
    for a link afterwards, a FIFO or a 64 GiB sparse file cannot reach them;
  * files are opened beneath the submissions folder without following any link (``O_NOFOLLOW`` at every
    step), and a file with other hard links (it may be someone else's file, e.g. the answer key) is refused;
  * a damaged (bad CRC) or oversized file costs only its student: it is not taken and the student's row
    says so; caps are per file and per student, never per class;
  * a file no student can be found for, and an id two students would share, are named in the result
    (``Intake.skipped``, ``Intake.notes``), never silently dropped;
  * ids and file names are made safe for every place they go (a path, nbgrader's gradebook, a CSV): no
    ``.``/``..``, separators, control characters, undecodable bytes or over-long names.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import threading
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from autograder.inert import FORMULA_STARTS, has_control, printable

CANVAS_FILE = re.compile(r"^(?P<name>.+?)(?P<late>_LATE)?_(?P<id>\d+)_(?P<subid>\d+)_(?P<file>.+)$", re.S)
MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_$", re.S)
MOODLE_FILE = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$", re.S)
# Folders nbgrader itself ignores in a submission (c.CourseDirectory.ignore): never a student's work.
IGNORED_FOLDERS = (".ipynb_checkpoints", "__pycache__")
LAYOUT_NAMES = {"canvas": "Canvas export", "moodle": "Moodle export", "folder": "a folder per student"}
MAX_ID_BYTES = 100
MAX_NAME_BYTES = 150
CHUNK = 1024 * 1024


class SubmissionsError(ValueError):
    """SUBMISSIONS is neither a folder nor a zip the grader can read (a grader-level error)."""


class Interrupted(Exception):
    """The grader was asked to stop (SIGINT/SIGTERM) while taking the submissions in."""


@dataclass(frozen=True)
class IntakeLimits:
    """Caps on what one student may hand in; each is per file or per student, never per class."""

    file_bytes: int = 64 * 1024**2
    student_bytes: int = 256 * 1024**2
    files: int = 500
    depth: int = 16


@dataclass
class Submission:
    """One student's files, copied into ``folder`` (the grader's private copy), and what went wrong."""

    student_id: str
    folder: Path | None
    files: list[Path] = field(default_factory=list)
    problem: str = ""
    name: str = ""          # the LMS's name of the student (Canvas, Moodle) or the folder's name
    lms_id: str = ""        # the LMS's user / participant id, when the export has one
    lms: str = ""           # "canvas" | "moodle" | "" (a folder per student, nbgrader's submitted/)
    late: bool | None = None  # Canvas marks late submissions; None: the export does not say
    submitted_at: str = ""  # nbgrader's timestamp.txt, or the newest zip member's time (export's clock)
    submitted_from: str = ""  # "timestamp.txt" | "zip member time" | ""
    digests: dict[str, str] = field(default_factory=dict)  # file (relative to folder) -> sha256
    lms_files: dict[str, str] = field(default_factory=dict)  # file (relative to folder) -> the LMS's name of it


@dataclass
class Intake:
    """Everyone found, plus what could not be attributed (``skipped``) and ids that had to be changed."""

    submissions: list[Submission]
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    layout: str = ""


@dataclass
class _Item:
    """One thing found in the submissions: a file to copy, a folder, or something refused."""

    parts: tuple[str, ...]
    kind: str = "file"  # file | dir | link | special | hardlink | damaged
    size: int = 0
    open: Callable[[], BinaryIO] | None = None
    when: str = ""
    why: str = ""


@dataclass
class _Student:
    key: tuple[str, str]
    name: str
    lms_id: str = ""
    late: bool | None = None
    items: list[tuple[tuple[str, ...], _Item]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lms_names: dict[tuple[str, ...], str] = field(default_factory=dict)  # file -> its name in the export


def collect(path: Path, assignment: str, workdir: Path, *, limits: IntakeLimits = IntakeLimits(),
            shard: tuple[int, int] = (0, 1), stop: threading.Event | None = None,
            only: str | None = None) -> Intake:
    """Everyone found in ``path`` (folder or zip), each copied into ``workdir/<student id>/``, by id.

    ``shard`` (I, N) takes every N-th student from the I-th, in id order; ``only`` takes the one student
    whose id (or LMS id) it is, and no one else's files are copied."""
    return _read(path, lambda items, container: _intake(items, assignment, Path(workdir).absolute(), limits,
                                                        shard, stop, container, only), limits)


def census(path: Path, assignment: str, limits: IntakeLimits = IntakeLimits()) -> list[str]:
    """The student ids ``collect`` would find in ``path``, in id order, copying nothing (to plan shards)."""
    def ids(items: list[_Item], container: str) -> list[str]:
        students, _ = _attribute(items, assignment)
        return sorted(_assign_ids(students)[0])
    return _read(path, ids, limits)


def _read(path: Path, use: Callable, limits: IntakeLimits):
    path = Path(path).absolute()
    if path.is_dir():
        root_fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            return use(_walk(root_fd, limits), "folder")
        finally:
            os.close(root_fd)
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zipped:
                return use(_members(zipped), "zip")
        except zipfile.BadZipFile as err:
            raise SubmissionsError(f"{printable(path)}: a damaged zip ({err})") from None
    raise SubmissionsError(f"{printable(path)}: not a folder of <student>/<notebook>.ipynb nor an LMS export zip")


def _intake(items: list[_Item], assignment: str, workdir: Path, limits: IntakeLimits, shard: tuple[int, int],
            stop: threading.Event | None, container: str, only: str | None = None) -> Intake:
    students, skipped = _attribute(items, assignment)
    ids, notes = _assign_ids(students)
    chosen = sorted(ids.items(), key=lambda pair: pair[0])
    chosen = [pair for index, pair in enumerate(chosen) if index % shard[1] == shard[0]]
    if only is not None:
        chosen = [(sid, key) for sid, key in chosen if only in (sid, students[key].lms_id)]
        if not chosen:
            raise SubmissionsError(f"no submission of student {printable(only)} in the submissions "
                                   f"({len(ids)} student(s) found)")
    layouts = sorted({LAYOUT_NAMES[student.key[0]] for student in students.values()})
    submissions = []
    for student_id, key in chosen:
        if stop is not None and stop.is_set():
            raise Interrupted()
        submissions.append(_take(student_id, students[key], workdir, limits, stop))
    return Intake(submissions, skipped, notes, f"{' + '.join(layouts) or 'nothing'} in a {container}")


def student_id_of(raw: str) -> str:
    """A folder's name as a student id: kept as it is (NFC) when safe everywhere, otherwise made safe
    and marked with a hash of the original, so two different names never become one id."""
    text = unicodedata.normalize("NFC", raw)
    if _safe_name(text, MAX_ID_BYTES) and not text.startswith((".", "~", *FORMULA_STARTS)) and "~" not in text[-9:]:
        return text
    return _marked(text, raw, MAX_ID_BYTES // 2, lead=".~" + "".join(FORMULA_STARTS)) or "student"


def safe_file_name(raw: str) -> str:
    """A file or folder name inside a student's copy: kept when safe, else made safe and marked."""
    text = unicodedata.normalize("NFC", raw)
    if _safe_name(text, MAX_NAME_BYTES):
        return text
    stem, dot, suffix = text.rpartition(".")
    if dot and 0 < len(suffix) <= 10 and _safe_name(suffix, 10):
        return f"{_marked(stem, raw, MAX_NAME_BYTES - 24, lead='')}.{suffix}"
    return _marked(text, raw, MAX_NAME_BYTES - 12, lead="")


def _safe_name(text: str, limit: int) -> bool:
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # undecodable bytes from the file system (surrogate escapes)
        return False
    return (0 < size <= limit and text not in (".", "..") and "/" not in text and "\\" not in text
            and not has_control(text) and text == text.strip())


def _marked(text: str, raw: str, limit: int, lead: str) -> str:
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    kept = "".join(char if (char.isprintable() and char not in "/\\" and not 0xD800 <= ord(char) <= 0xDFFF)
                   else "_" for char in text).strip().lstrip(lead)
    while len(kept.encode("utf-8")) > limit:
        kept = kept[:-1]
    return f"{kept}~{digest}" if kept else f"_~{digest}"


# -- finding things ---------------------------------------------------------------------------------

def _walk(root_fd: int, limits: IntakeLimits) -> list[_Item]:
    """Everything under a folder, without following links; files are opened later, beneath ``root_fd``."""
    items: list[_Item] = []

    def visit(dir_fd: int, parts: tuple[str, ...], budget: list[int]) -> None:
        try:
            names = sorted(os.listdir(dir_fd))
        except OSError as err:
            items.append(_Item(parts, "damaged", why=f"cannot be read ({err.strerror})"))
            return
        for name in names:
            here = parts + (name,)
            if budget[0] <= 0:
                items.append(_Item(here, "damaged", why=f"and the rest not taken: more than {limits.files * 2} "
                                                        "entries in the submission"))
                return
            budget[0] -= 1
            try:
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except OSError as err:
                items.append(_Item(here, "damaged", why=f"cannot be read ({err.strerror})"))
                continue
            if stat.S_ISDIR(info.st_mode):
                if len(here) > 1 and name in IGNORED_FOLDERS:
                    continue
                items.append(_Item(here, "dir"))
                if len(here) > limits.depth:
                    items.append(_Item(here, "damaged", why="is nested too deep: not taken"))
                    continue
                try:
                    child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
                except OSError as err:
                    items.append(_Item(here, "damaged", why=f"cannot be read ({err.strerror})"))
                    continue
                try:
                    visit(child, here, budget if len(here) > 1 else [limits.files * 2])
                finally:
                    os.close(child)
            elif stat.S_ISREG(info.st_mode):
                kind = "hardlink" if info.st_nlink > 1 else "file"
                items.append(_Item(here, kind, info.st_size, _opener(root_fd, here, info)))
            elif stat.S_ISLNK(info.st_mode):
                points_at_folder = len(here) == 1 and _is_folder(name, dir_fd)
                items.append(_Item(here, "link", why="folder" if points_at_folder else ""))
            else:
                items.append(_Item(here, "special", why=_special_kind(info.st_mode)))

    try:
        os.listdir(root_fd)
    except OSError as err:
        raise SubmissionsError(f"the submissions folder cannot be read ({err.strerror})") from None
    visit(root_fd, (), [2**62])
    return items


def _is_folder(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISDIR(os.stat(name, dir_fd=dir_fd).st_mode)
    except OSError:
        return False


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _opener(root_fd: int, parts: tuple[str, ...], seen: os.stat_result) -> Callable[[], BinaryIO]:
    """Open ``parts`` beneath ``root_fd`` following no link at any step; refuse it if it is no longer
    the regular file the walk saw (swapped for a link, a FIFO or another file meanwhile)."""
    def open_file() -> BinaryIO:
        fds = []
        try:
            current = root_fd
            for part in parts[:-1]:
                current = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=current)
                fds.append(current)
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=current)
        except OSError as err:
            raise _Refused("changed while it was being read (a link or a missing folder now)"
                           if err.errno in (40, 20, 2) else f"cannot be read ({err.strerror})") from None
        finally:
            for opened in fds:
                os.close(opened)
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (seen.st_dev, seen.st_ino) or now.st_nlink > 1:
            os.close(fd)
            raise _Refused("changed while it was being read (no longer the same regular file)")
        return os.fdopen(fd, "rb")

    return open_file


def _members(zipped: zipfile.ZipFile) -> list[_Item]:
    items = []
    for info in zipped.infolist():
        parts = tuple(part for part in info.filename.replace("\\", "/").split("/"))
        if info.is_dir():
            parts = parts[:-1] if parts and parts[-1] == "" else parts
            if parts and all(parts):
                items.append(_Item(parts, "dir"))
            continue
        when = "%04d-%02d-%02dT%02d:%02d:%02d" % info.date_time
        if info.flag_bits & 0x1:
            items.append(_Item(parts, "damaged", when=when, why="is encrypted"))
        elif stat.S_ISLNK(info.external_attr >> 16):
            items.append(_Item(parts, "link", when=when))
        else:
            items.append(_Item(parts, "file", info.file_size, lambda info=info: zipped.open(info), when=when))
    return _unwrap(items)


def _unwrap(items: list[_Item]) -> list[_Item]:
    """A zip of the export's folder (``export/<Canvas files>``) reads like the export itself."""
    tops = {item.parts[0] for item in items if item.parts}
    if len(tops) != 1:
        return items
    inner = [item for item in items if len(item.parts) > 1]
    def shaped(item: _Item) -> bool:
        name = item.parts[1]
        if MOODLE_FOLDER.match(name):
            return True
        return len(item.parts) == 2 and item.kind != "dir" and bool(CANVAS_FILE.match(name) or MOODLE_FILE.match(name))

    if any(shaped(item) for item in inner):
        return [_Item(item.parts[1:], item.kind, item.size, item.open, item.when, item.why) for item in inner]
    return items


# -- who is it ---------------------------------------------------------------------------------------

def _attribute(items: list[_Item], assignment: str) -> tuple[dict[tuple[str, str], _Student], list[str]]:
    students: dict[tuple[str, str], _Student] = {}
    skipped: list[str] = []
    unusable_tops: set[str] = set()

    def student(key: tuple[str, str], name: str, lms_id: str = "") -> _Student:
        if key not in students:
            # kept as the LMS wrote it (NFC, cut to 200 characters): escaped where it is shown, not here
            students[key] = _Student(key, unicodedata.normalize("NFC", name)[:200], lms_id)
        return students[key]

    for item in items:
        parts = item.parts
        shown = printable("/".join(parts), 300)
        if not parts or any(part in ("", ".", "..") for part in parts):
            skipped.append(f"{shown}: a path with an empty, '.' or '..' part, which could leave its folder")
            continue
        top = parts[0]
        if len(parts) == 1 and item.kind in ("dir", "damaged"):
            if top.startswith(".") or top == "__MACOSX":
                unusable_tops.add(top)
                continue
            moodle = MOODLE_FOLDER.match(top)
            owner = (student(("moodle", moodle["id"]), moodle["name"], moodle["id"]) if moodle
                     else student(("folder", top), top))
            if item.kind == "damaged":
                owner.problems.append(f"the submission folder {item.why}")
            continue
        if top.startswith(".") or top == "__MACOSX":
            unusable_tops.add(top)
            continue
        moodle_folder = MOODLE_FOLDER.match(top) if len(parts) > 1 else None
        flat = CANVAS_FILE.match(top) or MOODLE_FILE.match(top) if len(parts) == 1 else None
        if moodle_folder:
            owner = student(("moodle", moodle_folder["id"]), moodle_folder["name"], moodle_folder["id"])
            owner.items.append((parts[1:], item))
            owner.lms_names[parts[1:]] = unicodedata.normalize("NFC", "/".join(parts))
        elif flat and item.kind != "dir" and not (item.kind == "link" and item.why == "folder"):
            system = "moodle" if "_assignsubmission_" in top and MOODLE_FILE.match(top) else "canvas"
            match = MOODLE_FILE.match(top) if system == "moodle" else CANVAS_FILE.match(top)
            owner = student((system, match["id"]), match["name"], match["id"])
            if system == "canvas":
                late = bool(match["late"])
                owner.late = late if owner.late is None else owner.late or late
            owner.items.append(((match["file"],), item))
            owner.lms_names[(match["file"],)] = unicodedata.normalize("NFC", top)
        elif len(parts) == 1 and item.kind == "link" and item.why == "folder":
            student(("folder", top), top).problems.append("the submission folder is a symbolic link: not followed")
        elif len(parts) == 1:
            what = {"link": "a symbolic link", "special": item.why or "not a regular file"}.get(item.kind, "a file")
            skipped.append(f"{shown}: {what} named like no student's submission (Canvas, Moodle or a folder per student)")
        else:
            student(("folder", top), top).items.append((parts[1:], item))
    skipped.extend(f"{printable(top)}/: a hidden or system folder, not a student's" for top in sorted(unusable_tops))
    for owner in students.values():
        if owner.key[0] == "folder":
            own = [(rel, item) for rel, item in owner.items if rel and rel[0] == assignment]
            if any(len(rel) > 1 or item.kind == "dir" for rel, item in own):
                # nbgrader's layout <student>/<assignment>/...: the rest are other assignments
                owner.items = [(rel[1:], item) for rel, item in own if len(rel) > 1]
    return students, skipped


def _assign_ids(students: dict[tuple[str, str], _Student]) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Student id -> key. An id two keys would share is split (a hash of each key added) and noted."""
    wanted: dict[str, list[tuple[str, str]]] = {}
    for key in students:
        base = key[1] if key[0] in ("canvas", "moodle") else student_id_of(key[1])
        wanted.setdefault(base, []).append(key)
    ids, notes = {}, []
    for base, keys in wanted.items():
        if len(keys) == 1:
            ids[base] = keys[0]
            continue
        given = []
        for key in sorted(keys):
            digest = hashlib.sha256(repr(key).encode("utf-8", "surrogateescape")).hexdigest()[:8]
            new_id = f"{base[:MAX_ID_BYTES // 2]}~{digest}"
            ids[new_id] = key
            given.append(f"{printable(new_id)} ({key[0]} {printable(key[1], 80)})")
        notes.append(f"{len(keys)} submissions would share the id {printable(base)}: kept apart as "
                     + ", ".join(given))
    return ids, notes


# -- taking a private copy ---------------------------------------------------------------------------

class _Refused(Exception):
    """A file that is not taken into the private copy; the message says why."""


def _take(student_id: str, student: _Student, workdir: Path, limits: IntakeLimits,
          stop: threading.Event | None) -> Submission:
    folder = workdir / student_id
    if folder.is_symlink() or folder.exists():
        if folder.is_symlink() or not folder.is_dir():
            folder.unlink()
        else:
            shutil.rmtree(folder)
    folder.mkdir(parents=True)
    submission = Submission(student_id, folder, name=student.name, lms_id=student.lms_id, late=student.late,
                            lms=student.key[0] if student.key[0] in ("canvas", "moodle") else "")
    problems = list(student.problems)
    used = taken = 0
    times = []
    for rel, item in sorted(student.items, key=lambda pair: pair[0]):
        shown = printable("/".join(rel), 200)
        if item.when:
            times.append(item.when)
        if item.kind == "dir":
            continue
        if item.kind == "link":
            problems.append(f"{shown} is a symbolic link: not taken")
            continue
        if item.kind == "special":
            problems.append(f"{shown} is not a regular file ({item.why}): not taken")
            continue
        if item.kind == "hardlink":
            problems.append(f"{shown} has other hard links (it may be someone else's file): not taken")
            continue
        if item.kind == "damaged":
            problems.append(f"{shown} {item.why}")
            continue
        if len(rel) > limits.depth:
            problems.append(f"{shown} is nested too deep: not taken")
            continue
        if taken >= limits.files:
            problems.append(f"more than {limits.files} files: {shown} and the rest not taken")
            break
        cap = min(limits.file_bytes, limits.student_bytes - used)
        if item.size > cap:
            problems.append(_too_large(shown, item.size, limits, used))
            continue
        target = _target(folder, rel)
        try:
            size, digest = _copy(item.open, target, cap, stop)
        except _Refused as err:
            target.unlink(missing_ok=True)
            problems.append(f"{shown} {err}")
            continue
        except _TooLarge as err:
            target.unlink(missing_ok=True)
            problems.append(_too_large(shown, err.size, limits, used))
            continue
        used += size
        taken += 1
        relative = target.relative_to(folder)
        submission.files.append(target)
        submission.digests[relative.as_posix()] = digest
        if rel in student.lms_names:
            submission.lms_files[relative.as_posix()] = student.lms_names[rel]
        if rel == ("timestamp.txt",):
            submission.submitted_at, submission.submitted_from = _timestamp(target), "timestamp.txt"
    if times and not submission.submitted_at:
        submission.submitted_at, submission.submitted_from = max(times), "zip member time"
    submission.problem = "; ".join(problems)
    return submission


def _too_large(shown: str, size: int, limits: IntakeLimits, used: int) -> str:
    if size > limits.file_bytes:
        return f"{shown} is larger than {_mib(limits.file_bytes)} (the cap per file): not taken"
    return (f"{shown} ({_mib(size)}) would take the submission past {_mib(limits.student_bytes)} "
            f"(the cap per student; {_mib(used)} taken): not taken")


def _mib(size: int) -> str:
    return f"{size / 1024**2:.0f} MiB" if size >= 1024**2 else f"{size} bytes"


def _target(folder: Path, rel: tuple[str, ...]) -> Path:
    """Where ``rel`` goes in the copy: each part made safe, never over a file already taken."""
    parent = folder
    for part in rel[:-1]:
        parent = parent / safe_file_name(part)
        if parent.exists() and not parent.is_dir():
            parent = parent.with_name(parent.name + "~folder")
        parent.mkdir(exist_ok=True)
    target = parent / safe_file_name(rel[-1])
    number = 2
    while target.exists():
        stem, dot, suffix = safe_file_name(rel[-1]).rpartition(".")
        target = parent / (f"{stem} ({number}).{suffix}" if dot and stem else f"{safe_file_name(rel[-1])} ({number})")
        number += 1
    return target


class _TooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


def _copy(open_source: Callable[[], BinaryIO], target: Path, cap: int, stop: threading.Event | None) -> tuple[int, str]:
    """Stream a file into ``target`` (created new, never through a link), at most ``cap`` bytes."""
    digest, size = hashlib.sha256(), 0
    try:
        source = open_source()
    except _Refused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError) as err:
        raise _Refused(f"is damaged in the export ({_reason(err)}): not taken") from None
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with source, os.fdopen(fd, "wb") as sink:
        while True:
            if stop is not None and stop.is_set():
                raise Interrupted()
            try:
                chunk = source.read(min(CHUNK, cap + 1 - size))
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
                    OSError) as err:
                raise _Refused(f"is damaged in the export ({_reason(err)}): not taken") from None
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise _TooLarge(size)
            digest.update(chunk)
            sink.write(chunk)
    return size, digest.hexdigest()


def _reason(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    if "CRC" in text:
        return "bad CRC-32"
    return printable(text, 120)


def _timestamp(path: Path) -> str:
    try:
        with open(path, "rb") as stream:
            text = stream.read(200).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return printable(text.splitlines()[0] if text else "", 64)
