"""Pinned judging behaviours of the grading kit (issue 15): answers that cross the sandbox as data."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from autograder.answers import AnswerError, expect, expect_choice, judge, judge_choice, same, to_plain
from autograder.grading import _judge

WORDS = {"ready", "serving", "terminating", "zone-a", "zone-b", "10.0.0.1", "10.0.0.10", "web-1", "web-2",
         "Endpoints", "EndpointSlice", "kube-proxy"}


def _plain_in_another_process(seed: int) -> object:
    """What the student's kernel sends: to_plain of a set, computed under its own hash seed."""
    code = ("import json, sys; from autograder.answers import to_plain; "
            f"print(json.dumps(to_plain(set({sorted(WORDS)!r}))))")
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def test_a_set_of_strings_crosses_the_sandbox_in_one_order_whatever_the_hash_seed():
    """Sets iterate in hash order, which differs per process: the kernel's plain form must not."""
    sent = [_plain_in_another_process(seed) for seed in (1, 2, 3, 4)]
    assert all(s == {"__set__": sorted(WORDS)} for s in sent), sent
    for plain in sent:
        assert judge("which words", plain, set(WORDS)) is None
        assert _judge("expect", "which words", plain, set(WORDS), "") is None
        assert judge("which words", plain, set(WORDS) - {"ready"}) is not None


def test_a_set_answer_is_judged_as_a_set_not_as_a_list():
    assert same(to_plain({"a", "b"}), to_plain(frozenset({"b", "a"})))
    assert not same(to_plain({"a", "b"}), to_plain(["a", "b"]))
    assert judge("q", to_plain(["a", "b"]), {"a", "b"}) is not None
    expect("q", {"b", "a"}, {"a", "b"})
    with pytest.raises(AssertionError):
        expect("q", ["a", "b"], {"a", "b"})


def test_mixed_sets_sort_by_type_then_repr():
    assert to_plain({2, "2", 1}) == {"__set__": [1, 2, "2"]}
    assert to_plain({(1, "a")}) == {"__set__": [[1, "a"]]}


@pytest.mark.parametrize("answer", ["E", "AB", "", "a", " A", "ABCD", None, 1, ["A"]])
def test_expect_choice_refuses_anything_but_one_of_the_choices(answer):
    message = judge_choice("q1", to_plain(answer), "ABCD")
    assert message is not None and message.startswith("q1: answer with one of A, B, C, D as a string, e.g. 'A'")
    with pytest.raises(AssertionError, match="q1: answer with one of"):
        expect_choice("q1", answer, "ABCD")
    assert _judge("expect_choice", "q1", to_plain(answer), "ABCD", "") == message


@pytest.mark.parametrize("answer", list("ABCD"))
def test_expect_choice_accepts_each_choice(answer):
    assert judge_choice("q1", answer, "ABCD") is None
    expect_choice("q1", answer, "ABCD")


def test_expect_choice_with_a_list_of_words():
    assert judge_choice("q", "Endpoints", ["Endpoints", "EndpointSlice"]) is None
    assert judge_choice("q", "Endpoint", ["Endpoints", "EndpointSlice"]) is not None


def test_feedback_shows_the_learners_answer_never_the_expected_one():
    message = judge("q2", "B", "C", hint="read the table")
    assert message == "q2: not yet right (your answer: 'B'). Hint: read the table"
    assert "'C'" not in message
    assert judge("q2", "C", "C") is None


def test_true_is_not_one_and_one_is_not_one_point_zero():
    assert judge("q", True, 1) is not None and judge("q", 1, 1.0) is not None and judge("q", 1, 1) is None
    with pytest.raises(AnswerError):
        to_plain(float("nan"))


def test_expect_names_the_check_and_the_learners_answer_and_the_hint():
    with pytest.raises(AssertionError) as err:
        expect("two ready pods", ["10.0.0.1"], ["10.0.0.1", "10.0.0.2"], hint="count them")
    assert str(err.value) == "two ready pods: not yet right (your answer: ['10.0.0.1']). Hint: count them"
    with pytest.raises(AssertionError) as err:
        expect("q", 1, 2)
    assert str(err.value) == "q: not yet right (your answer: 1)."
    expect("q", None, None)
    with pytest.raises(AssertionError, match="q: not yet right"):
        expect("q", 0, None)


def test_an_answer_that_is_not_plain_data_fails_naming_the_check_and_the_type():
    class Sneaky:
        def __eq__(self, other):
            return True
    for check in (lambda: expect("q3", Sneaky(), 1), lambda: expect_choice("q3", Sneaky(), "AB")):
        with pytest.raises(AssertionError) as err:
            check()
        assert str(err.value) == ("q3: answer is of type Sneaky; plain data (str, int, bool, list, dict, ...) "
                                  "is expected")
    with pytest.raises(AssertionError, match=r"^q4: answer\[1\] is inf; a finite number is expected$"):
        expect("q4", [1.0, float("inf")], [1.0, 2.0])
    with pytest.raises(AssertionError, match=r"^q5: answer has a key of type int; keys must be str$"):
        expect("q5", {1: "a"}, {"1": "a"})
    with pytest.raises(AssertionError, match=r"^q6: answer\['k'\] item is of type object"):
        expect("q6", {"k": {object()}}, {"k": set()})


def test_long_answers_are_cut_at_120_characters_in_feedback():
    exact = "x" * 118                       # repr adds two quotes: 120 characters, shown whole
    assert judge("q", exact, "y") == f"q: not yet right (your answer: {exact!r})."
    longer = "x" * 119                      # 121 characters: cut to 117 and "..."
    assert judge("q", longer, "y") == f"q: not yet right (your answer: {repr(longer)[:117]}...)."


def test_expect_shape_judges_types_never_values():
    from autograder.answers import expect_shape, judge_shape
    expect_shape("q", [{"ip": "10.0.0.9", "ready": False}], [{"ip": "10.0.0.1", "ready": True}])
    expect_shape("q", [], [{"ip": "x"}])
    expect_shape("q", {"a"}, {"b", "c"})
    for wrong in ([{"ip": "x"}], {"ip": "x", "ready": True}, "10.0.0.1", [["x"]], [1]):
        message = judge_shape("q", to_plain(wrong), [{"ip": "10.0.0.1", "ready": True}])
        assert message == (f"q: expected an answer shaped like [{{'ip': '10.0.0.1', 'ready': True}}] "
                           f"(your answer: {to_plain(wrong)!r}).")
        with pytest.raises(AssertionError, match="q: expected an answer shaped like"):
            expect_shape("q", wrong, [{"ip": "10.0.0.1", "ready": True}])
    assert judge_shape("q", to_plain([1, "a", 2]), ["x", 0]) is None and judge_shape("q", None, 1.5) is not None
    assert judge_shape("q", to_plain({1}), {"a"}) is not None
    assert judge_shape("q", to_plain([1, "a"]), [2]) is not None
    # the types inside a dict count too, and an empty list inside one is a value, not a form
    assert judge_shape("q", to_plain([{"ip": 1}]), [{"ip": "10.0.0.1"}]) is not None
    assert judge_shape("q", to_plain({"pods": [], "slices": ["x"]}), {"pods": ["10.9.9.9"], "slices": ["10.9.9.9"]}) is None
    assert judge_shape("q", to_plain({"pods": [1]}), {"pods": ["10.9.9.9"]}) is not None
    assert judge_shape("q", to_plain({"a": 1}), {}) is None and judge_shape("q", to_plain({}), {"a": 1}) is None
    assert judge_shape("q", to_plain({"x"}), {"a": 1}) is not None


def test_same_looks_inside_lists_and_dicts_for_bool_versus_int():
    assert not same([True], [1]) and not same([1], [1.0]) and not same({"a": [True]}, {"a": [1]})
    assert same([1, {"a": [True]}], [1, {"a": [True]}]) and not same([1], [1, 2])


def test_expected_values_and_examples_that_are_not_plain_data_are_named_as_such():
    from autograder.answers import expect_shape, judge_shape
    with pytest.raises(AnswerError, match=r"^expected value is of type object"):
        judge("q", 1, object())
    with pytest.raises(AnswerError, match=r"^example is of type object"):
        judge_shape("q", 1, object())
    with pytest.raises(AssertionError, match=r"^q7: answer is of type object"):
        expect_shape("q7", object(), [1])
