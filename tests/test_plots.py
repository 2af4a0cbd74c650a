"""Lesson 07's plots: SVG that any Jupyter front end shows (the browser site too), a text alternative
computed from the same model, and the size model stated on the chart itself."""
import base64
import re
import xml.etree.ElementTree as ET

import pytest

from slicelab.scaling import BLOG, KEP, change_cost, format_bytes
from slicelab.views.plots import (NODE_RANGE, POD_RANGE, cost_controls, plot_bytes_per_change, plot_cost_bars,
                                  plot_pods_by_nodes, show_costs)

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_cost_bars_are_svg_whose_labels_and_alt_text_agree_with_the_model():
    pic = plot_cost_bars(20000, 5000, 100, KEP)
    labels = texts(pic.svg)
    assert "update: 10 GB vs 50 MB" in pic.alt and "10 GB" in labels and "50 MB" in labels
    assert "100 B per endpoint (KEP-752)" in pic.alt and any("100 B per endpoint" in t for t in labels)
    page = pic._repr_html_()
    assert "alt='Bar chart" in page and "Text alternative:" in page and "data:image/svg+xml;base64," in page
    image = base64.b64decode(re.search(r"base64,([^']+)'", page).group(1)).decode()
    assert image == pic.svg
    assert repr(pic).startswith("Text alternative: Bar chart")


def test_the_svg_fetches_nothing():
    # Shown as an <img>, an SVG runs no script; it must not name anything to fetch either (pygal's
    # default adds a tooltip script from its website and may link web fonts).
    for pic in (show_costs(), plot_bytes_per_change(3000), plot_pods_by_nodes()):
        root = ET.fromstring(pic.svg)
        links = [v for e in root.iter() for k, v in e.attrib.items() if k.endswith("href") or k == "src"]
        assert not [v for v in links if not v.startswith("#")], links
        assert "xml-stylesheet" not in pic.svg and "@import" not in pic.svg and "url(http" not in pic.svg


def test_bytes_per_change_alt_names_both_lines():
    pic = plot_bytes_per_change(3000, 100, BLOG, max_pods=5000)
    assert "4.5 GB" in pic.alt and "90 MB" in pic.alt
    assert {"1", "10", "100", "1,000"} <= set(texts(pic.svg)), "the Pods axis is labelled in decades"


def test_the_slider_chart_uses_the_lessons_model_and_says_so():
    # Lesson 07 says: 5,000 Pods, 3,000 nodes, 300 B per endpoint -> 4.5 GB per change. The chart the
    # learner then moves starts at the same numbers and must show the same 4.5 GB, not 1.5 GB.
    lesson = format_bytes(change_cost("update", 5000, 3000, None, BLOG).bytes)
    pic = show_costs()
    assert lesson == "4.5 GB" and f"update: {lesson} vs 90 MB" in pic.alt
    assert "300 B per endpoint" in pic.alt and any("300 B per endpoint" in t for t in texts(pic.svg))


def test_sliders_reach_10_to_50000_in_small_steps_and_take_typed_numbers():
    controls = cost_controls()
    for name, (low, high) in (("pods", POD_RANGE), ("nodes", NODE_RANGE)):
        slider = controls[name]
        assert round(slider.base ** slider.min) <= low and round(slider.base ** slider.max) >= high
        # A default slider track is about 124 px wide: one pixel must move the value by a few per cent,
        # not by hundreds of Pods as a linear 10..50,000 slider does (403 Pods a pixel).
        per_pixel = slider.base ** ((slider.max - slider.min) / 124)
        assert per_pixel < 1.1, f"{name}: one pixel multiplies the value by {per_pixel:.2f}"
        assert slider.readout, "the number beside the slider is where a learner types a value"
    assert POD_RANGE == (10, 50_000)
    picture = show_costs(pods=controls["pods"].value, nodes=controls["nodes"].value,
                         per_slice=controls["per_slice"].value)
    assert "5,000 Pods on 3,000 nodes" in picture.alt


def test_slider_view_and_bad_input():
    assert "5,000 Pods on 3,000 nodes" in show_costs().alt
    assert "20 Pods on 10 nodes" in show_costs(pods=20.4, nodes=9.6).alt  # log sliders give floats
    with pytest.raises(ValueError, match="nodes"):
        plot_bytes_per_change(0)
    with pytest.raises(ValueError, match="pods"):
        plot_cost_bars(0, 10)


def test_pods_by_nodes_labels_every_dot_and_describes_the_corner():
    pic = plot_pods_by_nodes(per_slice=100, model=KEP, pods=(100, 20000), nodes=(10, 5000))
    labels = texts(pic.svg)
    for pods in (100, 20000):
        for nodes in (10, 5000):
            for api in (None, 100):
                assert format_bytes(change_cost("update", pods, nodes, api, KEP).bytes) in labels
    assert "at 20,000 Pods and 5,000 nodes it is 10 GB against 50 MB" in pic.alt
    with pytest.raises(ValueError, match="at least one"):
        plot_pods_by_nodes(pods=())
