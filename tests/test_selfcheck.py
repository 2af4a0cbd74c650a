"""SelfCheck: feedback in words, hints that do not leak the answer, buttons driven without a browser."""
import pytest

from slicelab.widgets.selfcheck import SelfCheck, normalise


def test_choice_question_button_gives_word_feedback():
    q = SelfCheck("Which condition does kube-proxy use for normal traffic?",
                  ["serving", "ready", "terminating"], answer="ready",
                  hint="Look at the conditions table: which column is the default?")
    q.input.value = "serving"
    q.check_button.click()
    assert "Not yet" in q.feedback.value and "✗" in q.feedback.value
    assert not q.solved and q.attempts == 1
    q.input.value = "ready"
    q.check_button.click()
    assert "Correct" in q.feedback.value and "✓" in q.feedback.value
    assert q.solved and q.attempts == 2


def test_answer_by_index_and_bad_answers_rejected():
    assert SelfCheck("q", ["a", "b"], answer=1).check("b")
    with pytest.raises(ValueError, match="not one of the choices"):
        SelfCheck("q", ["a", "b"], answer="c")
    with pytest.raises(ValueError, match="not a choice"):
        SelfCheck("q", ["a", "b"], answer=5)
    with pytest.raises(ValueError, match="required"):
        SelfCheck("q", ["a", "b"])


def test_short_answer_accepts_spellings_and_numbers():
    q = SelfCheck("Which annotation marks a truncated Endpoints?",
                  answer=["endpoints.kubernetes.io/over-capacity"], hint="Look at the metadata.")
    assert q.check("  `Endpoints.kubernetes.io/over-capacity`. ")
    assert not q.check("over-capacity")
    n = SelfCheck("How many slices?", answer="3")
    assert n.check("3.0") and n.check(" 3 ") and not n.check("4") and not n.check("three")
    many = SelfCheck("Which family?", answer=["IPv4", "ipv4 "])
    assert many.check("IPV4")


def test_empty_response_asks_for_an_answer_without_counting():
    q = SelfCheck("q", ["a", "b"], answer="a")
    q.check_button.click()  # nothing selected
    assert q.attempts == 0 and "Pick or type" in q.feedback.value


def test_hint_revealed_by_button_and_never_contains_the_answer():
    q = SelfCheck("Which field?", answer="addressType", hint="Open the slice's YAML, top level.")
    assert q.hint_box.value == ""
    q.hint_button.click()
    assert "Open the slice" in q.hint_box.value
    assert "addresstype" not in q.hint_box.value.lower()
    assert SelfCheck("q", ["a"], answer="a").hint_button.disabled


def test_text_repr_lists_question_and_choices():
    text = repr(SelfCheck("Pick one", ["x", "y"], answer="x"))
    assert "Self-check: Pick one" in text and "( ) y" in text


def test_normalise():
    assert normalise(" Hello   World. ") == "hello world"


def test_choice_labels_drop_backticks_but_values_keep_them():
    q = SelfCheck("Which `selector`?", ["`{}`", "none"], answer="`{}`")
    assert q.input.options == (("{}", "`{}`"), ("none", "none"))
    q.input.value = "`{}`"
    q.check_button.click()
    assert q.solved and "<code>selector</code>" in q.prompt.value
