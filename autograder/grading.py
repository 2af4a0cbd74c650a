"""Grade submissions: one self-contained unit per student, many in parallel, resumable.

A unit is (assignment spec + one student's files) -> result record (plain JSON). The record is the
source of truth: it is written atomically to ``OUT/results/<student>.json`` as soon as the student is
graded, so a crash or a kill loses no finished grade, and it carries a key (hash of the spec, the
limits and the student's files) so a re-run grades only what changed.
"""
from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from tqdm import tqdm

from autograder import __version__
from autograder.answers import CHECKS
from autograder.gradebook import CourseError
from autograder.inert import printable
from autograder.plan import SubmissionError, build_steps, find_notebook, read_submission, student_work
from autograder.records import read_record, read_records, remember_out, write_atomically, write_record
from autograder.sandbox import INTERRUPTED, LIMIT_ENDINGS, STOP_POLL_SECONDS, Limits, SandboxRun, run_steps
from autograder.spec import AssignmentSpec, CellSpec
from autograder.submissions import Intake, Interrupted, Submission, collect


def submission_key(spec: AssignmentSpec, submission: Submission) -> str:
    """What a grade depends on: the tests, the grader's version, what intake found and the student's
    files (their hashes, taken while copying them: nothing is read twice)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([spec.digest(), __version__, submission.problem]).encode())
    for name, file_digest in sorted(submission.digests.items()):
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0" + file_digest.encode())
    return digest.hexdigest()


def grade_submission(spec: AssignmentSpec, submission: Submission, limits: Limits, bwrap: str | None,
                     stop: threading.Event | None = None) -> dict:
    """Grade one student's submission (its private copy): run each notebook in its own sandbox, judge here.

    Raises ``Interrupted`` when ``stop`` was set while a sandbox ran: that is no grade."""
    record = {"student_id": submission.student_id, "name": submission.name, "lms_id": submission.lms_id,
              "late": submission.late, "submitted_at": submission.submitted_at,
              "submitted_from": submission.submitted_from, "lms": submission.lms,
              "lms_files": submission.lms_files, "assignment": spec.name,
              "key": submission_key(spec, submission), "problem": submission.problem, "limits": asdict(limits),
              "graded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "files": sorted(submission.digests), "notebooks": []}
    only_one = len(spec.notebooks) == 1
    for notebook in spec.notebooks:
        path, problem = find_notebook(submission.files, submission.folder, notebook.name, only_one)
        run, errors, answers, added = SandboxRun(ending="not run"), [], {}, []
        if path is not None:
            try:
                cells = read_submission(path)
                answers, added = student_work(notebook, cells)
                steps = build_steps(notebook, (answers, added))
                run = run_steps(steps, submission.folder, limits, bwrap=bwrap, stop=stop)
                if run.ending == INTERRUPTED:
                    raise Interrupted()
                problem = "; ".join(p for p in (problem, run.problem) if p)
                errors = [printable(f"{r['where']}: {r['error']}", 500) for r in run.records
                          if isinstance(r.get("where"), str) and isinstance(r.get("error"), str)][:20]
            except SubmissionError as err:
                problem = "; ".join(p for p in (problem, str(err)) if p)
        judged = [judge_cell(cell, run) for cell in notebook.tests]
        record["notebooks"].append({"name": notebook.name, "problem": problem, "errors": errors, "cells": judged,
                                    "answers": answers, "added": added,
                                    "file": path.relative_to(submission.folder).as_posix() if path else None})
    record["score"] = sum(cell["points"] for nb in record["notebooks"] for cell in nb["cells"])
    record["max_score"] = spec.points_possible
    record["problem"] = "; ".join(p for p in [submission.problem, *(nb["problem"] for nb in record["notebooks"])] if p)
    return record


def judge_cell(cell: CellSpec, run: SandboxRun) -> dict:
    """All checks of a test cell must pass for its points (nbgrader: a failed assert fails the cell)."""
    answers: dict[str, dict] = {}
    for record in run.records:
        probe = record.get("probe")
        if isinstance(probe, str) and probe not in answers:
            answers[probe] = record
    checks = []
    for index, probe in enumerate(cell.probes):
        answer = answers.get(f"{cell.grade_id}#{index}")
        if answer is None:
            why = run.problem or "an earlier cell stopped the notebook"
            message = f"{probe.name}: not checked ({why})."
        elif "value" in answer:
            message = _judge(probe.check_fn, probe.name, answer["value"], probe.expected, probe.hint)
        else:
            message = f"{probe.name}: your code raised {str(answer.get('error', 'an error'))[:400]}"
        checks.append({"name": probe.name, "hidden": probe.hidden, "passed": message is None, "message": message})
    passed = all(check["passed"] for check in checks)
    return {"grade_id": cell.grade_id, "points": cell.points if passed else 0.0,
            "max_points": cell.points, "checks": checks}


def _judge(check_fn: str, name: str, actual, expected, hint: str) -> str | None:
    try:
        if check_fn == "expect":
            return CHECKS[check_fn](name, actual, expected, hint)
        return CHECKS[check_fn](name, actual, expected)
    except (RecursionError, TypeError, ValueError):
        return f"{name}: your answer could not be compared (it is not plain data)."


def grade_class(spec: AssignmentSpec, submissions: Iterable[Submission], results: Path, *, jobs: int,
                limits: Limits, bwrap: str | None, on_record: Callable[[dict, bool], None] = lambda r, new: None,
                stop: threading.Event | None = None, progress: bool = False, force: bool = False) -> list[dict]:
    """Grade everyone, ``jobs`` sandboxes at a time; skip unchanged submissions already graded (unless ``force``).

    Each record is written to ``results`` the moment it is ready, then ``on_record(record, newly_graded)``
    runs in the caller's thread. When ``stop`` is set (SIGINT/SIGTERM), queued students are cancelled,
    running sandboxes are killed, and what finished is kept: the records returned are those finished,
    in the order of ``submissions``. ``progress`` shows a progress bar on a terminal (tqdm).
    """
    submissions = list(submissions)
    done: dict[str, dict] = {}
    todo = []
    for submission in submissions:
        previous = None if force else read_record(Path(results) / f"{submission.student_id}.json")
        if previous and previous.get("key") == submission_key(spec, submission) and (
                previous.get("limits") == asdict(limits) or not hit_a_limit(previous)):
            done[submission.student_id] = previous
            on_record(previous, False)
        else:
            todo.append(submission)
    halt = threading.Event()
    bar = tqdm(total=len(todo), desc=spec.name, unit="student", file=sys.stderr, dynamic_ncols=True,
               disable=None if progress else True)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    pending = {pool.submit(grade_submission, spec, submission, limits, bwrap, halt) for submission in todo}

    def take(finished) -> None:
        for future in finished:
            pending.discard(future)
            if future.cancelled():
                continue
            try:
                record = future.result()
            except Interrupted:
                continue
            write_record(results, record)
            done[record["student_id"]] = record
            on_record(record, True)
            bar.update(1)

    try:
        while pending:
            finished, _ = wait(pending, timeout=STOP_POLL_SECONDS * 2, return_when=FIRST_COMPLETED)
            take(finished)
            if stop is not None and stop.is_set():
                halt.set()
                for future in pending:
                    future.cancel()
                finished, _ = wait(pending)  # the running sandboxes are being killed: a moment
                take(finished)
    except BaseException:
        halt.set()
        for future in pending:
            future.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
    return [done[s.student_id] for s in submissions if s.student_id in done]


def hit_a_limit(record: dict) -> bool:
    """Whether a limit decided part of this grade (then new limits mean grading again)."""
    for notebook in record["notebooks"]:
        if notebook["problem"] in LIMIT_ENDINGS or any(
                error.split(": ", 1)[-1].startswith(("CellTimeout", "MemoryError")) for error in notebook["errors"]):
            return True
    return False


@dataclass
class GradingRun:
    """What one ``grade`` did: who was found, graded now or unchanged, and what OUT now covers."""

    intake: Intake | None = None
    graded: list[dict] = field(default_factory=list)
    unchanged: int = 0
    saved: list[dict] = field(default_factory=list)
    interrupted: bool = False
    summary: str = ""


def grade_assignment(spec: AssignmentSpec, submissions: Path, out: Path, *, course: Path, limits: Limits,
                     bwrap: str | None, jobs: int, gradebook: bool = True, shard: tuple[int, int] = (0, 1),
                     student: str | None = None, force: bool = False, stop: threading.Event | None = None,
                     progress: bool = False) -> GradingRun:
    """Take the submissions in (one student with ``student``), grade what is new or changed (everything
    with ``force``), keep nbgrader's gradebook and ``submitted/`` in step, and rebuild grades.csv,
    feedback and the LMS exports of ``out`` from every saved record. A stop (SIGINT/SIGTERM) keeps what
    finished."""
    from autograder.gradebook import GradebookWriter, release
    from autograder.scores import marking_of
    marking = marking_of(course, spec, gradebook=gradebook)
    run = GradingRun()
    stop = stop or threading.Event()
    writer = None

    def on_record(record: dict, new: bool) -> None:
        if new:
            run.graded.append(record)
        else:
            run.unchanged += 1
        if writer:
            writer.write_autograded(record)
            writer.write(record, regraded=new)

    try:
        if gradebook:
            try:
                writer = GradebookWriter(course, spec.name, marking)
            except CourseError:
                release(course, spec.name)
                writer = GradebookWriter(course, spec.name, marking)
        run.intake = collect(submissions, spec.name, out / "work", shard=shard, stop=stop, only=student)
        if writer and not inside_submitted(course, submissions):
            for submission in run.intake.submissions:
                writer.write_submitted(submission)
        grade_class(spec, run.intake.submissions, out / "results", jobs=jobs, limits=limits, bwrap=bwrap,
                    on_record=on_record, stop=stop, progress=progress, force=force)
    except Interrupted:
        pass
    finally:
        if writer:
            writer.close()
    run.interrupted = stop.is_set()
    if gradebook:
        marking = marking_of(course, spec)  # the gradebook as this run left it
    run.saved = publish(spec, out, marking)
    remember_out(course, spec.name, out)
    from autograder.reports import render_summary
    run.summary = render_summary(spec.name, run.intake, run.graded, run.unchanged, run.saved, out,
                                 interrupted=run.interrupted)
    write_atomically(out / "summary.txt", run.summary)
    if shard[1] > 1 and run.intake is not None:
        mark_shard(out, spec.name, shard, run)
    return run


def inside_submitted(course: Path, submissions: Path) -> bool:
    """Whether SUBMISSIONS is (or holds, or lies in) nbgrader's own submitted/ folder: then it is not
    filled from the private copies (the instructor's folder is never rewritten)."""
    submitted, source = (Path(course) / "submitted").resolve(), Path(submissions).resolve()
    return source == submitted or submitted.is_relative_to(source) or source.is_relative_to(submitted)


SHARD_FILE = "shard.json"


def mark_shard(out: Path, assignment: str, shard: tuple[int, int], run: GradingRun) -> None:
    """``OUT/shard.json``: which shard this is, who was in it, and whether all of them have a saved result
    (``merge`` refuses a class with a shard that did not finish)."""
    students = [s.student_id for s in run.intake.submissions]
    saved = {record["student_id"] for record in run.saved}
    write_atomically(Path(out) / SHARD_FILE, json.dumps({
        "assignment": assignment, "shard": shard[0], "of": shard[1], "students": students,
        "complete": not run.interrupted and all(s in saved for s in students)}, indent=1))


def publish(spec: AssignmentSpec, out: Path, marking) -> list[dict]:
    """Rebuild grades.csv, the feedback pages and the LMS exports of ``out`` from every saved record of the
    assignment, with the points entered by hand and the late policy (``marking``)."""
    from autograder.lms import refresh_exports
    from autograder.reports import write_feedback, write_grades
    from autograder.scores import standings
    records = read_records(Path(out) / "results", spec.name)
    ranked = standings(spec, records, marking)
    write_grades(spec, ranked, Path(out) / "grades.csv")
    write_feedback(ranked, Path(out) / "feedback", spec=spec)
    refresh_exports(spec, Path(out), ranked)
    return records


def merge_results(folders: list[Path], out: Path, course: Path, assignment: str | None = None,
                  gradebook: bool = True, expect_shards: int | None = None) -> tuple[AssignmentSpec, list[dict]]:
    """Join the records of shard runs into ``out`` (one grades.csv, the gradebook, the exports). With
    ``expect_shards`` N, refuse unless shards 0..N-1 each finished (their ``shard.json``)."""
    from autograder.gradebook import GradebookWriter, release
    from autograder.scores import marking_of
    from autograder.spec import load_assignment
    if expect_shards is not None:
        check_shards(folders, expect_shards)
    records: dict[str, dict] = {}
    for folder in folders:
        for record in read_records(Path(folder) / "results"):
            records[record["student_id"]] = record
    if not records:
        raise CourseError("no results found in " + ", ".join(map(str, folders)))
    names = {r["assignment"] for r in records.values()}
    assignment = assignment or (names.pop() if len(names) == 1 else None)
    if assignment is None:
        raise CourseError(f"results of several assignments ({', '.join(sorted(names))}): pass --assignment")
    spec = load_assignment(course, assignment)
    chosen = sorted((r for r in records.values() if r["assignment"] == assignment), key=lambda r: r["student_id"])
    for record in chosen:
        write_record(Path(out) / "results", record)
    marking = marking_of(course, spec, gradebook=gradebook)
    if gradebook:
        try:
            writer = GradebookWriter(course, spec.name, marking)
        except CourseError:
            release(course, spec.name)
            writer = GradebookWriter(course, spec.name, marking)
        try:
            for record in chosen:
                writer.write_autograded(record)
                writer.write(record)
        finally:
            writer.close()
        marking = marking_of(course, spec)
    saved = publish(spec, Path(out), marking)
    remember_out(course, assignment, out)
    return spec, saved


def check_shards(folders: list[Path], expected: int) -> None:
    """Every shard 0..expected-1 is among ``folders`` and finished; else a CourseError naming what is missing."""
    seen: dict[int, bool] = {}
    for folder in folders:
        try:
            mark = json.loads((Path(folder) / SHARD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise CourseError(f"{printable(folder)} has no readable {SHARD_FILE}: that shard did not finish "
                              "(see the Job's pod logs), or it is not a shard's OUT folder") from None
        if mark.get("of") != expected:
            raise CourseError(f"{printable(folder)} is shard {mark.get('shard')} of {mark.get('of')}, not of {expected}")
        seen[int(mark["shard"])] = bool(mark.get("complete"))
    missing = sorted(set(range(expected)) - set(seen))
    unfinished = sorted(index for index, complete in seen.items() if not complete)
    if missing or unfinished:
        raise CourseError("the class is not complete: " + "; ".join(filter(None, [
            f"shard(s) {', '.join(map(str, missing))} missing" if missing else "",
            f"shard(s) {', '.join(map(str, unfinished))} stopped before every student was graded (run them again: "
            "a shard resumes where it stopped)" if unfinished else ""])))
