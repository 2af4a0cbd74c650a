"""`autograder` on the command line: release, grade, feedback, report, check, merge.

Exit codes: 0 when every submission was processed (even those that scored 0 or could not be read),
2 for a usage or course error, 3 when the sandbox is unavailable (and ``--unsafe`` was not given),
130 when SIGINT or SIGTERM stopped a run (what finished is saved; the same command resumes).
"""
from __future__ import annotations

import argparse
import os
import signal
import stat
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from autograder import reports
from autograder.gradebook import CourseError, release
from autograder.grading import grade_assignment, merge_results
from autograder.records import read_records, results_folder, write_atomically
from autograder.sandbox import (Limits, SandboxUnavailable, assert_hides, check_bwrap, package_dir,
                                processes_capped, python_roots)
from autograder.scores import marking_of, number, standings
from autograder.spec import SpecError, load_assignment
from autograder.submissions import SubmissionsError

UNSAFE_WARNING = """
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! --unsafe: students' code runs WITHOUT bubblewrap isolation. It can read the course's hidden   !!
!! tests, write the gradebook and reach the network. Use only for trusted submissions.          !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (SpecError, CourseError, SubmissionsError) as err:
        print(f"autograder: error: {err}", file=sys.stderr)
        return 2
    except SandboxUnavailable as err:
        print(f"autograder: error: {err}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("\nautograder: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name, run, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(run=run)
        return p

    p = command("release", _release, "make the student version with nbgrader (course/release/ASSIGNMENT)")
    _course_args(p)

    p = command("grade", _grade, "grade a class's submissions (folder or LMS zip) into OUT")
    _course_args(p)
    p.add_argument("submissions", type=Path, help="folder of <student>/<notebook>.ipynb or an LMS export zip")
    p.add_argument("--out", type=Path, help="output folder (default: course/grading/ASSIGNMENT)")
    p.add_argument("--jobs", type=int, help="sandboxes at a time (default: cores; 2 per pod for --emit-k8s-jobs)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per notebook (hard limit)")
    p.add_argument("--cell-timeout", type=float, default=30.0, help="seconds per cell")
    p.add_argument("--memory", type=int, default=2048, help="memory cap per sandbox in MiB (default 2048)")
    p.add_argument("--unsafe", action="store_true", help="grade without bubblewrap (NO isolation)")
    p.add_argument("--no-gradebook", action="store_true", help="do not write nbgrader's gradebook")
    p.add_argument("--student", metavar="ID", help="grade only this student (their id or LMS id); everyone "
                                                   "else's saved result is kept")
    p.add_argument("--force", action="store_true", help="grade again even if the submission is unchanged")
    p.add_argument("--shard", default="0/1", help="grade only shard I of N (I/N), for workers; I may name an "
                                                 "environment variable, e.g. JOB_COMPLETION_INDEX/4; "
                                                 "{shard} in --out becomes I")
    p.add_argument("--emit-k8s-jobs", type=Path, metavar="DIR",
                   help="write an Indexed Job grading the class in --shards pods, and its merge Job, and stop")
    p.add_argument("--shards", type=int, default=4, help="shards (pods) for --emit-k8s-jobs")
    p.add_argument("--max-pods", type=int, help="pods at a time for --emit-k8s-jobs (default: --shards)")
    p.add_argument("--image", default="ghcr.io/slicelab/autograder:latest",
                   help="container image for the Jobs (built from deploy/Containerfile)")
    p.add_argument("--claim", default="course-data", help="PersistentVolumeClaim holding course and submissions")
    p.add_argument("--mount", default="/data", help="where the claim is mounted in the Jobs' pods")
    p.add_argument("--volume-root", type=Path, help="where the claim's files are on this machine (default: "
                                                    "--mount); course, SUBMISSIONS and --out must lie there")
    p.add_argument("--parallelism", type=int, dest="jobs", help=argparse.SUPPRESS)  # the old name of --jobs

    p = command("feedback", _feedback, "write feedback pages to course/feedback/<student>/ASSIGNMENT/, or pack "
                                       "them for the LMS (--pack)")
    _course_args(p)
    p.add_argument("--results", type=Path,
                   help="the OUT folder of `grade` (default: where `grade` last wrote ASSIGNMENT)")
    p.add_argument("--pack", choices=("canvas", "moodle", "folders"),
                   help="one zip the LMS takes in bulk: Canvas's Re-Upload Submissions, Moodle's feedback files "
                        "zip, or one folder per student")
    p.add_argument("--to", type=Path, dest="pack_to", metavar="ZIP",
                   help="where the pack goes (default: OUT/export/ASSIGNMENT-feedback-KIND.zip)")

    p = command("export", _export, "grades for the LMS: Canvas's gradebook CSV, Moodle's grade import CSV, "
                                   "or a plain CSV")
    _course_args(p)
    p.add_argument("--to", required=True, choices=("canvas", "moodle", "csv"), dest="kind")
    p.add_argument("--roster", type=Path, help="the LMS's own export of the class (Canvas gradebook export, "
                                               "Moodle grading worksheet, or a CSV with student_id)")
    p.add_argument("--results", type=Path,
                   help="the OUT folder of `grade` (default: where `grade` last wrote ASSIGNMENT)")
    p.add_argument("--out", type=Path, dest="file", help="the file to write (default: OUT/export/ASSIGNMENT-KIND.csv)")
    p.add_argument("--column", help="the LMS's name of the assignment: Canvas 'Title (id)' (found in the roster "
                                    "when it has it), Moodle's grade item")
    p.add_argument("--missing", choices=("zero", "blank"), default="zero",
                   help="grade of a roster student who submitted nothing (default: zero)")
    p.add_argument("--score", choices=("final", "raw"), default="final",
                   help="the grade sent: after the late penalty (final) or before it (raw, when the LMS applies "
                        "its own late policy)")

    p = command("report", _report, "per-question statistics: the questions that taught least first")
    _course_args(p)
    p.add_argument("--results", type=Path,
                   help="the OUT folder of `grade` (default: where `grade` last wrote ASSIGNMENT)")

    p = command("check", _check, "self-check a notebook before submitting: form checks only (in a sandbox)")
    p.add_argument("notebook", type=Path)
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--unsafe", action="store_true", help="run without bubblewrap even where it exists")

    p = command("merge", _merge, "join the results of shards into one grades.csv and gradebook")
    p.add_argument("results", type=Path, nargs="+", help="OUT folders of shard runs")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--expect-shards", type=int, metavar="N",
                   help="refuse unless shards 0..N-1 are all here and finished (their shard.json)")
    p.add_argument("--assignment", help="assignment name (default: the one in the results)")
    p.add_argument("--course", type=Path, default=Path("course"))
    p.add_argument("--no-gradebook", action="store_true")
    return parser


def _course_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment")
    parser.add_argument("--course", type=Path, default=Path("course"), help="nbgrader course root (default: course)")


def _release(args) -> int:
    spec = load_assignment(args.course, args.assignment)  # refuses test cells outside the protocol
    folder = release(args.course, args.assignment)
    print(f"released {spec.name}: {len(spec.notebooks)} notebook(s), {len(spec.questions())} autograded "
          f"test cells, {number(spec.points_possible)} points ({number(spec.max_score)} autograded) -> {folder}")
    return 0


def _limits(args) -> Limits:
    return Limits(memory_bytes=args.memory * 1024**2, cell_timeout=min(args.cell_timeout, args.timeout),
                  notebook_timeout=args.timeout)


def _sandbox(args) -> str | None:
    if args.unsafe:
        print(UNSAFE_WARNING, file=sys.stderr)
        return None
    try:
        bwrap = check_bwrap()
    except SandboxUnavailable:
        print(UNSAFE_WARNING.replace("--unsafe: students' code runs", "bubblewrap is unavailable: students' code would run")
              .replace("Use only for trusted submissions.", "Refusing; pass --unsafe to go on."), file=sys.stderr)
        raise
    assert_hides([*python_roots(), package_dir("autograder"), package_dir("slicelab")], args.course)
    if not processes_capped():
        print("autograder: WARNING: the number of processes per sandbox is NOT capped: the grader runs as "
              "root and cannot create a pids cgroup (RLIMIT_NPROC does not bind root). Run as a normal "
              "user or give the grader a writable pids cgroup.", file=sys.stderr)
    return bwrap


def _grade(args) -> int:
    spec = load_assignment(args.course, args.assignment)
    out = args.out or args.course / "grading" / args.assignment
    if args.emit_k8s_jobs:
        from autograder.k8s import write_jobs
        paths = write_jobs(args, spec, out, args.emit_k8s_jobs)
        print(f"wrote {', '.join(str(p) for p in paths)}")
        return 0
    shard = _shard(args.shard)
    out = Path(str(out).replace("{shard}", str(shard[0])))
    if Path(args.submissions).is_dir() and Path(out).resolve().is_relative_to(Path(args.submissions).resolve()):
        raise CourseError(f"--out {out} is inside SUBMISSIONS {args.submissions}: its folders would be taken for students")
    bwrap = _sandbox(args)
    _warn_if_readable(args.course / "source")
    with _interruptible() as stop:
        run = grade_assignment(spec, args.submissions, out, course=args.course, limits=_limits(args), bwrap=bwrap,
                               jobs=args.jobs or os.cpu_count() or 1, gradebook=not args.no_gradebook, shard=shard,
                               student=args.student, force=args.force, stop=stop, progress=True)
        print(run.summary, end="")
        return 130 if run.interrupted else 0


@contextmanager
def _interruptible():
    """SIGINT (Ctrl-C) and SIGTERM ask the run to stop: queued students are cancelled, running sandboxes
    killed, finished results kept and published; the command then exits 130. A second signal stops at once."""
    stop = threading.Event()

    def ask_to_stop(signum, frame):  # noqa: ARG001 - signal handler signature
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nautograder: stopping — killing running sandboxes, keeping finished results...", file=sys.stderr)

    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, ask_to_stop)
        except ValueError:  # not the main thread (called as a library): no handlers
            pass
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _warn_if_readable(source: Path) -> None:
    """On a shared machine (a hub), a course/source other users can reach gives every learner the answer key."""
    if os.getuid() != 0 and reachable_by_others(source):
        print(f"autograder: WARNING: {source} (solutions and hidden tests) is readable by every user of this "
              f"machine; on a shared machine run `chmod -R o-rwx {source}`.", file=sys.stderr)


def reachable_by_others(path: Path) -> bool:
    """Whether a user who is neither owner nor in the group can list or enter ``path``: it must allow
    others to read or search it, and every folder above it must let them pass (search, ``o+x``) — a
    0700 home keeps a 0755 course/source private."""
    try:
        path = Path(path).resolve(strict=True)
        if not path.stat().st_mode & (stat.S_IROTH | stat.S_IXOTH):
            return False
        return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)
    except OSError:
        return False


def _shard(text: str) -> tuple[int, int]:
    """I/N, where I may name an environment variable (a Kubernetes Indexed Job's JOB_COMPLETION_INDEX)."""
    index, _, count = text.partition("/")
    if index and not index.isdigit() and index.replace("_", "").isalnum():
        value = os.environ.get(index, "")
        if not value.isdigit():
            raise CourseError(f"--shard {text}: the environment variable {index} is {value or 'not set'!r}, "
                              "not a shard number")
        index = value
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise CourseError(f"--shard {text!r}: expected I/N with 0 <= I < N, e.g. 0/4 or JOB_COMPLETION_INDEX/4")
    return int(index), int(count)


def _results_of(args) -> tuple[Path, list[dict]]:
    folder = results_folder(args.course, args.assignment, args.results)
    records = read_records(folder / "results", args.assignment)
    if not records:
        raise CourseError(f"no graded submissions of {args.assignment} in {folder / 'results'}: run "
                          f"`autograder grade {args.assignment} SUBMISSIONS` first (or pass --results OUT)")
    if args.results is None:
        print(f"results of {args.assignment} from {folder}", file=sys.stderr)
    return folder, records


def _standings(args):
    """The OUT folder, the spec and every student's standing (hand grades and late policy included)."""
    spec = load_assignment(args.course, args.assignment)
    folder, records = _results_of(args)
    return folder, spec, standings(spec, records, marking_of(args.course, spec))


def _feedback(args) -> int:
    folder, spec, ranked = _standings(args)
    if args.pack:
        from autograder.lms import pack_feedback
        target = args.pack_to or folder / "export" / f"{args.assignment}-feedback-{args.pack}.zip"
        path, count, skipped = pack_feedback(spec, ranked, args.pack, target)
        print(f"packed {count} feedback page(s) of {len(ranked) - len(skipped)} student(s) for "
              f"{args.pack} -> {path}")
        for line in skipped:
            print(f"  left out: {line}", file=sys.stderr)
        return 0
    written = reports.write_feedback(ranked, args.course / "feedback", nested_assignment=True, spec=spec)
    print(f"wrote {len(written)} feedback page(s) for {len(ranked)} student(s) under "
          f"{args.course / 'feedback'}/<student>/{args.assignment}/")
    return 0


def _report(args) -> int:
    folder, spec, ranked = _standings(args)
    text = reports.render_statistics(reports.question_statistics(spec, ranked), len(ranked))
    write_atomically(folder / "report.md", text)
    print(text, end="")
    return 0


def _export(args) -> int:
    from autograder.lms import Export, default_file, remember, write_export
    folder, spec, ranked = _standings(args)
    if args.kind == "moodle" and not args.roster:
        raise CourseError("a Moodle grade import maps students by email address, ID number, username or user id, "
                          "and a Moodle submissions download names them by participant number only: pass "
                          "--roster with the assignment's grading worksheet (Download grading worksheet)")
    export = Export(args.kind, str((args.file or default_file(folder, args.assignment, args.kind)).absolute()),
                    str(args.roster.absolute()) if args.roster else None, args.column, args.missing, args.score)
    written = write_export(spec, ranked, export)
    remember(folder, export)
    listed = written.listed
    print(f"wrote {written.rows} row(s) for {args.kind} -> {written.path}")
    absent = sum(1 for row in listed.rows if row.standing is None)
    if absent:
        print(f"  {absent} student(s) on the roster submitted nothing: "
              f"{'0' if args.missing == 'zero' else 'left blank'}")
    if written.pending:
        print(f"  {written.pending} student(s) have answers still to grade by hand (the Formgrader): their grade "
              "counts what is graded so far; it is exported again when grades change")
    for one in listed.not_on_roster:
        print(f"  NOT ON THE ROSTER: {reports.who(one.record)} submitted, but nobody on the roster matches "
              "(not sent to the LMS)", file=sys.stderr)
    for line in [*written.skipped, *listed.left_out]:
        print(f"  left out: {line}", file=sys.stderr)
    return 0


def _check(args) -> int:
    from autograder.selfcheck import check_notebook
    return check_notebook(args.notebook, timeout=args.timeout, unsafe=args.unsafe)


def _merge(args) -> int:
    spec, saved = merge_results(args.results, args.out, args.course, args.assignment, not args.no_gradebook,
                                args.expect_shards)
    print(f"merged {len(saved)} submissions of {spec.name} from {len(args.results)} shard(s); grades.csv covers "
          f"{len(saved)} -> {args.out / 'grades.csv'}")
    return 0
