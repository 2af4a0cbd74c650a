"""SelfCheck: one question with immediate feedback and a hint that points where to look.

A lesson asks after each idea, not all at the end. The widget says "Correct" or "Not yet" in words (with
✓/✗, never colour alone); the hint names a step, a column or a command and never states the answer.
`check(response)` is what the Check button calls, so tests drive it without a browser. `attempts` and
`solved` are traits: observe them to react to a learner's progress.

A short answer is compared after normalising what a person types — case, spaces, quotes, a final full
stop, a number word ("one"), a count's unit ("1 endpoint") and a port's protocol ("9090/TCP") — never
by guessing at near misses.
"""
from __future__ import annotations

import re
from typing import Any, Sequence

import ipywidgets as widgets
import traitlets

from slicelab.views.callouts import inline_markup
from slicelab.widgets.controls import KERNEL_ONLY, export_note, page_style

_NOT_GIVEN = object()
_NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_PORT = re.compile(r"^(\d+)\s*/\s*(?:tcp|udp|sctp)$")                 # 9090/TCP, as kubectl prints ports
_COUNT = re.compile(r"^([\d.,_]+)\s+[a-z][a-z-]*(?:\s+[a-z][a-z-]*)?$")  # 1 endpoint, 3 endpoint slices


def normalise(text: Any) -> str:
    """Fold a short answer to compare it: case, surrounding quotes/backticks, spaces, a final full stop."""
    folded = re.sub(r"\s+", " ", str(text).lower())
    return folded.strip("`'\". ")


def _as_number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").replace("_", ""))
    except ValueError:
        return None


def _number_in(text: str) -> float | None:
    """The number a normalised response states: '3', 'three', '1 endpoint', '9090/tcp'; else None."""
    first, _, rest = text.partition(" ")
    text = f"{_NUMBER_WORDS.get(first, first)} {rest}".strip()
    match = _PORT.match(text) or _COUNT.match(text)
    return _as_number(match.group(1) if match else text)


class SelfCheck(widgets.VBox):
    """A self-check question: choices (radio buttons) or a short-answer text box.

    `answer` is, for choices, the correct choice's text or its index; for a short answer, a string or a
    list of accepted spellings (compared after `normalise`; a number compares by value, so "100",
    "100.0" and "100 endpoints" all match "100").
    """

    attempts = traitlets.Int(0)    # checks of a non-empty response
    solved = traitlets.Bool(False)  # once right, stays solved

    def __init__(self, question: str, choices: Sequence[str] | None = None, answer: Any = _NOT_GIVEN,
                 hint: str = "", explanation: str = "") -> None:
        if answer is _NOT_GIVEN:
            raise ValueError(f"SelfCheck {question[:40]!r}: answer is required")
        self.question = question
        self.choices = list(choices) if choices is not None else None
        self.hint = hint
        self.explanation = explanation
        if self.choices is not None:
            if isinstance(answer, int) and not isinstance(answer, bool):
                if not 0 <= answer < len(self.choices):
                    raise ValueError(f"SelfCheck {question[:40]!r}: answer index {answer} is not a choice")
                answer = self.choices[answer]
            if answer not in self.choices:
                raise ValueError(f"SelfCheck {question[:40]!r}: answer {answer!r} is not one of the choices")
            self.accepted = [answer]
            labels = [(choice.replace("`", ""), choice) for choice in self.choices]  # plain-text labels
            self.input = widgets.RadioButtons(options=labels, value=None, description="Your answer",
                                              style={"description_width": "initial"},
                                              layout=widgets.Layout(width="auto"))
        else:
            spellings = answer if isinstance(answer, (list, tuple, set)) else [answer]
            self.accepted = [normalise(a) for a in spellings]
            if not any(self.accepted):
                raise ValueError(f"SelfCheck {question[:40]!r}: answer must not be empty")
            self.input = widgets.Text(placeholder="your answer", description="Your answer",
                                      style={"description_width": "initial"}, continuous_update=False)
        self.prompt = widgets.HTML(f"<b>Self-check.</b> {_escape(question)}")
        self.check_button = widgets.Button(description="Check", icon="check",
                                           tooltip="Check your answer")
        self.hint_button = widgets.Button(description="Hint", icon="question",
                                          tooltip="Show where to look", disabled=not hint)
        self.feedback = widgets.HTML("")
        self.feedback.add_class("slicelab-feedback")
        self.hint_box = widgets.HTML("")
        self.check_button.on_click(lambda _: self.check(self.input.value))
        self.hint_button.on_click(lambda _: self.show_hint())
        buttons = widgets.HBox([self.check_button, self.hint_button])
        buttons.add_class(KERNEL_ONLY)
        super().__init__([page_style(), self.prompt, self.input, buttons,
                          export_note("Run this notebook to check your answer and see the hint."),
                          self.feedback, self.hint_box])
        self.add_class("slicelab-selfcheck")

    def is_correct(self, response: Any) -> bool:
        """Whether `response` is an accepted answer (no side effects)."""
        if response is None:
            return False
        if self.choices is not None:
            return response in self.accepted
        given = normalise(response)
        if given in self.accepted:
            return True
        number = _number_in(given)
        return number is not None and any(_as_number(a) == number for a in self.accepted)

    def check(self, response: Any) -> bool:
        """Check a response, show the feedback, and return whether it is correct."""
        if response is None or (isinstance(response, str) and not response.strip()):
            self.feedback.value = _live("Pick or type an answer first, then press <b>Check</b>.")
            return False
        self.attempts += 1
        correct = self.is_correct(response)
        if correct:
            self.solved = True
            more = f" {_escape(self.explanation)}" if self.explanation else ""
            self.feedback.value = _live(f"<span style='color:#1d7a3a'>✓ <b>Correct.</b></span>{more}")
        else:
            nudge = " Press <b>Hint</b> to see where to look." if self.hint else " Look again and retry."
            self.feedback.value = _live(f"<span style='color:#a3001b'>✗ <b>Not yet.</b></span>{nudge}")
        return correct

    def show_hint(self) -> str:
        """Reveal the hint (where to look, never the answer) and return its text."""
        if self.hint:
            self.hint_box.value = f"<i>Hint:</i> {_escape(self.hint)}"
        return self.hint

    def __repr__(self) -> str:  # the text a headless run or a terminal shows
        lines = [f"Self-check: {self.question}"]
        lines += [f"  ( ) {c}" for c in self.choices or []]
        return "\n".join(lines)


def _live(text: str) -> str:
    return f"<div role='status'>{text}</div>"


def _escape(text: str) -> str:
    """Escape HTML; `code` and *emphasis* as the callouts show them."""
    return inline_markup(text)
