"""Build the whole course as a static site that runs in the browser: `make site` runs this.

The site is JupyterLite (JupyterLab with no server) and a Python kernel in WebAssembly (Pyodide), so
any static host serves it: `python3 -m http.server`, GitHub Pages, an LMS's file area. What goes in:

- lessons 00-09 from notebooks/, and the RELEASED assignments: nbgrader's generate_assignment (through
  `autograder.gradebook.release`) run on a copy of course/, plus a cell saying how to hand them in.
  course/source, solutions and hidden tests never go in (tests/test_site_build.py searches for them);
- the Pyodide runtime and viz.js (Graphviz in WebAssembly) from npm, pinned in site/package-lock.json;
- the wheels the kernel preloads, so no lesson needs `%pip`: the pure-Python packages Pyodide's lock
  names (IPython, jedi, micropip, ...) fetched from PyPI at the lock's versions with the lock's hashes
  rewritten for those files, the Pyodide kernel's own shims, site/kernel-packages.txt, PyYAML's
  pure-Python part, and slicelab with the few Kubernetes schemas it reads; of the grading kit only
  `autograder.answers`, which the assignments' visible test cells call.

Only PyPI and npm are contacted while building; the site itself fetches nothing from anywhere else.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
from packaging.utils import canonicalize_name, parse_wheel_filename

from slicelab import runtime

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "site"
PYODIDE_RUNTIME = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
# Packages of Pyodide's lock the kernel needs; their dependencies (from the lock) come along.
FROM_PYODIDE_LOCK = ("micropip", "ipython", "jedi")
# The Pyodide kernel's own wheels (shipped in its JupyterLab extension), and what they import.
KERNEL_SHIMS = {"piplite": ["micropip"], "pyodide-kernel": ["comm", "ipython"], "ipykernel": ["pyodide-kernel"],
                "widgetsnbextension": []}
# What slicelab imports beyond the standard library (tests/test_site_build.py checks this list).
SLICELAB_NEEDS = ("pyyaml", "graphviz", "fastjsonschema", "pygal", "ipywidgets")
# Requirements a browser kernel does without: the JupyterLab side of ipywidgets is the site's own.
NOT_IN_BROWSER = {"jupyterlab-widgets"}
KERNEL_ENV = {"python_version": "3.14", "python_full_version": "3.14.2", "sys_platform": "emscripten",
              "platform_system": "Emscripten", "platform_machine": "wasm32", "implementation_name": "cpython",
              "os_name": "posix", "extra": ""}


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command; on failure print what it said and stop the build with its name."""
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        sys.exit(f"site: `{' '.join(map(str, cmd[:4]))} ...` failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return done


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install_npm_assets(work: Path) -> Path:
    """`npm ci` of site/package.json: the Pyodide runtime and viz.js. Returns node_modules."""
    npm = work / "npm"
    npm.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(SITE / name, npm / name)
    run(["npm", "ci", "--silent", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=npm)
    return npm / "node_modules"


def lock_closure(lock: dict, roots) -> list[str]:
    """Keys of the lock's packages `roots` need, dependencies included."""
    keys = {canonicalize_name(k): k for k in lock["packages"]}
    todo, seen = [canonicalize_name(r) for r in roots], []
    while todo:
        key = keys[todo.pop()]
        if key not in seen:
            seen.append(key)
            todo += [canonicalize_name(d) for d in lock["packages"][key]["depends"]]
    return sorted(seen)


def pinned_kernel_packages() -> list[str]:
    lines = (SITE / "kernel-packages.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def start_wheel_downloads(lock: dict, keys: list[str], into: Path) -> list[subprocess.Popen]:
    """pip downloads, in the background: pure-Python wheels at the lock's versions and the pinned ones;
    PyYAML as this machine's wheel, whose pure-Python part becomes the browser's."""
    into.mkdir(parents=True, exist_ok=True)
    pins = pinned_kernel_packages()
    pure = [f"{lock['packages'][k]['name']}=={lock['packages'][k]['version']}" for k in keys]
    pure += [p for p in pins if not p.lower().startswith("pyyaml")]
    common = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
              "--only-binary=:all:", "-d", str(into)]
    return [subprocess.Popen(common + ["--platform", "any", "--python-version", "3.14", "--implementation", "py",
                                       "--abi", "none", *pure], stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
            subprocess.Popen(common + [p for p in pins if p.lower().startswith("pyyaml")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)]


def wait_for(processes: list[subprocess.Popen]) -> None:
    for proc in processes:
        out = proc.communicate()[0].decode(errors="replace")
        if proc.returncode != 0:
            sys.exit(f"site: pip download failed:\n{out[-3000:]}")


def pack_wheel(staged: Path, out: Path) -> Path:
    """`wheel pack` an unpacked wheel folder (with its .dist-info/WHEEL); RECORD is written for us."""
    before = set(out.glob("*.whl"))
    run([sys.executable, "-m", "wheel", "pack", str(staged), "--dest-dir", str(out)])
    (made,) = set(out.glob("*.whl")) - before
    return made


def write_wheel_file(dist_info: Path) -> None:
    (dist_info / "WHEEL").write_text("Wheel-Version: 1.0\nGenerator: slicelab site/build.py\n"
                                     "Root-Is-Purelib: true\nTag: py3-none-any\n")


def pure_pyyaml(platform_wheel: Path, out: Path, scratch: Path) -> Path:
    """PyYAML's pure-Python part as a py3-none-any wheel (no WebAssembly build exists on PyPI)."""
    staged = scratch / "pyyaml"
    with zipfile.ZipFile(platform_wheel) as whl:
        for member in whl.namelist():
            top = member.split("/")[0]
            if (top == "yaml" and member.endswith(".py")) or \
                    (top.endswith(".dist-info") and member.rsplit("/", 1)[-1] in ("METADATA", "LICENSE")):
                whl.extract(member, staged)
    (dist_info,) = staged.glob("*.dist-info")
    write_wheel_file(dist_info)
    return pack_wheel(staged, out)


def trimmed_schemas(into: Path) -> None:
    """The schema files slicelab.schema reads, with only the definitions the five kinds refer to."""
    from slicelab import runtime, schema
    for strict in (True, False):
        source = schema.schema_dir(strict)
        target = into / source.relative_to(runtime.schema_root())
        target.mkdir(parents=True)
        definitions = json.loads((source / "_definitions.json").read_text())
        todo = [(source / name).read_text() for name in schema.SCHEMA_FILES.values()]
        needed: set[str] = set()
        while todo:
            for name in schema._REF.findall(todo.pop()):
                if name not in needed:
                    needed.add(name)
                    todo.append(json.dumps(definitions["$defs"][name]))
        definitions["$defs"] = {k: v for k, v in definitions["$defs"].items() if k in needed}
        (target / "_definitions.json").write_text(json.dumps(definitions, separators=(",", ":")))
        for name in schema.SCHEMA_FILES.values():
            shutil.copy2(source / name, target / name)


def answers_without_docstring() -> str:
    """autograder/answers.py minus its module docstring, whose worked example could read as an answer."""
    text = (REPO / "autograder" / "answers.py").read_text()
    doc = ast.parse(text).body[0]
    lines = text.splitlines(keepends=True)
    return ('"""Answer-form checks the visible test cells call (from autograder/answers.py; grading itself '
            'runs on the instructor\'s machine)."""\n' + "".join(lines[doc.end_lineno:]))


def slicelab_wheel(out: Path, scratch: Path) -> Path:
    """slicelab (with its schemas) and autograder.answers as one pure-Python wheel."""
    import tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    staged = scratch / "slicelab-course"
    shutil.copytree(REPO / "slicelab", staged / "slicelab", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    trimmed_schemas(staged / "slicelab" / "kubernetes-json-schema")
    (staged / "autograder").mkdir()
    (staged / "autograder" / "__init__.py").write_text(
        '"""The grading kit runs on the instructor\'s machine; the browser site carries only autograder.answers."""\n')
    (staged / "autograder" / "answers.py").write_text(answers_without_docstring())
    dist_info = staged / f"slicelab_course-{project['version']}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
        f"Summary: {project['description']} (the browser site's build)\n"
        + "".join(f"Requires-Dist: {name}\n" for name in SLICELAB_NEEDS))
    write_wheel_file(dist_info)
    return pack_wheel(staged, out)


def wheel_imports(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as whl:
        tops = {n.split("/")[0] for n in whl.namelist()}
    return sorted(t.removesuffix(".py") for t in tops
                  if not t.endswith((".dist-info", ".data")) and (t.endswith(".py") or "." not in t))


def wheel_requirements(wheel: Path) -> list[str]:
    """Requires-Dist of a wheel that apply inside the browser's kernel."""
    from packaging.requirements import Requirement
    with zipfile.ZipFile(wheel) as whl:
        meta = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        lines = whl.read(meta).decode().splitlines()
    reqs = [Requirement(line.split(":", 1)[1].strip()) for line in lines if line.startswith("Requires-Dist:")]
    return [canonicalize_name(r.name) for r in reqs if r.marker is None or r.marker.evaluate(KERNEL_ENV)]


def entry(wheel: Path, depends: list[str]) -> dict:
    name, version, _, _ = parse_wheel_filename(wheel.name)
    return {"name": str(name), "version": str(version), "file_name": wheel.name, "install_dir": "site",
            "sha256": sha256(wheel), "package_type": "package", "imports": wheel_imports(wheel),
            "depends": sorted(depends), "unvendored_tests": False, "shared_library": False}


def site_lock(lock: dict, keys: list[str], wheels: dict[str, Path]) -> dict:
    """Pyodide's lock cut down to the wheels the site ships, each entry pointing at the shipped file."""
    packages = {}
    for key in keys:  # Pyodide's own entries keep their keys and dependencies; file and hash are PyPI's
        wheel = wheels.pop(canonicalize_name(key))
        packages[key] = {**lock["packages"][key], "file_name": wheel.name, "sha256": sha256(wheel)}
    known = {canonicalize_name(k) for k in packages} | set(wheels)
    for key, wheel in sorted(wheels.items()):
        needs = KERNEL_SHIMS.get(key) or (list(SLICELAB_NEEDS) if key == "slicelab-course"
                                          else wheel_requirements(wheel))
        missing = [n for n in needs if n not in known and n not in NOT_IN_BROWSER]
        if missing:
            sys.exit(f"site: {wheel.name} needs {', '.join(missing)}, which the site does not ship")
        packages[key] = entry(wheel, [n for n in needs if n in known])
    return {"info": lock["info"], "packages": packages}


def release_assignments(into: Path, scratch: Path) -> list[str]:
    """The student versions of every assignment, each with a note on how to hand it in, as
    `into/<assignment>.ipynb`.

    nbgrader's own GenerateAssignment makes them from a copy of course/, configured as the course is
    (`autograder.gradebook.load_config`), with the gradebook left out: its SaveCells step only records
    the cells in the instructor's database, so the notebooks are the ones `autograder release` writes
    (tests/test_site_build.py compares), in a second instead of half a minute.
    """
    from autograder.gradebook import load_config
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import SaveCells
    course = scratch / "course"
    shutil.copytree(REPO / "course" / "source", course / "source")
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course / "nbgrader_config.py")
    config = load_config(course)
    config.GenerateAssignment.no_database = True
    config.GenerateAssignment.preprocessors = [
        p for p in GenerateAssignment.class_traits()["preprocessors"].default() if p is not SaveCells]
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    into.mkdir(parents=True)
    note = (SITE / "how-to-submit.md").read_text().strip()
    names = sorted(p.name for p in (course / "source").iterdir() if p.is_dir())
    for name in names:
        result = api.generate_assignment(name, force=True, create=False)
        if not result.get("success"):
            sys.exit(f"site: nbgrader generate_assignment {name} failed:\n{result.get('error', '')}"
                     f"{result.get('log', '')[-2000:]}")
        for path in sorted((course / "release" / name).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            cell = nbformat.v4.new_markdown_cell(note)
            cell.id = "site-how-to-submit"
            nb.cells.insert(1, cell)
            nbformat.write(nb, into / path.name)
    return names


def lite_config(packages: list[str]) -> dict:
    return {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "Kubernetes Endpoints and EndpointSlices, step by step",
        "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {
            "disablePyPIFallback": True, "loadPyodideOptions": {"packages": packages}}}}}


# The site's front door opens lesson 00. It keeps JupyterLite's (empty) root configuration element, which
# every page reads from the root index.html, and links relatively so the site works under any sub-path.
REDIRECT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kubernetes Endpoints and EndpointSlices, step by step</title>
<script id="jupyter-config-data" type="application/json" data-jupyter-lite-root=".">{}</script>
<meta http-equiv="refresh" content="0; url=lab/?path=00-start-here.ipynb"></head>
<body><p>The course opens in JupyterLab, in your browser: <a href="lab/?path=00-start-here.ipynb">start here</a>.</p>
</body></html>
"""


class Phases:
    """Seconds each phase of the build took, printed at the end (the build must stay under a minute)."""

    def __init__(self):
        self.last, self.took = time.monotonic(), []

    def done(self, name: str) -> None:
        now = time.monotonic()
        self.took.append(f"{name} {now - self.last:.1f} s")
        self.last = now


def build(out: Path, work: Path) -> None:
    started, phases = time.monotonic(), Phases()
    shutil.rmtree(work, ignore_errors=True)
    lite, contents, wheels_dir = work / "lite", work / "contents", work / "wheels"
    node_modules = install_npm_assets(work)
    lock = json.loads((node_modules / "pyodide" / "pyodide-lock.json").read_text())
    keys = lock_closure(lock, FROM_PYODIDE_LOCK)
    downloads = start_wheel_downloads(lock, keys, work / "pypi")
    phases.done("npm")

    for lesson in sorted((REPO / "notebooks").glob("0[0-9]-*.ipynb")):
        contents.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lesson, contents / lesson.name)
    release_assignments(contents / "assignments", work)
    phases.done("assignments")

    pyodide_dir = lite / "static" / "pyodide"
    pyodide_dir.mkdir(parents=True)
    for name in PYODIDE_RUNTIME:
        shutil.copy2(node_modules / "pyodide" / name, pyodide_dir / name)
    wheels_dir.mkdir()
    shims = Path(sys.prefix) / "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension/static/pypi"
    for shim in KERNEL_SHIMS:
        found = sorted(shims.glob(f"{shim.replace('-', '_')}-*.whl"), key=lambda p: parse_wheel_filename(p.name)[1])
        shutil.copy2(found[-1], pyodide_dir / found[-1].name)  # the newest: widgetsnbextension 4 for ipywidgets 8
    shipped = [slicelab_wheel(pyodide_dir, wheels_dir)]
    phases.done("slicelab wheel")
    wait_for(downloads)
    phases.done("PyPI")
    for wheel in (work / "pypi").glob("*.whl"):
        if canonicalize_name(parse_wheel_filename(wheel.name)[0]) == "pyyaml":
            shipped.append(pure_pyyaml(wheel, pyodide_dir, wheels_dir))
        else:
            shipped.append(Path(shutil.copy2(wheel, pyodide_dir / wheel.name)))
    wheels = {canonicalize_name(parse_wheel_filename(w.name)[0]): w for w in pyodide_dir.glob("*.whl")}
    site = site_lock(lock, keys, wheels)
    (pyodide_dir / "pyodide-lock.json").write_text(json.dumps(site, indent=1, sort_keys=True))

    (lite / "jupyter-lite.json").write_text(json.dumps(lite_config(sorted(site["packages"])), indent=2))
    shutil.copy2(SITE / "overrides.json", lite / "overrides.json")
    extensions = Path(sys.prefix) / "share" / "jupyter" / "labextensions"
    staging = out.with_name(out.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    run([str(Path(sys.executable).parent / "jupyter-lite"), "build", "--lite-dir", str(lite), "--output-dir", str(staging),
         "--contents", str(contents), "--ignore-sys-prefix", "--no-sourcemaps",
         *[f"--LiteBuildConfig.federated_extensions={extensions / name}"
           for name in ("@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager")]],
        cwd=lite)
    (staging / "index.html").write_text(REDIRECT)
    viz = staging / runtime.VIZ_JS  # where slicelab's kernel side loads it from; the lite build copies only Pyodide
    viz.parent.mkdir(parents=True)
    shutil.copy2(node_modules / "@viz-js" / "viz" / "dist" / "viz.js", viz)
    phases.done("jupyter lite build")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    files = [p for p in out.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(f"site: built {out.relative_to(REPO) if out.is_relative_to(REPO) else out} in "
          f"{time.monotonic() - started:.0f} s: {len(files)} files, {size / 1e6:.1f} MB "
          f"({len(site['packages'])} Python packages for the kernel; {', '.join(phases.took)})")
    print(f"Serve it from any static host, e.g.:\n  python3 -m http.server --directory {out} --bind 127.0.0.1 8000\n"
          f"then open http://127.0.0.1:8000/ (lesson 00 opens first).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "site", help="the site (default build/site)")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.work:
        build(args.out.resolve(), args.work.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="slicelab-site-") as work:
            build(args.out.resolve(), Path(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
