"""Playground widgets: controls wired to a playground model (slicelab.playground.Lab), and an EventStepper.

The model lives in the library, so a notebook cell, a test or a terminal drive the same methods the
buttons call; the widget only lays out controls, calls the Lab, and shows the last event: its line (a
status that stays in place), the packing diagram, the writes, what the client saw and kubectl's output.
Buttons are kernel round trips: a page without a kernel (an HTML export) hides them and says so.
"""
from __future__ import annotations

import html
from typing import Any, Callable

import ipywidgets as widgets

from slicelab.playground import (TRAFFIC_DISTRIBUTIONS, Event, Lab, count_writes, parse_target_port,
                                 selector_text, service_selector)
from slicelab.views.diagrams import proxy_figure
from slicelab.views.events import event_table, render_client, render_writes
from slicelab.views.tables import preformatted_html
from slicelab.widgets.controls import KERNEL_ONLY, StepControls, export_note, page_style

# The model's names, re-exported for lessons written before the model moved to slicelab.playground.
__all__ = ["Playground", "EventStepper", "Lab", "Event", "event_table", "count_writes", "render_writes",
           "parse_target_port", "service_selector"]

NO_TRAFFIC_DISTRIBUTION = "none (every endpoint)"


class Playground(widgets.VBox):
    """Controls for every Lab event, then the event line, the packing diagram, the writes, the client
    (when the Lab watches one) and kubectl output."""

    def __init__(self, cluster=None, service: str = "web", **options: Any) -> None:
        self.lab = lab = Lab(cluster, service, **options)
        self.pod = widgets.Dropdown(description="Pod", options=lab.namespace_pod_names(),
                                    layout={"width": "14em"})
        self.add_button = _button("Add Pod", "plus")
        self.new_labels = widgets.Text(value=selector_text(lab.labels), description="labels",
                                       tooltip="labels of the next Pod, key=value,key=value",
                                       layout={"width": "16em"})
        self.remove_button = _button("Remove Pod", "minus")
        self.ready_button = _button("Flip readiness", "heartbeat")
        self.terminate_button = _button("Start termination", "power-off")
        self.finish_button = _button("Finish termination", "trash")
        self.replicas = widgets.BoundedIntText(value=len(lab.pod_names()), min=0, max=1000,
                                               description="Replicas", layout={"width": "11em"})
        self.scale_button = _button("Scale")
        self.selector = widgets.Text(value=_selector_value(lab.selector), description="Selector",
                                     placeholder="empty: no selector", layout={"width": "20em"})
        self.selector_button = _button("Set selector")
        self.target_port = widgets.Text(value=str(lab.target_port), description="targetPort",
                                        layout={"width": "14em"})
        self.target_button = _button("Set targetPort")
        self.max_per_slice = widgets.BoundedIntText(value=lab.max_endpoints_per_slice, min=1, max=1000,
                                                    description="max/slice", layout={"width": "11em"})
        self.max_button = _button("Set max")
        self.dual_stack = widgets.Checkbox(value=lab.dual_stack, description="dual-stack (IPv4 + IPv6)")
        self.traffic = widgets.Dropdown(description="trafficDistribution", style={"description_width": "initial"},
                                        options=[NO_TRAFFIC_DISTRIBUTION, *TRAFFIC_DISTRIBUTIONS],
                                        value=lab.traffic_distribution or NO_TRAFFIC_DISTRIBUTION)
        self.status = widgets.HTML()
        self.status.add_class("slicelab-event-line")
        self.diagram = widgets.HTML()
        self.writes = widgets.HTML()
        self.client = widgets.HTML()
        self.kubectl = widgets.HTML()
        self.proxies = widgets.HTML()  # with zones: which endpoints each node's kube-proxy uses
        actions: dict[widgets.Button, Callable[[], Event]] = {
            self.add_button: lambda: lab.add_pods(1, labels=self._new_pod_labels()),
            self.remove_button: lambda: lab.remove_pod(self.pod.value),
            self.ready_button: lambda: lab.flip_readiness(self.pod.value),
            self.terminate_button: lambda: lab.start_termination(self.pod.value),
            self.finish_button: lambda: lab.finish_termination(self.pod.value),
            self.scale_button: lambda: lab.scale(self.replicas.value),
            self.selector_button: lambda: lab.set_selector(self.selector.value),
            self.target_button: lambda: lab.set_target_port(self.target_port.value),
            self.max_button: lambda: lab.set_max_endpoints_per_slice(self.max_per_slice.value),
        }
        for button, action in actions.items():
            button.on_click(lambda _, act=action: self.run(act))
        self.dual_stack.observe(lambda change: self.run(lambda: lab.set_dual_stack(change["new"])), names="value")
        self.traffic.observe(lambda change: self.run(lambda: lab.set_traffic_distribution(
            None if change["new"] == NO_TRAFFIC_DISTRIBUTION else change["new"])), names="value")
        rows = [
            [self.add_button, self.new_labels, self.replicas, self.scale_button],
            [self.pod, self.ready_button, self.terminate_button, self.finish_button, self.remove_button],
            [self.selector, self.selector_button, self.target_port, self.target_button],
            [self.max_per_slice, self.max_button, self.dual_stack] + ([self.traffic] if lab.zones else []),
        ]
        self.controls = widgets.VBox([widgets.HBox(row) for row in rows])
        self.controls.add_class(KERNEL_ONLY)
        super().__init__([page_style(), self.controls,
                          export_note("Run this notebook to use the playground's controls."),
                          self.status, self.diagram, self.writes, self.client, self.proxies, self.kubectl])
        self.add_class("slicelab-playground")
        self.refresh()

    def _new_pod_labels(self) -> dict[str, str]:
        labels = service_selector(self.new_labels.value)
        if not labels:
            raise ValueError("labels: give the new Pod at least one key=value label")
        return labels

    def run(self, action: Callable[[], Event]) -> Event | None:
        """Apply one event; a bad input shows one clear line instead of a traceback."""
        try:
            event = action()
        except ValueError as error:  # ManifestError is a ValueError too
            self.status.value = f"<div role='status'><b>Not applied:</b> {html.escape(str(error))}</div>"
            return None
        self.refresh()
        return event

    def refresh(self) -> None:
        lab = self.lab
        names = lab.namespace_pod_names()
        current = self.pod.value
        self.pod.options = names
        self.pod.value = current if current in names else (names[0] if names else None)
        self.replicas.value = len(lab.pod_names())
        event = lab.last
        if event is None:
            return
        note = f" — <i>{html.escape(event.note)}</i>" if event.note else ""
        self.status.value = f"<div role='status'><b>Event:</b> {html.escape(event.title)}{note}</div>"
        self.diagram.value = event.diagram()._repr_html_()
        self.writes.value = preformatted_html(event.writes_text())
        self.client.value = preformatted_html(render_client(event))
        self.kubectl.value = preformatted_html(f"$ kubectl {lab.kubectl_command}\n{event.kubectl}"
                                               if lab.kubectl_command else "")
        if lab.zones:
            self.proxies.value = proxy_figure(lab.cluster, lab.service, lab.namespace)._repr_html_()

    def __repr__(self) -> str:
        return f"Playground for Service {self.lab.service}\n" + (self.lab.last.text() if self.lab.last else "")


class EventStepper(widgets.VBox):
    """Step through recorded events (e.g. a rolling update) one at a time with Previous / Play / Next,
    each event drawn as the playground draws it. Every event is drawn once, up front, so stepping also
    works in a page without a kernel."""

    def __init__(self, events: list[Event], interval_ms: int = 1500) -> None:
        if not events:
            raise ValueError("events: nothing to step through (record some events first)")
        self.events = list(events)
        lines = [f"<div role='status'>Event {i + 1} of {len(events)}: <b>{html.escape(e.title)}</b></div>"
                 for i, e in enumerate(self.events)]
        self.controls = StepControls(len(events) - 1, lines, "Event", interval_ms)
        self.previous_button, self.next_button = self.controls.previous, self.controls.next
        self.position = self.controls.status
        self.view = self.controls.follow(widgets.Stack([widgets.HTML(e._repr_html_()) for e in self.events]))
        super().__init__([self.controls, self.view])
        self.add_class("slicelab-event-stepper")

    @property
    def index(self) -> int:
        return self.controls.value

    def show(self, index: int) -> Event:
        """Show event number `index` (clamped to the recorded range) and return it."""
        return self.events[self.controls.go(index)]

    def __repr__(self) -> str:
        return f"Event {self.index + 1} of {len(self.events)}\n{self.events[self.index].text()}"


def _button(description: str, icon: str = "") -> widgets.Button:
    return widgets.Button(description=description, icon=icon, layout={"width": "auto"})  # read, not clipped


def _selector_value(selector) -> str:
    """The selector as the text box shows it: key=value pairs, or empty for no selector."""
    return ",".join(f"{k}={v}" for k, v in (selector or {}).items())
