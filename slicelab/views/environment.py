"""The environment check of the start-here notebook: which versions run, and whether graphviz draws."""
from __future__ import annotations

import html
import platform
import shutil
import subprocess
from importlib import metadata

PACKAGES = ("slicelab-course", "jupyterlab", "ipywidgets", "nbgrader", "graphviz", "matplotlib", "PyYAML")


def collect_versions() -> dict[str, str]:
    """Versions of Python, the course's packages and graphviz's `dot` ("missing" where absent)."""
    versions = {"Python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    versions["dot (graphviz)"] = _dot_version()
    return versions


def _dot_version() -> str:
    dot = shutil.which("dot")
    if dot is None:
        return "missing"
    done = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=10)
    words = (done.stderr or done.stdout).split()
    return words[words.index("version") + 1] if "version" in words else "unknown"


class EnvironmentReport:
    """Versions as a table: HTML in JupyterLab, plain text elsewhere (and as the text alternative)."""

    def __init__(self, versions: dict[str, str]):
        self.versions = versions

    @property
    def ok(self) -> bool:
        return "missing" not in self.versions.values()

    def __str__(self) -> str:
        width = max(map(len, self.versions))
        rows = [f"{name:<{width}}  {version}" for name, version in self.versions.items()]
        verdict = "All set." if self.ok else "Something is missing: run `make lab` again and read what it prints."
        return "\n".join(rows + ["", verdict])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{'✗ missing' if v == 'missing' else '✓ ' + html.escape(v)}</td></tr>"
            for k, v in self.versions.items())
        verdict = "All set." if self.ok else "Something is missing: run <code>make lab</code> again."
        return f"<table><tr><th>component</th><th>version</th></tr>{rows}</table><p>{verdict}</p>"


def check_environment() -> EnvironmentReport:
    """Collect the versions and say whether everything the course needs is there."""
    return EnvironmentReport(collect_versions())
