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
    assert n.check("3.0") and n.check(" 3 ") and not n.check("4") and not n.check("thirty")
    assert n.check("three")  # a number word is a spelling of the number
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


@pytest.mark.parametrize("typed", ["1", " 1 ", "1 endpoint", "1 Endpoint.", "ONE endpoint", "one", "1 endpoints",
                                   "`1`", "1.0"])
def test_a_right_count_is_right_however_a_person_types_it(typed):
    assert SelfCheck("How many endpoints does the Service have now?", answer=["1", "one"]).is_correct(typed)


@pytest.mark.parametrize("typed", ["2", "2 endpoints", "1 or 2", "not 1", "11", "1 endpoint is not ready", "",
                                   "endpoint", "10"])
def test_a_wrong_count_stays_wrong(typed):
    assert not SelfCheck("How many endpoints?", answer=["1", "one"]).is_correct(typed)


@pytest.mark.parametrize("typed, right", [("9090", True), ("9090/TCP", True), ("9090/tcp ", True),
                                          ("9090 / TCP", True), ("9090/HTTP", False), ("8080/TCP", False),
                                          ("80:9090", False), ("9090/TCP/UDP", False)])
def test_a_port_may_carry_its_protocol(typed, right):
    assert SelfCheck("Which port number do the slices show?", answer="9090").is_correct(typed) is right


def test_a_protocol_is_not_dropped_when_the_answer_is_not_a_bare_number():
    q = SelfCheck("Which port and protocol?", answer="9090/TCP")
    assert q.is_correct("9090/tcp") and q.is_correct(" 9090/TCP ") and not q.is_correct("9090")


def test_attempts_and_solved_are_traits_a_lesson_can_observe():
    q = SelfCheck("q", ["a", "b"], answer="b")
    seen = []
    q.observe(lambda change: seen.append((change["name"], change["new"])), names=["attempts", "solved"])
    q.check("a")
    q.check("b")
    assert seen == [("attempts", 1), ("attempts", 2), ("solved", True)]


def test_buttons_are_kernel_only_and_the_answer_group_is_named():
    """A kernel-less page (HTML export) hides Check/Hint and says to run the notebook instead."""
    from slicelab.widgets.controls import EXPORT_ONLY, KERNEL_ONLY
    q = SelfCheck("Pick one", ["x", "y"], answer="x", hint="Look.")
    rows = [c for c in q.children if KERNEL_ONLY in c._dom_classes]
    assert len(rows) == 1 and q.check_button in rows[0].children and q.hint_button in rows[0].children
    assert any(EXPORT_ONLY in c._dom_classes and "Run this notebook" in c.value for c in q.children)
    assert q.input.description == "Your answer"
    q.check("y")
    assert "role='status'" in q.feedback.value
