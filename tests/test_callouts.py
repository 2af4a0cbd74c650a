"""Callouts: one look, the word always shown, a text fallback, unknown kinds refused."""
import pytest

from slicelab.views.callouts import KINDS, callout


@pytest.mark.parametrize("kind,word", [("key-moment", "Key moment"), ("reality-check", "Reality check"),
                                       ("try-it", "Try it"), ("hint", "Hint")])
def test_every_kind_shows_its_word_in_html_and_text(kind, word):
    box = callout(kind, "Title <x>", "First para.\n\nSecond & last.")
    page = box._repr_html_()
    assert word in page and "Title &lt;x&gt;" in page and "Second &amp; last." in page
    assert page.count("<p") == 2 and "role='note'" in page
    text = str(box)
    assert text.startswith(f"[") and word in text and "Title <x>" in text and "Second & last." in text


def test_kinds_differ_by_word_not_only_colour():
    words = {v[0] for v in KINDS.values()}
    assert len(words) == len(KINDS)


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown callout kind 'warning'.*key-moment"):
        callout("warning", "t", "b")


def test_code_and_emphasis_markup_is_rendered_and_html_escaped():
    page = callout("hint", "The `ready` field", "Read *serving* in `kubectl get -o yaml`; 2*3*4 <b>stays</b>.")._repr_html_()
    assert "<code>ready</code>" in page and "<em>serving</em>" in page
    assert "<code>kubectl get -o yaml</code>" in page and "2*3*4" in page and "&lt;b&gt;stays" in page
