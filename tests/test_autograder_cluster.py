"""Grading on a cluster that really runs: one Indexed Job whose pods can build the sandbox (and a start-up
check that refuses, naming the setting, in a pod that cannot), sizes and paths derived from the inputs,
a merge that refuses an incomplete class, manifests valid for Kubernetes 1.30-1.35, and the image's
Containerfile checked as far as it can be without building it (no container engine runs here)."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from autograder import k8s
from autograder.cli import main
from conftest import REPO, require_tool

sys.path.insert(0, str(Path(__file__).resolve().parent / "attacks"))
import demo_course  # noqa: E402

pytestmark = pytest.mark.slow

# The paths a container runtime masks (bind-mounts /dev/null or an empty read-only tmpfs over) or makes
# read-only in /proc, as the kubelet asks for them (pkg/securitycontext: defaultMaskedPaths,
# defaultReadonlyPaths) when procMount is Default.
MASK_PROC = r"""
for p in /proc/asound /proc/acpi /proc/scsi; do [ -d "$p" ] && mount -t tmpfs -o ro tmpfs "$p"; done
for p in /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug; do
  [ -f "$p" ] && mount --bind /dev/null "$p"; done
for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
  [ -e "$p" ] && mount --bind "$p" "$p" && mount -o remount,bind,ro "$p"; done
exec "$@"
"""
# A pod whose user namespaces are off (the node's or pod's user.max_user_namespaces = 0).
NO_USER_NAMESPACES = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"'


@pytest.fixture(scope="module")
def volume(tmp_path_factory):
    """The claim's contents as this machine sees them: the course and a class of five."""
    require_tool("bwrap")
    root = tmp_path_factory.mktemp("volume")
    course = demo_course.released_course(root)
    for number in range(5):
        kind = ("reference", "half", "blank")[number % 3]
        demo_course.write_student(root / "class", f"s{number}", demo_course.notebook(course, kind))
    return root


def emit(volume: Path, folder: Path, *extra: str, submissions: Path | None = None) -> int:
    return main(["grade", "demo", str(submissions or volume / "class"), "--course", str(volume / "course"),
                 "--out", str(volume / "results" / "demo"), "--emit-k8s-jobs", str(folder), "--volume-root",
                 str(volume), "--mount", "/data", "--image", "registry.example/grader:1.0", "--claim", "ps-data",
                 *extra])


def load(folder: Path) -> tuple[dict, dict]:
    grading = yaml.safe_load((folder / "autograde-demo.yaml").read_text())
    merging = yaml.safe_load((folder / "autograde-demo-merge.yaml").read_text())
    return grading, merging


def test_one_indexed_job_and_a_merge_job_valid_on_kubernetes_1_30_to_1_35(volume, tmp_path):
    import kubernetes_validate
    assert emit(volume, tmp_path / "jobs", "--shards", "2", "--jobs", "2", "--timeout", "60") == 0
    assert sorted(p.name for p in (tmp_path / "jobs").iterdir()) == ["autograde-demo-merge.yaml", "autograde-demo.yaml"]
    grading, merging = load(tmp_path / "jobs")
    for version in k8s.KUBERNETES_VERSIONS:
        for manifest in (grading, merging):
            kubernetes_validate.validate(manifest, f"{version}.0", strict=True)
    # the lower bound is real: 1.29 has no appArmorProfile field
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(grading, "1.29.0", strict=True)
    spec = grading["spec"]
    assert (spec["completionMode"], spec["completions"], spec["parallelism"]) == ("Indexed", 2, 2)
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    command = container["command"]
    assert command[command.index("--shard") + 1] == "JOB_COMPLETION_INDEX/2"
    assert command[command.index("--out") + 1] == "/data/results/demo/shard-{shard}"
    assert command[3] == "/data/class" and command[command.index("--course") + 1] == "/data/course"
    # what the sandbox needs from the pod, stated in the manifest
    assert pod["hostUsers"] is False and container["securityContext"]["procMount"] == "Unmasked"
    assert container["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    assert container["securityContext"]["appArmorProfile"] == {"type": "Unconfined"}
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]} and pod["securityContext"]["runAsNonRoot"]
    text = (tmp_path / "jobs" / "autograde-demo.yaml").read_text()
    assert "on by default from v1.33" in text and "the field since v1.30" in text and "kubectl apply -f" in text
    # a pod that cannot sandbox (exit 3) fails the Job at once instead of being retried
    fail_job = spec["podFailurePolicy"]["rules"][0]
    assert fail_job["action"] == "FailJob" and 3 in fail_job["onExitCodes"]["values"]
    merge = merging["spec"]["template"]["spec"]["containers"][0]["command"]
    assert merge[:2] == ["autograder", "merge"] and merge[-2:] == ["--expect-shards", "2"]
    assert merge[2:4] == ["/data/results/demo/shard-0", "/data/results/demo/shard-1"]


def test_sizes_and_time_limits_follow_the_class_and_jobs(volume, tmp_path):
    assert emit(volume, tmp_path / "a", "--shards", "2", "--jobs", "1", "--timeout", "100", "--memory", "1024") == 0
    assert emit(volume, tmp_path / "b", "--shards", "2", "--jobs", "3", "--timeout", "100", "--memory", "1024") == 0
    one, three = (load(tmp_path / name)[0] for name in ("a", "b"))
    pods = [job["spec"]["template"]["spec"] for job in (one, three)]
    # 5 students in 2 shards: 3 per shard; 1 sandbox -> 3 rounds of 100 s, 3 sandboxes -> 1 round
    assert one["metadata"]["annotations"]["autograder.slicelab/students-per-shard"] == "3"
    assert [pod["activeDeadlineSeconds"] for pod in pods] == [3 * 100 + k8s.STARTUP_SECONDS, 100 + k8s.STARTUP_SECONDS]
    requests = [pod["containers"][0]["resources"]["requests"] for pod in pods]
    limits = [pod["containers"][0]["resources"]["limits"] for pod in pods]
    assert [r["cpu"] for r in requests] == ["1", "3"]
    assert [r["memory"] for r in requests] == [f"{1 * k8s.SANDBOX_TYPICAL_MIB + k8s.GRADER_MIB}Mi",
                                               f"{3 * k8s.SANDBOX_TYPICAL_MIB + k8s.GRADER_MIB}Mi"]
    assert [limit["memory"] for limit in limits] == [f"{1024 + 512}Mi", f"{3 * 1024 + 512}Mi"]
    assert one["spec"]["activeDeadlineSeconds"] > pods[0]["activeDeadlineSeconds"]
    # more shards than students: one shard per student, no empty pods
    assert emit(volume, tmp_path / "c", "--shards", "50") == 0
    assert load(tmp_path / "c")[0]["spec"]["completions"] == 5


def test_paths_the_pods_cannot_see_are_refused_never_rewritten(volume, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    demo_course.write_student(elsewhere, "x", {"cells": []})
    assert emit(volume, tmp_path / "jobs", submissions=elsewhere) == 2
    error = capsys.readouterr().err
    assert "SUBMISSIONS" in error and str(elsewhere) in error and "not on the volume the pods mount" in error
    assert not (tmp_path / "jobs").exists()


def grade_shard(volume: Path, index: int, out: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JOB_COMPLETION_INDEX": str(index), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run([sys.executable, "-m", "autograder", "grade", "demo", str(volume / "class"), "--course",
                           str(volume / "course"), "--out", out, "--shard", "JOB_COMPLETION_INDEX/2", "--jobs", "2",
                           "--no-gradebook", *extra], env=env, capture_output=True, text=True, timeout=600)


def test_shards_from_the_completion_index_then_a_merge_that_refuses_an_incomplete_class(volume, tmp_path, capsys):
    out = str(tmp_path / "results" / "shard-{shard}")
    first = grade_shard(volume, 0, out)
    assert first.returncode == 0, first.stderr
    marker = json.loads((tmp_path / "results" / "shard-0" / "shard.json").read_text())
    assert marker["shard"] == 0 and marker["of"] == 2 and marker["complete"] and marker["students"] == ["s0", "s2", "s4"]
    shards = [str(tmp_path / "results" / f"shard-{i}") for i in (0, 1)]
    merged = ["merge", *shards, "--out", str(tmp_path / "results"), "--course", str(volume / "course"),
              "--no-gradebook", "--expect-shards", "2"]
    assert main(merged) == 2  # shard 1 has not run
    assert "shard-1 has no readable shard.json" in capsys.readouterr().err
    assert grade_shard(volume, 1, out).returncode == 0
    assert main(merged) == 0
    with open(tmp_path / "results" / "grades.csv", newline="") as stream:
        scores = {row["student_id"]: row["score"] for row in csv.DictReader(stream)}
    assert scores == {"s0": "6", "s1": "2", "s2": "0", "s3": "6", "s4": "2"}
    unset = subprocess.run([sys.executable, "-m", "autograder", "grade", "demo", str(volume / "class"), "--course",
                            str(volume / "course"), "--shard", "JOB_COMPLETION_INDEX/2"],
                           env={k: v for k, v in os.environ.items() if k != "JOB_COMPLETION_INDEX"},
                           capture_output=True, text=True)
    assert unset.returncode == 2 and "JOB_COMPLETION_INDEX is 'not set'" in unset.stderr


def in_a_pod(volume: Path, out: Path, restriction: str | None, namespaces: list[str]) -> subprocess.CompletedProcess:
    """`autograder grade` as a Job's pod runs it, inside new namespaces with a pod's restriction."""
    command = [sys.executable, "-m", "autograder", "grade", "demo", str(volume / "class"), "--course",
               str(volume / "course"), "--out", str(out), "--jobs", "2", "--no-gradebook"]
    if restriction is not None:
        command = [require_tool("unshare"), *namespaces, "sh", "-c", restriction, "sh", *command]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_a_pod_that_cannot_sandbox_fails_at_once_naming_the_setting_and_grades_nobody(volume, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("masking /proc in a mount namespace needs root")
    masked = in_a_pod(volume, tmp_path / "masked", MASK_PROC, ["--mount", "--propagation", "private"])
    assert masked.returncode == 3, masked.stderr
    assert "Can't mount proc on /newroot/proc" in masked.stderr and "procMount: Unmasked" in masked.stderr
    assert "hostUsers: false" in masked.stderr
    assert not list((tmp_path / "masked").glob("results/*.json"))  # never graded, sandboxed or not
    no_userns = in_a_pod(volume, tmp_path / "nouserns", NO_USER_NAMESPACES, ["--user", "--map-root-user", "--mount"])
    assert no_userns.returncode == 3, no_userns.stderr
    assert "user.max_user_namespaces" in no_userns.stderr and not list((tmp_path / "nouserns").glob("results/*.json"))
    # the same pod with /proc unmasked (procMount: Unmasked): the check passes and the class is graded
    unmasked = in_a_pod(volume, tmp_path / "unmasked", 'exec "$@"', ["--mount", "--propagation", "private"])
    assert unmasked.returncode == 0, unmasked.stderr
    with open(tmp_path / "unmasked" / "grades.csv", newline="") as stream:
        assert {row["student_id"]: row["score"] for row in csv.DictReader(stream)}["s0"] == "6"


def test_the_containerfile_builds_the_image_the_job_runs():
    """Static only: no container engine runs on this machine. Parsed with BuildKit's own parser."""
    import dockerfile
    steps = dockerfile.parse_file(str(REPO / "deploy" / "Containerfile"))
    by = lambda cmd: [step for step in steps if step.cmd == cmd]  # noqa: E731
    base = by("FROM")[0].value[0]
    assert base.startswith("docker.io/library/python:3.11-") and "bookworm" in base  # Debian 12, as tested here
    runs = " ".join(" ".join(step.value) for step in by("RUN"))
    assert "apt-get install" in runs and "bubblewrap" in runs and "pip install --no-cache-dir ." in runs
    copied = [source for step in by("COPY") for source in step.value[:-1]]
    assert copied and all((REPO / source).exists() for source in copied)
    assert not any(source.rstrip("/") in (".", "course", "tests") or source.startswith("course") for source in copied)
    user = by("USER")[-1].value[0]
    assert user == f"{k8s.RUN_AS}:{k8s.RUN_AS}"  # the Job's runAsUser/runAsGroup
    assert f"--uid {k8s.RUN_AS}" in runs
    assert by("ENTRYPOINT")[-1].value == ("autograder",)
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.10"' in pyproject and 'autograder = "autograder.cli:main"' in pyproject
