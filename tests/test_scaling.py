"""The scale model reproduces the blog's and KEP-752's figures from their stated object sizes."""
import pytest
from hypothesis import given, strategies as st

from slicelab.scaling import (BLOG, KEP, SizeModel, change_cost, cost_table, describe_cost,
                              fit_size_model, format_bytes, measure_object_bytes, render_cost_table)


def test_blog_one_change_is_4_5_gb_and_a_rolling_update_22_tb():
    one = change_cost("update", pods=5000, nodes=3000, per_slice=None, model=BLOG)
    assert BLOG.object_bytes(5000) == pytest.approx(1.5e6)
    assert one.bytes == pytest.approx(4.5e9) and format_bytes(one.bytes) == "4.5 GB"
    rolling = change_cost("rolling-update", 5000, 3000, None, BLOG)
    assert rolling.bytes > 22e12 and format_bytes(rolling.bytes) == "22.5 TB"
    assert rolling.writes == 5000


def test_kep_sample_1_endpoints_and_slices_of_100():
    rows = {r["change"]: r for r in cost_table(20000, 5000, KEP, per_slices=(None, 100, 1))}
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
    assert format_bytes(change_cost("rolling-update", 20000, 5000, 1, kb).bytes) == "100 GB"
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
