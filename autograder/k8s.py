"""Beyond one machine: ONE Kubernetes Indexed Job grades the class in shards, a second Job merges them.

Each pod of the Indexed Job (``completionMode: Indexed``) runs this same tool on the shard its
``JOB_COMPLETION_INDEX`` names (``--shard JOB_COMPLETION_INDEX/N``), against a PersistentVolumeClaim
holding the course and the submissions, and writes ``OUT/shard-<i>/`` (records, and ``shard.json``
once every student of the shard has a result). Shards write no gradebook (SQLite is not for
concurrent writers); the merge Job runs ``autograder merge --expect-shards N``, which refuses a class
with a missing or unfinished shard, then writes grades.csv, the gradebook and the LMS exports.
Kubernetes schedules and retries (``backoffLimitPerIndex``: a retried shard resumes where it stopped);
a pod that cannot build the sandbox exits 3 at start-up and ``podFailurePolicy`` fails the Job at
once, rather than retrying (or ever grading unsandboxed).

What the sandbox needs from the pod (bubblewrap makes a user, PID and mount namespace and mounts a
fresh /proc) is in the manifest, each with the Kubernetes versions that have it; ``SANDBOX_NEEDS``
below says the same, and ``autograder.sandbox.check_bwrap`` names the one a pod lacks.

Sizes come from the inputs: the class is counted (``submissions.census``), each shard's time limit is
(students per shard / --jobs, rounded up) x notebooks x --timeout plus start-up, the memory request is
what --jobs sandboxes typically use and the limit what their caps allow; every path must lie on the
volume the pods mount, or the manifests are refused (nothing is silently moved).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from autograder.gradebook import CourseError
from autograder.inert import printable
from autograder.spec import AssignmentSpec
from autograder.submissions import census

API_VERSION = "batch/v1"
KUBERNETES_VERSIONS = ("1.30", "1.31", "1.32", "1.33", "1.34", "1.35")  # validated against (tests)
RUN_AS = 1000  # the image's user (deploy/Containerfile)
STARTUP_SECONDS = 300  # intake copy, the sandbox check, publishing: measured well under a minute
SANDBOX_TYPICAL_MIB = 256  # a sandbox running a course notebook peaks near 80 MiB resident (VmHWM, measured); room to spare
GRADER_MIB = 300  # the grader process itself
TMP_MIB_PER_SANDBOX = 64  # the sandbox's tmpfs /tmp cap (sandbox.Limits.tmp_bytes)
RETRIES_PER_SHARD = 1

# key in the manifest -> (what it gives the sandbox, Kubernetes versions)
SANDBOX_NEEDS = {
    "hostUsers": "user namespaces for the pod (needed for procMount: Unmasked): Kubernetes v1.30-v1.32 beta "
                 "behind the UserNamespacesSupport feature gate, on by default from v1.33; the node needs "
                 "Linux >= 6.3 and containerd >= 2.0 or CRI-O >= 1.25, and the claim's file system idmapped "
                 "mounts (not NFS)",
    "procMount": "a /proc without the runtime's masks, so bubblewrap can mount /proc for the sandbox's PID "
                 "namespace: ProcMountType beta from v1.31 (feature gate), on by default from v1.33",
    "seccompProfile": "the runtime's default seccomp profile refuses unshare(CLONE_NEWUSER), which bubblewrap "
                      "needs: Unconfined (or a Localhost profile that allows it); the field since v1.19",
    "appArmorProfile": "AppArmor's container profile refuses the sandbox's mounts: Unconfined; the field since "
                       "v1.30 (before: the annotation container.apparmor.security.beta.kubernetes.io/grader)",
}


@dataclass
class ClusterPlan:
    """Everything the manifests are derived from."""

    assignment: str
    notebooks: int
    students: int
    shards: int
    jobs: int
    max_pods: int
    timeout: float
    cell_timeout: float
    memory_mib: int
    image: str
    claim: str
    mount: str
    course: str  # paths as the pods see them
    submissions: str
    out: str

    @property
    def shard_size(self) -> int:
        return math.ceil(self.students / self.shards) if self.students else 0

    @property
    def pod_seconds(self) -> int:
        """The longest a shard can take: every notebook running into the hard time limit."""
        rounds = math.ceil(self.shard_size / self.jobs)
        return int(rounds * self.notebooks * self.timeout + STARTUP_SECONDS)

    @property
    def job_seconds(self) -> int:
        waves = math.ceil(self.shards / self.max_pods)
        return waves * (1 + RETRIES_PER_SHARD) * self.pod_seconds + 600  # + scheduling and image pulls

    def shard_out(self, index: str) -> str:
        return f"{self.out}/shard-{index}"


def job_name(assignment: str, suffix: str = "") -> str:
    """A DNS-1123 name (an Indexed Job's pods add '-<index>-<random>' to it, so it stays short)."""
    base = re.sub(r"[^a-z0-9-]+", "-", assignment.lower()).strip("-")[:36].strip("-") or "assignment"
    return f"autograde-{base}{suffix}"


def pod_path(local: Path, root: Path, mount: str, what: str, claim: str) -> str:
    """``local`` as the pods see it (under ``mount``), or a CourseError: a path off the volume is refused."""
    local, root = Path(local).absolute(), Path(root).absolute()
    if not local.is_relative_to(root):
        raise CourseError(f"{what} {printable(local)} is not on the volume the pods mount (the claim {claim}, "
                          f"at {mount} in the pods and at {printable(root)} here): put it there, or pass "
                          "--volume-root with where the claim is on this machine")
    return str(PurePosixPath(mount) / local.relative_to(root).as_posix())


def plan_of(args, spec: AssignmentSpec, out: Path) -> ClusterPlan:
    if args.shards < 1 or (args.jobs is not None and args.jobs < 1) or (args.max_pods is not None and args.max_pods < 1):
        raise CourseError("--shards, --jobs and --max-pods must be at least 1")
    mount = "/" + args.mount.strip("/")
    root = Path(args.volume_root or mount)
    paths = {what: pod_path(path, root, mount, what, args.claim) for what, path in
             (("the course", args.course), ("SUBMISSIONS", args.submissions), ("--out", out))}
    students = len(census(args.submissions, spec.name))
    if students == 0:
        raise CourseError(f"no submissions of {spec.name} in {printable(args.submissions)}: nothing to grade")
    shards = min(args.shards, students)
    return ClusterPlan(spec.name, len(spec.notebooks), students, shards, args.jobs or 2,
                       min(args.max_pods or shards, shards), args.timeout, min(args.cell_timeout, args.timeout),
                       args.memory, args.image, args.claim, mount, paths["the course"], paths["SUBMISSIONS"],
                       paths["--out"])


def _labels(plan: ClusterPlan, component: str) -> dict:
    return {"app.kubernetes.io/name": "autograder", "app.kubernetes.io/component": component,
            "autograder.slicelab/assignment": re.sub(r"[^A-Za-z0-9._-]", "-", plan.assignment)[:63].strip("-._") or "a"}


def _volumes(plan: ClusterPlan, tmp_mib: int) -> tuple[list, list]:
    volumes = [{"name": "course-data", "persistentVolumeClaim": {"claimName": plan.claim}},
               {"name": "tmp", "emptyDir": {"sizeLimit": f"{tmp_mib}Mi"}}]
    mounts = [{"name": "course-data", "mountPath": plan.mount}, {"name": "tmp", "mountPath": "/tmp"}]
    return volumes, mounts


def grading_job(plan: ClusterPlan) -> dict:
    """The Indexed Job: N pods, each grading the shard its completion index names, in the sandbox."""
    command = ["autograder", "grade", plan.assignment, plan.submissions, "--course", plan.course,
               "--out", plan.shard_out("{shard}"), "--shard", f"JOB_COMPLETION_INDEX/{plan.shards}",
               "--jobs", str(plan.jobs), "--timeout", f"{plan.timeout:g}", "--cell-timeout", f"{plan.cell_timeout:g}",
               "--memory", str(plan.memory_mib), "--no-gradebook"]
    tmp_mib = plan.jobs * TMP_MIB_PER_SANDBOX + 256
    volumes, mounts = _volumes(plan, tmp_mib)
    labels = _labels(plan, "grading-shard")
    return {
        "apiVersion": API_VERSION,
        "kind": "Job",
        "metadata": {"name": job_name(plan.assignment), "labels": labels,
                     "annotations": {"autograder.slicelab/students": str(plan.students),
                                     "autograder.slicelab/students-per-shard": str(plan.shard_size)}},
        "spec": {
            "completionMode": "Indexed",
            "completions": plan.shards,
            "parallelism": plan.max_pods,
            "backoffLimitPerIndex": RETRIES_PER_SHARD,
            "activeDeadlineSeconds": plan.job_seconds,
            "ttlSecondsAfterFinished": 7 * 86400,
            "podFailurePolicy": {"rules": [
                # 3: the pod cannot build the sandbox; 2: the course or the command is wrong. Retrying helps neither.
                {"action": "FailJob", "onExitCodes": {"containerName": "grader", "operator": "In", "values": [2, 3]}},
                # a node drained or a pod preempted is not the shard's fault: retry without counting it
                {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
            ]},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "restartPolicy": "Never",
                    "activeDeadlineSeconds": plan.pod_seconds,
                    "terminationGracePeriodSeconds": 30,  # SIGTERM: the kit stops in ~2 s and keeps what finished
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "hostUsers": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS,
                                        "fsGroup": RUN_AS},
                    "containers": [{
                        "name": "grader",
                        "image": plan.image,
                        "command": command,
                        "resources": {
                            "requests": {"cpu": str(plan.jobs),
                                         "memory": f"{plan.jobs * SANDBOX_TYPICAL_MIB + GRADER_MIB}Mi",
                                         "ephemeral-storage": f"{tmp_mib}Mi"},
                            # each sandbox's address space is capped at --memory: together they cannot pass this
                            "limits": {"memory": f"{plan.jobs * plan.memory_mib + 512}Mi",
                                       "ephemeral-storage": f"{tmp_mib * 2}Mi"}},
                        "securityContext": {"allowPrivilegeEscalation": False,
                                            "capabilities": {"drop": ["ALL"]},
                                            "readOnlyRootFilesystem": True,
                                            "procMount": "Unmasked",
                                            "seccompProfile": {"type": "Unconfined"},
                                            "appArmorProfile": {"type": "Unconfined"}},
                        "volumeMounts": mounts,
                    }],
                    "volumes": volumes,
                },
            },
        },
    }


def merge_job(plan: ClusterPlan) -> dict:
    """The Job to apply once the grading Job is complete: one grades.csv, the gradebook, the exports."""
    command = ["autograder", "merge", *[plan.shard_out(str(i)) for i in range(plan.shards)],
               "--out", plan.out, "--course", plan.course, "--assignment", plan.assignment,
               "--expect-shards", str(plan.shards)]
    volumes, mounts = _volumes(plan, 256)
    labels = _labels(plan, "merge")
    return {
        "apiVersion": API_VERSION,
        "kind": "Job",
        "metadata": {"name": job_name(plan.assignment, "-merge"), "labels": labels},
        "spec": {
            "backoffLimit": 1,
            "activeDeadlineSeconds": 1800 + plan.students,
            "ttlSecondsAfterFinished": 7 * 86400,
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS,
                                        "fsGroup": RUN_AS, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "merge",
                        "image": plan.image,
                        "command": command,
                        "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
                        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                            "readOnlyRootFilesystem": True},
                        "volumeMounts": mounts,
                    }],
                    "volumes": volumes,
                },
            },
        },
    }


def render(manifest: dict, header: list[str]) -> str:
    """YAML with a comment header, and what each sandbox setting gives and since which version beside it."""
    lines = []
    for line in yaml.safe_dump(manifest, sort_keys=False, width=120).splitlines():
        key = line.strip().split(":", 1)[0]
        if key in SANDBOX_NEEDS and line.strip().startswith(key + ":"):
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(f"{indent}# {key}: {SANDBOX_NEEDS[key]}")
        lines.append(line)
    return "\n".join([*(f"# {text}" for text in header), *lines]) + "\n"


def write_jobs(args, spec: AssignmentSpec, out: Path, folder: Path) -> list[Path]:
    """``folder/<job>.yaml`` (the Indexed Job) and ``folder/<job>-merge.yaml``; ``args`` are ``grade``'s."""
    plan = plan_of(args, spec, out)
    grading, merging = grading_job(plan), merge_job(plan)
    name, merge_name = grading["metadata"]["name"], merging["metadata"]["name"]
    header = [f"Grades {plan.assignment}: {plan.students} students in {plan.shards} shards of at most "
              f"{plan.shard_size}, {plan.jobs} sandboxes per pod, {plan.max_pods} pods at a time.",
              f"Each shard has {plan.pod_seconds} s (every notebook at the {plan.timeout:g} s limit), the Job "
              f"{plan.job_seconds} s. Results: {plan.out}/shard-<i>/.",
              "Made by `autograder grade --emit-k8s-jobs`. Kubernetes v1.30-v1.35; the namespace must allow these",
              "pods (PodSecurity `privileged`: baseline refuses Unconfined seccomp/AppArmor and an unmasked /proc).",
              f"  kubectl apply -f {name}.yaml",
              f"  kubectl wait --for=condition=complete job/{name} --timeout={plan.job_seconds}s",
              f"  kubectl apply -f {merge_name}.yaml   # then: {plan.out}/grades.csv"]
    folder.mkdir(parents=True, exist_ok=True)
    from autograder.records import write_atomically
    paths = [write_atomically(folder / f"{name}.yaml", render(grading, header)),
             write_atomically(folder / f"{merge_name}.yaml",
                              render(merging, [f"Merges the {plan.shards} shards of {name} once it is complete "
                                               f"(`kubectl wait --for=condition=complete job/{name}`).",
                                               f"Refuses a missing or unfinished shard; writes {plan.out}/grades.csv, "
                                               "the gradebook and the LMS exports."]))]
    return paths
