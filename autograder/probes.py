"""Read a test cell as data: which checks it makes, on which expression, against which literal.

The grader never runs a test cell. It parses it with ``ast`` (the answer protocol of
``autograder.answers``), sends only the *actual* expressions to the student's sandbox, and keeps the
expected literals to itself. A test cell that does anything else is refused at release time, because
a check the grader cannot read is a check it would have to trust the student's kernel with.
"""
from __future__ import annotations

import ast
from dataclasses import asdict, dataclass
from typing import Any

from autograder.answers import CHECKS, AnswerError, to_plain

ALLOWED_IMPORTS = set(CHECKS)
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"


class ProtocolError(ValueError):
    """A test cell that does not follow the answer protocol; the message names the line and why."""


@dataclass(frozen=True)
class Probe:
    """One check of a test cell: ``check_fn(name, <actual>, expected, hint=...)``."""

    check_fn: str
    name: str
    actual: str
    expected: Any
    hint: str
    hidden: bool

    def to_record(self) -> dict:
        return asdict(self)


def hidden_lines(source: str) -> set[int]:
    """Line numbers (1-based) between nbgrader's hidden-test markers."""
    hidden, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(HIDDEN_BEGIN):
            inside = True
        elif stripped.startswith(HIDDEN_END):
            inside = False
        elif inside:
            hidden.add(number)
    return hidden


def visible_source(source: str) -> str:
    """The test cell as released: hidden tests removed (what students and feedback may see)."""
    lines = source.splitlines()
    hidden = hidden_lines(source)
    kept = [line for number, line in enumerate(lines, start=1)
            if number not in hidden and line.strip() not in (HIDDEN_BEGIN, HIDDEN_END)]
    return "\n".join(kept)


def parse_test_cell(source: str) -> list[Probe]:
    """The checks of one test cell, in order; ``ProtocolError`` for anything outside the protocol."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise ProtocolError(f"line {err.lineno}: not valid Python ({err.msg})") from None
    hidden = hidden_lines(source)
    probes = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "autograder.answers":
            unknown = [alias.name for alias in node.names if alias.name not in ALLOWED_IMPORTS]
            if unknown:
                raise ProtocolError(f"line {node.lineno}: imports {', '.join(unknown)}; only {sorted(ALLOWED_IMPORTS)} may be imported")
            continue
        probes.append(_probe_of(node, source, node.lineno in hidden))
    if not probes:
        raise ProtocolError("no check: a test cell calls expect, expect_choice or expect_shape")
    return probes


def _probe_of(node: ast.stmt, source: str, hidden: bool) -> Probe:
    where = f"line {node.lineno}"
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id in CHECKS):
        raise ProtocolError(f"{where}: only calls of {', '.join(CHECKS)} may appear in a test cell")
    call = node.value
    check_fn = call.func.id
    if len(call.args) != 3 or any(isinstance(arg, ast.Starred) for arg in call.args):
        raise ProtocolError(f"{where}: {check_fn} takes three arguments (check name, answer, expected)")
    name = _literal(call.args[0], f"{where}: the check name")
    if type(name) is not str or not name:
        raise ProtocolError(f"{where}: the check name must be a non-empty string literal")
    expected = _literal(call.args[2], f"{where}: the expected value of {name!r}")
    hint = ""
    for keyword in call.keywords:
        if check_fn != "expect" or keyword.arg != "hint":
            raise ProtocolError(f"{where}: {check_fn} takes no keyword {keyword.arg!r}")
        hint = _literal(keyword.value, f"{where}: the hint of {name!r}")
        if type(hint) is not str:
            raise ProtocolError(f"{where}: the hint of {name!r} must be a string literal")
    _check_expected(check_fn, expected, f"{where}: the expected value of {name!r}")
    actual = ast.get_source_segment(source, call.args[1])
    return Probe(check_fn, name, actual, expected, hint, hidden)


def _check_expected(check_fn: str, expected: Any, what: str) -> None:
    if check_fn == "expect_choice":
        if not (type(expected) is str or (type(expected) is list and all(type(c) is str for c in expected))) or not expected:
            raise ProtocolError(f"{what} must be the choices as a string or a list of strings")
        return
    try:
        to_plain(expected)
    except AnswerError as err:
        raise ProtocolError(f"{what} is not plain data: {err}") from None


def _literal(node: ast.expr, what: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ProtocolError(f"{what} must be a Python literal (no names or calls)") from None
