"""Lesson 07's plots render to PNG and carry a text alternative computed from the same model."""
import pytest

from slicelab.scaling import BLOG
from slicelab.views.plots import plot_bytes_per_change, plot_cost_bars, plot_pods_by_nodes, show_costs


def test_cost_bars_png_and_alt_text_agree_with_the_model():
    pic = plot_cost_bars(20000, 5000, 100)
    assert pic.png.startswith(b"\x89PNG")
    assert "update: 10 GB vs 50 MB" in pic.alt and "rolling-update: 200 TB vs 1 TB" in pic.alt
    page = pic._repr_html_()
    assert "alt='Bar chart" in page and "Text alternative:" in page
    assert repr(pic).startswith("Text alternative: Bar chart")


def test_bytes_per_change_alt_names_both_lines():
    pic = plot_bytes_per_change(3000, 100, BLOG, max_pods=5000)
    assert "4.5 GB" in pic.alt and "90 MB" in pic.alt


def test_slider_view_and_bad_input():
    assert "5,000 Pods on 3,000 nodes" in show_costs().alt
    with pytest.raises(ValueError, match="nodes"):
        plot_bytes_per_change(0)
    with pytest.raises(ValueError, match="pods"):
        plot_cost_bars(0, 10)


def test_pods_by_nodes_grid_labels_cells_and_describes_the_corner():
    pic = plot_pods_by_nodes(per_slice=100, pods=(100, 20000), nodes=(10, 5000))
    assert pic.png.startswith(b"\x89PNG")
    assert "at 20,000 Pods and 5,000 nodes it is 10 GB against 50 MB" in pic.alt
    with pytest.raises(ValueError, match="at least one"):
        plot_pods_by_nodes(pods=())
