"""The foundation's promises: packaging agrees with conda, notebooks are source, `make lab` serves."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import REPO, require_tool
from labserver import make_server

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


def _get(lab, path: str, timeout: float = 30):
    """GET a server path (token added): (decoded JSON or text, final URL). HTTPError propagates."""
    with urllib.request.urlopen(lab.url_for(path), timeout=timeout) as answer:
        body = answer.read().decode()
        try:
            return json.loads(body), answer.url
        except ValueError:
            return body, answer.url


def _status(lab, path: str) -> int:
    try:
        _get(lab, path)
        return 200
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.slow
def test_make_lab_serves_the_learners_copies_without_authoring_tools(tmp_path):
    """`make lab`: a working copy of the lessons (the tracked ones stay clean), no nbgrader authoring
    tools, no news pop-up, wide printed tables scroll."""
    require_tool("make")
    copies = tmp_path / "mine"
    copies.mkdir()
    (copies / "01-the-flow-step-by-step.ipynb").write_text("{}")  # a learner's own edits: kept as they are
    tracked = {p.name: p.read_bytes() for p in (REPO / "notebooks").glob("*.ipynb")}
    with make_server("lab", tmp_path, LEARNER_DIR=str(copies)) as make:
        listing, _ = _get(make, "api/contents")
        names = {item["name"] for item in listing["content"]}
        assert names == set(tracked), "the server's root is the learner's copies"
        assert (copies / "01-the-flow-step-by-step.ipynb").read_text() == "{}"
        page, url = _get(make, "")
        assert url.split("?")[0].endswith("/lab/tree/00-start-here.ipynb"), url
        config = json.loads(re.search(r'id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      page, re.S).group(1))
        assert "@jupyter/nbgrader" in config["disabledExtensions"]  # no Create Assignment, no menu
        assert _status(make, "formgrader/api/assignments") == 404
        assert _status(make, "assignments") == 404
        settings, _ = _get(make, "lab/api/settings/@jupyterlab/apputils-extension:notification")
        assert settings["schema"]["properties"]["fetchNews"]["default"] == "false", settings  # no news toast
        css, _ = _get(make, "custom/custom.css")
        assert "white-space: pre" in css and 'href="/custom/custom.css"' in page
        # the learner saves a lesson: the copy changes, the tracked original does not
        nb, _ = _get(make, "api/contents/00-start-here.ipynb")
        nb["content"]["cells"][0]["source"] += "\nmy note"
        body = json.dumps({"type": "notebook", "format": "json", "content": nb["content"]}).encode()
        request = urllib.request.Request(make.url_for("api/contents/00-start-here.ipynb"), data=body,
                                         method="PUT")
        urllib.request.urlopen(request, timeout=30).close()
        assert "my note" in (copies / "00-start-here.ipynb").read_text()
        assert {p.name: p.read_bytes() for p in (REPO / "notebooks").glob("*.ipynb")} == tracked
    out = subprocess.run(["git", "check-ignore", "-q", "my-notebooks/00-start-here.ipynb"], cwd=REPO)
    assert out.returncode == 0, "the default working copy my-notebooks/ must be git-ignored"


@pytest.mark.slow
def test_make_instructor_serves_the_course_with_nbgrader(tmp_path):
    require_tool("make")
    with make_server("instructor", tmp_path) as make:
        listing, _ = _get(make, "api/contents/notebooks")
        assert "00-start-here.ipynb" in {item["name"] for item in listing["content"]}
        page, url = _get(make, "")
        assert url.split("?")[0].endswith("/lab/tree/course"), url
        config = json.loads(re.search(r'id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      page, re.S).group(1))
        assert "@jupyter/nbgrader" not in config["disabledExtensions"]
        assignments, _ = _get(make, "formgrader/api/assignments")
        assert {"ps1-the-flow", "ps2-selectors-and-endpoints", "ps3-slices", "ps4-troubleshooting"} <= {
            a["name"] for a in assignments}


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
    assert report.versions["Graphviz (draws the diagrams)"] != "missing"
