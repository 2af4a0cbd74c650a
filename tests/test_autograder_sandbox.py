"""What a student's sandbox can see and do — measured from inside one real sandbox."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder import sandbox
from conftest import REPO, require_tool

SETUP = '''
import os, socket, subprocess, resource
def attempt(action):
    try:
        action()
        return "allowed"
    except BaseException as err:
        return type(err).__name__
def spawn_many():
    children = [subprocess.Popen(["sleep", "5"]) for _ in range(200)]
def fill_tmp():
    with open("/tmp/big", "wb") as f:
        for _ in range(200):
            f.write(b"x" * 1024 * 1024)
def write_into(path):
    return lambda: open(os.path.join(path, "planted"), "w").write("x")
'''

PROBES = {
    "uid": "os.getuid()",
    "root folders": "sorted(os.listdir('/'))",
    "project seen": "sorted(os.listdir(" + repr(str(REPO)) + "))",
    "course source": "os.path.exists(" + repr(str(REPO / "course")) + ")",
    "home": "sorted(os.listdir('.'))",
    "slicelab": "attempt(lambda: __import__('slicelab').Cluster)",
    "network": "attempt(lambda: socket.create_connection(('1.1.1.1', 53), timeout=2))",
    "processes": "attempt(spawn_many)",
    "memory": "attempt(lambda: bytearray(3 * 1024 ** 3))",
    "tmp size": "attempt(fill_tmp)",
    "write home": "attempt(write_into('.'))",
    "write venv": "attempt(write_into(" + repr(str(Path(sandbox.sys.prefix))) + "))",
    "raise memory cap": "attempt(lambda: resource.setrlimit(resource.RLIMIT_AS, (-1, -1)))",
}


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    bwrap = require_tool("bwrap")
    home = tmp_path_factory.mktemp("home")
    (home / "mine.ipynb").write_text("{}")
    steps = [{"code": SETUP, "where": "setup"}]
    steps += [{"probe": name, "expr": expr} for name, expr in PROBES.items()]
    run = sandbox.run_steps(steps, home, sandbox.Limits(cell_timeout=20, processes=32), bwrap=bwrap)
    assert run.ending == "done"
    return {r["probe"]: r.get("value", r.get("error")) for r in run.records if "probe" in r}


def test_runs_as_a_non_root_user(seen):
    assert seen["uid"] == sandbox.SANDBOX_UID


def test_sees_no_project_files_but_the_python_environment(seen):
    # The project folder exists inside only as the mount point of its virtual environment, if at all.
    assert seen["project seen"] == [".venv"] or str(seen["project seen"]).startswith("FileNotFoundError")
    # Beyond the system folders, only the top folders of the Python environment's mount points exist
    # (e.g. /work for /work/main/.venv, /check for a CI checkout): computed, never a fixed list.
    python_tops = {root.parts[1] for root in sandbox.python_roots()}
    system = {"bin", "dev", "home", "lib", "lib32", "lib64", "libx32", "opt", "proc", "root", "sbin", "tmp", "usr"}
    assert set(seen["root folders"]) <= system | python_tops
    assert seen["course source"] is False
    assert seen["home"] == ["mine.ipynb"]


def test_the_course_library_imports_inside(seen):
    assert seen["slicelab"] == "allowed"


def test_no_network(seen):
    assert seen["network"] in ("OSError", "gaierror", "ConnectionRefusedError", "PermissionError")


def test_processes_are_capped(seen):
    if not sandbox.processes_capped():
        pytest.skip("processes cannot be capped here: a root grader without a writable pids cgroup")
    assert seen["processes"] in ("BlockingIOError", "OSError")


def test_memory_and_tmp_are_capped(seen):
    assert seen["memory"] == "MemoryError"
    assert seen["tmp size"] == "OSError"
    assert seen["raise memory cap"] in ("ValueError", "PermissionError")


def test_nothing_of_the_host_is_writable(seen):
    assert seen["write home"] in ("OSError", "PermissionError")
    assert seen["write venv"] in ("OSError", "PermissionError")


def test_a_sandbox_refuses_to_expose_the_course_through_a_bound_folder(tmp_path):
    course = tmp_path / "env" / "course"
    course.mkdir(parents=True)
    with pytest.raises(sandbox.SandboxUnavailable, match="would see"):
        sandbox.assert_hides([tmp_path / "env"], course)
    sandbox.assert_hides([tmp_path / "other"], course)


def test_notebook_idioms_run_without_a_kernel():
    """Magics, display, widgets and graphviz behave in the sandbox's kernel-less IPython as in Jupyter."""
    bwrap = require_tool("bwrap")
    steps = [{"code": "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()", "where": "a"},
             {"code": "import ipywidgets as w\nfrom IPython.display import display\ns = w.IntSlider(value=3)\ndisplay(s)",
              "where": "b"},
             {"code": "import graphviz\nsvg = graphviz.Digraph(body=['a -> b']).pipe(format='svg').decode()", "where": "c"},
             {"code": "echoed = !echo hi", "where": "d"},
             {"probe": "p#0", "expr": "s.value"}, {"probe": "p#1", "expr": "'<svg' in svg"},
             {"probe": "p#2", "expr": "list(echoed)"}]
    run = sandbox.run_steps(steps, None, sandbox.Limits(), bwrap=bwrap)
    assert [r for r in run.records if "error" in r] == []
    assert [r["value"] for r in run.records if "probe" in r] == [3, True, ["hi"]]
