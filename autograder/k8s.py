"""Beyond one machine: a Kubernetes Job per shard of a class, joined afterwards by ``autograder merge``.

Each Job's pod runs this same tool on its shard (``--shard I/N``) against a PersistentVolumeClaim
that holds the course and the submissions, writing ``results/<assignment>/shard-I/``. No home-made
scheduler: Kubernetes schedules, retries (backoffLimit) and cleans up (ttlSecondsAfterFinished);
``autograder merge`` then writes one grades.csv and the nbgrader gradebook. Shards write no gradebook
(SQLite is not for concurrent writers on a shared volume); the merge does.

bubblewrap needs user namespaces inside the pod: the container runs unprivileged, as a non-root
user, but with the runtime's default seccomp and AppArmor profiles relaxed (they refuse
``unshare(CLONE_NEWUSER)``); the node's kernel must allow unprivileged user namespaces.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from autograder.gradebook import CourseError

API_VERSION = "batch/v1"


def job_name(assignment: str, shard: int) -> str:
    """A DNS-1123 name (at most 63 characters) for a shard's Job."""
    base = re.sub(r"[^a-z0-9-]+", "-", assignment.lower()).strip("-")[:40] or "assignment"
    return f"autograde-{base}-shard-{shard}"


def shard_job(assignment: str, shard: int, shards: int, *, image: str, claim: str, mount: str,
              submissions: str, parallelism: int, timeout: float, memory_mib: int) -> dict:
    """The Job manifest that grades shard ``shard`` of ``shards``."""
    results = f"{mount}/results/{assignment}/shard-{shard}"
    command = ["autograder", "grade", assignment, f"{mount}/{submissions}", "--course", f"{mount}/course",
               "--out", results, "--shard", f"{shard}/{shards}", "--jobs", str(parallelism),
               "--timeout", f"{timeout:g}", "--memory", str(memory_mib), "--no-gradebook"]
    memory = f"{parallelism * memory_mib + 512}Mi"
    labels = {"app.kubernetes.io/name": "autograder", "app.kubernetes.io/component": "grading-shard",
              "autograder.slicelab/assignment": re.sub(r"[^A-Za-z0-9._-]", "-", assignment)[:63]}
    return {
        "apiVersion": API_VERSION,
        "kind": "Job",
        "metadata": {"name": job_name(assignment, shard), "labels": labels},
        "spec": {
            "backoffLimit": 2,
            "ttlSecondsAfterFinished": 86400,
            "activeDeadlineSeconds": int(timeout * 4 + 600),
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000},
                    "containers": [{
                        "name": "grader",
                        "image": image,
                        "command": command,
                        "resources": {"requests": {"cpu": str(parallelism), "memory": memory},
                                      "limits": {"memory": memory}},
                        "securityContext": {"allowPrivilegeEscalation": False,
                                            "capabilities": {"drop": ["ALL"]},
                                            "seccompProfile": {"type": "Unconfined"},
                                            "appArmorProfile": {"type": "Unconfined"}},
                        "volumeMounts": [{"name": "course-data", "mountPath": mount}],
                    }],
                    "volumes": [{"name": "course-data", "persistentVolumeClaim": {"claimName": claim}}],
                },
            },
        },
    }


def write_jobs(args, folder: Path) -> list[Path]:
    """One YAML file per shard in ``folder``; ``args`` are the parsed ``grade`` arguments."""
    if args.shards < 1 or args.parallelism < 1:
        raise CourseError("--shards and --parallelism must be at least 1")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for shard in range(args.shards):
        manifest = shard_job(args.assignment, shard, args.shards, image=args.image, claim=args.claim,
                             mount=args.mount.rstrip("/"), submissions=Path(args.submissions).name,
                             parallelism=args.parallelism, timeout=args.timeout, memory_mib=args.memory)
        path = folder / f"{manifest['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(manifest, sort_keys=False))
        paths.append(path)
    return paths
