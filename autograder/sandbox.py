"""How a student's code is isolated: bubblewrap namespaces, resource limits, a pids cgroup, a deadline.

What a sandbox sees (Linux, bubblewrap):
  * read-only: /usr (and /lib*, /bin links), the Python installation and the virtual environment,
    and the two packages the course needs, ``autograder`` and ``slicelab``, bound at a neutral path
    (``/opt/kit``) — never the project folder, so not ``course/source``, hidden tests or the gradebook;
  * read-only: the student's own submission folder (at ``/home/student``), nobody else's;
  * writable: a size-capped tmpfs ``/tmp``; nothing of the host is writable;
  * no network (``--unshare-all``), its own PID namespace (nothing outside is visible or killable, and
    everything inside dies with it), a non-root uid in its own user namespace, a new session.
Limits: address space (``RLIMIT_AS``, default 2 GiB), CPU seconds, file size, open files, no core
dumps; processes by a pids cgroup when the host lets us create one (``RLIMIT_NPROC`` is also set, but
the kernel does not enforce it for a root grader); a soft time limit per cell (an exception raised
into the cell) and a hard one per notebook (the grader kills the sandbox's process group); results
come back on a pipe that the grader stops reading — and kills the sandbox — past a size cap.
"""
from __future__ import annotations

import importlib.util
import itertools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

KIT = "/opt/kit"
HOME = "/home/student"
SANDBOX_UID = 1000
LIMIT_ENDINGS = ("notebook timeout", "output too large")
INTERRUPTED = "interrupted"
STOP_POLL_SECONDS = 0.1
_cgroup_counter = itertools.count()


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here; grading needs ``--unsafe`` to go on."""


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 2 * 1024**3
    cell_timeout: float = 30.0
    notebook_timeout: float = 120.0
    processes: int = 64
    file_bytes: int = 16 * 1024**2
    tmp_bytes: int = 64 * 1024**2
    result_bytes: int = 4 * 1024**2
    open_files: int = 256


@dataclass
class SandboxRun:
    """What came back from one sandbox: the JSON records, and how the run ended."""

    records: list[dict] = field(default_factory=list)
    ending: str = "done"  # done | notebook timeout | output too large | crashed | interrupted

    @property
    def problem(self) -> str:
        return "" if self.ending == "done" else self.ending


def package_dir(name: str) -> Path:
    """Where an installed package's files are (without importing it)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SandboxUnavailable(f"package {name!r} is not installed; the sandbox needs it")
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def check_bwrap(limits: Limits | None = None) -> str:
    """The bwrap executable, after proving it can build the very sandbox grading builds: the same
    command, flags and mounts (new user, PID and mount namespaces, a fresh ``/proc``, ``/dev``, the
    tmpfs, the read-only binds, the rlimits and pids cgroup), running the program that grades, with
    nothing to grade. ``SandboxUnavailable`` if not, naming what the machine (or pod) lacks."""
    path = bwrap_path()
    if path is None:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: install Debian's `bubblewrap`, "
                                 "or pass --unsafe to run students' code WITHOUT isolation")
    run = run_steps([], None, limits or Limits(notebook_timeout=60.0), bwrap=path)
    if run.ending != "done":
        raise SandboxUnavailable(f"the sandbox started but its test run ended with: {run.ending} "
                                 "(pass --unsafe to grade WITHOUT isolation)")
    return path


# What bubblewrap prints when the machine (or a container's runtime) refuses part of the sandbox, and
# the setting that gives it. Kubernetes versions: docs/classroom.md, "Grading on a cluster".
SANDBOX_NEEDS = (
    ("Can't mount proc", "/proc is masked here (the container runtime hides paths in /proc, so the kernel "
     "refuses a new /proc for the sandbox's PID namespace): in Kubernetes set the container's "
     "`securityContext.procMount: Unmasked` together with the pod's `hostUsers: false` (ProcMountType: "
     "beta, on by default from v1.33; v1.31-1.32 need the feature gate)"),
    ("max_*_namespaces exceeded", "user namespaces are switched off here (`user.max_user_namespaces` is 0): "
     "the node (or pod) must allow them"),
    ("No permissions to creat", "creating a user namespace is refused (a seccomp profile such as the "
     "runtime's default, or the kernel's `kernel.unprivileged_userns_clone=0` / "
     "`kernel.apparmor_restrict_unprivileged_userns=1`): in Kubernetes set "
     "`securityContext.seccompProfile.type: Unconfined` (or a Localhost profile that allows unshare) and "
     "`hostUsers: false`"),
    ("Creating new namespace failed", "creating a namespace is refused (a seccomp profile such as the "
     "runtime's default): in Kubernetes set `securityContext.seccompProfile.type: Unconfined` (or a "
     "Localhost profile that allows unshare/clone of namespaces) and `hostUsers: false`"),
    ("setting up uid map", "the sandbox's user namespace cannot be mapped (user namespaces restricted): "
     "in Kubernetes set `hostUsers: false` and `seccompProfile.type: Unconfined`"),
    ("Permission denied", "a mount inside the sandbox is refused, as AppArmor's container profile does: "
     "in Kubernetes set `securityContext.appArmorProfile.type: Unconfined` (a field since v1.30; the "
     "annotation container.apparmor.security.beta.kubernetes.io/<container> before)"),
)


def explain_sandbox_failure(stderr: str) -> str:
    """bubblewrap's own words, and which setting would let it build the sandbox."""
    said = " ".join(stderr.strip().split())[:400] or "no message"
    for marker, need in SANDBOX_NEEDS:
        if marker in stderr:
            return f"{said} — {need}"
    return said


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{name}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{name}"]
    return args


def python_roots() -> list[Path]:
    """The folders the sandbox's Python needs: the venv and the installation it was made from."""
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    return sorted(root for root in roots if not str(root).startswith("/usr"))


def assert_hides(paths: list[Path], secret: Path) -> None:
    """Refuse to bind a folder that contains the course (its hidden tests and gradebook)."""
    secret = secret.resolve()
    for path in paths:
        if secret == path or secret.is_relative_to(path):
            raise SandboxUnavailable(f"the sandbox would see {secret} through {path}: move the virtual "
                                     "environment out of the course folder")


def bwrap_command(bwrap: str, plan: Path, home: Path | None, limits: Limits) -> list[str]:
    args = [bwrap, "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--die-with-parent", "--new-session", "--clearenv", *_system_binds(),
            # /tmp first: binds made after it stay visible even when the venv itself lives under /tmp
            "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    for root in python_roots():
        args += ["--ro-bind", str(root), str(root)]
    for name in ("autograder", "slicelab"):
        args += ["--ro-bind", str(package_dir(name)), f"{KIT}/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--ro-bind", str(plan), "/opt/plan.json"]
    if home is not None:
        args += ["--ro-bind", str(home), HOME, "--chdir", HOME]
    else:
        args += ["--chdir", "/tmp"]
    for key, value in _sandbox_env().items():
        args += ["--setenv", key, value]
    return [*args, sys.executable, "-I", "-c", _BOOT, "/opt/plan.json", str(limits.cell_timeout),
            *map(str, _inner_limits(limits))]


def _sandbox_env() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
            "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.matplotlib", "PYTHONDONTWRITEBYTECODE": "1"}


def _inner_limits(limits: Limits) -> tuple[int, int]:
    return limits.processes, limits.open_files


# -I (isolated) ignores PYTHONPATH and the cwd, so the kit path is put first by hand; the limits that
# must be set inside the user namespace (RLIMIT_NPROC counts per user there) are set before any
# student code runs. jsonschema's optional IRI format checker (package rfc3987_syntax, pulled in by
# slicelab -> kubernetes_validate) builds a grammar for 2-4 s at import, per process; Kubernetes'
# schemas use no IRI format, so the sandbox makes it unavailable: same results, seconds faster.
_BOOT = ("import sys,resource;sys.path.insert(0,'" + KIT + "');sys.modules['rfc3987_syntax']=None;"
         "p,f=int(sys.argv[3]),int(sys.argv[4]);"
         "resource.setrlimit(resource.RLIMIT_NPROC,(p,p));resource.setrlimit(resource.RLIMIT_NOFILE,(f,f));"
         "import runpy;sys.argv=[sys.argv[0],sys.argv[1],sys.argv[2]];"
         "runpy.run_module('autograder.inside',run_name='__main__')")


def unsafe_command(plan: Path, limits: Limits) -> list[str]:
    """Without bubblewrap: the two packages are reached through a folder of links beside the plan, so
    an editable install's project folder (with ``course/source``) is not on the student's sys.path."""
    kit = plan.parent / "kit"
    kit.mkdir(exist_ok=True)
    for name in ("autograder", "slicelab"):
        if not (kit / name).exists():
            (kit / name).symlink_to(package_dir(name), target_is_directory=True)
    return [sys.executable, "-I", "-c", _BOOT.replace(KIT, str(kit)),
            str(plan), str(limits.cell_timeout), *map(str, _inner_limits(limits))]


class PidsCgroup:
    """A pids cgroup (v1 or v2) capping how many processes a sandbox may have; absent if not allowed."""

    def __init__(self, limit: int):
        self.path: Path | None = None
        for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
            if (base / "cgroup.procs").exists() and os.access(base, os.W_OK) and (
                    base.name == "pids" or "pids" in _read(base / "cgroup.subtree_control")):
                path = base / f"autograder-{os.getpid()}-{next(_cgroup_counter)}"
                try:
                    path.mkdir()
                    (path / "pids.max").write_text(str(limit))
                except OSError:
                    continue
                self.path = path
                break

    @property
    def procs_file(self) -> str | None:
        return str(self.path / "cgroup.procs") if self.path else None

    def remove(self) -> None:
        if self.path is None:
            return
        for _ in range(50):
            pids = _read(self.path / "cgroup.procs").split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.02)


def processes_capped() -> bool:
    """Whether sandboxes get a process cap here: a pids cgroup, or RLIMIT_NPROC (which the kernel
    enforces only for a grader that is not root)."""
    if os.getuid() != 0:
        return True
    cgroup = PidsCgroup(8)
    cgroup.remove()
    return cgroup.path is not None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _limit_child(limits: Limits, procs_file: str | None):
    """preexec_fn: only system calls (no locks, no imports) — it runs between fork and exec."""
    import resource
    settings = [(resource.RLIMIT_AS, limits.memory_bytes),
                (resource.RLIMIT_CPU, int(limits.notebook_timeout) + 5),
                (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_CORE, 0)]
    pid_bytes = b"0\n"

    def apply():
        if procs_file:
            fd = os.open(procs_file, os.O_WRONLY)
            os.write(fd, pid_bytes)
            os.close(fd)
        for which, value in settings:
            resource.setrlimit(which, (value, value))
        os.dup2(apply.results_fd, 3)

    return apply


def run_steps(steps: list[dict], home: Path | None, limits: Limits, *, bwrap: str | None,
              stop: threading.Event | None = None) -> SandboxRun:
    """Run the steps of one notebook in a fresh sandbox (``bwrap=None`` means unsafe: no isolation).

    When ``stop`` is set (the grader was interrupted) the sandbox is killed at once and the run ends
    as "interrupted"; such a run is never a grade."""
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        plan = Path(tmp) / "plan.json"
        plan.write_text(json.dumps({"steps": steps}))
        command = bwrap_command(bwrap, plan, home, limits) if bwrap else unsafe_command(plan, limits)
        cgroup = PidsCgroup(limits.processes + 8) if bwrap else None
        read_fd, write_fd = os.pipe()
        preexec = _limit_child(limits, cgroup.procs_file if cgroup else None)
        preexec.results_fd = write_fd
        env = None if bwrap else {**_sandbox_env(), "HOME": tmp}
        errors = Path(tmp) / "stderr"
        try:
            with open(errors, "wb") as stderr:
                # close_fds=False: the only inheritable descriptors are 0-2 and the results pipe that
                # preexec puts on fd 3 (Python opens everything else close-on-exec).
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=stderr, close_fds=False, preexec_fn=preexec,
                                           start_new_session=True, env=env, cwd=str(home or tmp))
        finally:
            os.close(write_fd)
        try:
            run = _collect(process, read_fd, limits, stop)
            if not any(record.get("started") is True for record in run.records) and run.ending == "crashed":
                with open(errors, "rb") as stream:
                    said = stream.read(4000).decode(errors="replace")
                    raise SandboxUnavailable("the sandbox cannot start here, so nothing is graded: "
                                             + explain_sandbox_failure(said)
                                             + " (or pass --unsafe to grade WITHOUT isolation)")
            return run
        finally:
            os.close(read_fd)
            _kill(process)
            if cgroup:
                cgroup.remove()


def _collect(process: subprocess.Popen, read_fd: int, limits: Limits, stop: threading.Event | None) -> SandboxRun:
    run, buffer, received = SandboxRun(), b"", 0
    deadline = time.monotonic() + limits.notebook_timeout
    while True:
        left = deadline - time.monotonic()
        if stop is not None and stop.is_set():
            run.ending = INTERRUPTED
            break
        if left <= 0:
            run.ending = "notebook timeout"
            break
        ready, _, _ = select.select([read_fd], [], [], min(left, STOP_POLL_SECONDS))
        if not ready:
            continue
        chunk = os.read(read_fd, 65536)
        if not chunk:
            run.ending = "done" if _finished(run) else "crashed"
            break
        received += len(chunk)
        if received > limits.result_bytes:
            run.ending = "output too large"
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        run.records.extend(record for line in lines if (record := _parse(line)) is not None)
        if _finished(run):
            break
    return run


def _finished(run: SandboxRun) -> bool:
    return any(record.get("done") is True for record in run.records)


def _parse(line: bytes) -> dict | None:
    """One result line, as plain JSON data only (no NaN, no Infinity); anything else is dropped."""
    def refuse(name):
        raise ValueError(name)
    try:
        record = json.loads(line, parse_constant=refuse)
    except (ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
