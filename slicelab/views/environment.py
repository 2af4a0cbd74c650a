"""The environment check of the start-here notebook: where the course runs, which versions, whether graphviz draws.

It reports what it finds wherever it runs: in JupyterLab on a machine, or in a browser tab (the site
`make site` builds), where no JupyterLab or nbgrader is needed and Graphviz is WebAssembly. What differs
between the two places comes from `slicelab.runtime`.
"""
from __future__ import annotations

import html
import re
from importlib import metadata

from slicelab import runtime

PACKAGES = ("slicelab-course", "jupyterlab", "ipywidgets", "nbgrader", "graphviz", "pygal", "PyYAML")
MISSING = "missing"
CODE = re.compile(r"`([^`]*)`")


def collect_versions() -> dict[str, str]:
    """Versions of Python, the course's packages and Graphviz; "missing" where something needed is absent,
    the reason where a package is absent on purpose (a browser tab has no server)."""
    versions = {"Python": runtime.describe_python()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = runtime.absent_by_design(name) or MISSING
    versions["Graphviz (draws the diagrams)"] = runtime.graphviz_version()
    return versions


def _missing(version: str) -> bool:
    return version.startswith(MISSING)


class EnvironmentReport:
    """Versions as a table: HTML in JupyterLab, plain text elsewhere (and as the text alternative)."""

    def __init__(self, versions: dict[str, str], place: str = runtime.PLACE):
        self.versions = versions
        self.place = place

    @property
    def ok(self) -> bool:
        return not any(map(_missing, self.versions.values()))

    @property
    def verdict(self) -> str:
        if self.ok:
            return f"All set: the course runs in {self.place}."
        return f"Something is missing: {runtime.REPAIR}."

    def __str__(self) -> str:
        width = max(map(len, self.versions))
        rows = [f"{name:<{width}}  {version}" for name, version in self.versions.items()]
        return "\n".join(rows + ["", self.verdict])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{'✗ ' if _missing(v) else '✓ '}{html.escape(v)}</td></tr>"
            for k, v in self.versions.items())
        verdict = CODE.sub(r"<code>\1</code>", html.escape(self.verdict))
        return f"<table><tr><th>component</th><th>version</th></tr>{rows}</table><p>{verdict}</p>"


def check_environment() -> EnvironmentReport:
    """Collect the versions and say whether everything the course needs is there."""
    return EnvironmentReport(collect_versions())
