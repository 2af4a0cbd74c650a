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
from autograder.gradebook import CourseError, GradebookWriter, release
from autograder.grading import grade_class
from autograder.records import read_records, remember_out, results_folder, write_atomically, write_record
from autograder.sandbox import (Limits, SandboxUnavailable, assert_hides, check_bwrap, package_dir,
                                processes_capped, python_roots)
from autograder.spec import AssignmentSpec, SpecError, load_assignment
from autograder.submissions import Interrupted, SubmissionsError, collect

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
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="sandboxes at a time (default: cores)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per notebook (hard limit)")
    p.add_argument("--cell-timeout", type=float, default=30.0, help="seconds per cell")
    p.add_argument("--memory", type=int, default=2048, help="memory cap per sandbox in MiB (default 2048)")
    p.add_argument("--unsafe", action="store_true", help="grade without bubblewrap (NO isolation)")
    p.add_argument("--no-gradebook", action="store_true", help="do not write nbgrader's gradebook")
    p.add_argument("--shard", default="0/1", help="grade only shard I of N (I/N), for workers")
    p.add_argument("--emit-k8s-jobs", type=Path, metavar="DIR", help="write a Kubernetes Job per shard and stop")
    p.add_argument("--shards", type=int, default=4, help="shards for --emit-k8s-jobs")
    p.add_argument("--image", default="ghcr.io/slicelab/autograder:latest", help="container image for the Jobs")
    p.add_argument("--claim", default="course-data", help="PersistentVolumeClaim holding course and submissions")
    p.add_argument("--mount", default="/data", help="where the claim is mounted in the Job's pod")
    p.add_argument("--parallelism", type=int, default=2, help="sandboxes at a time inside each Job's pod")

    p = command("feedback", _feedback, "write feedback pages to course/feedback/<student>/ASSIGNMENT/")
    _course_args(p)
    p.add_argument("--results", type=Path,
                   help="the OUT folder of `grade` (default: where `grade` last wrote ASSIGNMENT)")

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
          f"test cells, {reports._number(spec.max_score)} points -> {folder}")
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
        paths = write_jobs(args, args.emit_k8s_jobs)
        print(f"wrote {len(paths)} Kubernetes Job manifest(s) to {args.emit_k8s_jobs}")
        return 0
    if Path(args.submissions).is_dir() and Path(out).resolve().is_relative_to(Path(args.submissions).resolve()):
        raise CourseError(f"--out {out} is inside SUBMISSIONS {args.submissions}: its folders would be taken for students")
    bwrap = _sandbox(args)
    limits = _limits(args)
    shard = _shard(args.shard)
    _warn_if_readable(args.course / "source")
    graded: list[dict] = []
    unchanged = [0]
    intake = None

    def on_record(record: dict, new: bool) -> None:
        if new:
            graded.append(record)
        else:
            unchanged[0] += 1
        if writer:
            writer.write_autograded(record)
            writer.write(record)

    with _interruptible() as stop:
        writer = None if args.no_gradebook else _writer(args.course, spec)
        try:
            intake = collect(args.submissions, spec.name, out / "work", shard=shard, stop=stop)
            if writer and not _inside_submitted(args.course, args.submissions):
                for submission in intake.submissions:
                    writer.write_submitted(submission)
            grade_class(spec, intake.submissions, out / "results", jobs=args.jobs, limits=limits, bwrap=bwrap,
                        on_record=on_record, stop=stop, progress=True)
        except Interrupted:
            pass
        finally:
            if writer:
                writer.close()
        saved = reports.publish(spec, out)
        remember_out(args.course, spec.name, out)
        summary = reports.render_summary(spec.name, intake, graded, unchanged[0], saved, out,
                                         interrupted=stop.is_set())
        write_atomically(out / "summary.txt", summary)
        print(summary, end="")
        return 130 if stop.is_set() else 0


def _inside_submitted(course: Path, submissions: Path) -> bool:
    """Whether SUBMISSIONS is (or holds, or lies in) nbgrader's own submitted/ folder: then it is not
    filled from the private copies (the instructor's folder is never rewritten)."""
    submitted, source = (Path(course) / "submitted").resolve(), Path(submissions).resolve()
    return source == submitted or submitted.is_relative_to(source) or source.is_relative_to(submitted)


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
    """On a shared machine (a hub), a world-readable course/source gives every learner the answer key."""
    try:
        mode = source.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IROTH | stat.S_IXOTH) and os.getuid() != 0:
        print(f"autograder: WARNING: {source} (solutions and hidden tests) is readable by every user of this "
              f"machine; on a shared machine run `chmod -R o-rwx {source}`.", file=sys.stderr)


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise CourseError(f"--shard {text!r}: expected I/N with 0 <= I < N, e.g. 0/4")
    return int(index), int(count)


def _writer(course: Path, spec: AssignmentSpec) -> GradebookWriter:
    try:
        return GradebookWriter(course, spec.name)
    except CourseError:
        release(course, spec.name)
        return GradebookWriter(course, spec.name)


def _results_of(args) -> tuple[Path, list[dict]]:
    folder = results_folder(args.course, args.assignment, args.results)
    records = read_records(folder / "results", args.assignment)
    if not records:
        raise CourseError(f"no graded submissions of {args.assignment} in {folder / 'results'}: run "
                          f"`autograder grade {args.assignment} SUBMISSIONS` first (or pass --results OUT)")
    if args.results is None:
        print(f"results of {args.assignment} from {folder}", file=sys.stderr)
    return folder, records


def _feedback(args) -> int:
    _, records = _results_of(args)
    folder = args.course / "feedback"
    written = reports.write_feedback(records, folder, nested_assignment=True)
    print(f"wrote {len(written)} feedback page(s) for {len(records)} student(s) under "
          f"{folder}/<student>/{args.assignment}/")
    return 0


def _report(args) -> int:
    spec = load_assignment(args.course, args.assignment)
    folder, records = _results_of(args)
    text = reports.render_statistics(reports.question_statistics(spec, records), len(records))
    write_atomically(folder / "report.md", text)
    print(text, end="")
    return 0


def _check(args) -> int:
    from autograder.selfcheck import check_notebook
    return check_notebook(args.notebook, timeout=args.timeout, unsafe=args.unsafe)


def _merge(args) -> int:
    records = {}
    for folder in args.results:
        for record in read_records(folder / "results"):
            records[record["student_id"]] = record
    if not records:
        raise CourseError("no results found in " + ", ".join(map(str, args.results)))
    names = {r["assignment"] for r in records.values()}
    assignment = args.assignment or (names.pop() if len(names) == 1 else None)
    if assignment is None:
        raise CourseError(f"results of several assignments ({', '.join(sorted(names))}): pass --assignment")
    spec = load_assignment(args.course, assignment)
    chosen = sorted((r for r in records.values() if r["assignment"] == assignment), key=lambda r: r["student_id"])
    for record in chosen:
        write_record(args.out / "results", record)
    if not args.no_gradebook:
        writer = _writer(args.course, spec)
        try:
            for record in chosen:
                writer.write_autograded(record)
                writer.write(record)
        finally:
            writer.close()
    saved = reports.publish(spec, args.out)
    remember_out(args.course, assignment, args.out)
    print(f"merged {len(chosen)} submissions of {assignment} from {len(args.results)} shard(s); grades.csv covers "
          f"{len(saved)} -> {args.out / 'grades.csv'}")
    return 0
