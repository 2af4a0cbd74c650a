"""Label selectors: kubectl `-l` strings and Service selector maps."""
from __future__ import annotations

import pytest

from slicelab.selectors import format_selector, matches, matches_map, parse_selector

LABELS = {"app": "web", "tier": "front", "env": "prod"}


@pytest.mark.parametrize("selector,expected", [
    ("app=web", True), ("app==web", True), ("app=db", False), ("app!=db", True), ("app!=web", False),
    ("app=web,tier=front", True), ("app=web,tier=back", False), ("tier in (front,back)", True),
    ("tier in (back)", False), ("tier notin (back)", True), ("env", True), ("!env", False), ("missing", False),
    ("!missing", True), ("missing!=x", True), ("", True), (" app = web , env in (prod, dev) ", True),
])
def test_matches(selector, expected):
    assert matches(selector, LABELS) is expected


@pytest.mark.parametrize("bad", ["app=web,", "app in (a", "=web", "app=web tier=x"])
def test_invalid_selectors_raise_value_error(bad):
    with pytest.raises(ValueError, match="invalid label selector"):
        parse_selector(bad)


def test_service_selector_map():
    assert matches_map({"app": "web"}, LABELS)
    assert not matches_map({"app": "web", "x": "y"}, LABELS)
    assert matches_map({}, {})  # as a label test an empty map matches anything (a Service with {} has none)
    assert not matches_map({"app": "web"}, None)


def test_format_selector_sorted():
    assert format_selector({"tier": "front", "app": "web"}) == "app=web,tier=front"
