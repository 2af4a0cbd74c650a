"""Views of playground events (slicelab.playground.Event): the writes, the client, one line per event.

Text for terminals, tests and screen readers; HTML for notebooks. Wide text is shown in a block that
scrolls sideways (views.tables.preformatted_html), never wrapped mid-word.
"""
from __future__ import annotations

import html
from typing import Any, Iterable, Mapping

from slicelab.views.packing import describe_packing, write_fields
from slicelab.views.tables import preformatted_html

__all__ = ["render_writes", "render_client", "render_event_text", "render_event_html", "event_table"]


def render_writes(writes: Iterable[Any]) -> str:
    """The controller writes of one event, one per line, with a count first."""
    writes = list(writes)
    if not writes:
        return "Writes: none (nothing the controllers own had to change)"
    lines = [f"Writes: {len(writes)}"]
    for write in writes:
        verb, kind, name = write_fields(write)
        actor = write.get("controller") or write.get("actor") if isinstance(write, Mapping) else None
        lines.append(f"  {verb.upper():<7} {kind}/{name}" + (f"   (by {actor})" if actor else ""))
    return "\n".join(lines)


def render_client(event) -> str:
    """What the client saw after the event: 'DNS: …' and 'Client: …' lines ('' if nobody watched)."""
    lines = []
    if event.dns is not None:
        lines.append(f"DNS: {event.dns.text()}")
    if event.connection is not None:
        lines.append(f"Client: {event.connection.text()}")
    return "\n".join(lines)


def render_event_text(event) -> str:
    """The whole event as text: title, note, writes, client, slices in words, kubectl output."""
    parts = [f"Event: {event.title}"]
    if event.note:
        parts.append(f"Note: {event.note}")
    parts.append(render_writes(event.writes))
    if render_client(event):
        parts.append(render_client(event))
    parts.append(describe_packing(event.slices, event.max_endpoints_per_slice, event.writes, event.service))
    if event.kubectl:
        parts.append(event.kubectl.rstrip())
    return "\n".join(parts)


def render_event_html(event) -> str:
    """The event as HTML: title and note, packing diagram (with its text alternative), writes, client,
    kubectl output."""
    note = f"<p><i>{html.escape(event.note)}</i></p>" if event.note else ""
    client = render_client(event)
    return (f"<div class='slicelab-event'><b>Event:</b> {html.escape(event.title)}{note}"
            f"{event.diagram()._repr_html_()}{preformatted_html(render_writes(event.writes))}"
            f"{preformatted_html(client) if client else ''}{preformatted_html(event.kubectl)}</div>")


def event_table(events) -> str:
    """One line per event: what happened, the EndpointSlice writes it caused, the slice sizes after it."""
    from slicelab.playground import count_writes
    rows = [("#", "event", "slice writes (create/update/delete)", "Endpoints writes", "slice sizes")]
    for number, event in enumerate(events, 1):
        c = count_writes(event.writes)
        e = sum(count_writes(event.writes, "Endpoints").values())
        rows.append((str(number), event.title, f"{c['create']}/{c['update']}/{c['delete']}", str(e),
                     "/".join(map(str, event.sizes)) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)
