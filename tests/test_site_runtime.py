"""The seam between slicelab's two homes (slicelab/runtime.py), exercised on CPython.

The browser side runs in tests/test_site_browser.py; here: every diagram goes through `render_svg`, IPython
shows graphviz objects through it, a missing schema folder is one clear error, nothing else in slicelab
tests the platform itself, and the environment check tells the truth in both places.
"""
from __future__ import annotations

import ast
from pathlib import Path

import graphviz
import pytest

import slicelab
from slicelab import runtime, schema
from slicelab.errors import ManifestError
from slicelab.views import environment

SLICELAB = Path(slicelab.__file__).parent


def test_render_svg_draws_dot_text_as_an_inline_svg_element():
    svg = runtime.render_svg(graphviz.Digraph(body=["a -> b"]))
    assert svg.startswith("<svg") and "</svg>" in svg and "<?xml" not in svg


def test_ipython_shows_graphviz_objects_through_the_seam(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    drawn = []
    monkeypatch.setattr(runtime, "render_svg", lambda graph: drawn.append(graph.source) or "<svg>x</svg>")
    runtime.show_graphs_as_svg(shell)
    try:
        data, _ = shell.display_formatter.format(graphviz.Digraph(body=["a -> b"]))
        assert data["image/svg+xml"] == "<svg>x</svg>" and "a -> b" in drawn[0]
        data, _ = shell.display_formatter.format(graphviz.Source("digraph { c -> d }"))
        assert "c -> d" in drawn[1]
    finally:
        shell.display_formatter.mimebundle_formatter.pop(
            graphviz.jupyter_integration.JupyterIntegration, None)
        InteractiveShell.clear_instance()


def test_missing_schemas_are_one_clear_manifest_error(monkeypatch):
    monkeypatch.setattr(runtime, "schema_root", lambda: None)
    with pytest.raises(ManifestError, match="the official Kubernetes schemas are missing: pip install "
                                            "kubernetes-validate"):
        schema.schema_dir()


def test_only_the_seam_asks_where_slicelab_runs():
    """No other module imports pyodide/js, reads sys.platform or runs a process: one seam, not scattered checks."""
    offenders = []
    for path in SLICELAB.rglob("*.py"):
        if path.name == "runtime.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] in {"pyodide", "js", "subprocess", "threading", "multiprocessing"}
                   for n in names):
                offenders.append(f"{path.relative_to(SLICELAB)}: imports {names}")
            if isinstance(node, ast.Attribute) and node.attr == "platform" and \
                    isinstance(node.value, ast.Name) and node.value.id == "sys":
                offenders.append(f"{path.relative_to(SLICELAB)}: reads sys.platform")
            if isinstance(node, ast.Attribute) and node.attr == "pipe":
                offenders.append(f"{path.relative_to(SLICELAB)}: calls graphviz's pipe (runs dot)")
    assert offenders == []


def test_environment_check_reports_this_machine():
    report = environment.check_environment()
    assert report.ok, str(report)
    assert "CPython" in report.versions["Python"] and "runs in JupyterLab on this machine" in str(report)
    assert report.versions["Graphviz (draws the diagrams)"][0].isdigit()


def test_environment_check_in_a_browser_tab_says_why_no_server_packages(monkeypatch):
    # What the site's kernel sees: no jupyterlab or nbgrader, Graphviz from viz.js.
    monkeypatch.setattr(runtime, "IN_BROWSER", True)
    monkeypatch.setattr(runtime, "describe_python", lambda: "3.14.2 (Pyodide 314.0.6, WebAssembly)")
    monkeypatch.setattr(runtime, "graphviz_version", lambda: "16.1 (viz.js, WebAssembly)")
    real = environment.metadata.version

    def version(name):
        if name in ("jupyterlab", "nbgrader"):
            raise environment.metadata.PackageNotFoundError(name)
        return real(name)
    monkeypatch.setattr(environment.metadata, "version", version)
    versions = environment.collect_versions()
    assert versions["nbgrader"].startswith("not needed here") and versions["jupyterlab"].startswith("not needed")
    report = environment.EnvironmentReport(versions, place="JupyterLite in this browser tab")
    assert report.ok and "All set: the course runs in JupyterLite in this browser tab." in str(report)
    assert "✗" not in report._repr_html_()
    # something truly missing still says so, with what to do in a browser
    monkeypatch.setattr(runtime, "REPAIR", "reload the page")
    broken = environment.EnvironmentReport({**versions, "pygal": "missing"})
    assert not broken.ok and "Something is missing: reload the page." in str(broken)
    assert "✗ missing" in broken._repr_html_()


def test_a_browser_that_cannot_run_graphviz_gets_a_note_not_an_error(monkeypatch):
    # viz.js needs JavaScript Promise Integration to load; where it fails, the picture's place says why
    # and the lesson goes on (every diagram has its text alternative under it).
    def no_jspi():
        raise RuntimeError("WebAssembly stack switching not supported")
    monkeypatch.setattr(runtime, "IN_BROWSER", True)
    monkeypatch.setattr(runtime, "_viz", no_jspi)
    svg = runtime.render_svg(graphviz.Digraph(body=["a -> b"]))
    assert svg.startswith("<svg") and "cannot run Graphviz" in svg and "role='img'" in svg
