"""The answer key stays with the instructor: the wheel (what a hub's single-user image installs with
`pip install .`) and the Binder image hold no solution and no hidden test.

Both are built for real from a copy of the repository: the wheel with pip, the Binder image's
contents by running binder/postBuild in a fresh virtual environment (repo2docker's own steps need
Docker and the network; the rest is what it does)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO

pytestmark = pytest.mark.slow


def answer_key() -> set[str]:
    """Distinctive lines of every solution and hidden test of the course (and of the kit's demo)."""
    lines = set()
    for path in [*(REPO / "course" / "source").rglob("*.ipynb"), *(REPO / "tests" / "fixtures").rglob("*.ipynb")]:
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for block in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", source, re.S):
                lines |= {line.strip() for line in block.splitlines() if len(line.strip()) >= 24}
            meta = cell["metadata"].get("nbgrader", {})
            if cell["cell_type"] == "markdown" and meta.get("solution"):
                lines |= {line.strip() for line in source.splitlines() if len(line.strip()) >= 24}
    # a solution may share a generic line with the library it uses (`if isinstance(target, int):`):
    # only what the packages do not hold themselves is the key
    library = "\n".join(p.read_text() for name in ("slicelab", "autograder") for p in (REPO / name).rglob("*.py"))
    return {line for line in lines if line not in library}


def copy_of_repository(target: Path) -> Path:
    """The tracked files of this checkout, and a .git of its own (repo2docker copies .git too)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for name in ("binder/postBuild", "binder/environment.yml"):  # also before they are committed
        if (REPO / name).exists():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    return target


def leaks(texts: dict[str, str], key: set[str]) -> list[str]:
    return sorted(f"{name}: {line[:60]}" for name, text in texts.items() for line in key if line in text)


@pytest.fixture(scope="module")
def key():
    found = answer_key()
    assert len(found) > 40, "the answer key should have been found in the course's sources"
    return found


def test_the_wheel_holds_no_solution_and_no_hidden_test(tmp_path, key):
    repo = copy_of_repository(tmp_path / "repo")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"),
                            str(repo)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as zipped:
        names = zipped.namelist()
        texts = {name: zipped.read(name).decode("utf-8", "replace") for name in names}
    assert any(name.startswith("autograder/") for name in names) and any(name.startswith("slicelab/") for name in names)
    assert [n for n in names if n.endswith(".ipynb") or n.startswith(("course/", "tests/", "notebooks/"))] == []
    assert leaks(texts, key) == []


def test_binder_builds_an_image_without_the_answer_key(tmp_path, key):
    root_env = yaml.safe_load((REPO / "environment.yml").read_text())
    binder_env = yaml.safe_load((REPO / "binder" / "environment.yml").read_text())

    def packages(env: dict) -> set[str]:
        names = set()
        for dep in env["dependencies"]:
            deps = dep["pip"] if isinstance(dep, dict) else [dep]
            names |= {re.split(r"[<>=! ]", d, maxsplit=1)[0] for d in deps}
        return names

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    test_tools = {re.split(r"[<>=!\[ ]", d, maxsplit=1)[0] for group in extras.values() for d in group}
    assert packages(binder_env) == packages(root_env) - test_tools - {"-e"}
    assert not any(isinstance(d, dict) and any(p.startswith("-e") for p in d["pip"]) for d in binder_env["dependencies"])

    repo = copy_of_repository(tmp_path / "repo")
    env = tmp_path / "image-env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    # repo2docker runs postBuild with the image's Python first on PATH, in the copy of the repository
    run = subprocess.run(["bash", str(repo / "binder" / "postBuild")], cwd=repo, capture_output=True, text=True,
                         env={**os.environ, "PATH": f"{env / 'bin'}:{os.environ['PATH']}"}, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert not (repo / "course" / "source").exists() and not (repo / "tests").exists() and not (repo / ".git").exists()
    assert (repo / "notebooks" / "00-start-here.ipynb").exists()
    site = next((env / "lib").glob("python*/site-packages"))
    texts = {str(p.relative_to(tmp_path)): p.read_text("utf-8", "replace")
             for folder in (repo, site / "autograder", site / "slicelab") for p in folder.rglob("*") if p.is_file()}
    assert leaks(texts, key) == []
    # the installed packages are a copy: nothing leads from them back to a folder with course/source
    where = subprocess.run([str(env / "bin" / "python"), "-c", "import importlib.util as u; "
                            "print(u.find_spec('autograder').origin); print(u.find_spec('slicelab').origin)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert where.returncode == 0 and where.stdout.count(str(site)) == 2, where
    assert not list(site.glob("__editable__*")) and not list(site.glob("*.egg-link"))


@pytest.fixture
def open_tmp():
    """A folder every user can pass through (pytest's own tmp_path sits in a 0700 folder)."""
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="slicelab-perm-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_the_answer_key_counts_as_reachable_only_when_every_folder_above_lets_others_pass(open_tmp):
    from autograder.cli import reachable_by_others
    home = open_tmp / "home" / "instructor"
    source = home / "course" / "source"
    source.mkdir(parents=True)
    for folder in (open_tmp / "home", home, home / "course", source):
        folder.chmod(0o755)
    assert reachable_by_others(source)
    home.chmod(0o700)                      # Debian's useradd -K HOME_MODE=0700: others cannot pass
    assert not reachable_by_others(source)
    home.chmod(0o711)                      # others may pass, and the course is theirs to read
    assert reachable_by_others(source)
    source.chmod(0o750)
    assert not reachable_by_others(source)
    assert not reachable_by_others(open_tmp / "missing")
