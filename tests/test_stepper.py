"""The Stepper widget, driven without a browser: buttons, slider, links, pre-rendered frames, quiz."""
from __future__ import annotations

import html

import ipywidgets as widgets
import pytest
from ipywidgets.widgets.widget_link import Link

from slicelab.scenario import load_scenario
from slicelab.widgets.selfcheck import SelfCheck
from slicelab.widgets.stepper import VIEWS, Stepper, quiz, render_view


@pytest.fixture(scope="module")
def seed():
    return load_scenario("seed").replay()


@pytest.fixture(scope="module")
def built(seed):
    return Stepper(seed)


@pytest.fixture()
def stepper(built):
    """One Stepper for the module (building one renders 13 frames × 8 views); each test starts at 0."""
    built.go(0)
    return built


def _text(stepper: Stepper, view: str) -> str:
    return html.unescape(stepper.html(view))


EDGE = "slicelab-at-edge"


def test_starts_at_step_0(stepper):
    assert stepper.step == 0 and "Step 0 of 12" in _text(stepper, "status")
    assert EDGE in stepper.previous._dom_classes and EDGE not in stepper.next._dom_classes
    # dimmed, not disabled: a disabled button drops keyboard focus to the top of the page
    assert not stepper.previous.disabled and not stepper.next.disabled


def test_next_three_times_shows_step_3_everywhere(stepper):
    for _ in range(3):
        stepper.next.click()
    assert stepper.step == 3
    assert all(stack.selected_index == 3 for stack in stepper.panels.values())
    assert "Step 3 of 12" in _text(stepper, "status")
    assert "▶ After Step 3" in _text(stepper, "tracker") and "10.0.0.1, 10.0.0.2" in _text(stepper, "tracker")
    assert "▶ 3" in _text(stepper, "process")
    assert "my-service   10.0.0.1:8080,10.0.0.2:8080" in _text(stepper, "kubectl")
    # the panel shows the frame it selected
    tracker = stepper.panels["tracker"]
    assert tracker.children[tracker.selected_index].value == stepper.html("tracker")


def test_previous_and_bounds(stepper):
    stepper.go(12)
    assert EDGE in stepper.next._dom_classes and EDGE not in stepper.previous._dom_classes
    assert "last step" in stepper.next.tooltip
    stepper.next.click()
    assert stepper.step == 12
    stepper.previous.click()
    assert stepper.step == 11
    assert stepper.go(-5) == 0 and stepper.go(99) == 12


def test_slider_and_play_move_every_view(stepper):
    stepper.slider.value = 7
    assert {s.selected_index for s in stepper.panels.values()} == {7}
    assert "Key moment" in _text(stepper, "moments") and "pod is removed" in _text(stepper, "moments")
    assert stepper.play.max == stepper.slider.max == 12


def test_views_are_jslinked_to_the_slider_for_kernel_less_pages(stepper):
    """Stepping must also work in an HTML export: the slider drives each Stack in the browser."""
    links = [l for l in stepper.links if isinstance(l, Link)]
    targets = {(l.source[0].model_id, l.source[1], l.target[0].model_id, l.target[1]) for l in links}
    for stack in stepper.panels.values():
        assert (stepper.slider.model_id, "value", stack.model_id, "selected_index") in targets
    assert (stepper.play.model_id, "value", stepper.slider.model_id, "value") in targets
    assert all(len(stack.children) == 13 for stack in stepper.panels.values())


def test_every_frame_is_prerendered_from_the_timeline(seed, stepper):
    for view in VIEWS:
        for step in (0, 4, 12):
            assert stepper.html(view, step) == render_view(seed, view, step)
    assert "No key moment yet. Key moments come at steps 4, 7, 10." in _text(stepper, "moments")
    at_8 = html.unescape(render_view(seed, "moments", 8))
    assert at_8.count("slicelab-callout-key-moment") == 2 and "(new at this step)" not in at_8
    at_10 = html.unescape(render_view(seed, "moments", 10))
    assert at_10.count("slicelab-callout-key-moment") == 3
    assert "Step 4 (new" not in at_10 and "Step 7 (new" not in at_10
    assert "Step 10 (new at this step): Why does the client get empty endpoint slices sometimes?" in at_10


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def test_a_section_shows_views_that_follow_the_one_set_of_controls(stepper):
    """One Play, many views: a Play shown twice runs two timers that fight (Play stopped after a step)."""
    box = stepper.view("flow", "tracker")
    assert stepper.panels["flow"] in box.children and stepper.panels["tracker"] in box.children
    assert stepper.panels["kubectl"] not in box.children
    inside = list(_descendants(box))
    assert not any(isinstance(w, (widgets.Play, widgets.Button, widgets.IntSlider)) for w in inside)
    assert stepper.controls not in inside
    where = box.children[0]
    stepper.go(5)
    assert "Showing <b>step 5 of 12</b>" in where.children[where.selected_index].value
    with pytest.raises(ValueError, match="view 'plots' is not in this Stepper"):
        stepper.view("plots")
    with pytest.raises(ValueError, match="view 'status' is not"):
        stepper.view("status")  # the live status line belongs to the controls


def test_the_whole_stepper_has_exactly_one_play(stepper):
    plays = [w for w in _descendants(stepper) if isinstance(w, widgets.Play)]
    assert plays == [stepper.play]


def test_step_is_a_trait_linked_to_the_controls(stepper):
    seen = []
    stepper.observe(lambda change: seen.append(change["new"]), names="step")
    stepper.slider.value = 4  # what Play, the slider or a jslink does in the browser
    assert stepper.step == 4 and seen[-1] == 4
    stepper.step = 99  # clamped by the trait's validator
    assert stepper.step == 12 and stepper.slider.value == 12
    assert {s.selected_index for s in stepper.panels.values()} == {12}


def test_a_stepper_with_fewer_views(seed):
    small = Stepper(seed, views=("tracker",))
    assert set(small.panels) == {"status", "tracker"}
    with pytest.raises(ValueError, match="unknown view 'grid'"):
        Stepper(seed, views=("grid",))


def test_text_repr_follows_the_step(stepper):
    stepper.go(10)
    text = repr(stepper)
    assert text.startswith("Step 10 of 12") and "▶ After Step 10" in text and "Step 10 — No more matching pods" in text


def test_quiz_checks_the_seeds_answers(seed):
    box = quiz(seed)
    checks = list(box.children)
    assert len(checks) == 3 and all(isinstance(c, SelfCheck) for c in checks)
    assert checks[0].check("10.0.0.1 and 10.0.0.2") and not checks[0].check("Only 10.0.0.1")
    assert checks[1].check("Step 7") and not checks[1].check("Step 10")
    assert checks[2].check("Pods list includes 10.0.0.1, 10.0.0.2, 10.0.0.3")
    assert checks[0].explanation == "Step 3: Endpoints list IPs: 10.0.0.1, 10.0.0.2."
    assert "step 3" in checks[0].show_hint()


def test_the_typo_self_check_in_notebook_01_matches_the_replay():
    """Notebook 01 asks what the client sees at step 6 with the selector typo: its answer must be true."""
    import ast
    import nbformat
    from conftest import REPO
    nb = nbformat.read(REPO / "notebooks" / "01-the-flow-step-by-step.ipynb", as_version=4)
    cell = next(c.source for c in nb.cells if c.cell_type == "code" and "SelfCheck(" in c.source and "typo" in c.source)
    call = ast.parse(cell).body[0].value
    choices = ast.literal_eval(call.args[1])
    answer = next(ast.literal_eval(k.value) for k in call.keywords if k.arg == "answer")
    typo = Stepper(load_scenario("seed-selector-typo").replay(), views=("tracker",))
    typo.go(6)
    status = typo.html("status")
    assert "Client: connect" in status and "rejected: no endpoints" in status
    assert choices[answer] == "It is refused: no endpoints"
