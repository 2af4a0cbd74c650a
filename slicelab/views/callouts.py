"""Callouts: one look for *Key moment*, *Reality check*, *Try it* and *Hint* boxes in every lesson.

Each box shows its word as well as its colour (colour is never the only signal) and carries a plain
text form, so it reads the same in a terminal, in `nbconvert --to markdown` and in a screen reader.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

# kind -> (word shown, symbol, border colour, background colour)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "key-moment": ("Key moment", "★", "#1f5fbf", "#eef4ff"),
    "reality-check": ("Reality check", "⚠", "#a35200", "#fff4e5"),
    "try-it": ("Try it", "▶", "#1d7a3a", "#edf8f0"),
    "hint": ("Hint", "?", "#6b4fa0", "#f4f0fa"),
}


@dataclass(frozen=True)
class Callout:
    """A titled box; `_repr_html_` for notebooks, `str()` for text."""

    kind: str
    title: str
    body: str

    @property
    def word(self) -> str:
        return KINDS[self.kind][0]

    def text(self) -> str:
        """The plain-text form: the word, the title, then the body, indented."""
        symbol = KINDS[self.kind][1]
        lines = [f"[{symbol} {self.word}] {self.title}".rstrip()]
        lines += ["    " + line if line else "" for line in self.body.splitlines()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's text fallback
        printer.text(self.text())

    def _repr_html_(self) -> str:
        word, symbol, border, background = KINDS[self.kind]
        body = "".join(f"<p style='margin:0.3em 0'>{inline_markup(p)}</p>"
                       for p in self.body.split("\n\n") if p.strip())
        return (
            f"<div class='slicelab-callout slicelab-callout-{self.kind}' role='note' "
            f"aria-label='{html.escape(word)}: {html.escape(self.title)}' "
            f"style='border-left:6px solid {border};background:{background};color:#1a1a1a;"
            f"padding:0.5em 0.9em;margin:0.6em 0;border-radius:4px'>"
            f"<div style='font-weight:bold'><span aria-hidden='true'>{symbol} </span>"
            f"<span class='slicelab-callout-word' style='text-transform:uppercase;"
            f"letter-spacing:0.05em'>{html.escape(word)}</span>"
            f"{' — ' + inline_markup(self.title) if self.title else ''}</div>{body}</div>"
        )


def inline_markup(text: str) -> str:
    """Escape HTML, then show `code` as <code> and *words* as <em> — the little Markdown lessons use."""
    escaped = html.escape(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])", r"<em>\1</em>", escaped)


def callout(kind: str, title: str, body: str) -> Callout:
    """A callout box of one of the four kinds: key-moment, reality-check, try-it, hint.

    Paragraphs in `body` are separated by a blank line. An unknown kind is a ValueError naming the kinds.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown callout kind {kind!r}: use one of {', '.join(KINDS)}")
    return Callout(kind, str(title), str(body))
