"""Make what a student wrote inert before an instructor opens it: in a terminal, a spreadsheet, a browser.

A student controls their file names, folder names, LMS display name, answers and error messages.
Any of those can reach the instructor's terminal (escape sequences), ``grades.csv`` (a formula that
a spreadsheet runs: OWASP's CSV injection) or nbgrader's Formgrader (HTML in a markdown answer,
rendered live in the instructor's Jupyter origin). Every such boundary goes through this module.
"""
from __future__ import annotations

import html
import unicodedata

# OWASP, "CSV Injection": a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def printable(text: object, limit: int | None = None) -> str:
    """``text`` with every control, format (e.g. bidi override) and undecodable character written as an
    escape (``\\x1b``, ``\\u202e``), so nothing a student typed acts on a terminal or a file; cut to
    ``limit`` characters."""
    text = str(text)
    if text.isprintable() and "\\" not in text:
        shown = text
    else:
        shown = "".join(_escape(char) for char in text)
    if limit is not None and len(shown) > limit:
        shown = shown[: max(limit - 3, 0)] + "..."
    return shown


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char == " " or char.isprintable():
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character that ``printable`` would escape (other than a backslash)."""
    return any(not (char == " " or char.isprintable()) for char in text)


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: control characters escaped, a leading formula character
    neutralised with a quote (OWASP), numbers left as numbers."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = printable(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# What rendered markdown may hold: text formatting, lists, tables, code and links over http(s). No
# images: a remote image would tell its server who opened the answer, and when.
MARKDOWN_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5",
                 "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table",
                 "tbody", "td", "th", "thead", "tr", "ul"}
MARKDOWN_ATTRIBUTES = {"a": ["href", "title"], "th": ["align"], "td": ["align"], "abbr": ["title"]}
SAFE_PROTOCOLS = {"http", "https", "mailto"}


def sanitize_markdown(text: str) -> str:
    """A markdown answer that nbgrader's Formgrader can render without running anything.

    The answer is rendered with the renderer the Formgrader uses (nbconvert's) and the HTML cleaned
    with bleach (no script, no event handlers, no javascript: links — which markdown's own link syntax
    produces, so an HTML cleaner on the raw text would miss them). An answer that renders clean is kept
    as written. Otherwise the cleaned HTML replaces it, and is checked again the same way, since
    markdown reads cleaned text differently (escaping a tag can turn a raw HTML block back into
    markdown); if that does not settle, the answer is shown as a code block. Control characters go.
    """
    text = "".join(char for char in text if char in "\n\t" or not unicodedata.category(char).startswith("C")
                   or unicodedata.category(char) == "Co")
    current = text
    for _ in range(4):
        rendered = _render_markdown(current)
        clean = _clean_html(rendered)
        if clean == rendered:
            return current
        current = clean
    fence = "`" * max(3, max((len(run) for run in _backtick_runs(text)), default=0) + 1)
    return f"{fence}text\n{text}\n{fence}"


def _render_markdown(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return markdown2html_mistune(text)


def _clean_html(rendered: str) -> str:
    import bleach
    return bleach.clean(rendered, tags=MARKDOWN_TAGS, attributes=_allowed_attribute, protocols=SAFE_PROTOCOLS,
                        strip=False, strip_comments=True)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    """bleach's list, and a link only to http(s), mailto or within the page: bleach reads ``javascript:1``
    as a relative path (Python's URL parser takes ``1`` for a port) where a browser runs it."""
    if name not in MARKDOWN_ATTRIBUTES.get(tag, ()):
        return False
    if name != "href":
        return True
    decoded = html.unescape(value)  # bleach hands the value over with its character references undecoded
    target = "".join(char for char in decoded if not (char.isspace() or unicodedata.category(char).startswith("C")))
    scheme, colon, _ = target.partition(":")
    return not colon or "/" in scheme or "?" in scheme or "#" in scheme or scheme.lower() in SAFE_PROTOCOLS


def _backtick_runs(text: str) -> list[str]:
    runs, current = [], ""
    for char in text:
        if char == "`":
            current += char
        elif current:
            runs.append(current)
            current = ""
    return runs + ([current] if current else [])
