"""Where slicelab runs: a CPython process, or a browser tab (Pyodide, in the site `make site` builds).

This is the one module that knows the difference; the rest of slicelab is the same code in both places
and asks here instead of testing the platform itself. In a browser there are no processes and no
threads, so there is no `dot` program: Graphviz compiled to WebAssembly (viz.js, which the site serves)
draws the same DOT text. The official Kubernetes schemas come with the kubernetes-validate package on
CPython (22 MB); the site's slicelab wheel carries the few files slicelab reads instead. JupyterLab and
nbgrader live where there is a server: in a browser the page itself is the app (JupyterLite) and
grading stays on the instructor's machine.
"""
from __future__ import annotations

import functools
import html
import importlib.util
import json
import platform
import sys
from pathlib import Path
from typing import Any

IN_BROWSER = sys.platform == "emscripten"
PLACE = "JupyterLite in this browser tab" if IN_BROWSER else "JupyterLab on this machine"
# What a learner does when something the course needs is missing.
REPAIR = ("reload the page; if that does not help, tell whoever gave you the link" if IN_BROWSER
          else "run `make lab` again and read what it prints")
# Where the site serves viz.js, relative to the site's root (site/build.py puts it there).
VIZ_JS = "static/viz-js/viz.js"
# Packages only a server has, and why a browser tab does not need them.
SERVER_ONLY = {"jupyterlab": "not needed here: JupyterLite is the page itself",
               "nbgrader": "not needed here: your instructor grades on their machine"}

__all__ = ["IN_BROWSER", "PLACE", "REPAIR", "absent_by_design", "describe_python", "graphviz_version", "render_svg",
           "schema_root", "show_graphs_as_svg"]


def describe_python() -> str:
    """The Python that runs the lessons, in words: version and where it runs."""
    if IN_BROWSER:
        import pyodide  # only importable inside Pyodide
        return f"{platform.python_version()} (Pyodide {pyodide.__version__}: WebAssembly, in this browser tab)"
    return f"{platform.python_version()} ({platform.python_implementation()})"


def absent_by_design(package: str) -> str | None:
    """Why `package` is not installed here on purpose, or None when it should be."""
    return SERVER_ONLY.get(package) if IN_BROWSER else None


def graphviz_version() -> str:
    """The Graphviz that draws the diagrams: `dot`'s version, viz.js's in a browser, or "missing"."""
    if IN_BROWSER:
        try:
            return f"{_viz().graphvizVersion} (viz.js, WebAssembly)"
        except Exception as exc:  # a browser without JavaScript Promise Integration cannot load it
            return f"missing ({exc.__class__.__name__}: viz.js did not load)"
    import graphviz
    try:
        return ".".join(map(str, graphviz.version()))
    except (graphviz.ExecutableNotFound, RuntimeError):
        return "missing"


def render_svg(graph: Any) -> str:
    """A graphviz graph (Digraph, Graph or Source) drawn as an inline <svg> element, without the XML prolog."""
    if IN_BROWSER:
        try:
            viz = _viz()
        except Exception as exc:  # no JavaScript Promise Integration: say so where the picture would be
            return _no_drawing(exc)
        from pyodide.ffi import to_js
        import js
        svg = viz.renderString(graph.source, to_js({"format": "svg"}, dict_converter=js.Object.fromEntries))
    else:
        svg = graph.pipe(format="svg", encoding="utf-8")
    return svg[svg.index("<svg"):]


def _no_drawing(exc: Exception) -> str:
    note = ("This browser cannot run Graphviz (it needs WebAssembly with JavaScript Promise Integration, "
            "as in Chromium): the text under the picture says what it shows.")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' role='img' width='640' height='40' "
            f"aria-label='{html.escape(note, quote=True)}'><text x='4' y='24' font-size='12'>"
            f"{html.escape(note)}</text><!-- {html.escape(type(exc).__name__)} --></svg>")


@functools.lru_cache(maxsize=1)
def _viz() -> Any:
    """viz.js's Graphviz instance, loaded once from the site that serves this kernel.

    Loading is asynchronous (WebAssembly compiles); `run_sync` waits for it, which needs JavaScript
    Promise Integration (Chromium has it). Drawing afterwards is synchronous, so a widget's callback can
    draw even where it could not wait.
    """
    from pyodide.code import run_js
    from pyodide.ffi import run_sync
    url = json.dumps(_site_root() + VIZ_JS)
    return run_sync(run_js(f"import({url}).then(viz => viz.instance())"))


def _site_root() -> str:
    """The site's root URL, derived from where this kernel's worker script was served.

    JupyterLite serves the Pyodide kernel's worker from `<root>/extensions/...`; deriving the root from
    that location keeps the site working under any sub-path (a course page, GitHub Pages)."""
    import js
    here = str(js.location.href)
    marker = "/extensions/"
    if marker not in here:
        raise RuntimeError(f"cannot find the site's root from the kernel's location {here}")
    return here[:here.index(marker) + 1]


def schema_root() -> Path | None:
    """The folder holding the official Kubernetes JSON schemas (versions in sub-folders), or None."""
    if IN_BROWSER:
        here = Path(__file__).parent / "kubernetes-json-schema"
        return here if here.is_dir() else None
    spec = importlib.util.find_spec("kubernetes_validate")  # found, not imported: that takes seconds
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "kubernetes-json-schema"


def show_graphs_as_svg(shell: Any) -> None:
    """Make IPython display graphviz objects through `render_svg` (graphviz's own display runs `dot`)."""
    from graphviz.jupyter_integration import JupyterIntegration
    shell.display_formatter.mimebundle_formatter.for_type(
        JupyterIntegration, lambda graph: {"image/svg+xml": render_svg(graph)})


if IN_BROWSER:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the site always ships IPython
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        show_graphs_as_svg(get_ipython())
