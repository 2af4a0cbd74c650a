"""The seed's own words that a real cluster contradicts, and the correction to show beside them.

The course tells the seed's story in the seed's words (`slicelab/scenarios/seed.yaml` keeps them
verbatim) and then a reality check. So that no later view repeats a simplification as fact, every view
that shows scenario words — the flow's stages, the process table, the transcript, the key moments, the
concept snapshot — passes them through `annotate`: a phrase listed here is marked as the seed's and its
correction is put beside it, each time it appears.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SEED_MARK", "Correction", "CORRECTIONS", "correction_for", "annotate"]

SEED_MARK = "⚠ seed's words"


@dataclass(frozen=True)
class Correction:
    pattern: re.Pattern
    reality: str          # what really happens, one clause


CORRECTIONS = (
    Correction(re.compile(r"\bclients?\b[^.]*\bendpoint slices\b", re.I),
               "the client gets the Service's ClusterIP from DNS, and kube-proxy on the client's node, which "
               "watches the EndpointSlices, picks an endpoint; only for a headless Service does CoreDNS read "
               "the slices and answer with Pod IPs"),
    Correction(re.compile(r"\bclients receive no pod IPs\b", re.I),
               "clients still get the ClusterIP; kube-proxy finds no endpoint and rejects the connection"),
    Correction(re.compile(r"\bservice controller\b", re.I),
               "no 'service controller' does this: the Endpoints controller writes Endpoints and, beside "
               "it, the EndpointSlice controller writes the slices"),
)


def correction_for(text: str) -> Correction | None:
    """The correction a piece of scenario text needs, or None when it may stand alone."""
    return next((c for c in CORRECTIONS if c.pattern.search(text or "")), None)


def annotate(text: str) -> str:
    """`text` as it is when no correction applies; otherwise the text, marked, with the correction."""
    found = correction_for(text)
    if found is None:
        return text
    return f"{text} [{SEED_MARK} — in a real cluster {found.reality}]"
