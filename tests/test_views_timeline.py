"""Views of a Timeline: process table, tracker, transcript, key moments, snapshot, flow and object graph."""
from __future__ import annotations

import html
import re

import pytest

from slicelab.scenario import load_scenario
from slicelab.views import diagrams, flow
from slicelab.views.seed_words import SEED_MARK, annotate
from slicelab.views import timeline as views


@pytest.fixture(scope="module")
def seed():
    return load_scenario("seed").replay()


def _rows(table_html: str) -> list[str]:
    return re.findall(r"<tr[^>]*>.*?</tr>", table_html)


def test_process_table_text_marks_only_the_current_row(seed):
    text = views.render_process_table_text(seed, current=7)
    marked = [line for line in text.splitlines() if line.startswith("▶")]
    assert len(marked) == 1 and "Pod 10.0.0.2 removed" in marked[0] and "Endpoints now only 10.0.0.1" in marked[0]
    assert "▶" not in views.render_process_table_text(seed)
    assert re.fullmatch(r"\s+Step\s+Action\s+Resource Created/Updated\s+Details\s+Result", text.splitlines()[0])


def test_process_table_html_highlights_the_current_row_in_words_too(seed):
    rows = _rows(views.render_process_table_html(seed, current=3))
    current = [r for r in rows if "aria-current" in r]
    assert len(current) == 1 and "▶ 3" in current[0] and "Endpoints list IPs: 10.0.0.1, 10.0.0.2" in current[0]
    assert len(rows) == 1 + 12
    assert not [r for r in _rows(views.render_process_table_html(seed, current=0)) if "aria-current" in r]


def test_process_table_html_ends_with_the_seeds_stop_note(seed):
    assert views.render_process_table_html(seed).endswith(
        "Note: Execution stops when no pods match the service selector, so endpoints and endpoint slices "
        "are empty.</p>")


def test_words_are_escaped(seed):
    assert "Service &#x27;my-service&#x27;" in views.render_process_table_html(seed)


@pytest.mark.parametrize("step, column", [(0, "Start"), (1, "Start"), (2, "After Step 2"), (5, "After Step 4"),
                                          (9, "After Step 7"), (11, "After Step 10"), (12, "Final")])
def test_tracker_highlights_the_column_of_the_step(seed, step, column):
    head = re.search(r"<thead>.*?</thead>", views.render_tracker_html(seed, step)).group(0)
    assert re.findall(r"▶ ([^<]+)</th>", head) == [column]
    text_head = views.render_tracker_text(seed, step).splitlines()[0]
    assert f"▶ {column}" in text_head and text_head.count("▶") == 1


def test_tracker_reveal_hides_columns_not_reached_yet(seed):
    at3 = html.unescape(views.render_tracker_html(seed, 3, reveal=True))
    assert at3.count("…") == 3 * 4          # 3 rows × (After Step 4, 7, 10, Final)
    assert "10.0.0.1, 10.0.0.2" in at3
    assert "…" not in views.render_tracker_html(seed, 12, reveal=True)


def test_tracker_diff_marks_exactly_the_changed_cells(seed):
    variant = load_scenario("seed-not-ready").replay()
    text = views.render_tracker_diff_text(seed, variant)
    assert text.endswith("2 cell(s) differ from seed.")
    assert text.count("(was 10.0.0.1, 10.0.0.2)") == 2
    page = views.render_tracker_diff_html(seed, variant)
    assert page.count("▶ 10.0.0.1 (was 10.0.0.1, 10.0.0.2)") == 2
    assert views.render_tracker_diff_text(seed, seed).endswith("0 cell(s) differ from seed.")


def test_transcript_has_one_paragraph_per_step_from_the_frames(seed):
    paragraphs = views.render_transcript(seed).split("\n\n")
    assert len(paragraphs) == 13 and paragraphs[0].startswith("Start:")
    for step, para in enumerate(paragraphs[1:], start=1):
        assert para.startswith(f"Step {step} — {annotate(seed[step].words['action'])}.")
        assert para.endswith(f"Result: {annotate(seed[step].words['result'])}.")
    assert "the Endpoints controller waits for step 3" in paragraphs[1]
    assert "The Endpoints controller creates Endpoints my-service" in paragraphs[3]
    slice_name = seed[4].get("EndpointSlice")[0]["metadata"]["name"]
    assert f"The EndpointSlice controller creates EndpointSlice {slice_name}" in paragraphs[4]
    assert "connection refused (rejected: no endpoints)" in paragraphs[12]
    assert "1 EndpointSlice(s) with no endpoints" in paragraphs[12]
    assert views.render_transcript(seed, upto=2).count("\n\n") == 2


def test_transcript_html_marks_the_current_step(seed):
    page = views.render_transcript_html(seed, current=6)
    assert page.count("aria-current") == 1 and "▶ Step 6 — Client connects to pod IPs." in html.unescape(page)


def test_concurrent_transcript_does_not_mention_waiting():
    real = load_scenario("seed").replay(concurrent=True)
    assert "waits for step" not in views.render_transcript(real)


def test_key_moments_appear_at_their_steps(seed):
    assert [views.key_moments_at(seed, s) != [] for s in range(13)] == [s in (4, 7, 10) for s in range(13)]
    assert [len(views.key_moments_reached(seed, s)) for s in (0, 3, 4, 6, 7, 9, 10, 12)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert views.key_moments_at(seed, 4)[0]["question"] == \
        "Why do endpoint slices exist if endpoints already list pod IPs?"


def test_snapshot_lists_the_concepts_and_the_computed_numbers(seed):
    lines = views.render_snapshot(seed).splitlines()
    assert lines[0] == "- Kubernetes Services select pods by labels." and len(lines) == 6
    writes = sum(len(f.writes) for f in seed)
    assert lines[-1] == f"- In this replay: up to 100 endpoints per EndpointSlice; {writes} controller writes in 12 steps."
    assert views.render_snapshot_html(seed).count("<li>") == 6


def _svg_text(svg: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", svg))


def test_flow_highlights_the_current_stages(seed):
    stages = seed.scenario.stages
    svg = flow.flow_svg(stages, seed[5].stages)
    text = _svg_text(svg)
    assert text.count("(now)") == 2 and text.count("▶") == 2
    assert svg.count(flow.CURRENT_FILL) == 2
    assert _svg_text(flow.flow_svg(stages, ())).count("(now)") == 0
    assert "Now: Clients Connect to Pod IPs (stage 7 of 7)." in flow.describe_flow(stages, seed[6].stages)
    with pytest.raises(ValueError, match="not one of the stages"):
        flow.render_flow(stages, ["Pods Deleted"])


def test_object_graph_follows_the_frame(seed):
    assert diagrams.describe_object_graph(seed[0], "my-service") == "Service my-service does not exist."
    at4 = diagrams.describe_object_graph(seed[4], "my-service")
    assert "owns 1 EndpointSlice(s)" in at4
    assert "10.0.0.1 → Pod web-1 (ready)" in at4 and "10.0.0.2 → Pod web-2 (ready)" in at4
    assert "Endpoints my-service: addresses 10.0.0.1, 10.0.0.2; notReadyAddresses none." in at4
    assert ": no endpoints." in diagrams.describe_object_graph(seed[12], "my-service")
    text = _svg_text(diagrams.object_graph_svg(seed[4], "my-service"))
    assert "Pod web-1" in text and "EndpointSlice" in text and "2 endpoint(s)" in text


def test_object_graph_shows_not_ready_and_unselected_pods():
    t = load_scenario("seed-not-ready").replay()
    assert "10.0.0.2 → Pod web-2 (not ready)" in diagrams.describe_object_graph(t[4], "my-service")
    typo = load_scenario("seed-selector-typo").replay()
    assert "Pods not selected by the Service: web-1, web-2." in diagrams.describe_object_graph(typo[4], "my-service")
    assert "(not selected)" in _svg_text(diagrams.object_graph_svg(typo[4], "my-service"))


def test_object_graph_reads_a_live_cluster_with_several_slices():
    import slicelab
    from slicelab.builders import pod, service
    c = slicelab.Cluster(max_endpoints_per_slice=1)
    c.apply([service("web", selector={"app": "web"}),
              pod("web-1", "10.0.0.1", labels={"app": "web"}), pod("web-2", "10.0.0.2", labels={"app": "web"},
                                                                   terminating=True)])
    text = diagrams.describe_object_graph(c, "web")
    assert "owns 2 EndpointSlice(s)" in text
    assert "10.0.0.2 → Pod web-2 (not ready, serving, terminating)" in text
    assert "Endpoints web: addresses 10.0.0.1; notReadyAddresses none." in text   # v1 drops terminating Pods
    svg = _svg_text(diagrams.object_graph_svg(c, "web"))
    assert svg.count("EndpointSlice") == 2 and "terminating" in svg


# --- the seed's own words, marked, with the correction beside them (issue 12, point 9) -----------------
SEED_CLAIMS = ("Clients Get Endpoint Slices", "Client gets endpoint slices info", "Client gets updated endpoint slices",
               "Client gets empty endpoint slices", "Clients query endpoint slices to connect to pods.",
               "Why does the client get empty endpoint slices sometimes?", "Service controller finds matching pods")


def _marked(text: str, claim: str) -> bool:
    """Every occurrence of `claim` is followed, close by, by the seed mark and a correction."""
    at, found = 0, 0
    while (i := text.find(claim, at)) >= 0:
        following = text[i:i + len(claim) + 400]
        assert SEED_MARK in following and "in a real cluster" in following, following[:300]
        found, at = found + 1, i + len(claim)
    return found > 0


@pytest.mark.parametrize("claim", SEED_CLAIMS)
def test_every_view_that_shows_a_seed_claim_marks_it_and_corrects_it(seed, claim):
    texts = {
        "flow description": flow.describe_flow(seed.scenario.stages, seed[5].stages),
        "process table": views.render_process_table_text(seed, 5),
        "process table html": html.unescape(re.sub(r"<[^>]+>", " ", views.render_process_table_html(seed, 5))),
        "transcript": views.render_transcript(seed),
        "key moments": " ".join(f"{k['question']} {k['answer']}" for k in views.key_moments_reached(seed, 12)),
        "snapshot": views.render_snapshot(seed),
    }
    shown = [where for where, text in texts.items() if claim in text]
    assert shown, f"{claim!r} is shown nowhere: the test no longer checks anything"
    for where in shown:
        assert _marked(texts[where], claim), where


def test_the_flow_picture_marks_the_seeds_stage(seed):
    text = " ".join(_svg_text(flow.flow_svg(seed.scenario.stages, ())).split())
    assert f"Clients Get Endpoint Slices {SEED_MARK}" in text
    assert text.count(SEED_MARK) == 1


def test_words_a_real_cluster_agrees_with_are_left_alone(seed):
    assert annotate("Endpoints resource created") == "Endpoints resource created"
    assert SEED_MARK not in views.render_process_table_text(seed).splitlines()[3]   # step 2's row
