"""`slicelab scenario NAME [--format table|json]` and `slicelab scenario --list`.

slicelab/cli.py calls `add_scenario_command(subparsers)`; the subcommand's handler is stored as the
parser default `func` (and `handler`), called with the parsed arguments, and returns the exit code.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from slicelab.scenario import ScenarioError, Timeline, list_scenarios, load_scenario

__all__ = ["add_scenario_command", "run_scenario_command", "render_scenario", "scenario_json"]


def add_scenario_command(subparsers) -> argparse.ArgumentParser:
    """Register `scenario` on an argparse subparsers object."""
    parser = subparsers.add_parser(
        "scenario", help="replay a scenario and print its process table and status tracker",
        description="Replay a scenario (default: the seed's 12 steps) on a slicelab cluster and print the "
                    "process table and the status tracker computed from the replay.")
    parser.add_argument("name", nargs="?", default=None, help="scenario name (see --list) or a YAML file")
    parser.add_argument("--list", action="store_true", help="list the scenarios shipped with slicelab")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    parser.add_argument("--concurrent", action="store_true",
                        help="run every controller from the start, as a real cluster does")
    parser.set_defaults(func=run_scenario_command, handler=run_scenario_command)
    return parser


def scenario_json(timeline: Timeline) -> dict:
    """{"steps": [{step, action, resource, details, result}...], "tracker": {"columns", "rows"}}."""
    return {"steps": timeline.process_table(), "tracker": timeline.tracker.as_json()}


def render_scenario(timeline: Timeline) -> str:
    """The process table and the status tracker in the seed's layout, as text."""
    from slicelab.views.timeline import render_process_table_text, render_tracker_text
    sc = timeline.scenario
    parts = [sc.title, "", "Process Table", render_process_table_text(timeline)]
    if sc.stop_note:
        parts += ["", sc.stop_note]
    parts += ["", "Status Tracker", render_tracker_text(timeline)]
    return "\n".join(parts)


def run_scenario_command(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if args.list:
        for name in list_scenarios():
            out.write(f"{name:<22}{load_scenario(name).title}\n")
        return 0
    try:
        timeline = load_scenario(args.name or "seed").replay(concurrent=args.concurrent)
    except ScenarioError as exc:
        err.write(f"slicelab: {exc}\n")
        return 2
    if args.format == "json":
        out.write(json.dumps(scenario_json(timeline), indent=2) + "\n")
    else:
        out.write(render_scenario(timeline) + "\n")
    return 0
