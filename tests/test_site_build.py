"""The static site `make site` builds (build/site/): what it holds, what it must never hold, what it loads.

`make test-setup` builds the site (mk/site.mk); these tests read the result. The leak test searches every
file of the site, and every member of every wheel or zip in it, for the solutions and hidden tests of
course/source; the released assignments are checked against what `autograder release` writes.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from packaging.utils import canonicalize_name

from conftest import IN_CI, REPO

sys.path.insert(0, str(REPO / "site"))
import build as site_build  # noqa: E402  (site/build.py)

SITE = REPO / "build" / "site"
SOURCE = REPO / "course" / "source"
LESSONS = sorted(p.name for p in (REPO / "notebooks").glob("0[0-9]-*.ipynb"))
ASSIGNMENTS = sorted(p.name for p in SOURCE.iterdir() if p.is_dir())
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME",
           "END MARK SCHEME")


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").exists():
        reason = "build/site is missing: `make site` (or `make test-setup`) builds it"
        pytest.fail(reason) if IN_CI else pytest.skip(reason)
    return SITE


def normalise(text: str) -> str:
    return " ".join(text.split())


def strings(value) -> list[str]:
    """Every string inside parsed JSON (so a notebook's escaped newlines and quotes read as text)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(k) + strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def readable(name: str, data: bytes) -> list[str]:
    texts = [data.decode("utf-8", errors="ignore")]
    if name.endswith((".ipynb", ".json")):
        try:
            texts.append("\n".join(strings(json.loads(data))))
        except ValueError:
            pass
    return texts


def site_texts(root: Path) -> dict[str, str]:
    """Every file of the site as normalised text, wheels and zips opened member by member."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = str(path.relative_to(root))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    out[f"{name}!{member}"] = normalise(" ".join(readable(member, archive.read(member))))
        elif path.suffix != ".wasm":
            out[name] = normalise(" ".join(readable(name, path.read_bytes())))
    return out


def secrets() -> tuple[dict[str, str], dict[str, str]]:
    """What only the instructor may see: every solution block, hidden-test block and answer of a written
    (markdown) solution in course/source, normalised, keyed by where it comes from. Second: those that
    the assignment's own visible text also shows (the instructor's wording, not something a build leaks)."""
    found, visible = {}, []
    for path in sorted(SOURCE.rglob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            where = f"{path.name} cell {cell.get('id')}"
            text = cell.source
            for kind in ("SOLUTION", "HIDDEN TESTS"):
                for block in re.findall(rf"### BEGIN {kind}\n(.*?)### END {kind}", cell.source, re.S):
                    found[f"{where} ({kind.lower()})"] = normalise(block)
                text = re.sub(rf"### BEGIN {kind}\n.*?### END {kind}", " ", text, flags=re.S)
            grading = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and grading.get("solution") and not grading.get("task"):
                found[f"{where} (written answer)"] = normalise(cell.source)
            else:
                visible.append(normalise(text))
    public = " ".join(visible)
    found = {k: v for k, v in found.items() if v}
    shown = {k: v for k, v in found.items() if v in public}
    return {k: v for k, v in found.items() if k not in shown}, shown


def test_the_site_holds_lessons_00_to_09_and_the_released_assignments(site):
    files = site / "files"
    assert sorted(p.name for p in files.glob("*.ipynb")) == LESSONS and len(LESSONS) == 10
    assert sorted(p.stem for p in (files / "assignments").glob("*.ipynb")) == ASSIGNMENTS
    listing = json.loads((site / "api" / "contents" / "all.json").read_text())
    assert {c["name"] for c in listing["content"]} == {*LESSONS, "assignments"}
    for name in ASSIGNMENTS:
        nb = nbformat.read(files / "assignments" / f"{name}.ipynb", as_version=4)
        note = next(c for c in nb.cells if c.get("id") == "site-how-to-submit")
        assert "File → Download" in note.source and "hand" in note.source and ".ipynb" in note.source
        assert "autograder check" in note.source and "Run All" in note.source  # no terminal in a browser
        assert nb.cells.index(note) == 1, "right under the assignment's title"
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    for lesson in LESSONS:  # the lessons are the repository's, byte for byte
        assert (files / lesson).read_bytes() == (REPO / "notebooks" / lesson).read_bytes()


def test_no_solution_hidden_test_or_source_notebook_anywhere_in_the_site(site):
    texts = site_texts(site)
    hidden, shown = secrets()
    assert len(hidden) >= 90, "the search must know what to look for (98 blocks today)"
    assert shown == {}, "an assignment's own visible text gives away a solution (ps1's example once did)"
    leaks = [f"{where} found in {name}" for where, secret in hidden.items()
             for name, text in texts.items() if secret in text]
    assert leaks == []
    marked = [f"{marker!r} in {name}" for marker in MARKERS for name, text in texts.items() if marker in text]
    assert marked == []
    assert not [p for p in site.rglob("*") if "source" in p.relative_to(site).parts or p.name == "gradebook.db"]
    # and the search finds a leak when there is one: a source notebook copied in
    planted = {**texts, "files/ps1.ipynb": normalise(" ".join(readable(
        "x.ipynb", (SOURCE / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb").read_bytes())))}
    assert any(secret in planted["files/ps1.ipynb"] for secret in hidden.values())


@pytest.mark.slow
def test_the_released_assignments_are_what_autograder_release_writes(site, tmp_path, venv_bin, monkeypatch):
    from autograder.gradebook import release
    monkeypatch.setenv("PATH", f"{venv_bin}:{__import__('os').environ.get('PATH', '')}")
    course = tmp_path / "course"
    shutil.copytree(SOURCE, course / "source")
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    name = ASSIGNMENTS[0]
    expected = nbformat.read(release(course, name) / f"{name}.ipynb", as_version=4)
    shipped = nbformat.read(site / "files" / "assignments" / f"{name}.ipynb", as_version=4)
    shipped.cells = [c for c in shipped.cells if c.get("id") != "site-how-to-submit"]
    assert shipped == expected


def test_the_kernel_loads_every_package_from_the_site_itself(site):
    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs", "the runtime is served by the site, not a CDN"
    assert kernel["disablePyPIFallback"] is True
    pyodide = site / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    assert sorted(kernel["loadPyodideOptions"]["packages"]) == sorted(lock["packages"])
    for key, package in lock["packages"].items():
        wheel = pyodide / package["file_name"]
        assert wheel.exists() and "/" not in package["file_name"], key
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == package["sha256"], f"{key}: hash"
        assert {canonicalize_name(d) for d in package["depends"]} <= {canonicalize_name(k) for k in lock["packages"]}, \
            f"{key} needs what the site lacks"
        with zipfile.ZipFile(wheel) as whl:
            assert not [n for n in whl.namelist() if n.endswith((".so", ".pyd"))], f"{key} is not pure Python"
    assert {"slicelab-course", "pyyaml", "ipywidgets", "pygal", "ipython"} <= set(lock["packages"])
    assert (site / "static" / "viz-js" / "viz.js").stat().st_size > 500_000
    every_url = re.findall(r"https?://[^\s\"']+", json.dumps(config) + json.dumps(lock))
    assert every_url == [], every_url


def test_the_site_wheel_carries_slicelab_its_schemas_and_only_the_answer_form_checks(site):
    (wheel,) = (site / "static" / "pyodide").glob("slicelab_course-*.whl")
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        answers = whl.read("autograder/answers.py").decode()
    assert sorted({n.split("/")[0] for n in names if not n.endswith(".dist-info/RECORD")}) == \
        ["autograder", "slicelab", f"slicelab_course-{metadata.version('slicelab-course')}.dist-info"]
    assert sorted(n for n in names if n.startswith("autograder/")) == ["autograder/__init__.py",
                                                                       "autograder/answers.py"]
    assert "HIDDEN" not in answers and "def expect_choice" in answers
    assert ast.parse(answers)  # still a module
    schemas = [n for n in names if "kubernetes-json-schema/v1.34.0-local-strict/" in n]
    assert len(schemas) == 6 and sum(whl_size(wheel, n) for n in schemas) < 1_000_000


def whl_size(wheel: Path, name: str) -> int:
    with zipfile.ZipFile(wheel) as whl:
        return whl.getinfo(name).file_size


def test_slicelab_imports_nothing_the_site_does_not_ship():
    """Every module slicelab imports is the standard library, slicelab, the browser's own (the seam), or
    a distribution site/build.py puts into the kernel: a new dependency must be added there too."""
    shipped = set(site_build.SLICELAB_NEEDS) | {"ipython", "traitlets", "comm"}
    providers = metadata.packages_distributions()
    missing = set()
    for path in (REPO / "slicelab").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in (n.split(".")[0] for n in names):
                if name in sys.stdlib_module_names or name in {"slicelab", "pyodide", "js"}:
                    continue
                dists = {d.lower().replace("_", "-") for d in providers.get(name, [name])}
                if not dists & shipped:
                    missing.add(f"{path.relative_to(REPO)} imports {name}")
    assert missing == set()


def test_build_refuses_a_wheel_whose_requirement_the_site_lacks(tmp_path):
    staged = tmp_path / "pkg"
    (staged / "pkg").mkdir(parents=True)
    (staged / "pkg" / "__init__.py").write_text("")
    info = staged / "pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nRequires-Dist: numpy\n"
                                   "Requires-Dist: colorama; sys_platform == 'win32'\n")
    site_build.write_wheel_file(info)
    wheel = site_build.pack_wheel(staged, tmp_path)
    assert site_build.wheel_requirements(wheel) == ["numpy"], "markers are evaluated for the browser"
    with pytest.raises(SystemExit, match="needs numpy, which the site does not ship"):
        site_build.site_lock({"info": {}, "packages": {}}, [], {"pkg": wheel})
