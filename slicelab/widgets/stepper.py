"""Stepper: Previous / Play / Next and a slider over a Timeline; every view moves together.

Every view of every frame is rendered once, when the Stepper is built, into an HTML widget; each view is
a `widgets.Stack` of those frames whose `selected_index` is `jslink`ed to the slider. So:
- with a kernel, Previous/Next set the slider and a step change only flips stack indices (no drawing);
- without a kernel (an HTML export with its widget state saved), the slider and the Play control still
  step through the pre-rendered frames, because the links and the Play timer live in the browser.

Views: "status" (the `Step N of 12` line and the client's outcome), "flow", "kubectl", "process",
"tracker", "moments", "objects", "transcript". `show(*views)` gives the controls with some views, so a
lesson can put each view in its own section and still step them all from any section.
"""
from __future__ import annotations

import html
from typing import Callable, Sequence

import ipywidgets as widgets

from slicelab.scenario import Timeline
from slicelab.views import diagrams, flow, timeline as tl
from slicelab.views.callouts import callout
from slicelab.widgets.selfcheck import SelfCheck

__all__ = ["Stepper", "VIEWS", "render_view", "quiz"]

VIEWS = ("status", "flow", "kubectl", "process", "tracker", "moments", "objects", "transcript")
# process and tracker tables carry their own caption
TITLES = {
    "status": "", "flow": "Process flow", "kubectl": "Execution sample", "process": "",
    "tracker": "", "moments": "Key moments", "objects": "Objects", "transcript": "Transcript",
}


def _pre(text: str) -> str:
    return (f"<pre style='margin:0.2em 0;font-size:0.85em;line-height:1.3;"
            f"font-family:var(--jp-code-font-family, monospace)'>"
            f"{html.escape(text)}</pre>")


def _alt(text: str) -> str:
    return f"<p class='slicelab-alt' style='font-size:0.85em;margin:0.2em 0'>{html.escape(text)}</p>"


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
    return (f"<div class='slicelab-flow'>{flow.flow_svg(stages, current)}</div>"
            + _alt(flow.describe_flow(stages, current)))


def _objects(t: Timeline, step: int) -> str:
    sc = t.scenario
    return (f"<div class='slicelab-objects'>{diagrams.object_graph_svg(t[step], sc.service, sc.namespace)}</div>"
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
    """Step through a Timeline: buttons, Play, slider, `Step N of M`, and the chosen views."""

    def __init__(self, timeline: Timeline, views: Sequence[str] = VIEWS, interval_ms: int = 1500) -> None:
        unknown = [v for v in views if v not in RENDERERS]
        if unknown:
            raise ValueError(f"unknown view {unknown[0]!r}; views: {', '.join(VIEWS)}")
        self.timeline = timeline
        last = timeline.steps
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="Step", readout=True,
                                        continuous_update=True, layout=widgets.Layout(width="320px"))
        self.play = widgets.Play(value=0, min=0, max=last, interval=interval_ms, description="Play",
                                 show_repeat=False)
        self.previous = widgets.Button(description="Previous", icon="step-backward", tooltip="Previous step",
                                       layout=widgets.Layout(width="auto"))
        self.next = widgets.Button(description="Next", icon="step-forward", tooltip="Next step",
                                   layout=widgets.Layout(width="auto"))
        self.previous.on_click(lambda _: self.go(self.step - 1))
        self.next.on_click(lambda _: self.go(self.step + 1))
        self.links = [widgets.jslink((self.play, "value"), (self.slider, "value"))]
        self.panels: dict[str, widgets.Stack] = {}
        for view in ("status", *views):
            if view in self.panels:
                continue
            frames = [widgets.HTML(render_view(timeline, view, s)) for s in range(last + 1)]
            stack = widgets.Stack(frames, selected_index=0)
            stack.add_class(f"slicelab-view-{view}")
            self.links.append(widgets.jslink((self.slider, "value"), (stack, "selected_index")))
            self.panels[view] = stack
        self.views = tuple(v for v in views if v != "status")
        self.controls = widgets.VBox([widgets.HBox([self.previous, self.play, self.next, self.slider]),
                                      self.panels["status"]])
        self.controls.add_class("slicelab-stepper-controls")
        self.slider.observe(self._on_step, names="value")
        self._update_buttons()
        super().__init__([self.controls, *self._sections(self.views)])
        self.add_class("slicelab-stepper")

    # ------------------------------------------------------------------ stepping
    @property
    def step(self) -> int:
        return self.slider.value

    def go(self, step: int) -> int:
        """Show `step` (clamped to 0..last) in every view; returns the step shown."""
        self.slider.value = max(0, min(self.timeline.steps, int(step)))
        return self.slider.value

    def _on_step(self, change) -> None:
        # jslink keeps the browser in step; this keeps the kernel's models in step (tests, exports).
        for stack in self.panels.values():
            stack.selected_index = change["new"]
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.previous.disabled = self.step <= 0
        self.next.disabled = self.step >= self.timeline.steps

    # ------------------------------------------------------------------ showing
    def _sections(self, views: Sequence[str]) -> list[widgets.Widget]:
        out: list[widgets.Widget] = []
        for view in views:
            if TITLES.get(view):
                out.append(widgets.HTML(f"<h4 style='margin:0.6em 0 0.1em'>{TITLES[view]}</h4>"))
            out.append(self.panels[view])
        return out

    def show(self, *views: str) -> widgets.VBox:
        """The controls with some of the views; any copy of the controls steps every view."""
        missing = [v for v in views if v not in self.panels]
        if missing:
            raise ValueError(f"view {missing[0]!r} is not in this Stepper; it has {', '.join(self.panels)}")
        box = widgets.VBox([self.controls, *self._sections(views)])
        box.add_class("slicelab-stepper")
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


def quiz(timeline: Timeline) -> widgets.VBox:
    """The scenario's quiz as SelfCheck widgets; an explanation quotes the step it asks about."""
    checks = []
    for item in timeline.scenario.quiz:
        step = item.get("explain_step")
        explanation = f"Step {step}: {timeline[int(step)].words['details']}." if step else ""
        checks.append(SelfCheck(item["question"], list(item["choices"]), answer=int(item["answer"]),
                                hint=item.get("hint", ""), explanation=explanation))
    return widgets.VBox(checks)
