"""Step controls shared by the Stepper and the EventStepper, and the little page style the widgets need.

One position, one source of truth: the slider's `value`. The Play widget and every view (a `Stack` of
pre-rendered frames) are `jslink`ed to it, so stepping also works in a page without a kernel (an HTML
export with its widget state saved). Display the controls once: a Play shown twice runs two timers.

Previous and Next need a kernel (a click is a message to Python). They are marked `kernel-only` and a
kernel-less page hides them, so it never shows a dead button. At the first or last step they are dimmed
but stay enabled, so keyboard focus does not fall to the top of the page when they stop applying.
"""
from __future__ import annotations

from typing import Sequence

import ipywidgets as widgets
import traitlets

__all__ = ["StepControls", "page_style", "export_note", "KERNEL_ONLY", "EXPORT_ONLY"]

KERNEL_ONLY = "slicelab-kernel-only"   # controls that do nothing without a kernel
EXPORT_ONLY = "slicelab-export-only"   # a note shown only where there is no kernel
AT_EDGE = "slicelab-at-edge"           # Previous at the first step, Next at the last

# The HTML export (nbconvert + @jupyter-widgets/html-manager) renders each widget inside a
# `.widget-subarea`; JupyterLab, Notebook 7 and Voila do not. An HTML widget's content may shrink below
# its drawing's width (min-width: 0), so a wide diagram or table scrolls inside the page, not off it.
_STYLE = f"""<style>
.widget-subarea .{KERNEL_ONLY} {{ display: none !important; }}
.{EXPORT_ONLY} {{ display: none !important; }}
.widget-subarea .{EXPORT_ONLY} {{ display: block !important; }}
.{AT_EDGE} {{ opacity: 0.55; }}
:is(.slicelab-stepper, .slicelab-stepper-view, .slicelab-event-stepper, .slicelab-playground)
  :is(.widget-html, .widget-html-content) {{ min-width: 0; }}
</style>"""

_page_style: widgets.HTML | None = None


def page_style() -> widgets.HTML:
    """One HTML widget holding the rules above (one model per kernel, shown inside every course widget)."""
    global _page_style
    if _page_style is None:
        _page_style = widgets.HTML(_STYLE, layout=widgets.Layout(height="0px", margin="0"))
        _page_style.add_class("slicelab-style")
    return _page_style


def export_note(text: str) -> widgets.HTML:
    """A line only a kernel-less page shows, e.g. where the controls would be."""
    note = widgets.HTML(f"<i>{text}</i>")
    note.add_class(EXPORT_ONLY)
    return note


class StepControls(widgets.VBox):
    """Previous / Play / Next, a slider and a status line over positions 0..last.

    `value` is the position (a trait: observe it, set it); `status` is a Stack with one pre-rendered
    line per position.
    """

    value = traitlets.Int(0)

    def __init__(self, last: int, status: Sequence[str], label: str = "Step", interval_ms: int = 1500) -> None:
        if len(status) != last + 1:
            raise ValueError(f"status: {len(status)} lines for positions 0..{last}")
        self.last, self.label = last, label
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description=label,
                                        continuous_update=True, layout=widgets.Layout(width="320px"))
        self.play = widgets.Play(value=0, min=0, max=last, interval=interval_ms, show_repeat=False,
                                 tooltip=f"Play every {label.lower()}")
        self.previous = widgets.Button(description="Previous", icon="step-backward",
                                       tooltip=f"Previous {label.lower()}", layout=widgets.Layout(width="auto"))
        self.next = widgets.Button(description="Next", icon="step-forward",
                                   tooltip=f"Next {label.lower()}", layout=widgets.Layout(width="auto"))
        for button in (self.previous, self.next):
            button.add_class(KERNEL_ONLY)
        self.status = widgets.Stack([widgets.HTML(line) for line in status], selected_index=0)
        self.status.add_class("slicelab-status")
        self.links = [widgets.jslink((self.play, "value"), (self.slider, "value")),
                      widgets.jslink((self.slider, "value"), (self.status, "selected_index"))]
        traitlets.link((self.slider, "value"), (self, "value"))
        self.slider.observe(self._on_value, names="value")
        self.previous.on_click(lambda _: self.go(self.value - 1))
        self.next.on_click(lambda _: self.go(self.value + 1))
        self._mark_edges()
        super().__init__([page_style(), widgets.HBox([self.previous, self.play, self.next, self.slider]),
                          self.status])
        self.add_class("slicelab-step-controls")

    @traitlets.validate("value")
    def _clamp(self, proposal) -> int:
        return max(0, min(self.last, int(proposal["value"])))

    def go(self, position: int) -> int:
        """Move to `position` (clamped to 0..last); returns the position shown."""
        self.value = position
        return self.value

    def follow(self, stack: widgets.Stack) -> widgets.Stack:
        """Make a Stack of frames (one per position) follow the controls, in the browser (a jslink, so
        without a kernel too) and in the kernel; returns it."""
        stack.selected_index = self.value
        self.links.append(widgets.jslink((self.slider, "value"), (stack, "selected_index")))
        self.observe(lambda change: setattr(stack, "selected_index", change["new"]), "value")
        return stack

    def _on_value(self, change) -> None:
        self.status.selected_index = change["new"]
        self._mark_edges()

    def _mark_edges(self) -> None:
        for button, edge, where in ((self.previous, 0, "first"), (self.next, self.last, "last")):
            if self.value == edge:
                button.add_class(AT_EDGE)
                button.tooltip = f"This is the {where} {self.label.lower()}"
            else:
                button.remove_class(AT_EDGE)
                button.tooltip = f"{'Previous' if where == 'first' else 'Next'} {self.label.lower()}"
