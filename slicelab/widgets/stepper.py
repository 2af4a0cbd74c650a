"""Stepper: one set of controls (Previous / Play / Next, a slider) over a Timeline; every view follows it.

Every view of every frame is rendered once, when the Stepper is built, into an HTML widget; each view is
a `widgets.Stack` of those frames whose `selected_index` is `jslink`ed to the slider (widgets.controls).
So:
- with a kernel, Previous/Next set the slider and a step change only flips stack indices (no drawing);
- without a kernel (an HTML export with its widget state saved), the slider and the Play control still
  step through the pre-rendered frames, because the links and the Play timer live in the browser.

Views: "status" (the `Step N of 12` line and the client's outcome), "flow", "kubectl", "process",
"tracker", "moments", "objects", "transcript". A lesson shows `stepper.controls` once and
`stepper.view("tracker")` in each later section: one Play, many views (a Play shown twice runs two
timers that fight).
"""
from __future__ import annotations

import html
from typing import Callable, Sequence

import ipywidgets as widgets
import traitlets

from slicelab.scenario import Timeline
from slicelab.views import diagrams, flow, timeline as tl
from slicelab.views.callouts import callout
from slicelab.views.tables import preformatted_html
from slicelab.widgets.controls import StepControls
from slicelab.widgets.selfcheck import SelfCheck

__all__ = ["Stepper", "VIEWS", "render_view", "quiz"]

VIEWS = ("status", "flow", "kubectl", "process", "tracker", "moments", "objects", "transcript")
# process and tracker tables carry their own caption
TITLES = {
    "status": "", "flow": "Process flow", "kubectl": "Execution sample", "process": "",
    "tracker": "", "moments": "Key moments", "objects": "Objects", "transcript": "Transcript",
}


_SCROLL = "style='overflow-x:auto;max-width:100%'"  # a wide drawing scrolls inside the page


def _pre(text: str) -> str:
    return preformatted_html(text)


def _alt(text: str) -> str:
    return f"<p class='slicelab-alt' style='font-size:0.85em;margin:0.2em 0;line-height:1.4'>{html.escape(text)}</p>"


def _status(t: Timeline, step: int) -> str:
    frame = t[step]
    what = frame.words.get("action") or "Start"
    client = f" — Client: {html.escape(frame.client.text())}" if frame.client is not None else ""
    return (f"<div class='slicelab-step' role='status'><b>Step {step} of {t.steps}</b> — "
            f"{html.escape(what)}{client}</div>")


def _kubectl(t: Timeline, step: int) -> str:
    frame = t[step]
    return "".join(_pre(f"$ kubectl {cmd}\n{frame.run_kubectl(cmd)}") for cmd in t.scenario.kubectl)


def _moments(t: Timeline, step: int) -> str:
    reached = tl.key_moments_reached(t, step)
    steps = ", ".join(str(k["step"]) for k in t.scenario.key_moments)
    if not reached:
        return _alt(f"No key moment yet. Key moments come at steps {steps}.")
    boxes = []
    for k in reached:
        new = " (new at this step)" if int(k["step"]) == step else ""
        boxes.append(callout("key-moment", f"Step {k['step']}{new}: {k['question']}", k["answer"])._repr_html_())
    return "".join(boxes)


def _flow(t: Timeline, step: int) -> str:
    stages, current = t.scenario.stages, t[step].stages
    return (f"<div class='slicelab-flow' {_SCROLL}>{flow.flow_svg(stages, current)}</div>"
            + _alt(flow.describe_flow(stages, current)))


def _objects(t: Timeline, step: int) -> str:
    sc = t.scenario
    svg = diagrams.object_graph_svg(t[step], sc.service, sc.namespace)
    return (f"<div class='slicelab-objects' {_SCROLL}>{svg}</div>"
            + _alt(diagrams.describe_object_graph(t[step], sc.service, sc.namespace)))


RENDERERS: dict[str, Callable[[Timeline, int], str]] = {
    "status": _status,
    "flow": _flow,
    "kubectl": _kubectl,
    "process": lambda t, s: tl.render_process_table_html(t, s),
    "tracker": lambda t, s: tl.render_tracker_html(t, s),
    "moments": _moments,
    "objects": _objects,
    "transcript": lambda t, s: _alt(tl.describe_step(t, s)),
}


def render_view(timeline: Timeline, view: str, step: int) -> str:
    """The HTML of one view at one step (what the Stepper pre-renders)."""
    if view not in RENDERERS:
        raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    return RENDERERS[view](timeline, step)


class Stepper(widgets.VBox):
    """Step through a Timeline: one set of controls (Previous, Play, Next, slider, `Step N of M`) and
    the chosen views, every view a Stack of pre-rendered frames that follows the controls."""

    step = traitlets.Int(0)  # the step shown; linked to the controls' position

    def __init__(self, timeline: Timeline, views: Sequence[str] = VIEWS, interval_ms: int = 1500) -> None:
        unknown = [v for v in views if v not in RENDERERS]
        if unknown:
            raise ValueError(f"unknown view {unknown[0]!r}; views: {', '.join(VIEWS)}")
        self.timeline = timeline
        last = timeline.steps
        self.controls = StepControls(last, [render_view(timeline, "status", s) for s in range(last + 1)],
                                     "Step", interval_ms)
        self.controls.add_class("slicelab-stepper-controls")
        self.slider, self.play = self.controls.slider, self.controls.play
        self.previous, self.next = self.controls.previous, self.controls.next
        self.links = self.controls.links
        self.panels: dict[str, widgets.Stack] = {"status": self.controls.status}
        for view in ("status", *views):
            if view not in self.panels:
                frames = [widgets.HTML(render_view(timeline, view, s)) for s in range(last + 1)]
                self.panels[view] = self.controls.follow(widgets.Stack(frames))
            self.panels[view].add_class(f"slicelab-view-{view}")
        self._where = self.controls.follow(widgets.Stack(
            [widgets.HTML(_where(timeline, s)) for s in range(last + 1)]))
        traitlets.link((self.controls, "value"), (self, "step"))
        self.views = tuple(v for v in views if v != "status")
        super().__init__([self.controls, *self._sections(self.views)])
        self.add_class("slicelab-stepper")

    # ------------------------------------------------------------------ stepping
    @traitlets.validate("step")
    def _clamp(self, proposal) -> int:
        return max(0, min(self.timeline.steps, int(proposal["value"])))

    def go(self, step: int) -> int:
        """Show `step` (clamped to 0..last) in every view; returns the step shown."""
        self.step = step
        return self.step

    # ------------------------------------------------------------------ showing
    def _sections(self, views: Sequence[str]) -> list[widgets.Widget]:
        out: list[widgets.Widget] = []
        for view in views:
            if TITLES.get(view):
                out.append(widgets.HTML(f"<h4 style='margin:0.6em 0 0.1em'>{TITLES[view]}</h4>"))
            out.append(self.panels[view])
        return out

    def view(self, *views: str) -> widgets.VBox:
        """Some of the views, following this Stepper's one set of controls (shown elsewhere): a line
        says which step they show. A lesson shows the controls once and a view in each section."""
        missing = [v for v in views if v not in self.panels or v == "status"]
        if missing:
            have = ", ".join(v for v in self.panels if v != "status")
            raise ValueError(f"view {missing[0]!r} is not in this Stepper; it has {have}")
        box = widgets.VBox([self._where, *self._sections(views)])
        box.add_class("slicelab-stepper-view")
        return box

    def html(self, view: str, step: int | None = None) -> str:
        """The pre-rendered HTML of a view at a step (default: the current step)."""
        return self.panels[view].children[self.step if step is None else step].value

    def text(self) -> str:
        """What the current step shows, as text (status line, process row, tracker, transcript)."""
        t, s = self.timeline, self.step
        lines = [f"Step {s} of {t.steps}", tl.render_tracker_text(t, s), tl.describe_step(t, s)]
        return "\n\n".join(lines)

    def __repr__(self) -> str:  # a headless run or a terminal shows text
        return self.text()


def _where(t: Timeline, step: int) -> str:
    """The line above a section's view: which step it shows (the controls carry the live status)."""
    what = t[step].words.get("action") or "Start"
    return (f"<div class='slicelab-where' style='font-size:0.9em'>Showing <b>step {step} of {t.steps}</b>"
            f" — {html.escape(what)} <span style='opacity:0.8'>(use the stepper controls above;"
            f" every view follows them)</span></div>")


def quiz(timeline: Timeline) -> widgets.VBox:
    """The scenario's quiz as SelfCheck widgets; an explanation quotes the step it asks about."""
    checks = []
    for item in timeline.scenario.quiz:
        step = item.get("explain_step")
        explanation = f"Step {step}: {timeline[int(step)].words['details']}." if step else ""
        checks.append(SelfCheck(item["question"], list(item["choices"]), answer=int(item["answer"]),
                                hint=item.get("hint", ""), explanation=explanation))
    return widgets.VBox(checks)
