"""The kit's shape (issue 15): the command line parses and prints, the grading module grades; no module
reaches into another's private names; no dead code; one computation of a student's work per notebook."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import autograder
from autograder import plan, spec

KIT = Path(autograder.__file__).resolve().parent


def test_the_command_line_imports_public_names_and_leaves_grading_to_the_grading_module():
    tree = ast.parse((KIT / "cli.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("autograder") for alias in node.names}
    private = [name for name in imported if name.startswith("_")]
    reached = [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr.startswith("_")
               and isinstance(node.value, ast.Name) and node.value.id in imported | {"reports"}]
    assert private == [] and reached == []
    # orchestration (intake, the gradebook, the pool of sandboxes) is not the command line's business
    assert not imported & {"collect", "GradebookWriter", "grade_class", "write_record", "remember_out"}


def test_no_dead_spec_code_and_student_work_is_computed_once_by_the_caller():
    assert not hasattr(spec.AssignmentSpec, "from_record")
    assert list(inspect.signature(plan.build_steps).parameters) == ["spec", "work"]
    assert inspect.signature(plan.build_steps).parameters["work"].default is inspect.Parameter.empty
