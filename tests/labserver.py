"""A JupyterLab server for browser tests: loopback only, a random token, a free port, no network calls.

    from labserver import lab_server
    with lab_server(copy=[REPO / "notebooks"]) as lab:
        page.goto(lab.url_for("lab/tree/01-the-flow-step-by-step.ipynb"))

`copy` puts copies of files/folders into a temporary root (so a test can run and save notebooks
without touching the repo); without it the server's root is `root` (default: the repo). Settings,
workspaces and runtime files go to a temporary folder, news and update checks are off. The server
is stopped (and its kernels with it) when the block ends, even if the test fails.
"""
from __future__ import annotations

import json
import re
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LabServer:
    url: str          # http://127.0.0.1:PORT/
    token: str
    root: Path
    log: Path

    def url_for(self, path: str) -> str:
        """A URL under the server with the token, e.g. url_for("lab/tree/x.ipynb")."""
        sep = "&" if "?" in path else "?"
        return f"{self.url}{path.lstrip('/')}{sep}token={self.token}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(url: str, token: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def lab_server(root: Path | None = None, copy: Iterable[Path] = (), timeout: float = 90) -> Iterator[LabServer]:
    """Start `jupyter lab` on 127.0.0.1, wait until it answers, yield a LabServer, then stop it."""
    with tempfile.TemporaryDirectory(prefix="slicelab-lab-") as tmp:
        tmp_path = Path(tmp)
        copies = list(copy)
        if copies:
            server_root = tmp_path / "root"
            server_root.mkdir()
            for item in copies:
                item = Path(item)
                if item.is_dir():
                    shutil.copytree(item, server_root / item.name,
                                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
                else:
                    shutil.copy2(item, server_root / item.name)
        else:
            server_root = Path(root or REPO)
        settings = tmp_path / "settings"
        (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
        (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        port, token = free_port(), secrets.token_hex(16)
        env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
               "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={server_root}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.news_url=None", "--ServerApp.open_browser=False"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        log = tmp_path / "lab.log"
        with open(log, "wb") as log_file:
            proc = subprocess.Popen(cmd, cwd=server_root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            url = f"http://127.0.0.1:{port}/"
            try:
                deadline = time.monotonic() + timeout
                while not _ready(url, token):
                    if proc.poll() is not None:
                        raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"jupyter lab did not answer within {timeout}s:\n"
                                           f"{log.read_text()[-3000:]}")
                    time.sleep(0.3)
                yield LabServer(url, token, server_root, log)
            finally:
                _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server (it shuts its kernels down), then its own process group if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group we created with start_new_session: kernels left over
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=10)


IDLE = re.compile(r"\|\s*Idle")


def open_and_run_all(page, lab: LabServer, notebook: str, timeout_ms: int = 60_000) -> None:
    """Open a notebook in JupyterLab and press Run → Run All Cells once the kernel is connected.

    JupyterLab says Idle before the kernel is connected, so wait for the status bar's "| Idle" first.
    """
    page.set_default_timeout(timeout_ms)
    page.goto(lab.url_for(f"lab/tree/{notebook}"))
    page.get_by_text(IDLE).first.wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()


@contextmanager
def make_server(target: str, log_dir: Path, env: dict | None = None, timeout: float = 120,
                **variables: str) -> Iterator[LabServer]:
    """`make TARGET` (lab, instructor) serving JupyterLab headless on loopback with a token; yields a
    LabServer once it answers and stops make's whole process group at the end."""
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --port {port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token={token}"
    env = {**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent), **(env or {})}
    log = Path(log_dir) / f"make-{target}.log"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(["make", "--no-print-directory", target, f"LAB_ARGS={args}",
                                 *(f"{k}={v}" for k, v in variables.items())],
                                cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + timeout
            while not _ready(url, token):
                if proc.poll() is not None:
                    raise RuntimeError(f"make {target} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"make {target} did not serve within {timeout}s:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
            yield LabServer(url, token, REPO, log)
        finally:
            _stop(proc)
