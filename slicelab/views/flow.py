"""The process flow: the scenario's stages as a graphviz chain, the current stage(s) highlighted.

Highlighting never relies on colour alone: a current stage is filled, drawn thick, bold and marked
with ▶ and the word "now". `describe_flow` is the text alternative shown under the picture. A stage
named in the seed's own words that a real cluster contradicts ("Clients Get Endpoint Slices") is marked
as the seed's in the picture, and `describe_flow` says what really happens (see `seed_words`).
"""
from __future__ import annotations

import textwrap
from functools import lru_cache
from typing import Sequence

import graphviz

from slicelab.runtime import render_svg
from slicelab.views.seed_words import SEED_MARK, correction_for

__all__ = ["render_flow", "flow_svg", "describe_flow"]

CURRENT_FILL = "#ffd966"


def _label(stage: str, current: bool) -> str:
    text = "\n".join(textwrap.wrap(stage, 14))
    if correction_for(stage):
        text += f"\n{SEED_MARK}"
    return f"▶ {text}\n(now)" if current else text


def render_flow(stages: Sequence[str], current: Sequence[str] = ()) -> graphviz.Digraph:
    """A left-to-right chain of the stages; the stages named in `current` are highlighted."""
    unknown = [s for s in current if s not in stages]
    if unknown:
        raise ValueError(f"current stage {unknown[0]!r} is not one of the stages: {', '.join(stages)}")
    graph = graphviz.Digraph("flow", graph_attr={"rankdir": "LR", "bgcolor": "transparent", "nodesep": "0.2",
                                                  "ranksep": "0.25", "pad": "0.05"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                                        "fontsize": "11", "fillcolor": "white", "margin": "0.08,0.04"},
                             edge_attr={"arrowsize": "0.7"})
    for i, stage in enumerate(stages):
        now = stage in current
        attrs = {"fillcolor": CURRENT_FILL, "penwidth": "3", "fontname": "Helvetica-Bold"} if now else {}
        graph.node(f"s{i}", _label(stage, now), tooltip=stage, **attrs)
        if i:
            graph.edge(f"s{i - 1}", f"s{i}")
    return graph


@lru_cache(maxsize=256)
def _svg(stages: tuple[str, ...], current: tuple[str, ...]) -> str:
    return render_svg(render_flow(stages, current))


def flow_svg(stages: Sequence[str], current: Sequence[str] = ()) -> str:
    """The flow as an inline SVG element (no XML prolog), cached per (stages, current)."""
    return _svg(tuple(stages), tuple(current))


def describe_flow(stages: Sequence[str], current: Sequence[str] = ()) -> str:
    """Text alternative: the chain in words and which stage is current."""
    chain = " → ".join(stages)
    notes = "".join(f" “{s}” is the seed's wording ({SEED_MARK}) — in a real cluster {found.reality}."
                    for s in stages if (found := correction_for(s)))
    if not current:
        return f"Process flow: {chain}. No stage is current (the start).{notes}"
    where = ", ".join(f"{s} (stage {list(stages).index(s) + 1} of {len(stages)})" for s in current)
    return f"Process flow: {chain}. Now: {where}.{notes}"
