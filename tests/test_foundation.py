"""The foundation's promises: packaging agrees with conda, notebooks are source, `make lab` serves."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import IN_CI, REPO, require_tool

# conda-forge names that differ from the PyPI names in pyproject.toml
CONDA_TO_PYPI = {"python-graphviz": "graphviz", "python-fastjsonschema": "fastjsonschema"}
CONDA_ONLY = {"python", "graphviz", "pip"}  # the interpreter, the `dot` binary, the installer


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pypi = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda, pip = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_name(r) for r in dep["pip"] if not r.startswith("-e")}
        else:
            conda.add(_name(dep))
    assert "graphviz" in conda, "conda must install graphviz's dot binary"
    assert {CONDA_TO_PYPI.get(n, n) for n in conda - CONDA_ONLY} | pip == pypi
    assert any(isinstance(d, dict) and "-e ." in d["pip"] for d in env["dependencies"]), "installs the project"


def test_console_scripts_and_python_m_agree():
    for module in ("slicelab", "autograder"):
        out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "usage:" in out.stdout
        script = Path(sys.executable).parent / module
        assert script.exists(), f"console script {module} is not installed"


NOTEBOOK_DIRS = [REPO / "notebooks", REPO / "course" / "source"]


def _notebooks():
    return sorted(p for d in NOTEBOOK_DIRS for p in d.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_there_are_notebooks():
    assert (REPO / "notebooks" / "00-start-here.ipynb").exists()


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: str(p.relative_to(REPO)))
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; clear them (notebooks are source)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_the_course_headless(tmp_path):
    require_tool("make")
    port = _free_port()
    token = "slicelab-test"
    args = f"--no-browser --port {port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token={token}"
    env = {**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)}
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
            try:
                url = f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    listing = json.load(answer)
                break
            except urllib.error.HTTPError as err:
                pytest.fail(f"JupyterLab answered {err.code} for the notebooks folder: is its root the repository?")
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 120 s:\n" + (tmp_path / "lab.log").read_text()[-3000:])
        names = {item["name"] for item in listing["content"]}
        assert "00-start-here.ipynb" in names
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={token}", timeout=10) as page:
            assert page.url.split("?")[0].endswith("/lab/tree/notebooks/00-start-here.ipynb"), page.url
            assert b"JupyterLab" in page.read()
        formgrader = f"http://127.0.0.1:{port}/formgrader/api/assignments?token={token}"
        with urllib.request.urlopen(formgrader, timeout=30) as answer:
            assignments = {a["name"] for a in json.load(answer)}
        assert {"ps1-the-flow", "ps2-selectors-and-endpoints", "ps3-slices", "ps4-troubleshooting"} <= assignments
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_start_here_and_readme_list_every_lesson_in_reading_order():
    lessons = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]-*.ipynb") if not p.name.startswith("00"))
    assert len(lessons) >= 9
    start = "\n".join(c.source for c in nbformat.read(REPO / "notebooks" / "00-start-here.ipynb", as_version=4).cells)
    readme = (REPO / "README.md").read_text()
    for text, where in ((start, "00-start-here.ipynb"), (readme, "README.md")):
        positions = [text.find(name.removesuffix(".ipynb")) for name in lessons]
        assert all(p >= 0 for p in positions), f"{where} misses {[n for n, p in zip(lessons, positions) if p < 0]}"
        assert positions == sorted(positions), f"{where} lists the lessons out of order"


def test_environment_check_finds_everything():
    from slicelab.views.environment import check_environment

    report = check_environment()
    assert report.ok, str(report)
    assert report.versions["dot (graphviz)"] != "missing"
