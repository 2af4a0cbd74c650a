"""Lessons 02-09: the shape LESSON-STYLE.md asks for, checked from the stored notebooks, then executed.

Structure: title, 3-5 objectives, >= 4 self-checks (asked from slicelab.lessons, so the answer is not in
the cell) each with a hint that does not state the answer, a
Reality check and a Try it callout, a playground (or sliders), a short summary and a working *Next:* link;
code cells of at most 10 lines; stored without outputs. Execution: every lesson runs headless with no
error, no stderr and no warning.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from slicelab.lessons import SELF_CHECKS, self_check
from slicelab.widgets.selfcheck import SelfCheck, normalise

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(p for p in NOTEBOOKS.glob("0[2-9]-*.ipynb"))
IDS = [p.stem[:2] for p in LESSONS]


def read(path: Path):
    return nbformat.read(path, as_version=4)


def markdown(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def calls(nb, name: str) -> list[ast.Call]:
    """Every call of `name(...)` in the code cells, parsed (not executed)."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source.replace("\n!", "\n#"))
            found += [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                      and isinstance(n.func, ast.Name) and n.func.id == name]
    return found


def keywords(call: ast.Call) -> dict:
    return {k.arg: ast.literal_eval(k.value) for k in call.keywords}


def test_every_lesson_02_to_09_exists_with_a_short_name():
    assert IDS == ["02", "03", "04", "05", "06", "07", "08", "09"]
    for path in LESSONS:
        assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_shape(path):
    nb = read(path)
    texts = markdown(nb)
    assert texts[0].startswith(f"# {path.name[:2]} · "), "title first"
    objectives = next(t for t in texts if t.startswith("## Objectives"))
    verbs = re.findall(r"^- \*\*(\w+)\*\*", objectives, re.M)
    assert 3 <= len(verbs) <= 5, objectives
    summary = next(t for t in texts if t.startswith("## Summary") or "\n## Summary" in t)
    summary = summary[summary.index("## Summary"):]
    assert 1 <= len(re.findall(r"^- ", summary, re.M)) <= 5
    kinds = [ast.literal_eval(c.args[0]) for c in calls(nb, "callout")]
    assert "reality-check" in kinds and "try-it" in kinds
    assert calls(nb, "Playground") or calls(nb, "interact"), "a playground or sliders to explore"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_next_link_points_at_a_real_notebook(path):
    summary = markdown(read(path))[-1]
    assert "**Next:**" in summary
    for target in re.findall(r"\]\(([^)]+\.ipynb)\)", summary):
        assert (NOTEBOOKS / target).exists(), target


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_self_checks_are_asked_in_order_and_keep_their_answers(path):
    lesson = path.name[:2]
    asked = [tuple(ast.literal_eval(a) for a in c.args) for c in calls(read(path), "self_check")]
    items = SELF_CHECKS[lesson]
    assert len(items) >= 4 and asked == [(lesson, n) for n in range(1, len(items) + 1)]
    for item in items:
        widget = self_check(lesson, items.index(item) + 1)
        assert isinstance(widget, SelfCheck) and widget.question == item["question"]
        hint = normalise(item.get("hint", ""))
        assert hint, f"no hint for {item['question']!r}"
        answers = item["answer"] if isinstance(item["answer"], list) else [item["answer"]]
        assert widget.check(answers[0])
        for answer in answers:
            answer = normalise(answer)
            if len(answer) > 3:  # short words and numbers occur in any sentence
                assert answer not in hint, f"the hint of {item['question']!r} gives the answer away"


def test_the_answer_is_not_in_the_notebook():
    for path in LESSONS:
        text = path.read_text()
        assert "SelfCheck(" not in text and "answer=" not in text, path.name


def test_self_check_refuses_unknown_lessons_and_numbers():
    with pytest.raises(ValueError, match="no self-checks for lesson '01'"):
        self_check("01", 1)
    with pytest.raises(ValueError, match="1..6"):
        self_check("02", 7)


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_stored_as_source_with_short_code_cells(path):
    nb = read(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= 10, cell.source


def test_report_the_number_of_self_check_items(capsys):
    counts = {p.stem: len(calls(read(p), "self_check")) for p in LESSONS}
    with capsys.disabled():
        print(f"\nself-check items in lessons 02-09: {sum(counts.values())} {counts}")
    assert sum(counts.values()) >= 4 * len(LESSONS)


@pytest.fixture(scope="module")
def font_cache():
    """On a fresh machine matplotlib builds its font cache once and says so on stderr: do it here, not in
    the first lesson that draws a plot."""
    import matplotlib.font_manager  # noqa: F401  (building the cache is the import's side effect)


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_executes_headless_without_errors_or_warnings(path, tmp_path, venv_bin, monkeypatch, font_cache):
    from nbclient import NotebookClient
    monkeypatch.setenv("PATH", f"{venv_bin}:{__import__('os').environ.get('PATH', '')}")
    nb = read(path)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"cell {index}: {output.get('evalue')}"
            assert output.get("name") != "stderr", f"cell {index} wrote to stderr: {output.get('text')}"
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert "Warning:" not in text or "v1 Endpoints is deprecated" in text, f"cell {index}: {text}"
    assert list(tmp_path.iterdir()) == [], "a lesson must not leave files behind"
