"""Grade submissions: one self-contained unit per student, many in parallel, resumable.

A unit is (assignment spec + one student's files) -> result record (plain JSON). The record is the
source of truth: it is written atomically to ``OUT/results/<student>.json`` as soon as the student is
graded, so a crash or a kill loses no finished grade, and it carries a key (hash of the spec, the
limits and the student's files) so a re-run grades only what changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable

from autograder import __version__
from autograder.answers import CHECKS
from autograder.plan import SubmissionError, build_steps, find_notebook, read_submission, student_work
from autograder.sandbox import LIMIT_ENDINGS, Limits, SandboxRun, run_steps
from autograder.spec import AssignmentSpec, CellSpec
from autograder.submissions import Submission


def submission_key(spec: AssignmentSpec, submission: Submission) -> str:
    """What a grade depends on: the tests, the grader's version and the student's files."""
    digest = hashlib.sha256()
    digest.update(json.dumps([spec.digest(), __version__, submission.problem]).encode())
    for path in sorted(submission.files):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def grade_submission(spec: AssignmentSpec, submission: Submission, limits: Limits, bwrap: str | None) -> dict:
    """Grade one student's submission: run each notebook in its own sandbox, judge here."""
    record = {"student_id": submission.student_id, "assignment": spec.name,
              "key": submission_key(spec, submission), "problem": submission.problem, "limits": asdict(limits),
              "graded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "notebooks": []}
    only_one = len(spec.notebooks) == 1
    for notebook in spec.notebooks:
        path = None if submission.problem else find_notebook(submission.files, notebook.name, only_one)
        run, problem, errors, answers, added = SandboxRun(ending="not run"), "", [], {}, []
        if submission.problem:
            problem = submission.problem
        elif path is None:
            problem = f"no {notebook.name}.ipynb in the submission"
        else:
            try:
                cells = read_submission(path)
                answers, added = student_work(notebook, cells)
                steps = build_steps(notebook, cells)
                run = run_steps(steps, submission.folder, limits, bwrap=bwrap)
                problem = run.problem
                errors = [f"{r['where']}: {r['error']}" for r in run.records
                          if isinstance(r.get("where"), str) and isinstance(r.get("error"), str)][:20]
            except SubmissionError as err:
                problem = str(err)
        judged = [judge_cell(cell, run) for cell in notebook.tests]
        record["notebooks"].append({"name": notebook.name, "problem": problem, "errors": errors, "cells": judged,
                                    "answers": answers, "added": added})
    record["score"] = sum(cell["points"] for nb in record["notebooks"] for cell in nb["cells"])
    record["max_score"] = spec.max_score
    record["problem"] = "; ".join(nb["problem"] for nb in record["notebooks"] if nb["problem"])
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


def write_record(results: Path, record: dict) -> Path:
    """Atomically write one record: a reader sees the old one or the new one, never half of one."""
    results.mkdir(parents=True, exist_ok=True)
    target = results / f"{record['student_id']}.json"
    partial = target.with_suffix(f".json.{os.getpid()}.partial")
    partial.write_text(json.dumps(record, indent=1))
    with open(partial, "rb") as stream:
        os.fsync(stream.fileno())
    os.replace(partial, target)
    return target


def read_records(results: Path) -> list[dict]:
    """All records in a results folder, sorted by student."""
    records = []
    for path in sorted(Path(results).glob("*.json")):
        try:
            records.append(json.loads(path.read_text()))
        except ValueError:
            continue
    return sorted(records, key=lambda r: r["student_id"])


def grade_class(spec: AssignmentSpec, submissions: Iterable[Submission], results: Path, *, jobs: int,
                limits: Limits, bwrap: str | None, on_record: Callable[[dict, bool], None] = lambda r, new: None,
                ) -> list[dict]:
    """Grade everyone, ``jobs`` sandboxes at a time; skip unchanged submissions already graded.

    ``on_record(record, newly_graded)`` runs in the caller's thread for each record as it is ready.
    """
    submissions = list(submissions)
    done: dict[str, dict] = {}
    todo = []
    for submission in submissions:
        previous = _previous(results, submission.student_id)
        if previous and previous.get("key") == submission_key(spec, submission) and (
                previous.get("limits") == asdict(limits) or not hit_a_limit(previous)):
            done[submission.student_id] = previous
            on_record(previous, False)
        else:
            todo.append(submission)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(grade_submission, spec, submission, limits, bwrap) for submission in todo]
        for future in as_completed(futures):
            record = future.result()
            write_record(results, record)
            done[record["student_id"]] = record
            on_record(record, True)
    return [done[s.student_id] for s in submissions]


def hit_a_limit(record: dict) -> bool:
    """Whether a limit decided part of this grade (then new limits mean grading again)."""
    for notebook in record["notebooks"]:
        if notebook["problem"] in LIMIT_ENDINGS or any(
                error.split(": ", 1)[-1].startswith(("CellTimeout", "MemoryError")) for error in notebook["errors"]):
            return True
    return False


def _previous(results: Path, student_id: str) -> dict | None:
    path = Path(results) / f"{student_id}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
