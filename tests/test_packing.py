"""The packing diagram: every slice drawn, conditions in words, writes marked, a faithful text alternative."""
from conftest import require_tool

from slicelab.views.packing import (condition_words, describe_packing, draw_packing, slice_sizes,
                                    slice_writes, unescape_svg_text)


def endpoint(name, ready=True, serving=None, terminating=False):
    return {"addresses": ["10.0.0.1"], "targetRef": {"kind": "Pod", "name": name},
            "conditions": {"ready": ready, "serving": ready if serving is None else serving,
                           "terminating": terminating}}


SLICES = [
    {"metadata": {"name": "web-b2c4d", "labels": {"kubernetes.io/service-name": "web"}}, "addressType": "IPv4",
     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
     "endpoints": [endpoint("web-1"), endpoint("web-2", False), endpoint("web-3", False, True, True)]},
    {"metadata": {"name": "web-x9z8w"}, "addressType": "IPv6", "ports": [], "endpoints": []},
]
WRITES = [{"verb": "update", "kind": "EndpointSlice", "name": "web-b2c4d"},
          {"verb": "update", "kind": "Endpoints", "name": "web"},
          {"verb": "delete", "kind": "EndpointSlice", "name": "web-old22"}]


def test_condition_words_follow_the_conditions_table():
    assert condition_words(endpoint("a")) == "ready"
    assert condition_words(endpoint("a", False)) == "not ready"
    assert condition_words(endpoint("a", False, True, True)) == "serving, terminating"
    assert condition_words(endpoint("a", False, False, True)) == "terminating"
    assert condition_words({"conditions": {}}) == "ready"  # unset ready counts as ready


def test_writes_marked_per_slice_from_mappings_or_objects():
    class Write:
        verb, kind, name = "create", "EndpointSlice", "web-new11"
    assert slice_writes(WRITES + [Write()]) == {"web-b2c4d": "updated", "web-old22": "deleted",
                                                "web-new11": "created"}


def test_text_alternative_names_each_slice_fill_and_write():
    text = describe_packing(SLICES, 5, WRITES)
    assert text.startswith("Service web has 2 EndpointSlices (max 5 endpoints each).")
    assert "web-b2c4d (IPv4): 3 of 5 endpoints (1 ready, 1 not ready, 1 serving, terminating)" in text
    assert "updated by this event" in text and "web-x9z8w (IPv6): the placeholder" in text
    assert "Deleted by this event: web-old22." in text


def test_svg_shows_every_endpoint_with_its_condition_word():
    require_tool("dot")
    diagram = draw_packing(SLICES, 5, WRITES)
    text = unescape_svg_text(diagram.svg())
    for word in ("web-b2c4d", "web-1", "ready", "not ready", "serving, terminating", "[UPDATED]",
                 "placeholder", "web-old22", "(deleted)", "3/5"):
        assert word in text, word
    assert "aria-label='Service web has 2" in diagram._repr_html_()
    assert repr(diagram).startswith("Text alternative: Service web")


def test_large_slices_are_summarised_and_sizes_sorted():
    require_tool("dot")
    big = {"metadata": {"name": "web-big00"}, "addressType": "IPv4", "ports": [{"port": 80}],
           "endpoints": [endpoint(f"web-{i}") for i in range(74)]}
    text = unescape_svg_text(draw_packing([big], 100).svg())
    assert "… 62 more" in text and "62 ready" in text and "26" in text and "74/100" in text
    assert slice_sizes([big, SLICES[0], SLICES[1]]) == [74, 3, 0]
