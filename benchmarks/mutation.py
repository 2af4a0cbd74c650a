"""Mutation run: how many small deliberate bugs in the core modules the test suite catches.

Runs mutmut (https://github.com/boxed/mutmut, installed on demand into the venv) once per group of
modules below, each in its own scratch copy under build/mutation/ so the work tree is never touched,
and with only the tests that exercise that group (mutmut then narrows each mutant to the tests that
call the mutated function). Prints, per module, mutants killed / tried and the kill rate; "no tests"
mutants (in code no selected test reaches) count as not caught.

    .venv/bin/python benchmarks/mutation.py                   # every group (about 30-40 min on 2 cores)
    .venv/bin/python benchmarks/mutation.py network selectors # some groups
    .venv/bin/python benchmarks/mutation.py --survivors ...   # and list the mutants that lived
    .venv/bin/python benchmarks/mutation.py --report          # print the last results again, run nothing
    .venv/bin/python benchmarks/mutation.py --tests-at REV    # with the tests of an older revision

Survivors can be read with `cd build/mutation/head/<group> && ../../../.venv/bin/mutmut show NAME`.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
MUTMUT = "mutmut==3.8.1"

# group -> (modules to mutate, tests that exercise them)
_CONTROLLER_TESTS = ["tests/test_endpoints_controller.py", "tests/test_endpointslice_controller.py",
                     "tests/test_mirroring.py", "tests/test_cluster.py", "tests/test_properties.py",
                     "tests/test_pinned_slices.py", "tests/test_pinned_controllers.py",
                     "tests/test_pinned_topology.py", "tests/test_scaling.py", "tests/test_metrics.py"]
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "endpoints": (["slicelab/controllers/endpoints.py", "slicelab/controllers/pods.py",
                   "slicelab/controllers/trigger_time.py"], _CONTROLLER_TESTS),
    "endpointslices": (["slicelab/controllers/endpointslices.py", "slicelab/controllers/base.py"],
                       _CONTROLLER_TESTS),
    "mirroring": (["slicelab/controllers/mirroring.py", "slicelab/controllers/garbage.py"], _CONTROLLER_TESTS),
    "topology": (["slicelab/controllers/topology.py", "slicelab/controllers/topology_auto.py"], _CONTROLLER_TESTS),
    "network": (["slicelab/network.py"], ["tests/test_network.py", "tests/test_pinned_network.py"]),
    "selectors": (["slicelab/selectors.py"], ["tests/test_selectors.py", "tests/test_cluster.py",
                                             "tests/test_kubectl.py"]),
    "answers": (["autograder/answers.py"], ["tests/test_pinned_answers.py", "tests/test_autograder_probes.py",
                                            "tests/test_selfcheck.py"]),
    # grading and submissions: the end-to-end pipeline tests take a minute per mutant; the fast ones only
    "grading": (["autograder/grading.py"], ["tests/test_pinned_grading.py", "tests/test_pinned_answers.py"]),
    "submissions": (["autograder/submissions.py"], ["tests/test_intake.py"]),
}
CAUGHT = {"killed", "timeout", "segfault", "caught by type check"}


def ensure_mutmut() -> Path:
    exe = Path(sys.executable).with_name("mutmut")
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", MUTMUT], check=True)
    return exe


def workdir(group: str, tests_at: str | None) -> Path:
    return WORK / (f"tests-at-{tests_at}" if tests_at else "head") / group


def scratch(group: str, modules: list[str], tests: list[str], tests_at: str | None) -> Path:
    """A copy of the sources and tests with a pyproject.toml that tells mutmut what to do.

    `tests_at`: a git revision whose tests/ to use instead of the work tree's (a figure "before")."""
    where = workdir(group, tests_at)
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("slicelab", "autograder") + (() if tests_at else ("tests",)):
        shutil.copytree(ROOT / folder, where / folder, ignore=ignore, symlinks=True)
    if tests_at:
        archive = subprocess.run(["git", "archive", tests_at, "tests"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x"], cwd=where, input=archive.stdout, check=True)
    tests = [t for t in tests if (where / t).exists()]
    quoted = lambda items: "[" + ", ".join(json.dumps(i) for i in items) + "]"  # noqa: E731
    (where / "pyproject.toml").write_text(
        "[tool.mutmut]\n"
        f"source_paths = {quoted(sorted({m.split('/')[0] for m in modules}))}\n"
        f"only_mutate = {quoted(modules)}\n"
        f"pytest_add_cli_args_test_selection = {quoted(tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
        "use_git_change_detection = false\n"
        "timeout_multiplier = 10.0\n"
        "[tool.pytest.ini_options]\n"
        'addopts = "--strict-markers"\n'
        'markers = ["browser: real browser", "slow: slow"]\n')
    return where


def statuses(where: Path, modules: list[str]) -> dict[str, dict[str, str]]:
    """module -> mutant name -> status, from the .meta files mutmut leaves."""
    from mutmut.stats import status_by_exit_code
    out: dict[str, dict[str, str]] = {}
    for module in modules:
        meta = where / "mutants" / f"{module}.meta"
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        out[module] = {name: status_by_exit_code[code] for name, code in codes.items() if code is not None}
    return out


def sample(where: Path, modules: list[str], per_module: int, env: dict) -> list[str]:
    """Generate the mutants, then draw up to `per_module` of each module's (a fixed draw: seed 15)."""
    code = ("import sys; from pathlib import Path; from mutmut.__main__ import create_file_mutants\n"
            "for path in sys.argv[1:]:\n"
            "    result = create_file_mutants(Path(path))\n"
            "    if result.error: raise result.error\n")
    subprocess.run([sys.executable, "-c", code, *modules], cwd=where, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    names: list[str] = []
    for module in modules:
        every = sorted(json.loads((where / "mutants" / f"{module}.meta").read_text())["exit_code_by_key"])
        names += every if len(every) <= per_module else sorted(random.Random(15).sample(every, per_module))
    return names


def run_group(group: str, exe: Path, jobs: int, tests_at: str | None, per_module: int) -> float:
    modules, tests = GROUPS[group]
    where = scratch(group, modules, tests, tests_at)
    env = dict(os.environ, PYTHONHASHSEED="0", CI="", PATH=f"{exe.parent}:{os.environ.get('PATH', '')}")
    started = time.monotonic()
    names = sample(where, modules, per_module, env) if per_module else []
    log = where / "mutmut.log"
    with open(log, "w") as out:
        done = subprocess.run([str(exe), "run", "--max-children", str(jobs), *names], cwd=where, env=env,
                              stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        print(f"{group}: mutmut failed (exit {done.returncode}); see {log.relative_to(ROOT)}", file=sys.stderr)
    return time.monotonic() - started


def report(groups: list[str], show_survivors: bool, seconds: dict[str, float], tests_at: str | None) -> None:
    total_caught = total = 0
    print(f"{'module':45} {'caught':>7} {'of':>6} {'rate':>7} {'survived':>9} {'no tests':>9}")
    for group in groups:
        where = workdir(group, tests_at)
        for module, found in statuses(where, GROUPS[group][0]).items():
            caught = sum(1 for s in found.values() if s in CAUGHT)
            lived = [n for n, s in found.items() if s == "survived"]
            untested = [n for n, s in found.items() if s == "no tests"]
            count = len(found)
            total_caught += caught
            total += count
            rate = f"{100 * caught / count:.1f}%" if count else "-"
            print(f"{module:45} {caught:7} {count:6} {rate:>7} {len(lived):9} {len(untested):9}")
            if show_survivors:
                for name in sorted(lived + untested):
                    print(f"    {found[name]:9} {name}")
        if group in seconds:
            print(f"    ({group}: {seconds[group]:.0f} s)")
    if total:
        print(f"{'all':45} {total_caught:7} {total:6} {100 * total_caught / total:6.1f}%")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", default=[], metavar="GROUP",
                        help=f"groups to run (default: all): {', '.join(GROUPS)}")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--survivors", action="store_true", help="list the mutants no test caught")
    parser.add_argument("--report", action="store_true", help="only print the results of the last run")
    parser.add_argument("--tests-at", metavar="REV", help="use the tests/ of this git revision (a figure before)")
    parser.add_argument("--sample", type=int, default=100, metavar="N",
                        help="mutants drawn per module (fixed draw; 0: every mutant, hours for the controllers)")
    args = parser.parse_args(argv)
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}: choose from {', '.join(GROUPS)}")
    groups = args.groups or list(GROUPS)
    seconds: dict[str, float] = {}
    if not args.report:
        exe = ensure_mutmut()
        for group in groups:
            seconds[group] = run_group(group, exe, args.jobs, args.tests_at, args.sample)
    report([g for g in groups if (workdir(g, args.tests_at) / "mutants").exists()], args.survivors, seconds,
           args.tests_at)
    return 0


if __name__ == "__main__":
    sys.exit(main())
