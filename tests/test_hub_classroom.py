"""The classroom on a real JupyterHub, end to end, in a real browser — what docs/classroom.md promises.

scripts/classroom_hub.py starts the hub `make demo-hub` starts: real system users (an instructor and two
learners) who log in through PAM, each one's server under their own uid, run from an installed copy of this
project; nbgrader's exchange between them. Playwright drives Debian's chromium through the whole cycle, as
people do it:
  1. the instructor opens the Formgrader, generates and releases ps1 and ps4;
  2. each learner fetches both from the Assignments tab, answers (ada right, grace partly), validates, submits;
  3. the instructor collects, grades with `autograder grade` in a JupyterLab terminal, grades ps4's
     free-text answers in the Formgrader (the only cells waiting for a person), releases feedback;
  4. each learner fetches their feedback: their own score and hints, never another's work, a hidden test or
     a solution — on their pages and in their files.
Screenshots of every stage go to artifacts/hub/; the stages' timings are printed and kept there too.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from autograder.spec import load_assignment
from conftest import IN_CI, REPO, require_tool
from test_course_pipeline import _is_solution, _reference_source, _wrong_source

sys.path.insert(0, str(REPO / "scripts"))
import classroom_hub  # noqa: E402  (scripts/ is not a package: the demo runs this file directly)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
expect.set_options(timeout=90_000)  # waits end on the page's state; the timeout only bounds a broken run

ASSIGNMENTS = ("ps1-the-flow", "ps4-troubleshooting")
PEOPLE = ("t-instructor", "t-ada", "t-grace")  # not the demo's names, so a running demo is left alone
SHOTS = REPO / "artifacts" / "hub"
SOURCE = REPO / "course" / "source"
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
# What the instructor gives for ps4's free-text answers, E1 and E2, worth 2 points each.
MANUAL_ASSIGNMENT, MANUAL_MAX = "ps4-troubleshooting", {"E1": 2, "E2": 2}
MANUAL = {"t-ada": {"E1": 2, "E2": 2}, "t-grace": {"E1": 1, "E2": 0}}
COMMENT = ("t-grace", "E1", "Right that the old Pods still serve: now say which EndpointSlice conditions let them.")
GRACE_WORDS = {"E1": "Grace's own words: the old Pods are still in the slice, so I think clients reach them.",
               "E2": "Grace's own words: being in the slice should be enough for traffic."}


# --------------------------------------------------------------------------------------------------
# the answer key, and answers made from it

def _notebook(assignment: str):
    return nbformat.read(SOURCE / assignment / f"{assignment}.ipynb", as_version=4)


def hidden_tests() -> list[str]:
    """Every line of every hidden test in the course: no learner may ever see one."""
    lines = []
    for folder in sorted(SOURCE.iterdir()):
        for path in folder.glob("*.ipynb"):
            for cell in nbformat.read(path, as_version=4).cells:
                for block in HIDDEN.findall(cell.source):
                    lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 20]
    assert len(lines) > 40, "the course's hidden tests were not found"
    return lines


def solutions(assignment: str, only: set[str] | None = None, kind: str | None = None) -> list[str]:
    """Reference solutions: the lines between nbgrader's solution markers, and the model explanations
    (markdown), of the answer cells `only` names (default: all) of one `kind` of cell (default: both)."""
    found = []
    for cell in _notebook(assignment).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        wanted = (only is None or grade_id in only) and kind in (None, cell.cell_type)
        if not (_is_solution(cell) and wanted):
            continue
        text = cell.source if cell.cell_type == "markdown" else "".join(SOLUTION.findall(cell.source))
        found += [line.strip() for line in text.splitlines() if len(line.strip()) > 15]
    return found


def answered(release: dict, assignment: str, learner: str) -> tuple[dict, set[str]]:
    """The fetched notebook as the learner leaves it, and the answer cells they did NOT get right.

    t-ada types the reference solutions (from course/source). t-grace gets the first half of the answer
    cells right, answers the rest wrongly where a wrong answer of the right form exists, leaves the others
    unanswered, and writes her own (weak) explanations.
    """
    source = {c.metadata["nbgrader"]["grade_id"]: c for c in _notebook(assignment).cells if _is_solution(c)}
    nb = nbformat.from_dict(release)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if _is_solution(c) and c.cell_type == "code"]
    right = set(ids) if learner == "t-ada" else set(ids[: len(ids) // 2])
    for cell in nb.cells:
        if not _is_solution(cell):
            continue
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if cell.cell_type == "markdown":
            cell.source = source[grade_id].source if learner == "t-ada" else GRACE_WORDS[grade_id]
        elif grade_id in right:
            cell.source = _reference_source(source[grade_id])
        elif _wrong_source(source[grade_id]):
            cell.source = _wrong_source(source[grade_id])
    not_right = set() if learner == "t-ada" else set(source) - right
    return nb, not_right


def manual_points(name: str, assignment: str) -> tuple[float, float]:
    """The points the instructor gives `name` by hand in `assignment`, and the most they could give."""
    if assignment != MANUAL_ASSIGNMENT:
        return 0, 0
    return sum(MANUAL[name].values()), sum(MANUAL_MAX.values())


# --------------------------------------------------------------------------------------------------
# stages, screenshots, pages

class Stages:
    """Times each stage of the cycle and numbers its screenshots (artifacts/hub/NN-name.png)."""

    def __init__(self):
        self.rows: list[tuple[str, float]] = []
        self.shots: list[Path] = []
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    @contextmanager
    def stage(self, name: str):
        start = time.monotonic()
        try:
            yield
        finally:
            self.rows.append((name, time.monotonic() - start))

    def shot(self, page, name: str) -> None:
        path = SHOTS / f"{len(self.shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path))
        self.shots.append(path)

    def report(self, before: dict[str, float]) -> str:
        rows = list(before.items()) + self.rows
        text = "\n".join(f"{seconds:7.1f} s  {name}" for name, seconds in rows)
        text += f"\n{sum(s for _, s in rows):7.1f} s  in all\n"
        (SHOTS / "timings.txt").write_text(text)
        return text


def log_in(browser, room, person, stack: ExitStack):
    """A browser of that person's own (own cookies): the hub's login form, then their JupyterLab."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    stack.callback(context.close)
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{room.url}hub/login")
    page.fill("#username_input", person.name)
    page.fill("#password_input", person.password)
    page.click("#login_submit")  # the hub starts their server now; the page follows when it is ready
    return page


def wait_for_lab(page) -> None:
    page.locator("#jp-main-dock-panel").wait_for()
    page.locator(".jp-DirListing-content").wait_for()


def nbgrader_menu(page) -> list[str]:
    page.locator('div.lm-MenuBar-itemLabel:text-is("Nbgrader")').click()
    menu = page.locator("#jp-mainmenu-nbgrader")
    menu.wait_for()
    items = [text.strip() for text in menu.locator("li.lm-Menu-item:visible").all_inner_texts()]
    page.keyboard.press("Escape")
    return items


def open_from_nbgrader_menu(page, command: str) -> None:
    page.locator('div.lm-MenuBar-itemLabel:text-is("Nbgrader")').click()
    page.locator(f'#jp-mainmenu-nbgrader li[data-command="{command}"]').click()


def formgrader_row(frame, assignment: str):
    return frame.locator("#main-table tr", has=frame.locator("td.name a", has_text=re.compile(f"^{assignment}$")))


def formgrader_act(frame, assignment: str, column: str, success: str) -> str:
    """Press a Manage Assignments button; wait for nbgrader's answer (a modal), check it, close it."""
    formgrader_row(frame, assignment).locator(f"td.{column} a").click()
    modal = frame.locator("#success-modal, #error-modal")
    modal.wait_for()
    text = modal.inner_text()
    assert frame.locator("#success-modal").count() == 1 and success in text, text
    modal.locator(".modal-footer button").click()
    modal.wait_for(state="detached")
    return text


def formgrader_link(frame, text: str):
    return frame.locator("#main-table tr td.name a", has_text=re.compile(f"^{re.escape(text)}$"))


def formgrader_go(frame, link, crumbs: list[str]) -> None:
    """Follow a link in the Formgrader and wait until its page (told by its breadcrumbs) is there."""
    link.click()
    expect(frame.locator("ol.breadcrumb > li")).to_have_text(crumbs)


def list_rows(page, which: str, count: int):
    """The Assignments tab's released / fetched / submitted list, once it has loaded `count` rows."""
    expect(page.locator(f"#{which}_assignments_list_loading")).to_be_hidden()
    rows = page.locator(f"#{which}_assignments_list > .list_item")
    expect(rows).to_have_count(count)
    return rows


def row_of(rows, assignment: str):
    return rows.filter(has=rows.page.locator(".item_name", has_text=re.compile(f"^{assignment}$")))


def terminal_run(page, command: str, done: re.Pattern, timeout_ms: int = 120_000) -> str:
    """Type a command into a new JupyterLab terminal; wait for `done` in its text (screen-reader tree)."""
    page.locator('div.lm-MenuBar-itemLabel:text-is("File")').click()
    page.locator('li[data-command="filemenu:new"], .lm-Menu-item:has-text("New")').first.hover()
    page.locator('li[data-command="terminal:create-new"]').first.click()
    terminal = page.locator(".jp-Terminal").last
    terminal.wait_for()
    screen = terminal.locator(".xterm-accessibility-tree")
    expect(screen).to_contain_text(re.compile(r"\$\s*$", re.M))  # the prompt
    terminal.click()
    page.keyboard.type(command + "\n")
    expect(screen).to_contain_text(done, timeout=timeout_ms)
    return screen.inner_text()


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


# --------------------------------------------------------------------------------------------------
# files, as the learner and as root

def files_under(folder: Path) -> dict[Path, str]:
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 5_000_000:
            found[path] = path.read_bytes().decode("utf-8", "replace")
    return found


def refused(room, person, argv) -> str:
    """Run a command as `person`; it must fail with 'Permission denied'. Returns its message."""
    result = room.as_user(person, argv, check=False)
    assert result.returncode != 0 and "Permission denied" in result.stderr, (argv, result)
    return result.stderr.strip()


# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def room():
    require_tool("/usr/bin/chromium")
    require_tool("bwrap")  # `autograder grade` sandboxes every submission in user namespaces
    if os.geteuid() != 0:
        reason = "the classroom hub creates system users and spawns servers as them: it needs root"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with classroom_hub.classroom(PEOPLE, log=print) as room:
        # `autograder grade` runs as the instructor: their sandboxes need unprivileged user namespaces
        probe = room.as_user(room.instructor, ["python", "-c", "from autograder.sandbox import check_bwrap; "
                                                                "check_bwrap()"], check=False)
        assert probe.returncode == 0, f"this machine cannot sandbox the instructor's grading:\n{probe.stderr}"
        yield room
    for name in PEOPLE:  # everything undone, even after a failure above (the context manager's promise)
        assert not classroom_hub._exists(name), f"user {name} was left behind"


def test_installed_servers_carry_no_answer_key(room):
    """The servers' environment is an install, not the checkout, and holds no hidden test or solution."""
    env = room.server_env
    assert not list(env.rglob("course/source")), "the servers' environment ships course/source"
    assert not [p for p in env.rglob("ps*-*.ipynb") if (p.name.split(".")[0] in
                {f.name for f in SOURCE.iterdir()})], "the servers' environment ships a course notebook"
    # Hidden tests and the model explanations are the key; solution code is not searched for, as the library
    # the lessons teach with (slicelab) rightly holds lines like `for pod in pods:` too.
    explanations = [line for folder in SOURCE.iterdir() for line in solutions(folder.name, kind="markdown")]
    assert explanations, "the course's model explanations were not found"
    secrets = hidden_tests() + explanations
    patterns = room.run / "secrets.txt"
    patterns.write_text("\n".join(secrets) + "\n")
    grep = subprocess.run(["grep", "-rlF", "-f", str(patterns), str(env)], capture_output=True, text=True)
    assert grep.stdout == "", f"hidden tests or solutions in the servers' environment:\n{grep.stdout}"
    learner = room.learners[0]
    where = room.as_user(learner, ["python", "-c", "import autograder, slicelab, pathlib, sys; "
                                   "p = pathlib.Path(autograder.__file__).resolve(); print(p); "
                                   "print([str(q) for q in p.parents if (q / 'course' / 'source').exists()])"])
    package, course_near = where.stdout.splitlines()
    assert package.startswith(str(env)), f"{learner.name}'s server imports autograder from {package}"
    assert course_near == "[]", f"a course/source folder is reachable from the installed package: {course_near}"
    # and this checkout, which holds the answer key (course/source, .git), is closed to them while the hub runs
    refused(room, learner, ["cat", str(SOURCE / "ps1-the-flow" / "ps1-the-flow.ipynb")])
    refused(room, learner, ["ls", str(REPO / ".git")])


def test_the_classroom_end_to_end(room, browser):
    stages = Stages()
    instructor, (ada, grace) = room.instructor, room.learners
    learners = {ada.name: ada, grace.name: grace}
    secrets = hidden_tests()
    with ExitStack() as stack:
        stack.callback(lambda: print("\n" + stages.report(room.timings)))
        # ---- 1. the instructor releases ps1 and ps4 from the Formgrader -----------------------------
        with stages.stage("1a. everyone logs in (three servers start); the instructor's JupyterLab is ready"):
            intruder = log_in(browser, room, replace(ada, password=grace.password), stack)  # PAM says no
            expect(intruder.locator(".login_error")).to_contain_text("Invalid username or password")
            intruder.context.close()
            teacher = log_in(browser, room, instructor, stack)
            pages = {p.name: log_in(browser, room, p, stack) for p in room.learners}  # their servers start now
            wait_for_lab(teacher)
        with stages.stage("1b. instructor: Formgrader, generate + release ps1 and ps4"):
            items = nbgrader_menu(teacher)
            assert {"Formgrader", "Create assignment", "Assignment List"} <= set(items), items
            expect(teacher.locator(".lm-TabBar-tab", has_text="Create Assignment")).to_have_count(1)
            open_from_nbgrader_menu(teacher, "nbgrader:open-formgrader")
            formgrader = teacher.frame_locator("iframe[src*='formgrader']")
            expect(formgrader.locator("#main-table tr td.name a").first).to_be_visible()
            for assignment in ASSIGNMENTS:
                formgrader_act(formgrader, assignment, "assign",
                               f"Successfully created the student version of '{assignment}'")
                formgrader_act(formgrader, assignment, "release", f"Successfully released '{assignment}'")
                expect(formgrader_row(formgrader, assignment).locator("td.status")).to_have_text("released")
            stages.shot(teacher, "instructor-formgrader-released")

        # ---- 2. each learner fetches, answers, validates, submits -------------------------------------
        not_right = {}
        for name, page in pages.items():
            learner = learners[name]
            with stages.stage(f"2. {name}: JupyterLab ready, fetch, answer, validate, submit"):
                wait_for_lab(page)
                assert nbgrader_menu(page) == ["Assignment List"], "a learner sees nbgrader's authoring tools"
                expect(page.locator(".lm-TabBar-tab", has_text="Create Assignment")).to_have_count(0)
                assert page.request.get(f"{room.url}user/{name}/formgrader").status == 404
                other = next(p for p in room.learners if p.name != name)
                assert page.request.get(f"{room.url}user/{other.name}/api/contents").status == 403
                open_from_nbgrader_menu(page, "nbgrader:open-assignment-list")
                page.locator("#refresh_assignments_list").click()
                released = list_rows(page, "released", len(ASSIGNMENTS))
                for fetched in range(1, len(ASSIGNMENTS) + 1):
                    released.first.locator(".item_status button").click()
                    released = list_rows(page, "released", len(ASSIGNMENTS) - fetched)
                    list_rows(page, "fetched", fetched)
                stages.shot(page, f"{name}-fetched")
                for assignment in ASSIGNMENTS:
                    path = learner.home / assignment / f"{assignment}.ipynb"
                    release = json.loads(path.read_text())
                    assert not leaks(path.read_text(), secrets), "a fetched notebook holds hidden tests"
                    nb, not_right[name, assignment] = answered(release, assignment, name)
                    room.as_user(learner, ["tee", str(path)], input=nbformat.writes(nb))  # written as the learner
                    assert path.stat().st_uid == learner.uid
                fetched = list_rows(page, "fetched", len(ASSIGNMENTS))
                for assignment in ASSIGNMENTS:
                    row = row_of(fetched, assignment)
                    row.locator(".item_name a").first.click()  # unfolds the assignment's notebooks
                    validate = row.locator('.item_status button:text-is("Validate")')
                    validate.click()
                    dialog = page.locator(".jp-Dialog")
                    dialog.wait_for()
                    expect(dialog).not_to_contain_text("Validating")
                    text = dialog.inner_text()
                    if name == ada.name:
                        assert "Success! Your notebook passes all the tests." in text, text
                    else:
                        assert "failed" in text.lower() and "Success" not in text, text
                    assert not leaks(text, secrets)
                    stages.shot(page, f"{name}-validate-{assignment[:3]}")
                    dialog.locator("button.jp-Dialog-button").last.click()
                    dialog.wait_for(state="detached")
                for count, assignment in enumerate(ASSIGNMENTS, start=1):
                    row_of(list_rows(page, "fetched", len(ASSIGNMENTS)), assignment) \
                        .locator('.item_status button:text-is("Submit")').first.click()
                    submitted = list_rows(page, "submitted", count)
                    expect(row_of(submitted, assignment)).to_have_count(1)
                stages.shot(page, f"{name}-submitted")

        # ---- 3. the instructor collects, grades, grades by hand, releases feedback --------------------
        with stages.stage("3a. instructor: collect both (Formgrader)"):
            teacher.bring_to_front()  # still on the Formgrader's Manage Assignments
            for assignment in ASSIGNMENTS:
                formgrader_act(formgrader, assignment, "collect",
                               f"Successfully collected submissions of '{assignment}'")
                expect(formgrader_row(formgrader, assignment).locator("td.num-submissions")).to_have_text("2")
            for learner in room.learners:
                for assignment in ASSIGNMENTS:
                    assert (room.course / "submitted" / learner.name / assignment / f"{assignment}.ipynb").is_file()

        with stages.stage("3b. instructor: `autograder grade` and `autograder report` in a JupyterLab terminal"):
            command = " && ".join([f"autograder grade {a} course/submitted" for a in ASSIGNMENTS] +
                                  [f"autograder report {a}" for a in ASSIGNMENTS])
            screen = terminal_run(teacher, f"{command}; echo \"grading done, exit status $?\"",
                                  re.compile(r"grading done, exit status \d+"))
            stages.shot(teacher, "instructor-autograder-grade")
            assert re.search(r"grading done, exit status 0", screen) and "WARNING" not in screen, screen
            scores = {}
            for assignment in ASSIGNMENTS:
                rows = list(csv.DictReader(io.StringIO(
                    (room.course / "grading" / assignment / "grades.csv").read_text())))
                spec = load_assignment(room.course, assignment)  # grades.csv's max_score counts the points a
                assert {float(r["max_score"]) for r in rows} == {spec.points_possible}  # person gives, too
                scores[assignment] = {r["student_id"]: (float(r["score"]), spec.max_score) for r in rows}
                assert set(scores[assignment]) == set(learners), scores
                score, top = scores[assignment][ada.name]
                assert score == top > 0, f"{assignment}: the reference answers scored {score} / {top}"
                score, top = scores[assignment][grace.name]
                assert 0 < score < top, f"{assignment}: the partly right answers scored {score} / {top}"
            for assignment in ASSIGNMENTS:  # the report names the questions that taught least
                assert (room.course / "grading" / assignment / "report.md").is_file()
            owners = {p.stat().st_uid for p in room.course.rglob("*")}
            assert owners == {instructor.uid}, "files of another user (root?) in the instructor's course"

        with stages.stage("3c. instructor: Formgrader's manual grading — only ps4's free text waits"):
            teacher.locator(".lm-TabBar-tab", has_text="Formgrader").click()
            manual_grading = formgrader.locator("a:text-is('Manual Grading')").first
            formgrader_go(formgrader, manual_grading, ["Manual Grading"])
            formgrader_go(formgrader, formgrader_link(formgrader, ASSIGNMENTS[0]), ["Manual Grading", ASSIGNMENTS[0]])
            expect(formgrader.locator("#main-table tr td.needs-manual-grade")).to_have_attribute("data-search", "")
            stages.shot(teacher, "instructor-manual-grading-ps1-nothing-waits")
            ps4 = MANUAL_ASSIGNMENT
            formgrader_go(formgrader, manual_grading, ["Manual Grading"])
            formgrader_go(formgrader, formgrader_link(formgrader, ps4), ["Manual Grading", ps4])
            expect(formgrader.locator("#main-table tr td.needs-manual-grade")).to_have_attribute(
                "data-search", "needs manual grade")
            formgrader_go(formgrader, formgrader_link(formgrader, ps4), ["Manual Grading", ps4, ps4])
            rows = formgrader.locator("#main-table tr")
            expect(rows).to_have_count(len(MANUAL))
            expect(formgrader.locator("td.needs-manual-grade[data-search='needs manual grade']")).to_have_count(2)
            stages.shot(teacher, "instructor-manual-grading-ps4-two-wait")
            for name, marks in MANUAL.items():
                row = rows.filter(has=formgrader.locator("a.name-shown", has_text=re.compile(f"^{name}$")))
                row.locator("a.name-hidden").click()  # graded blind, as nbgrader shows it by default
                waiting = formgrader.locator("input.score.needs_manual_grade")
                expect(waiting).to_have_count(len(marks))
                assert sorted(waiting.evaluate_all("els => els.map(e => e.id)")) == sorted(marks)
                for grade_id, points in marks.items():
                    with teacher.expect_response(lambda r: "/api/grade/" in r.url and r.request.method == "PUT"):
                        formgrader.locator(f"input.score#{grade_id}").fill(str(points))
                        formgrader.locator(f"input.score#{grade_id}").press("Tab")
                if name == COMMENT[0]:
                    with teacher.expect_response(lambda r: "/api/comment/" in r.url and r.request.method == "PUT"):
                        formgrader.locator(f"textarea#{COMMENT[1]}-comment").fill(COMMENT[2])
                        formgrader.locator(f"textarea#{COMMENT[1]}-comment").press("Tab")
                expect(formgrader.locator("input.score.needs_manual_grade")).to_have_count(0)
                stages.shot(teacher, f"instructor-graded-{name}")
                formgrader_go(formgrader, formgrader.locator("ul.breadcrumb > li:nth-child(3) a"),
                              ["Manual Grading", ps4, ps4])
                expect(rows).to_have_count(len(MANUAL))
            expect(formgrader.locator("td.needs-manual-grade[data-search='needs manual grade']")).to_have_count(0)

        with stages.stage("3d. instructor: generate + release feedback (Formgrader)"):
            formgrader_go(formgrader, formgrader.locator("a:text-is('Manage Assignments')"), ["Assignments"])
            for assignment in ASSIGNMENTS:
                formgrader_act(formgrader, assignment, "generate-feedback",
                               f"Successfully generated feedback of '{assignment}'")
                formgrader_act(formgrader, assignment, "release-feedback", "Success")
            stages.shot(teacher, "instructor-feedback-released")

        with stages.stage("3e. instructor: `nbgrader export`, the grades for the LMS"):
            screen = terminal_run(teacher, 'nbgrader export --to course/grades.csv; echo "exported, exit status $?"',
                                  re.compile(r"exported, exit status \d+"))
            stages.shot(teacher, "instructor-nbgrader-export")
            assert "exported, exit status 0" in screen, screen
            exported = list(csv.DictReader(io.StringIO((room.course / "grades.csv").read_text())))
            for assignment in ASSIGNMENTS:
                for name in learners:
                    (row,) = [r for r in exported if (r["assignment"], r["student_id"]) == (assignment, name)]
                    assert float(row["raw_score"]) == scores[assignment][name][0] + manual_points(name, assignment)[0]

        # ---- 4. each learner fetches their feedback: own score and hints, nothing else ------------------
        for name, page in pages.items():
            learner = learners[name]
            other = next(p for p in room.learners if p.name != name)
            with stages.stage(f"4. {name}: fetch feedback, read it"):
                page.bring_to_front()
                page.locator("#refresh_assignments_list").click()
                submitted = list_rows(page, "submitted", len(ASSIGNMENTS))
                for assignment in ASSIGNMENTS:
                    row = row_of(submitted, assignment)
                    row.locator('button:text-is("Fetch Feedback")').click()
                    submitted = list_rows(page, "submitted", len(ASSIGNMENTS))
                    row = row_of(submitted, assignment)
                    row.locator("a", has_text="view feedback").click()  # the file browser opens the folder
                    page.locator(".jp-DirListing-item", has_text=f"{assignment}.html").dblclick()
                    viewer = page.locator(".jp-HTMLViewer:visible iframe")
                    expect(viewer.content_frame.locator("body")).to_contain_text("Score")  # loaded
                    text = viewer.content_frame.locator("body").inner_text()
                    (auto, top), (manual, manual_top) = scores[assignment][name], manual_points(name, assignment)
                    score, out_of = auto + manual, top + manual_top
                    assert re.search(rf"Score:\s*{score:g}(\.0+)?\s*/\s*{out_of:g}(\.0+)?\)", text), \
                        f"{name}'s {assignment} feedback does not show {score} / {out_of}:\n{text[:600]}"
                    # the grader's verdict on a wrong answer names the check and gives the question's hint
                    verdicts = re.findall(r"\S+: not yet right \(your answer: .*?\)\. Hint: .+", text)
                    if not_right[name, assignment]:
                        assert verdicts, f"{name}'s feedback on {assignment} gives no hint"
                    else:
                        assert not verdicts, verdicts
                    if (name, assignment) == (COMMENT[0], MANUAL_ASSIGNMENT):
                        assert COMMENT[2] in text, f"the instructor's comment is not in {name}'s feedback"
                    forbidden = secrets + [other.name] + solutions(assignment, not_right[name, assignment])
                    if name == grace.name:
                        forbidden += solutions(assignment, {"E1", "E2"})
                    else:
                        forbidden += list(GRACE_WORDS.values())
                    assert not leaks(text, forbidden), leaks(text, forbidden)
                    stages.shot(page, f"{name}-feedback-{assignment[:3]}")
                    if not_right[name, assignment]:
                        viewer.content_frame.get_by_text("not yet right").first.scroll_into_view_if_needed()
                        stages.shot(page, f"{name}-feedback-{assignment[:3]}-a-hint")
                    page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()
                    open_from_nbgrader_menu(page, "nbgrader:open-assignment-list")
                assert not leaks(page.locator("body").inner_text(), secrets + [other.name])
                stages.shot(page, f"{name}-assignments-with-feedback")

        # ---- what each learner can reach on the machine ---------------------------------------------
        with stages.stage("checks: learners' files and permissions"):
            inbound = room.exchange / "slicelab" / "inbound"
            feedback_dir = room.exchange / "slicelab" / "feedback"
            for learner in room.learners:
                other = next(p for p in room.learners if p.name != learner.name)
                refused(room, learner, ["cat", str(room.course / "source" / "ps1-the-flow" / "ps1-the-flow.ipynb")])
                refused(room, learner, ["ls", str(instructor.home)])
                refused(room, learner, ["ls", str(other.home)])
                refused(room, learner, ["ls", str(inbound)])
                refused(room, learner, ["ls", str(feedback_dir)])
                mine = files_under(learner.home)
                assert any(p.suffix == ".html" and "feedback" in p.parts for p in mine), "no feedback fetched"
                forbidden = secrets + [s for a in ASSIGNMENTS for s in solutions(a, not_right[learner.name, a])]
                forbidden += list(GRACE_WORDS.values()) if learner is ada else []
                for path, text in mine.items():
                    assert not leaks(text, forbidden), f"{path}: {leaks(text, forbidden)}"
                    assert other.name not in text, f"{path} names {other.name}"
            for path, text in files_under(room.exchange / "slicelab" / "outbound").items():  # world-readable
                assert not leaks(text, secrets), f"{path}: {leaks(text, secrets)}"
            # Pitfall 5, decided: nbgrader stores each submission world-readable (0644) in a folder anyone may
            # write (0777), both named <student>+<assignment>+<time>+<72 random bits> inside an inbound folder
            # nobody but the instructor can list (2733). The course promises what follows from that — a learner
            # cannot find another's submission or feedback — and relies on the names never being shown.
            assert stat.S_IMODE(inbound.stat().st_mode) == 0o2733
            assert stat.S_IMODE(feedback_dir.stat().st_mode) == 0o711
            for folder in inbound.iterdir():
                assert re.fullmatch(r"t-(ada|grace)\+ps[14]-[a-z-]+\+[0-9 :.-]+ UTC\+[A-Za-z0-9_=-]{12}",
                                    folder.name), folder.name
                assert stat.S_IMODE((folder / f"{folder.name.split('+')[1]}.ipynb").stat().st_mode) == 0o644
                for learner in room.learners:  # the name is on no learner's page or file
                    assert not any(folder.name.split("+")[-1] in t for t in files_under(learner.home).values())

    print("screenshots:", *[str(p.relative_to(REPO)) for p in stages.shots], sep="\n  ")
