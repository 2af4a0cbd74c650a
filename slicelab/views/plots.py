"""Lesson 07's plots (why slices scale) as SVG drawn by pygal, each with a one-sentence text alternative.

Why SVG from pygal and not matplotlib or Vega-Lite: the course runs in JupyterLab and in a browser tab
(Pyodide), and matplotlib has no build for the browser's Python. SVG is an image every Jupyter front end
shows as it is — JupyterLab, JupyterLite, the kernel-less HTML export, a notebook viewer — with no
JavaScript and nothing fetched from elsewhere (a Vega-Lite chart needs the vega library at display time,
which the HTML export loads from a CDN). pygal is pure Python, so the same code draws the same picture
in both places.

A `Picture` shows the image and its text alternative together: the HTML form puts it in `alt` and in a
caption, the plain-text form is the text alternative alone (what a terminal or screen reader gets).
Every chart's title names the size model it uses, so a chart never disagrees silently with the text.
"""
from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass
from typing import Any

from slicelab.scaling import BLOG, CHANGES, SizeModel, change_cost, describe_cost, format_bytes

# Lesson 07's sliders: every value from 10 to 50,000 Pods must be reachable on a narrow slider.
POD_RANGE = (10, 50_000)
NODE_RANGE = (10, 5_000)
PER_SLICE_RANGE = (1, 1_000)


@dataclass(frozen=True)
class Picture:
    """A rendered image (SVG text) and its text alternative."""

    svg: str
    alt: str

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.svg.encode()).decode()
        alt = html.escape(self.alt, quote=True)
        return (f"<figure class='slicelab-plot' style='margin:0.5em 0'>"
                f"<img src='data:image/svg+xml;base64,{data}' alt='{alt}' style='max-width:100%'/>"
                f"<figcaption><i>Text alternative:</i> {html.escape(self.alt)}</figcaption></figure>")

    def __repr__(self) -> str:
        return f"Text alternative: {self.alt}"


ENDPOINTS_COLOUR, SLICES_COLOUR = "#1f5f99", "#c0504d"


def _style(colors: tuple[str, ...] = (ENDPOINTS_COLOUR, SLICES_COLOUR)):
    from pygal.style import Style
    return Style(background="white", plot_background="white", foreground="#222", foreground_strong="#000",
                 foreground_subtle="#777", colors=colors, opacity=0.75,
                 font_family="Helvetica, Arial, sans-serif", title_font_size=15, label_font_size=12,
                 major_label_font_size=12, legend_font_size=13, value_font_size=11, value_label_font_size=11)


def _config(title: str, **extra: Any) -> dict:
    """Settings every chart shares: no scripts (nothing to fetch), labels never cut, legend below."""
    return {"title": title, "style": extra.pop("style", None) or _style(), "js": [], "width": 760, "height": 380, "legend_at_bottom": True,
            "truncate_legend": -1, "truncate_label": -1, "disable_xml_declaration": True,
            "value_formatter": format_bytes, **extra}


def _render(chart, alt: str) -> Picture:
    return Picture(chart.render(is_unicode=True), alt)


def _decades(low: float, high: float) -> list[float]:
    """Powers of ten from below `low` to above `high`: the labelled ticks of a log axis."""
    first, last = math.floor(math.log10(max(1.0, low))), math.ceil(math.log10(max(1.0, high)))
    return [10.0 ** k for k in range(first, last + 1)]


def plot_bytes_per_change(nodes: int, per_slice: int = 100, model: SizeModel = BLOG,
                          max_pods: int = 50000) -> Picture:
    """Bytes sent to all nodes when one endpoint changes, against the number of Pods (log-log)."""
    import pygal
    if nodes < 1 or max_pods < 2:
        raise ValueError(f"nodes must be >= 1 and max_pods >= 2 (nodes={nodes}, max_pods={max_pods})")
    pods = sorted({max(1, round(max_pods ** (i / 40))) for i in range(41)})
    old = [change_cost("update", p, nodes, None, model).bytes for p in pods]
    new = [change_cost("update", p, nodes, per_slice, model).bytes for p in pods]
    chart = pygal.XY(**_config(f"One endpoint changes, {nodes:,} nodes watching — {model.describe()}",
                               logarithmic=True, x_title="Pods behind the Service",
                               y_title="bytes sent for one change", show_dots=False,
                               x_labels=_decades(1, max_pods), x_value_formatter=lambda x: f"{x:,.0f}",
                               y_labels=_decades(min(new), max(old))))
    chart.add("v1 Endpoints (one object)", list(zip(pods, old)), stroke_style={"width": 3})
    chart.add(f"EndpointSlices (max {per_slice})", list(zip(pods, new)),
              stroke_style={"width": 3, "dasharray": "9, 5"})
    alt = (f"Log-log line plot ({model.describe()}), Pods 1 to {max_pods:,}: the Endpoints line keeps rising "
           f"with the Pod count (to {format_bytes(old[-1])}) while the dashed EndpointSlices line flattens at "
           f"{format_bytes(new[-1])} once Services exceed {per_slice} Pods. "
           + describe_cost(max_pods, nodes, per_slice, model))
    return _render(chart, alt)


def plot_cost_bars(pods: int, nodes: int, per_slice: int = 100, model: SizeModel = BLOG) -> Picture:
    """Bars (log scale) of bytes sent for each kind of change, Endpoints beside EndpointSlices."""
    import pygal
    if pods < 1 or nodes < 1:
        raise ValueError(f"pods and nodes must be >= 1 (pods={pods}, nodes={nodes})")
    old = [change_cost(c, pods, nodes, None, model).bytes for c in CHANGES]
    new = [change_cost(c, pods, nodes, per_slice, model).bytes for c in CHANGES]
    ticks = _decades(min(old + new), max(old + new))
    chart = pygal.Bar(**_config(f"{pods:,} Pods, {nodes:,} nodes — {model.describe()}", logarithmic=True,
                                y_title="bytes sent to all nodes", print_values=True, y_labels=ticks,
                                zero=ticks[0]))  # bars rise from the lowest tick, so none is hidden
    chart.x_labels = list(CHANGES)
    chart.add("v1 Endpoints (left)", old)
    chart.add(f"EndpointSlices, max {per_slice} (right)", new)
    parts = [f"{c}: {format_bytes(a)} vs {format_bytes(b)}" for c, a, b in zip(CHANGES, old, new)]
    alt = (f"Bar chart for {pods:,} Pods on {nodes:,} nodes ({model.describe()}), bytes sent with v1 Endpoints "
           f"vs EndpointSlices of {per_slice}: " + "; ".join(parts) + ".")
    return _render(chart, alt)


def plot_pods_by_nodes(per_slice: int = 100, model: SizeModel = BLOG,
                       pods: tuple[int, ...] = (100, 1000, 5000, 20000),
                       nodes: tuple[int, ...] = (10, 100, 1000, 5000)) -> Picture:
    """Pods x nodes for each API (Endpoints rows, then EndpointSlices rows): bytes sent when one endpoint
    changes, as dots sized by the bytes. Every dot is labelled, so its size is never the only signal."""
    import pygal
    if not pods or not nodes:
        raise ValueError("pods and nodes must each list at least one value")
    grids = {api: [[change_cost("update", p, n, api, model).bytes for n in nodes] for p in pods]
             for api in (None, per_slice)}
    chart = pygal.Dot(**_config(f"Bytes sent for one endpoint change — {model.describe()}", logarithmic=True,
                                x_title="nodes watching", print_values=True, show_legend=False,
                                show_y_guides=False, print_values_position="top",
                                height=90 + 45 * len(pods) * 2,
                                style=_style(("#8fb3d9",) * len(pods) + ("#e8a5a3",) * len(pods))))  # light: labels stay legible
    chart.x_labels = [f"{n:,}" for n in nodes]
    for api, grid in grids.items():
        name = "Endpoints" if api is None else f"Slices ({per_slice})"
        for p, row in zip(pods, grid):
            chart.add(f"{name}, {p:,} Pods", row)
    big, many = pods[-1], nodes[-1]
    alt = (f"Dots sized and labelled by the bytes sent for one endpoint change ({model.describe()}): rows of "
           f"Pods ({', '.join(f'{p:,}' for p in pods)}) for v1 Endpoints, then the same rows for EndpointSlices of "
           f"{per_slice}; columns of nodes ({', '.join(f'{n:,}' for n in nodes)}). Both grow with the number of "
           f"nodes, but only the Endpoints rows also grow with the Pods; at {big:,} Pods and {many:,} nodes it is "
           f"{format_bytes(grids[None][-1][-1])} against {format_bytes(grids[per_slice][-1][-1])}.")
    return _render(chart, alt)


def show_costs(pods: float = 5000, nodes: float = 3000, per_slice: int = 100, model: SizeModel = BLOG) -> Picture:
    """The slider view of lesson 07: `interact(show_costs, **cost_controls())`. Log sliders give floats."""
    return plot_cost_bars(round(pods), round(nodes), round(per_slice), model)


def cost_controls() -> dict:
    """Controls for `show_costs`: logarithmic sliders (each step multiplies), so 10 and 50,000 Pods are
    both a few pixels apart from their neighbours; the number beside each slider can be typed over. The
    size model stays the lesson's (the blog's 300 B per endpoint)."""
    from ipywidgets import FloatLogSlider, Layout, fixed

    def slider(label: str, value: int, low: int, high: int) -> FloatLogSlider:
        return FloatLogSlider(value=value, base=10, min=math.log10(low), max=math.log10(high), step=0.01,
                              description=label, readout_format=",.0f", continuous_update=False,
                              layout=Layout(width="min(100%, 36em)"), style={"description_width": "8em"})

    return {"pods": slider("Pods", 5000, *POD_RANGE), "nodes": slider("nodes", 3000, *NODE_RANGE),
            "per_slice": slider("max per slice", 100, *PER_SLICE_RANGE), "model": fixed(BLOG)}
