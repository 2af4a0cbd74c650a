"""The controllers take their inputs (issue 15): they read through `Lister`, write through `Writer`, and
reach into no other object's private fields; the store's indexes and clients are what those name."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import slicelab
from slicelab import cluster
from slicelab.controllers.base import Lister, Writer
from slicelab.indexes import Indexes

CONTROLLERS = Path(slicelab.__file__).parent / "controllers"


def public_methods(cls) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


def test_controllers_touch_no_private_field_of_another_object_and_import_no_store():
    offences = []
    for path in sorted(CONTROLLERS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__") \
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                offences.append(f"{path.name}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module in ("slicelab.cluster", "slicelab.indexes"):
                offences.append(f"{path.name}:{node.lineno} imports {node.module}")
    assert offences == []


def test_the_store_provides_what_the_interfaces_name():
    assert public_methods(Lister) <= public_methods(Indexes)
    assert public_methods(Writer) <= public_methods(cluster._Client)
    c = slicelab.Cluster()
    assert {name: type(ctrl.lister) for name, ctrl in c._controllers.items()} == dict.fromkeys(c._controllers, Indexes)
    assert {ctrl.client.actor for ctrl in c._controllers.values()} == set(c._controllers)
