"""Matplotlib plots for lesson 07 (why slices scale), each paired with a one-sentence text alternative.

A `Picture` shows the image and its text alternative together: the HTML form puts it in `alt` and in a
caption, the plain-text form is the text alternative alone (what a terminal or screen reader gets).
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

from slicelab.scaling import CHANGES, KEP, SizeModel, change_cost, describe_cost, format_bytes


@dataclass(frozen=True)
class Picture:
    """A rendered image (PNG bytes) and its text alternative."""

    png: bytes
    alt: str

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode()
        alt = html.escape(self.alt, quote=True)
        return (f"<figure style='margin:0.5em 0'><img src='data:image/png;base64,{data}' alt='{alt}'/>"
                f"<figcaption><i>Text alternative:</i> {html.escape(self.alt)}</figcaption></figure>")

    def __repr__(self) -> str:
        return f"Text alternative: {self.alt}"


def _figure():
    from matplotlib.figure import Figure  # no pyplot: no global state, no backend warnings
    return Figure(figsize=(7.5, 3.6), dpi=90, layout="constrained")


def _render(figure, alt: str) -> Picture:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return Picture(buffer.getvalue(), alt)


def plot_bytes_per_change(nodes: int, per_slice: int = 100, model: SizeModel = KEP,
                          max_pods: int = 50000) -> Picture:
    """Bytes sent to all nodes when one endpoint changes, against the number of Pods (log-log)."""
    if nodes < 1 or max_pods < 2:
        raise ValueError(f"nodes must be >= 1 and max_pods >= 2 (nodes={nodes}, max_pods={max_pods})")
    pods = sorted({max(1, round(max_pods ** (i / 40))) for i in range(41)})
    old = [change_cost("update", p, nodes, None, model).bytes for p in pods]
    new = [change_cost("update", p, nodes, per_slice, model).bytes for p in pods]
    figure = _figure()
    axes = figure.add_subplot()
    axes.loglog(pods, old, "-", marker="o", markevery=5, label="v1 Endpoints (one object)")
    axes.loglog(pods, new, "--", marker="s", markevery=5, label=f"EndpointSlices (max {per_slice})")
    axes.set_xlabel("Pods behind the Service")
    axes.set_ylabel("bytes sent for one change")
    axes.set_title(f"One endpoint changes, {nodes:,} nodes watching")
    axes.grid(True, which="major", alpha=0.4)
    axes.legend()
    alt = (f"Log-log line plot, Pods 1 to {max_pods:,}: the Endpoints line keeps rising with the Pod count "
           f"(to {format_bytes(old[-1])}) while the EndpointSlices line flattens at "
           f"{format_bytes(new[-1])} once Services exceed {per_slice} Pods. "
           + describe_cost(max_pods, nodes, per_slice, model))
    return _render(figure, alt)


def plot_cost_bars(pods: int, nodes: int, per_slice: int = 100, model: SizeModel = KEP) -> Picture:
    """Bars (log scale) of bytes sent for each kind of change, Endpoints beside EndpointSlices."""
    if pods < 1 or nodes < 1:
        raise ValueError(f"pods and nodes must be >= 1 (pods={pods}, nodes={nodes})")
    old = [change_cost(c, pods, nodes, None, model).bytes for c in CHANGES]
    new = [change_cost(c, pods, nodes, per_slice, model).bytes for c in CHANGES]
    figure = _figure()
    axes = figure.add_subplot()
    xs = range(len(CHANGES))
    axes.bar([x - 0.2 for x in xs], old, width=0.4, label="v1 Endpoints", hatch="//", edgecolor="black")
    axes.bar([x + 0.2 for x in xs], new, width=0.4, label=f"EndpointSlices (max {per_slice})",
             edgecolor="black")
    for x, a, b in zip(xs, old, new):
        axes.annotate(format_bytes(a), (x - 0.2, a), ha="center", va="bottom", fontsize=8)
        axes.annotate(format_bytes(b), (x + 0.2, b), ha="center", va="bottom", fontsize=8)
    axes.set_yscale("log")
    axes.set_xticks(list(xs), list(CHANGES))
    axes.set_ylabel("bytes sent to all nodes")
    axes.set_title(f"{pods:,} Pods, {nodes:,} nodes")
    axes.legend(loc="upper left")
    parts = [f"{c}: {format_bytes(a)} vs {format_bytes(b)}" for c, a, b in zip(CHANGES, old, new)]
    alt = (f"Bar chart for {pods:,} Pods on {nodes:,} nodes, bytes sent with v1 Endpoints vs EndpointSlices "
           f"of {per_slice}: " + "; ".join(parts) + ".")
    return _render(figure, alt)


def plot_pods_by_nodes(per_slice: int = 100, model: SizeModel = KEP,
                       pods: tuple[int, ...] = (100, 1000, 5000, 20000),
                       nodes: tuple[int, ...] = (10, 100, 1000, 5000)) -> Picture:
    """Two grids of pods x nodes: bytes sent when one endpoint changes, v1 Endpoints beside EndpointSlices.
    Every cell is labelled with its size, so the shade is never the only signal."""
    if not pods or not nodes:
        raise ValueError("pods and nodes must each list at least one value")
    import numpy as np
    from matplotlib.colors import LogNorm
    grids = {api: np.array([[change_cost("update", p, n, api, model).bytes for n in nodes] for p in pods])
             for api in (None, per_slice)}
    norm = LogNorm(vmin=min(g.min() for g in grids.values()), vmax=max(g.max() for g in grids.values()))
    figure = _figure()
    figure.set_size_inches(9, 3.6)
    for index, (api, grid) in enumerate(grids.items()):
        axes = figure.add_subplot(1, 2, index + 1)
        axes.imshow(grid, cmap="Greys", norm=norm, origin="lower")
        for (row, column), value in np.ndenumerate(grid):
            dark = norm(value) > 0.55
            axes.text(column, row, format_bytes(value), ha="center", va="center", fontsize=8,
                      color="white" if dark else "black")
        axes.set_xticks(range(len(nodes)), [f"{n:,}" for n in nodes])
        axes.set_yticks(range(len(pods)), [f"{p:,}" for p in pods])
        axes.set_xlabel("nodes watching")
        axes.set_ylabel("Pods behind the Service")
        axes.set_title("v1 Endpoints" if api is None else f"EndpointSlices (max {per_slice})")
    big, many = pods[-1], nodes[-1]
    alt = (f"Two grids of bytes sent for one endpoint change, Pods ({', '.join(f'{p:,}' for p in pods)}) by "
           f"nodes ({', '.join(f'{n:,}' for n in nodes)}): both grow with the number of nodes, but only the "
           f"Endpoints grid also grows with the Pods; at {big:,} Pods and {many:,} nodes it is "
           f"{format_bytes(grids[None][-1, -1])} against {format_bytes(grids[per_slice][-1, -1])}.")
    return _render(figure, alt)


def show_costs(pods: int = 5000, nodes: int = 3000, per_slice: int = 100) -> Picture:
    """The slider view of lesson 07 (pass it to `ipywidgets.interact`)."""
    return plot_cost_bars(pods, nodes, per_slice)
