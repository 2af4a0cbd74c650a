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
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable

from tqdm import tqdm

from autograder import __version__
from autograder.answers import CHECKS
from autograder.inert import printable
from autograder.plan import SubmissionError, build_steps, find_notebook, read_submission, student_work
from autograder.records import read_record, read_records, write_record  # noqa: F401 (read_records: the API)
from autograder.sandbox import INTERRUPTED, LIMIT_ENDINGS, STOP_POLL_SECONDS, Limits, SandboxRun, run_steps
from autograder.spec import AssignmentSpec, CellSpec
from autograder.submissions import Interrupted, Submission


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
              "submitted_from": submission.submitted_from, "assignment": spec.name,
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
                steps = build_steps(notebook, cells, (answers, added))
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
    record["max_score"] = spec.max_score
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
                stop: threading.Event | None = None, progress: bool = False) -> list[dict]:
    """Grade everyone, ``jobs`` sandboxes at a time; skip unchanged submissions already graded.

    Each record is written to ``results`` the moment it is ready, then ``on_record(record, newly_graded)``
    runs in the caller's thread. When ``stop`` is set (SIGINT/SIGTERM), queued students are cancelled,
    running sandboxes are killed, and what finished is kept: the records returned are those finished,
    in the order of ``submissions``. ``progress`` shows a progress bar on a terminal (tqdm).
    """
    submissions = list(submissions)
    done: dict[str, dict] = {}
    todo = []
    for submission in submissions:
        previous = read_record(Path(results) / f"{submission.student_id}.json")
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
