"""How an assignment's test cells say what a right answer is, so that two judges read them alike.

An autograded test cell in ``course/source/<assignment>/*.ipynb`` holds only calls of the functions
below, with *literal* expected values (hidden ones between nbgrader's ``### BEGIN/END HIDDEN TESTS``)::

    expect_choice("q9", q9, "ABCD")                    # form only: visible, safe to self-check
    ### BEGIN HIDDEN TESTS
    expect("q9", q9, "C")
    expect("two ready pods", endpoints_for(SVC, PODS), [{"ip": "10.0.0.1", "ready": True}])
    ### END HIDDEN TESTS

Two judges run these cells:

* plain nbgrader runs them in the student's kernel, where a failed check raises ``AssertionError``;
* the grading kit never lets the student's kernel judge: it evaluates only the *actual* expressions
  there, receives their values as plain data (``to_plain``), and compares them with the expected
  literals in its own process, which the kernel never sees.

Both use ``to_plain`` and ``same`` below, so an honest submission scores the same under either judge.
Plain data means exactly: None, bool, int, finite float, str, and lists, tuples, sets and dicts (str
keys) of plain data — of those exact types, never subclasses, so an object that claims to equal
everything is not an answer.
"""
from __future__ import annotations

import math
from typing import Any

SET_TAG = "__set__"


class AnswerError(ValueError):
    """An answer that is not plain data (e.g. a custom object), with the reason in words."""


def to_plain(value: Any, _where: str = "answer") -> Any:
    """Return ``value`` as JSON-safe plain data; sets become ``{"__set__": [sorted items]}``."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        if not math.isfinite(value):
            raise AnswerError(f"{_where} is {value!r}; a finite number is expected")
        return value
    if kind in (list, tuple):
        return [to_plain(item, f"{_where}[{i}]") for i, item in enumerate(value)]
    if kind in (set, frozenset):
        items = [to_plain(item, f"{_where} item") for item in value]
        return {SET_TAG: sorted(items, key=_sort_key)}
    if kind is dict:
        plain = {}
        for key, item in value.items():
            if type(key) is not str:
                raise AnswerError(f"{_where} has a key of type {type(key).__name__}; keys must be str")
            plain[key] = to_plain(item, f"{_where}[{key!r}]")
        return plain
    raise AnswerError(f"{_where} is of type {kind.__name__}; plain data (str, int, bool, list, dict, ...) is expected")


def _sort_key(item: Any) -> tuple[str, str]:
    return (type(item).__name__, repr(item))


def same(actual: Any, expected: Any) -> bool:
    """Equality of plain data that also tells ``True`` from ``1`` and ``1`` from ``1.0``."""
    if type(actual) is not type(expected):
        return False
    if type(actual) is list:
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected))
    if type(actual) is dict:
        return actual.keys() == expected.keys() and all(same(actual[k], expected[k]) for k in actual)
    return actual == expected


def fits(actual: Any, example: Any) -> bool:
    """Whether plain ``actual`` has the form of plain ``example``: the same types all the way down, dict
    keys included. Emptiness is a value, not a form: an empty list, set or dict fits any of its type
    (and an empty example admits any), and each item must fit one of the example's items."""
    if type(actual) is not type(example):
        return False
    if type(actual) is list:
        return _items_fit(actual, example)
    if type(actual) is dict:
        if not actual or not example:
            return True
        if SET_TAG in actual or SET_TAG in example:
            return set(actual) == set(example) == {SET_TAG} and _items_fit(actual[SET_TAG], example[SET_TAG])
        return set(actual) == set(example) and all(fits(actual[key], example[key]) for key in actual)
    return True


def _items_fit(items: list, examples: list) -> bool:
    return not items or not examples or all(any(fits(item, one) for one in examples) for item in items)


def judge(check: str, actual_plain: Any, expected: Any, hint: str = "") -> str | None:
    """Compare an answer (already plain) with the expected value; None when right, else feedback.

    The feedback names the check and the learner's own answer, never the expected value.
    """
    if same(actual_plain, to_plain(expected, "expected value")):
        return None
    message = f"{check}: not yet right (your answer: {_show(actual_plain)})."
    return f"{message} Hint: {hint}" if hint else message


def judge_choice(check: str, actual_plain: Any, choices: str | list[str]) -> str | None:
    """Form check for a multiple-choice answer: one of the choices, as a string."""
    options = list(choices)
    if type(actual_plain) is str and actual_plain in options:
        return None
    return f"{check}: answer with one of {', '.join(options)} as a string, e.g. {options[0]!r} (your answer: {_show(actual_plain)})."


def judge_shape(check: str, actual_plain: Any, example: Any) -> str | None:
    """Form check: the answer has the shape of ``example`` (same types), whatever its values."""
    example_plain = to_plain(example, "example")
    if fits(actual_plain, example_plain):
        return None
    return f"{check}: expected an answer shaped like {_show(example_plain)} (your answer: {_show(actual_plain)})."


def _show(plain: Any, limit: int = 120) -> str:
    text = repr(plain)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain_or_fail(check: str, actual: Any) -> Any:
    try:
        return to_plain(actual)
    except AnswerError as err:
        raise AssertionError(f"{check}: {err}") from None


def _fail_if(message: str | None) -> None:
    if message is not None:
        raise AssertionError(message)


def expect(check: str, actual: Any, expected: Any, *, hint: str = "") -> None:
    """A graded check: ``actual`` (an answer or a call of the learner's code) must equal ``expected``."""
    _fail_if(judge(check, _plain_or_fail(check, actual), expected, hint))


def expect_choice(check: str, actual: Any, choices: str | list[str]) -> None:
    """A form check for multiple choice: reveals nothing but the allowed letters."""
    _fail_if(judge_choice(check, _plain_or_fail(check, actual), choices))


def expect_shape(check: str, actual: Any, example: Any) -> None:
    """A form check: the answer's types match ``example``'s; the values are not looked at."""
    _fail_if(judge_shape(check, _plain_or_fail(check, actual), example))


CHECKS = {"expect": judge, "expect_choice": judge_choice, "expect_shape": judge_shape}
"""The check functions a test cell may call, by name, and their judges in the grader's process."""
