"""What a student wrote reaches an instructor's terminal, spreadsheet and browser inert."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from autograder.inert import csv_cell, printable, sanitize_markdown

RENDER_ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click]( JaVaScRiPt:alert(1))",
    "[click](javascript:1)",                         # Python's URL parser takes "1" for a port
    '<a href="jav&#x61;script:alert(1)">x</a>',      # a character reference inside the scheme
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<div>\n\n[x](javascript:alert(1))\n\n</div>",     # markdown inside a raw HTML block
    '<script>x</script> [y](javascript:alert(2))',   # escaping the tag turns the block back into markdown
    "<iframe src=https://evil></iframe>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    "![pixel](https://tracker.example/p.png)",
]


class ActiveParts(HTMLParser):
    """What a browser would act on in a page: active elements, event handlers, script links."""

    ACTIVE_TAGS = {"script", "iframe", "svg", "style", "img", "object", "embed", "form", "math", "link", "meta"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            target = "".join((value or "").split()).lower()
            if name.startswith("on") or target.startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"{tag} {name}={value}")

    @classmethod
    def of(cls, page: str) -> list[str]:
        parser = cls()
        parser.feed(page)
        return parser.found


@pytest.mark.parametrize("answer", RENDER_ATTACKS)
def test_a_markdown_answer_renders_to_nothing_that_runs(answer):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    assert ActiveParts.of(markdown2html_mistune(answer)) or "tracker" in answer or "javascript:1" in answer
    assert ActiveParts.of(markdown2html_mistune(sanitize_markdown(answer))) == []


def test_honest_markdown_is_kept_as_written():
    honest = "The Pods are **not Ready**:\n\n- `ready: false`\n- see [the docs](https://kubernetes.io/docs/)\n\n> a quote, 3 > 2"
    assert sanitize_markdown(honest) == honest
    assert sanitize_markdown("bell\x07 and escape\x1b[31m") == "bell and escape[31m"


def test_csv_cells_cannot_be_formulas():
    for cell in ("=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert not csv_cell(cell)[:1] in ("=", "+", "-", "@", "\t", "\r")
    assert csv_cell("ada") == "ada" and csv_cell(6) == "6"


def test_printable_escapes_what_a_terminal_would_act_on():
    assert printable("a\x1b[2Jb\x07\u202ec\udcff") == "a\\x1b[2Jb\\x07\\u202ec\\xff"
    assert printable("王芳 Zoë") == "王芳 Zoë" and printable("x" * 10, 5) == "xx..."
