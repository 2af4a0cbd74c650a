"""The scale model reproduces the blog's and KEP-752's figures from their stated object sizes."""
import re
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, strategies as st

from slicelab.scaling import (BLOG, KEP, ONE_WRITE_PER_POD, Rollout, SizeModel, change_cost, cost_table,
                              describe_cost, fit_size_model, format_bytes, measure_object_bytes, measure_rollout,
                              render_cost_table)


def test_blog_one_change_is_4_5_gb_and_a_rolling_update_22_tb():
    one = change_cost("update", pods=5000, nodes=3000, per_slice=None, model=BLOG)
    assert BLOG.object_bytes(5000) == pytest.approx(1.5e6)
    assert one.bytes == pytest.approx(4.5e9) and format_bytes(one.bytes) == "4.5 GB"
    rolling = change_cost("rolling-update", 5000, 3000, None, BLOG, ONE_WRITE_PER_POD)  # the blog's count
    assert rolling.bytes > 22e12 and format_bytes(rolling.bytes) == "22.5 TB"
    assert rolling.writes == 5000


def test_kep_sample_1_endpoints_and_slices_of_100():
    rows = {r["change"]: r for r in cost_table(20000, 5000, KEP, per_slices=(None, 100, 1),
                                               rollout=ONE_WRITE_PER_POD)}
    ep, sl, one = "Endpoints", "EndpointSlices (100 per slice)", "EndpointSlices (1 per slice)"
    # create / delete: 1 vs 200 vs 20,000 writes; 5,000 vs 1,000,000 vs 100,000,000 events; ~10GB each
    assert [rows["create"][c].writes for c in (ep, sl, one)] == [1, 200, 20000]
    assert [rows["create"][c].watch_events for c in (ep, sl, one)] == [5000, 1_000_000, 100_000_000]
    assert {format_bytes(rows["create"][c].bytes) for c in (ep, sl, one)} == {"10 GB"}
    # one endpoint changes: 10GB vs 50MB
    assert format_bytes(rows["update"][ep].bytes) == "10 GB"
    assert format_bytes(rows["update"][sl].bytes) == "50 MB"
    # rolling update: 200TB vs 1TB, 20k writes each
    assert format_bytes(rows["rolling-update"][ep].bytes) == "200 TB"
    assert format_bytes(rows["rolling-update"][sl].bytes) == "1 TB"
    assert rows["rolling-update"][ep].writes == rows["rolling-update"][sl].writes == 20000


def test_kep_third_column_needs_1kb_slices_which_contradicts_its_create_row():
    # With "< ~1KB" per one-endpoint slice the KEP's 5MB / 100GB appear, but create becomes 100GB, not 10GB.
    kb = SizeModel(per_endpoint=100, per_object=900)
    assert format_bytes(change_cost("update", 20000, 5000, 1, kb).bytes) == "5 MB"
    assert format_bytes(change_cost("rolling-update", 20000, 5000, 1, kb, ONE_WRITE_PER_POD).bytes) == "100 GB"
    assert format_bytes(change_cost("create", 20000, 5000, 1, kb).bytes) == "100 GB"


def test_kep_sample_2_small_cluster_costs_the_same_either_way():
    rows = {r["change"]: r for r in cost_table(20, 10, KEP, per_slices=(None, 100))}
    assert rows["update"]["Endpoints"].bytes == rows["update"]["EndpointSlices (100 per slice)"].bytes
    assert format_bytes(rows["update"]["Endpoints"].bytes) == "20 KB"
    assert "change" in render_cost_table(cost_table(20, 10))


@given(pods=st.integers(1, 50000), nodes=st.integers(1, 5000), per_slice=st.integers(1, 1000))
def test_slices_never_send_more_than_endpoints_for_one_change(pods, nodes, per_slice):
    old = change_cost("update", pods, nodes, None)
    new = change_cost("update", pods, nodes, per_slice)
    assert new.bytes <= old.bytes and new.watch_events == old.watch_events == nodes


def test_bad_input_is_one_clear_error():
    with pytest.raises(ValueError, match="change must be one of"):
        change_cost("scale", 1, 1, None)
    with pytest.raises(ValueError, match="per_slice"):
        change_cost("update", 1, 1, 0)
    with pytest.raises(ValueError, match="two different numbers"):
        fit_size_model([{"kind": "EndpointSlice", "endpoints": []}])


def test_fit_size_model_recovers_a_linear_size_from_manifests():
    def slice_of(n):
        return {"kind": "EndpointSlice", "addressType": "IPv4", "endpoints": [
            {"addresses": [f"10.0.{i // 256}.{i % 256:03d}"], "conditions": {"ready": True}} for i in range(n)]}
    sizes = [measure_object_bytes(slice_of(n)) for n in (1, 10, 100)]
    model = fit_size_model([slice_of(n) for n in (1, 10, 100)])
    assert model.object_bytes(100) == pytest.approx(sizes[2], abs=1)
    assert model.per_endpoint == pytest.approx((sizes[2] - sizes[0]) / 99, rel=0.01)


def test_describe_cost_is_a_sentence_with_both_figures():
    text = describe_cost(5000, 3000, 100, BLOG)
    assert "4.5 GB" in text and "90 MB" in text and "50x less" in text


def test_a_rolling_update_costs_the_writes_lesson_05_counts():
    """Lesson 05 replays a rollout event by event; lesson 07's rolling-update figures use the same count."""
    from slicelab import Cluster
    from slicelab.widgets.playground import Lab
    lab = Lab(Cluster(), replicas=4, kubectl="")
    events = lab.rolling_update()
    written = [w["kind"] for event in events for w in event.writes]
    per_pod = Rollout(endpoints=written.count("Endpoints") / 4, slices=written.count("EndpointSlice") / 4)
    rollout = measure_rollout()
    assert (rollout.endpoints, rollout.slices) == (per_pod.endpoints, per_pod.slices)
    assert rollout.slices == 4, "new Pod appears, becomes Ready, old Pod terminates, old Pod is gone"
    # the default of change_cost is that count, not one write per Pod
    assert change_cost("rolling-update", 5000, 3000, None, BLOG).writes == 5000 * rollout.endpoints
    assert change_cost("rolling-update", 5000, 3000, 100, BLOG).writes == 5000 * rollout.slices
    assert change_cost("rolling-update", 5000, 3000, None, BLOG).bytes > \
        change_cost("rolling-update", 5000, 3000, None, BLOG, ONE_WRITE_PER_POD).bytes
    with pytest.raises(ValueError, match="at least 1"):
        measure_rollout(0)


def test_every_model_says_what_it_is_in_a_few_words():
    assert BLOG.describe() == "300 B per endpoint (blog 2020-09-02)"
    assert KEP.describe() == "100 B per endpoint (KEP-752)"
    assert SizeModel(per_endpoint=230, per_object=716, source="measured: x").describe() == \
        "230 B per endpoint + 716 B per object (measured)"
    assert "3 writes of the Endpoints object and 4 of one EndpointSlice" in repr(measure_rollout())


# Lesson 07 itself: its words, self-checks and numbers come from the model above.
LESSON_07 = Path(__file__).resolve().parent.parent / "notebooks" / "07-why-slices-scale.ipynb"


def _lesson_text() -> str:
    return "\n".join(c.source for c in nbformat.read(LESSON_07, as_version=4).cells)


def test_lesson_07_hints_cite_only_what_the_lesson_introduces():
    from slicelab.lessons import SELF_CHECKS
    text = _lesson_text()
    for item in SELF_CHECKS["07"]:
        for sample in re.findall(r"the (?:KEP|blog)'s \w+ sample", item["hint"]):
            assert sample in text, f"hint cites {sample!r}, which lesson 07 never introduces"
    assert "20 Pods and 10 nodes" in SELF_CHECKS["07"][5]["hint"]


def test_lesson_07_types_no_count_of_rollout_writes():
    # "5,000 writes" was typed; the count now comes from measure_rollout (lesson 05's replay)
    text = _lesson_text()
    assert not re.search(r"\d[\d,]* writes", text.replace("format_count", "")), "a typed count of writes"
    assert "measure_rollout()" in text


def test_lesson_07_self_check_answers_follow_the_model():
    from slicelab.lessons import SELF_CHECKS
    items = SELF_CHECKS["07"]
    assert format_bytes(change_cost("update", 5000, 3000, None, BLOG).bytes) in items[0]["answer"]
    assert format_bytes(change_cost("update", 20000, 5000, 100, KEP).bytes) in items[2]["answer"]
    rows = {r["change"]: r for r in cost_table(20000, 5000, KEP, per_slices=(None, 100))}
    ratio = rows["rolling-update"]["EndpointSlices (100 per slice)"].writes / rows["rolling-update"]["Endpoints"].writes
    assert items[4]["answer"] == ("about the same number" if 0.5 <= ratio <= 2 else "far more")
    small = {api: change_cost("update", 20, 10, api, BLOG).bytes for api in (None, 100)}
    assert items[5]["answer"] == ("yes" if small[100] < small[None] else "no")
