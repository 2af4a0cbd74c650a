"""The shape issue 15 asks for, held by tests: modules use each other's public names only, and the
object store (cluster, scenario frames, clients) imports no view."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import slicelab

PACKAGE = Path(slicelab.__file__).parent


def test_no_module_imports_another_modules_private_names():
    private = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("slicelab"):
                private += [f"{path.relative_to(PACKAGE)}: {node.module}.{a.name}" for a in node.names
                            if a.name.startswith("_")]
    assert private == []


def test_the_store_imports_no_view():
    code = ("import sys, slicelab, slicelab.cluster, slicelab.scenario, slicelab.network, slicelab.admission; "
            "sys.exit(' '.join(sorted(m for m in sys.modules if m.startswith('slicelab.views') "
            "or m.startswith('slicelab.widgets'))) or 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
