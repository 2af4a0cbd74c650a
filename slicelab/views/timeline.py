"""Views of a Timeline: the process table, the status tracker, the transcript, key moments, the snapshot.

Each view has a text form (terminal, CLI, screen readers) and an HTML form (notebooks). The current row
or column is highlighted by background *and* a ▶ marker plus `aria-current`, never by colour alone.
Everything shown is read from the frames; nothing is typed here but the sentence frames of the transcript.
Scenario words that a real cluster contradicts are shown marked as the seed's, with the correction
beside them, wherever they appear (`seed_words.annotate`).
"""
from __future__ import annotations

import html
from typing import Sequence

from slicelab.network import Connection, DnsAnswer
from slicelab.scenario import Frame, Timeline, Tracker, WORD_FIELDS, endpoints_ips, slice_ips
from slicelab.views.seed_words import SEED_MARK, annotate, correction_for

__all__ = [
    "PROCESS_HEADERS", "render_process_table_text", "render_process_table_html", "render_tracker_text",
    "render_tracker_html", "render_tracker_diff_text", "render_tracker_diff_html", "describe_step",
    "render_transcript", "render_transcript_html", "key_moments_at", "key_moments_reached", "render_snapshot",
    "render_snapshot_html", "format_cell", "render_text_table",
]

PROCESS_HEADERS = ("Step", "Action", "Resource Created/Updated", "Details", "Result")
HIGHLIGHT = "background:#ffd966;font-weight:bold"
MARK = "▶"
CONTROLLER_NAMES = {
    "endpoints": "the Endpoints controller",
    "endpointslice": "the EndpointSlice controller",
    "endpointslice-mirroring": "the EndpointSlice mirroring controller",
    "garbage-collector": "the garbage collector",
}
TABLE_STYLE = "border-collapse:collapse;font-size:0.9em;margin:0.3em 0"
CELL_STYLE = "border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top"


def format_cell(ips: Sequence[str]) -> str:
    """A tracker cell as the seed writes it: `10.0.0.1, 10.0.0.2`, or `None` when empty."""
    return ", ".join(ips) if ips else "None"


def render_text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], marks: Sequence[bool] = ()) -> str:
    """A plain aligned table: header, dashes, rows; a marked row starts with ▶."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    def line(cells, mark=" "):
        return (mark + " " + "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    for i, row in enumerate(rows):
        out.append(line(row, MARK if i < len(marks) and marks[i] else " "))
    return "\n".join(out)


def _th(text: str, extra: str = "") -> str:
    return f"<th scope='col' style='{CELL_STYLE};{extra}'>{html.escape(text)}</th>"


def _td(text: str, extra: str = "", attrs: str = "") -> str:
    return f"<td style='{CELL_STYLE};{extra}'{attrs}>{html.escape(text)}</td>"


def _words_td(text: str, extra: str = "") -> str:
    """A cell of scenario words; seed's words a real cluster contradicts get the correction below them."""
    found = correction_for(text)
    if found is None:
        return _td(text, extra)
    note = (f"<br><span class='slicelab-seed-words' style='font-size:0.85em;font-weight:normal'>"
            f"{html.escape(SEED_MARK)} — in a real cluster {html.escape(found.reality)}</span>")
    return f"<td style='{CELL_STYLE};{extra}'>{html.escape(text)}{note}</td>"


# ------------------------------------------------------------------------------------- process table
def render_process_table_text(timeline: Timeline, current: int | None = None) -> str:
    """The seed's process table; the row of step `current` is marked with ▶."""
    rows = [[str(r["step"]), *(annotate(r[k]) for k in WORD_FIELDS)] for r in timeline.process_table()]
    marks = [r["step"] == current for r in timeline.process_table()]
    return render_text_table(PROCESS_HEADERS, rows, marks)


def render_process_table_html(timeline: Timeline, current: int | None = None) -> str:
    """The process table as HTML; the current step's row is highlighted and marked."""
    head = "".join(_th(h) for h in PROCESS_HEADERS)
    body = []
    for r in timeline.process_table():
        now = r["step"] == current
        style = HIGHLIGHT if now else ""
        attrs = " aria-current='step'" if now else ""
        step = f"{MARK} {r['step']}" if now else str(r["step"])
        cells = _td(step, style) + "".join(_words_td(r[k], style) for k in WORD_FIELDS)
        body.append(f"<tr class='{'slicelab-current' if now else ''}'{attrs}>{cells}</tr>")
    note = timeline.scenario.stop_note
    note_html = f"<p class='slicelab-stop-note' style='font-size:0.9em'>Note: {html.escape(note)}</p>" if note else ""
    return (f"<table class='slicelab-process-table' style='{TABLE_STYLE}'><caption style='text-align:left'>"
            f"Process table</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"{note_html}")


# -------------------------------------------------------------------------------------- status tracker
def render_tracker_text(timeline: Timeline, current: int | None = None) -> str:
    """The status tracker; the column for step `current` is marked ▶ in its header."""
    tr = timeline.tracker
    col = tr.column_for(current) if current is not None else None
    headers = ["Variable", *(f"{MARK} {c}" if i == col else c for i, c in enumerate(tr.columns))]
    rows = [[label, *(format_cell(cell) for cell in cells)] for label, cells in tr.rows.items()]
    return render_text_table(headers, rows)


def render_tracker_html(timeline: Timeline, current: int | None = None, reveal: bool = False) -> str:
    """The status tracker as HTML, the current column highlighted.

    With `reveal=True` columns after the current step show `…` (not reached yet), so a stepper shows
    the state growing instead of giving the end away.
    """
    tr: Tracker = timeline.tracker
    col = tr.column_for(current) if current is not None else None
    head = _th("Variable") + "".join(
        _th(f"{MARK} {c}" if i == col else c, HIGHLIGHT if i == col else "") for i, c in enumerate(tr.columns))
    body = []
    for label, cells in tr.rows.items():
        tds = [f"<th scope='row' style='{CELL_STYLE}'>{html.escape(label)}</th>"]
        for i, cell in enumerate(cells):
            hidden = reveal and current is not None and tr.steps[i] > current
            attrs = " aria-current='step'" if i == col else ""
            tds.append(_td("…" if hidden else format_cell(cell), HIGHLIGHT if i == col else "", attrs))
        body.append(f"<tr>{''.join(tds)}</tr>")
    return (f"<table class='slicelab-tracker' style='{TABLE_STYLE}'><caption style='text-align:left'>"
            f"Status tracker</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _diff_cells(base: Timeline, variant: Timeline):
    a, b = base.tracker, variant.tracker
    if a.columns != b.columns or list(a.rows) != list(b.rows):
        raise ValueError(f"scenarios {base.scenario.name!r} and {variant.scenario.name!r} have different trackers")
    for label in a.rows:
        yield label, [(x, y, x != y) for x, y in zip(a.rows[label], b.rows[label])]


def render_tracker_diff_text(base: Timeline, variant: Timeline) -> str:
    """The variant's tracker; a changed cell reads `new (was old)`. Ends with a count of changes."""
    rows, changed = [], 0
    for label, cells in _diff_cells(base, variant):
        row = [label]
        for old, new, diff in cells:
            changed += diff
            row.append(f"{format_cell(new)} (was {format_cell(old)})" if diff else format_cell(new))
        rows.append(row)
    table = render_text_table(["Variable", *variant.tracker.columns], rows)
    return f"{table}\n{changed} cell(s) differ from {base.scenario.name}."


def render_tracker_diff_html(base: Timeline, variant: Timeline) -> str:
    """The variant's tracker as HTML; changed cells are highlighted and say what they were."""
    head = _th("Variable") + "".join(_th(c) for c in variant.tracker.columns)
    body, changed = [], 0
    for label, cells in _diff_cells(base, variant):
        tds = [f"<th scope='row' style='{CELL_STYLE}'>{html.escape(label)}</th>"]
        for old, new, diff in cells:
            changed += diff
            text = f"{MARK} {format_cell(new)} (was {format_cell(old)})" if diff else format_cell(new)
            tds.append(_td(text, HIGHLIGHT if diff else ""))
        body.append(f"<tr>{''.join(tds)}</tr>")
    caption = (f"Status tracker of {html.escape(variant.scenario.name)}: {changed} cell(s) differ from "
               f"{html.escape(base.scenario.name)} (marked {MARK})")
    return (f"<table class='slicelab-tracker-diff' style='{TABLE_STYLE}'><caption style='text-align:left'>"
            f"{caption}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


# ------------------------------------------------------------------------------------------ transcript
def _describe_op(frame: Frame, verb: str, arg) -> str:
    if verb == "apply":
        parts = []
        for obj in arg:
            kind, name = obj.get("kind"), obj.get("metadata", {}).get("name")
            if kind == "Service":
                sel = ",".join(f"{k}={v}" for k, v in (obj.get("spec", {}).get("selector") or {}).items())
                parts.append(f"Service {name} with selector {sel or '(none)'}")
            elif kind == "Pod":
                status = obj.get("status", {})
                ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                            for c in status.get("conditions") or [])
                parts.append(f"Pod {name} ({status.get('podIP', 'no IP')}, {'Ready' if ready else 'not Ready'})")
            else:
                parts.append(f"{kind} {name}")
        return "You apply " + ", ".join(parts) + "."
    if verb == "delete":
        what = f"{arg['kind']} {arg['name']}" if "name" in arg else f"every {arg['kind']} with label {arg['selector']}"
        return f"You delete {what}."
    if verb == "resume":
        return _sentence(f"{CONTROLLER_NAMES.get(arg, arg)} runs (it was paused until this step).")
    if verb == "lookup":
        return f"A client looks up {arg}."
    return f"A client connects to {arg['service']}" + (f" port {arg['port']}." if arg.get("port") else ".")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _waiting(timeline: Timeline, step: int) -> str:
    """Which paused controllers have not run yet at `step`, and at which step they will."""
    if timeline.concurrent:
        return ""
    resumes = {op["resume"]: s.number for s in timeline.scenario.steps for op in s.ops if "resume" in op}
    waiting = [f"{CONTROLLER_NAMES.get(c, c)} waits for step {resumes[c]}" if c in resumes
               else f"{CONTROLLER_NAMES.get(c, c)} is paused"
               for c in timeline.scenario.paused if resumes.get(c, step + 1) > step]
    return f" ({'; '.join(waiting)} in this story)" if waiting else ""


def _describe_writes(writes: Sequence[dict], waiting: str = "") -> str:
    if not writes:
        return f"No controller writes anything{waiting}."
    by_controller: dict[str, list[str]] = {}
    for w in writes:
        by_controller.setdefault(w.get("controller", "?"), []).append(f"{w['verb']}s {w['kind']} {w['name']}")
    parts = [f"{CONTROLLER_NAMES.get(c, c)} {', '.join(acts)}" for c, acts in by_controller.items()]
    return _sentence("; ".join(parts)) + "."


def describe_step(timeline: Timeline, step: int) -> str:
    """One paragraph saying what happened at a step: the operations, the writes, the state, the client."""
    frame = timeline[step]
    sc = timeline.scenario
    eps = endpoints_ips(frame, sc.service, sc.namespace)
    sl = slice_ips(frame, sc.service, sc.namespace)
    has_ep = bool(frame.get("Endpoints", sc.namespace, sc.service))
    slices = frame.get("EndpointSlice", sc.namespace, label_selector=f"kubernetes.io/service-name={sc.service}")
    state = (f"Endpoints {sc.service} " + (f"lists {', '.join(eps)}" if eps else "lists no ready IP")
             if has_ep else f"There is no Endpoints object {sc.service} yet")
    state += "; " + (f"{len(slices)} EndpointSlice(s) list {', '.join(sl)}" if sl else
                     f"{len(slices)} EndpointSlice(s) with no endpoints" if slices else "there is no EndpointSlice")
    if step == 0:
        svcs = frame.get("Service", sc.namespace)
        pods = frame.get("Pod", sc.namespace)
        return (f"Start: {len(svcs)} Service(s) and {len(pods)} Pod(s) in namespace {sc.namespace}. "
                f"{state}.")
    words = frame.words
    ops = " ".join(_describe_op(frame, *next(iter(op.items()))) for op in frame.ops)
    client = ""
    if isinstance(frame.client, (DnsAnswer, Connection)):
        client = " Client: " + frame.client.text() + "."
    return (f"Step {step} — {annotate(words['action'])}. {ops} {_describe_writes(frame.writes, _waiting(timeline, step))} "
            f"{state}.{client} Result: {annotate(words['result'])}.")


def render_transcript(timeline: Timeline, upto: int | None = None) -> str:
    """The full transcript (the text alternative of every picture), one paragraph per step."""
    last = timeline.steps if upto is None else upto
    return "\n\n".join(describe_step(timeline, s) for s in range(0, last + 1))


def render_transcript_html(timeline: Timeline, current: int | None = None) -> str:
    """The transcript as an ordered list; the current step's paragraph is highlighted and marked."""
    items = []
    for s in range(timeline.steps + 1):
        now = s == current
        text = (f"{MARK} " if now else "") + describe_step(timeline, s)
        style = f" style='{HIGHLIGHT}'" if now else ""
        items.append(f"<li{style}{' aria-current=step' if now else ''}>{html.escape(text)}</li>")
    return f"<ol class='slicelab-transcript' start='0'>{''.join(items)}</ol>"


# --------------------------------------------------------------------------- key moments and snapshot
def key_moments_at(timeline: Timeline, step: int) -> list[dict]:
    """The scenario's key moments that happen at `step` exactly."""
    return [_annotated_moment(k) for k in timeline.scenario.key_moments if int(k["step"]) == step]


def key_moments_reached(timeline: Timeline, step: int) -> list[dict]:
    """The key moments a learner has reached by `step`, in story order (they stay once reached)."""
    return [_annotated_moment(k) for k in timeline.scenario.key_moments if int(k["step"]) <= step]


def _annotated_moment(moment) -> dict:
    out = dict(moment)
    for key in ("question", "answer"):
        if key in out:
            out[key] = annotate(str(out[key]))
    return out


def render_snapshot(timeline: Timeline) -> str:
    """The concept snapshot: one line per concept, plus the numbers this replay used."""
    sc = timeline.scenario
    lines = [f"- {annotate(line)}" for line in sc.snapshot]
    lines.append(f"- In this replay: up to {sc.cluster.get('max_endpoints_per_slice', 100)} endpoints per "
                 f"EndpointSlice; {sum(len(f.writes) for f in timeline)} controller writes in "
                 f"{timeline.steps} steps.")
    return "\n".join(lines)


def render_snapshot_html(timeline: Timeline) -> str:
    items = "".join(f"<li>{html.escape(line[2:])}</li>" for line in render_snapshot(timeline).splitlines())
    return f"<ul class='slicelab-snapshot'>{items}</ul>"
