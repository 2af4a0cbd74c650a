"""Hostile submissions for the demo assignment (tests/fixtures/course/source/demo), as notebook edits.

Each attack starts from the untouched release notebook and plays a hostile student with full control
of their own kernel. None of them knows a right answer, so a sound grader gives each no more than
the untouched release notebook. ``paths`` tells the attacks where the grader's secrets live (a real
attacker could guess the layout), so that "cannot read it" is proven, not assumed.
"""
from __future__ import annotations

import copy
import json
from typing import Callable

# Every attack plants this marker where it should not be able to write; the test looks for it.
MARKER = "HACKED-BY-A-SUBMISSION"
# A background process that would outlive grading carries this number in its command line.
SURVIVOR_SECONDS = "314159"

ALWAYS_EQUAL = '''
class Anything(str):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = str.__hash__
class AnyList(list):
    def __eq__(self, other): return True
q1 = Anything("A")
q3 = AnyList()
def count_ready(endpoints):
    class N(int):
        def __eq__(self, other): return True
    return N(7)
'''

MONKEYPATCH = '''
import builtins, json, autograder.answers as answers
answers.same = lambda *a, **k: True
answers.judge = answers.judge_choice = answers.judge_shape = lambda *a, **k: None
answers.expect = answers.expect_choice = answers.expect_shape = lambda *a, **k: None
answers.to_plain = lambda value, *a, **k: "B"
builtins.AssertionError = type("Never", (Exception,), {})
json.dumps = lambda *a, **k: '{"probe": "q1-test#1", "value": "B"}'
expect = expect_choice = expect_shape = lambda *a, **k: None
'''

TRANSFORMER = '''
ip = get_ipython()
ip.input_transformers_post.append(lambda lines: ["pass\\n"])
ip.input_transformers_cleanup.append(lambda lines: ["pass\\n"])
ip.events.register("pre_run_cell", lambda *a: None)
import sys
sys.displayhook = lambda *a: None
'''

FORGE_RESULTS = '''
import os
for cell in ["q1-test", "q2-test-visible", "q2-test-hidden", "q3-test"]:
    for i in range(3):
        os.write(3, ('{"probe": "%s#%d", "value": null, "passed": true, "points": 99}\\n' % (cell, i)).encode())
os.write(3, b'{"done": true, "score": 99}\\n')
'''

SYS_EXIT = "import sys\nsys.exit(0)"
OS_EXIT = "import os\nos._exit(0)"
KILL_GRADER = '''
import os, signal
for target in (os.getppid(), 1, -1):
    try:
        os.kill(target, signal.SIGKILL)
    except Exception:
        pass
os.killpg(0, signal.SIGKILL)
'''

BACKGROUND = '''
import subprocess
subprocess.Popen(["sh", "-c", "sleep %s"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
''' % SURVIVOR_SECONDS

FORK_BOMB = '''
import os, time
children = 0
try:
    for _ in range(2000):
        if os.fork() == 0:
            time.sleep(20)
            os._exit(0)
        children += 1
except OSError:
    pass
'''

INFINITE_LOOP = "while True:\n    pass"
UNSTOPPABLE_LOOP = '''
import signal
signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    try:
        pass
    except BaseException:
        pass
'''

MEMORY_HOG = '''
hog = []
try:
    while True:
        hog.append(bytearray(256 * 1024 * 1024))
except MemoryError:
    pass
hog = bytearray(8 * 1024 ** 3)
'''

HUGE_OUTPUT = '''
import os, sys
print("x" * 50_000_000)
os.write(1, b"y" * 20_000_000)
os.write(3, b"z" * 20_000_000)
'''

READ_SECRETS = '''
import os, re
found = dict()
roots = [{course!r}, {submissions!r}, "/work", "/root", "/home", "/opt", "/tmp", "/", os.path.expanduser("~"), "../..", "../../.."]
for root in roots:
    for here, dirs, files in os.walk(root):
        if found:
            break
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr", "lib") and not d.startswith(".")]
        for name in files:
            if name.endswith((".ipynb", ".db", ".json")) or "gradebook" in name:
                try:
                    text = open(os.path.join(here, name), errors="ignore").read()
                except OSError:
                    continue
                for answer in re.findall(r'expect\\\\?\\(\\\\?"q1\\\\?", q1, \\\\?"([A-D])\\\\?"', text):
                    found["q1"] = answer
q1 = found.get("q1")
'''

WRITE_SECRETS = '''
import os, sqlite3
for folder in [{course!r}, {other!r}, os.path.dirname({other!r}), "/tmp", "."]:
    try:
        open(os.path.join(folder, {marker!r}), "w").write("x")
    except OSError:
        pass
try:
    db = sqlite3.connect({gradebook!r})
    db.execute("update grade set auto_score = 100, manual_score = 100")
    db.commit()
except Exception:
    pass
try:
    open({other_notebook!r}, "w").write("{{}}")
except OSError:
    pass
'''

NETWORK = '''
import socket
q1 = None
try:
    socket.create_connection(("pypi.org", 443), timeout=3)
    q1 = "NETWORK"
except OSError:
    pass
'''


def _set_cell(nb: dict, grade_id: str, source: str) -> dict:
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = source
    return nb


def _with_code(code: str) -> Callable[[dict, dict], dict]:
    def attack(nb: dict, paths: dict) -> dict:
        return _set_cell(nb, "q1-answer", code.format(**paths))
    return attack


def _edit_tests(nb: dict, paths: dict) -> dict:
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade", False):
            cell["source"] = "pass  # the test was here"
    return nb


def _delete_tests(nb: dict, paths: dict) -> dict:
    nb["cells"] = [c for c in nb["cells"] if not c.get("metadata", {}).get("nbgrader", {}).get("grade", False)]
    return nb


def _duplicate_tests(nb: dict, paths: dict) -> dict:
    cells = []
    for cell in nb["cells"]:
        cells.append(cell)
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade", False):
            twin = copy.deepcopy(cell)
            twin["source"] = "q1 = 'B'  # duplicated test cell carrying code"
            cells.append(twin)
    nb["cells"] = cells
    return nb


def _malformed_metadata(nb: dict, paths: dict) -> dict:
    weird = [{"schema_version": 99, "grade": True, "grade_id": "q1-test", "points": 1000, "solution": True},
             "not a dict", {"grade_id": 5, "points": "all"}, {"grade_id": ["q2-code"], "solution": None}]
    for cell, meta in zip(nb["cells"], weird * len(nb["cells"])):
        cell["metadata"] = {"nbgrader": meta}
    return nb


def _forged_outputs(nb: dict, paths: dict) -> dict:
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "All tests passed! 100/100\n"}]
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            meta["points"] = 1000
            cell["source"] = ""
    return nb


ATTACKS: dict[str, Callable[[dict, dict], dict]] = {
    "always-equal answers": _with_code(ALWAYS_EQUAL.replace("{", "{{").replace("}", "}}")),
    "monkeypatched checks, builtins, json": _with_code(MONKEYPATCH.replace("{", "{{").replace("}", "}}")),
    "input transformers and hooks": _with_code(TRANSFORMER),
    "forged result lines on the results pipe": _with_code(FORGE_RESULTS.replace("{", "{{").replace("}", "}}")),
    "edited test cells": _edit_tests,
    "deleted test cells": _delete_tests,
    "duplicated test cells": _duplicate_tests,
    "malformed cell metadata": _malformed_metadata,
    "forged outputs and points": _forged_outputs,
    "sys.exit": _with_code(SYS_EXIT),
    "os._exit": _with_code(OS_EXIT),
    "kill the kernel and the grader": _with_code(KILL_GRADER),
    "background process": _with_code(BACKGROUND),
    "fork bomb": _with_code(FORK_BOMB),
    "infinite loop": _with_code(INFINITE_LOOP),
    "loop that ignores the cell timeout": _with_code(UNSTOPPABLE_LOOP),
    "memory hog": _with_code(MEMORY_HOG),
    "huge outputs": _with_code(HUGE_OUTPUT),
    "read hidden tests and gradebook": _with_code(READ_SECRETS),
    "write gradebook and other students' files": _with_code(WRITE_SECRETS),
    "network": _with_code(NETWORK),
}


def write_attacks(release_notebook: str, folder, paths: dict) -> dict[str, str]:
    """Write one student folder per attack under ``folder``; return student id -> attack name."""
    students = {}
    for number, (name, attack) in enumerate(ATTACKS.items()):
        nb = attack(json.loads(open(release_notebook).read()), {**paths, "marker": MARKER})
        student = f"attack{number:02d}"
        (folder / student).mkdir(parents=True)
        (folder / student / "demo.ipynb").write_text(json.dumps(nb))
        students[student] = name
    return students
