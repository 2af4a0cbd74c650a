"""Grade the same 40 submissions with plain `nbgrader autograde` and with `autograder grade`, in one run.

Prints both wall-clock times and their ratio, and checks that both give every student the same
score. The submissions are built from the assignment's own notebooks: right (the reference), wrong
(the untouched release), half right, and broken (a syntax error, an import that fails).

    python benchmarks/grading.py [--assignment ps1-the-flow] [--students 40] [--jobs N]
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GENERATED = ("release", "submitted", "autograded", "feedback", "grading", "gradebook.db")


def solution_indexes(nb: dict) -> list[int]:
    return [i for i, cell in enumerate(nb["cells"]) if cell["metadata"].get("nbgrader", {}).get("solution")
            and cell["cell_type"] == "code"]


def variants(source: dict, release: dict) -> dict[str, dict]:
    """The four kinds of submission, built from the reference and the release."""
    half = copy.deepcopy(source)
    for n, index in enumerate(solution_indexes(source)):
        if n % 2:
            half["cells"][index] = copy.deepcopy(release["cells"][index])
    syntax, imports = copy.deepcopy(source), copy.deepcopy(source)
    first = solution_indexes(source)[0]
    syntax["cells"][first]["source"] = "def broken(:\n    pass"
    imports["cells"][first]["source"] = "import module_that_does_not_exist"
    return {"right": source, "wrong": release, "half": half, "syntax-error": syntax, "import-error": imports}


def make_class(course: Path, assignment: str, students: int, folder: Path) -> None:
    read = lambda kind: json.loads((course / kind / assignment / f"{assignment}.ipynb").read_text())  # noqa: E731
    kinds = variants(read("source"), read("release"))
    names = ["right", "wrong", "half", "right", "wrong", "half", "syntax-error", "import-error"]
    for number in range(students):
        kind = names[number % len(names)]
        target = folder / f"s{number:03d}-{kind}" / assignment
        target.mkdir(parents=True)
        (target / f"{assignment}.ipynb").write_text(json.dumps(kinds[kind]))


def copy_course(tmp: Path, name: str) -> Path:
    course = tmp / name
    shutil.copytree(REPO / "course", course, ignore=shutil.ignore_patterns(*GENERATED))
    return course


def run(command: list[str], cwd: Path) -> float:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed


def gradebook_scores(course: Path, assignment: str) -> dict[str, float]:
    from autograder.gradebook import GradebookWriter
    writer = GradebookWriter(course, assignment)
    try:
        return writer.scores()
    finally:
        writer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="ps1-the-flow")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        tmp = Path(tmp)
        plain, kit = copy_course(tmp, "plain"), copy_course(tmp, "kit")
        for course in (plain, kit):
            run([str(bin_dir / "nbgrader"), "generate_assignment", args.assignment, "--force"], course)
        make_class(plain, args.assignment, args.students, plain / "submitted")
        make_class(kit, args.assignment, args.students, tmp / "class")
        t_plain = run([str(bin_dir / "nbgrader"), "autograde", args.assignment, "--force"], plain)
        t_kit = run([str(bin_dir / "autograder"), "grade", args.assignment, str(tmp / "class"), "--course", str(kit),
                     "--out", str(tmp / "out"), "--jobs", str(args.jobs)], kit)
        expected, ours = gradebook_scores(plain, args.assignment), gradebook_scores(kit, args.assignment)
        differ = {s: (expected.get(s), ours.get(s)) for s in sorted(set(expected) | set(ours))
                  if expected.get(s) != ours.get(s)}
        counts = {kind: sum(1 for s in ours if s.endswith(kind)) for kind in
                  ("right", "wrong", "half", "syntax-error", "import-error")}
        print(f"assignment {args.assignment}: {len(ours)} submissions {counts}, {os.cpu_count()} cores")
        print(f"plain nbgrader autograde : {t_plain:7.2f} s  ({t_plain / args.students:.3f} s per submission)")
        print(f"autograder grade --jobs {args.jobs}: {t_kit:7.2f} s  ({t_kit / args.students:.3f} s per submission)")
        print(f"speed-up: {t_plain / t_kit:.2f}x")
        print("scores identical for every student" if not differ else f"SCORES DIFFER: {differ}")
        return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
