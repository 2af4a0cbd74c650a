"""A real JupyterHub classroom on this machine: an instructor and learners as system users, nbgrader's exchange.

`make demo-hub` runs this file; tests/test_hub_classroom.py uses `classroom()` — so the demo is the hub
the test proves. It needs root: it creates system users (useradd) and runs JupyterHub, which logs them
in through PAM and starts each one's server under that user's own uid (LocalProcessSpawner).

    python scripts/classroom_hub.py              start the demo hub, print the passwords, stop on Ctrl-C
    python scripts/classroom_hub.py prepare      build the servers' environment only (make test-setup)

What it sets up (docs/classroom.md explains each part):
  * the servers' environment: a NON-editable install of this project, in a venv made from /usr/bin/python3
    outside the checkout (under /opt/slicelab-course), readable by every user; no course/source in it;
  * this checkout closed to other users while the hub runs (its course/source and .git hold the answer key);
  * the users, made with `useradd -m -K HOME_MODE=0700` and marked in their comment field, so only users
    made here are ever deleted; the instructor gets a copy of course/ in their private home;
  * nbgrader's exchange (mode 1777) and a Jupyter config folder every server reads (course id, exchange);
    learners' servers also read a folder that turns off nbgrader's authoring tools (Formgrader, Create
    Assignment, course list) in the page and on the server;
  * JupyterHub and its proxy on 127.0.0.1 only, with its database and cookie secret in a private run folder.
Everything is undone on the way out: the hub is stopped with SIGTERM (it stops the servers and the proxy),
leftover processes of the users made here are ended by PID, the users and their homes are deleted.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Iterator, Sequence

REPO = Path(__file__).resolve().parent.parent
PROXY = REPO / "build" / "hub" / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
# Outside the checkout: an installed package whose folders lead back to course/source would hand learners
# the answer key. One per checkout, so two clones on one machine never build into the same folder.
SERVER_ENV = Path(os.environ.get("SLICELAB_HUB_ENV") or
                  f"/opt/slicelab-course/hub-{hashlib.sha256(str(REPO).encode()).hexdigest()[:12]}/server-env")
SYSTEM_PYTHON = Path("/usr/bin/python3")
COURSE_ID = "slicelab"
# The comment (GECOS) field of every user made here: a user without it is never touched.
MARK = "slicelab classroom hub"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEMO_PEOPLE = ("instructor", "ada", "grace")
# nbgrader's JupyterLab plugins that only an instructor needs; learners' pages load them not at all.
INSTRUCTOR_ONLY_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                           "@jupyter/nbgrader:course-list")
INSTRUCTOR_ONLY_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",
                                     "nbgrader.server_extensions.course_list")
# Files pip reads to build the wheel: a change to any of them means the servers' install is stale.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "README.md")
NOT_SHIPPED = (".git", ".venv", "build", "artifacts", "node_modules", ".pytest_cache", ".hypothesis",
               "__pycache__", "*.egg-info", ".ipynb_checkpoints")


class HubError(RuntimeError):
    """The classroom could not be set up; the message says what and how to fix it."""


@dataclass(frozen=True)
class Person:
    name: str
    password: str
    uid: int
    gid: int
    home: Path


@dataclass
class Classroom:
    url: str                      # http://127.0.0.1:PORT/  (the proxy: the only address people use)
    instructor: Person
    learners: list[Person]
    course: Path                  # the instructor's course root (~instructor/course)
    exchange: Path                # nbgrader's exchange root
    run: Path                     # the hub's private folder: config, database, cookie secret, log
    server_env: Path
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def people(self) -> list[Person]:
        return [self.instructor, *self.learners]

    @property
    def log(self) -> Path:
        return self.run / "jupyterhub.log"

    def as_user(self, person: Person, argv: Sequence[str], *, input: str | bytes | None = None,
                cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run a command as `person` (their uid, groups and home), with the servers' PATH, never as root."""
        return run_as(person, argv, self.server_env, input=input, cwd=cwd, check=check)


def run_as(person: Person, argv: Sequence[str], server_env: Path = SERVER_ENV, *, input=None,
           cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {"HOME": str(person.home), "USER": person.name, "LOGNAME": person.name, "LANG": "C.UTF-8",
           "PATH": f"{server_env / 'bin'}:{SYSTEM_PATH}"}
    text = not isinstance(input, bytes)
    result = subprocess.run([_tool("runuser"), "-u", person.name, "--", *argv], input=input, env=env,
                            cwd=cwd or person.home, capture_output=True, text=text)
    if check and result.returncode != 0:
        raise HubError(f"{' '.join(argv)} as {person.name} exited {result.returncode}:\n"
                       f"{result.stdout}\n{result.stderr}")
    return result


# ---------------------------------------------------------------------------------------------------
# the servers' environment

def build_digest() -> str:
    """A digest of what pip builds the wheel from: the build files and every top-level package folder."""
    digest = hashlib.sha256()
    files = [REPO / name for name in BUILD_INPUTS if (REPO / name).is_file()]
    for package in sorted(p for p in REPO.iterdir() if (p / "__init__.py").is_file()):
        files += sorted(f for f in package.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def prepare_server_env(env: Path = SERVER_ENV, log=print) -> Path:
    """Make (or refresh) the single-user servers' environment; quick when nothing changed.

    A non-editable install from a copy of the checkout without its build leftovers, so what the learners'
    servers import is exactly what `pip install .` of a fresh clone gives — and nothing of the checkout.
    """
    if os.geteuid() != 0:
        raise HubError("the servers' environment is made by root (its files must belong to no learner)")
    _require_world_readable(env.parent)
    stamp = env / ".slicelab-build-digest"
    want = build_digest()
    if stamp.is_file() and stamp.read_text() == want and (env / "bin" / "jupyterhub-singleuser").exists():
        return env
    if not SYSTEM_PYTHON.exists():
        raise HubError(f"{SYSTEM_PYTHON} is missing: the servers need a Python every user can run "
                       "(apt-get install python3 python3-venv)")
    old_umask = os.umask(0o022)
    try:
        fresh = not (env / "bin" / "python").exists()
        if fresh:
            log(f">> making the servers' environment {env} from {SYSTEM_PYTHON}")
            env.parent.mkdir(parents=True, exist_ok=True)
            _run([str(SYSTEM_PYTHON), "-m", "venv", str(env)],
                 hint="Debian needs python3-venv for /usr/bin/python3 -m venv")
        else:
            log(f">> refreshing this project in the servers' environment {env}")
        hub = f"jupyterhub=={metadata.version('jupyterhub')}"  # the same JupyterHub as the hub's
        pip = [str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        with tempfile.TemporaryDirectory(prefix="slicelab-wheel-src-") as tmp:
            source = Path(tmp) / "src"
            shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_SHIPPED), symlinks=True)
            if not fresh:
                _run(pip + ["--no-deps", "--force-reinstall", str(source)])
            _run(pip + [str(source), hub])
        stamp.write_text(want)
    finally:
        os.umask(old_umask)
    return env


def _require_world_readable(path: Path) -> None:
    for folder in [path, *path.parents]:
        if folder.exists() and not folder.stat().st_mode & 0o001:
            raise HubError(f"{folder} is not searchable by other users (mode {oct(folder.stat().st_mode & 0o777)}): "
                           f"the learners' servers could not run from {SERVER_ENV}. Clone the course into a "
                           "folder every user can traverse (e.g. /srv or /opt).")


def proxy_command() -> str:
    if not os.access(PROXY, os.X_OK):
        raise HubError(f"JupyterHub's proxy {PROXY} is missing: run `make test-setup` (it installs "
                       "configurable-http-proxy from npm)")
    return str(PROXY)


# ---------------------------------------------------------------------------------------------------
# system users

def _tool(name: str) -> str:
    """A system tool; root's PATH in CI may lack /usr/sbin, where useradd and runuser live."""
    found = shutil.which(name) or shutil.which(name, path=SYSTEM_PATH)
    if not found:
        raise HubError(f"{name!r} is not installed (Debian: the passwd and util-linux packages)")
    return found


def _run(argv: Sequence[str], *, input: str | None = None, hint: str = "") -> str:
    result = subprocess.run(list(argv), input=input, capture_output=True, text=True)
    if result.returncode != 0:
        raise HubError(f"{' '.join(map(str, argv))} exited {result.returncode}: "
                       f"{(result.stderr or result.stdout).strip()[-2000:]}" + (f"\n{hint}" if hint else ""))
    return result.stdout


def create_person(name: str) -> Person:
    """A new system user with a private home (0700) and a random password; a leftover of ours is remade."""
    try:
        existing = pwd.getpwnam(name)
    except KeyError:
        existing = None
    if existing is not None:
        if existing.pw_gecos != MARK:
            raise HubError(f"a user {name!r} already exists and was not made by this script: refusing to touch it")
        delete_person(name)
    _run([_tool("useradd"), "--create-home", "--key", "HOME_MODE=0700", "--comment", MARK,
          "--shell", "/bin/bash", name], hint="creating users needs root")
    try:
        entry = pwd.getpwnam(name)
        home = Path(entry.pw_dir)
        os.chmod(home, 0o700)  # also where an older useradd ignores HOME_MODE
        password = secrets.token_urlsafe(12)
        _run([_tool("chpasswd")], input=f"{name}:{password}\n")
    except BaseException:
        delete_person(name)
        raise
    return Person(name, password, entry.pw_uid, entry.pw_gid, home)


def processes_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                pass
    return pids


def end_processes_of(uid: int, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL, every process of one uid (only ever a uid this script created)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in processes_of(uid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while processes_of(uid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not processes_of(uid):
            return


def delete_person(name: str) -> None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos != MARK:
        raise HubError(f"refusing to delete user {name!r}: it was not made by this script")
    end_processes_of(entry.pw_uid)
    # userdel exits 12 when only the mail spool was missing; the user and home are gone then.
    result = subprocess.run([_tool("userdel"), "--remove", name], capture_output=True, text=True)
    if result.returncode not in (0, 12) or _exists(name):
        raise HubError(f"userdel {name} exited {result.returncode}: {result.stderr.strip()}")
    if Path(entry.pw_dir).exists() and Path(entry.pw_dir).stat().st_uid == entry.pw_uid:
        shutil.rmtree(entry.pw_dir, ignore_errors=True)


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@contextmanager
def checkout_closed_to_others() -> Iterator[None]:
    """While the hub runs, other users (the learners) cannot enter this checkout; its mode is restored after."""
    mode = stat.S_IMODE(REPO.stat().st_mode)
    if mode & 0o007:
        os.chmod(REPO, mode & ~0o007)
    try:
        yield
    finally:
        if mode & 0o007:
            os.chmod(REPO, mode)


def _tree(path: Path) -> Iterator[str]:
    """`path` and everything under it."""
    for folder, dirs, files in os.walk(path):
        yield folder
        yield from (os.path.join(folder, name) for name in dirs + files)


# ---------------------------------------------------------------------------------------------------
# the course, the exchange and the Jupyter configuration every server reads

def give_course(instructor: Person) -> Path:
    """The instructor's own copy of course/ (as a clone would have it), in their private home."""
    course = instructor.home / "course"
    shutil.copytree(REPO / "course", course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "grading", "exchange", "gradebook.db",
        "grades.csv", ".ipynb_checkpoints", "__pycache__"))
    config = instructor.home / ".jupyter" / "nbgrader_config.py"
    config.parent.mkdir()
    # The Formgrader and nbgrader read this file wherever they run: the course's own settings (gradebook,
    # feedback without hidden tests), then its root.
    config.write_text('c = get_config()  # noqa: F821\n'
                      f'load_subconfig("nbgrader_config.py", path={str(course)!r})  # noqa: F821\n'
                      f'c.CourseDirectory.root = {str(course)!r}\n')
    for name in _tree(instructor.home):
        os.lchown(name, instructor.uid, instructor.gid)
    for name in _tree(course):  # `chmod -R o-rwx course`, as `autograder grade` asks
        if not os.path.islink(name):
            os.chmod(name, stat.S_IMODE(os.lstat(name).st_mode) & ~0o007)
    return course


def write_jupyter_config(common: Path, instructor: Path, learners: Path, exchange: Path) -> None:
    """`common` is on every server's JUPYTER_CONFIG_PATH, after `instructor` or `learners` by role."""
    (common / "labconfig").mkdir(parents=True)
    instructor.mkdir(parents=True)
    (learners / "labconfig").mkdir(parents=True)
    (common / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(exchange)!r}\n")
    (common / "jupyter_server_config.json").write_text(json.dumps({
        "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
        # A server started by JupyterHub opens terminals with a login shell, and Debian's /etc/profile then
        # resets PATH: `autograder` and `nbgrader` would be "command not found". A plain bash keeps PATH.
        "ServerApp": {"terminado_settings": {"shell_command": ["/bin/bash"]}},
    }, indent=1))
    (common / "labconfig" / "default_setting_overrides.json").write_text(json.dumps({
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
        # the terminal's text is in the page's accessibility tree too (the test reads `autograder`'s output)
        "@jupyterlab/terminal-extension:plugin": {"screenReaderMode": True},
    }, indent=1))
    # JupyterHub's servers refuse to be framed (frame-ancestors 'none'), and JupyterLab shows the Formgrader
    # in a frame: the instructor's server allows frames from its own origin. Learners' servers keep 'none'.
    (instructor / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"tornado_settings": {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}}},
        indent=1))
    (learners / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {plugin: True for plugin in INSTRUCTOR_ONLY_PLUGINS}}, indent=1))
    (learners / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {ext: False for ext in INSTRUCTOR_ONLY_SERVER_EXTENSIONS}}},
        indent=1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_hub_config(run: Path, *, port: int, people: list[Person], instructor: Person,
                     config_paths: dict[str, str], server_env: Path, proxy: str) -> Path:
    """jupyterhub_config.py: loopback only, PAM logins, each server as its user, state in `run`."""
    ports = {person.name: free_port() for person in people}
    config = run / "jupyterhub_config.py"
    config.write_text(f'''# Written by scripts/classroom_hub.py for one run of the classroom hub.
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {str(run / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{run / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(run / "jupyterhub_cookie_secret")!r}
c.JupyterHub.pid_file = {str(run / "jupyterhub.pid")!r}

# Real logins: the system users' passwords, checked by PAM.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set({sorted(p.name for p in people)!r})

# Each user's server runs under that user's uid, from the shared, read-only environment.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [{str(server_env / "bin" / "jupyterhub-singleuser")!r}]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 90
c.Spawner.environment = {{"PATH": {f"{server_env / 'bin'}:{SYSTEM_PATH}"!r}, "LANG": "C.UTF-8"}}
INSTRUCTORS = {{{instructor.name!r}}}
CONFIG_PATH = {config_paths!r}  # by role
PORTS = {ports!r}  # pinned: the test knows where each server listens


def pre_spawn_hook(spawner):  # the role decides which configuration a server reads
    role = "instructor" if spawner.user.name in INSTRUCTORS else "learner"
    spawner.environment = {{**spawner.environment, "JUPYTER_CONFIG_PATH": CONFIG_PATH[role]}}
    spawner.port = PORTS[spawner.user.name]


c.Spawner.pre_spawn_hook = pre_spawn_hook
''')
    return config


# ---------------------------------------------------------------------------------------------------
# the hub

def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}hub/api/", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _hub_log_tail(run: Path) -> str:
    return (run / "jupyterhub.log").read_text(errors="replace")[-3000:]


def _stop_hub(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM: the hub stops every user's server and its proxy itself; its group is killed only if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the proxy and anything else the hub left in its group
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=10)


@contextmanager
def classroom(names: Sequence[str] = DEMO_PEOPLE, port: int | None = None, log=print) -> Iterator[Classroom]:
    """Start the whole classroom; undo all of it when the block ends, however it ends."""
    if os.geteuid() != 0:
        raise HubError("the classroom hub needs root: it creates system users and starts servers as them")
    os.environ["PATH"] = f"{os.environ.get('PATH', '')}:{SYSTEM_PATH}"  # CI's PATH may lack /usr/sbin
    timings: dict[str, float] = {}
    start = time.monotonic()
    server_env = prepare_server_env(log=log)
    proxy = proxy_command()
    timings["servers' environment checked"] = time.monotonic() - start
    with ExitStack() as undo:
        undo.enter_context(checkout_closed_to_others())
        top = Path(tempfile.mkdtemp(prefix="slicelab-hub-"))
        undo.callback(shutil.rmtree, top, ignore_errors=True)
        os.chmod(top, 0o711)  # others may pass through to the exchange and config, not list
        run, exchange = top / "hub", top / "exchange"
        common, instructor_config = top / "config" / "everyone", top / "config" / "instructor"
        learners_config = top / "config" / "learners"
        run.mkdir(mode=0o700)
        exchange.mkdir()
        os.chmod(exchange, 0o1777)  # as nbgrader's docs say: everyone writes, nobody deletes another's files
        old_umask = os.umask(0o022)
        try:
            write_jupyter_config(common, instructor_config, learners_config, exchange)
        finally:
            os.umask(old_umask)

        t = time.monotonic()
        people = []
        for name in names:
            people.append(create_person(name))
            undo.callback(delete_person, name)
        instructor, learners = people[0], people[1:]
        course = give_course(instructor)
        timings["users created"] = time.monotonic() - t

        config_paths = {"instructor": f"{instructor_config}:{common}", "learner": f"{learners_config}:{common}"}
        port = port or free_port()
        config = write_hub_config(run, port=port, people=people, instructor=instructor, config_paths=config_paths,
                                  server_env=server_env, proxy=proxy)
        url = f"http://127.0.0.1:{port}/"
        t = time.monotonic()
        hub_log = open(run / "jupyterhub.log", "wb")
        undo.callback(hub_log.close)
        env = {**os.environ, "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32),
               "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=run, env=env,
                                stdout=hub_log, stderr=subprocess.STDOUT, start_new_session=True)
        undo.callback(_stop_hub, proc)
        deadline = time.monotonic() + 60
        while not _answers(url):
            if proc.poll() is not None:
                raise HubError(f"jupyterhub exited {proc.returncode}:\n{_hub_log_tail(run)}")
            if time.monotonic() > deadline:
                raise HubError(f"jupyterhub did not answer at {url} within 60 s:\n{_hub_log_tail(run)}")
            time.sleep(0.2)
        timings["hub answering"] = time.monotonic() - t
        yield Classroom(url, instructor, learners, course, exchange, run, server_env, timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["demo", "prepare"], default="demo")
    parser.add_argument("--port", type=int, default=8000, help="the hub's port on 127.0.0.1 (default 8000)")
    args = parser.parse_args(argv)
    try:
        if args.command == "prepare":
            print(f"servers' environment ready: {prepare_server_env()}")
            return 0
        stop = []  # Ctrl-C or SIGTERM: leave the loop below, and the classroom undoes itself
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.append(1))
        with classroom(DEMO_PEOPLE, port=args.port) as room:
            print(f"\nThe classroom hub is up at {room.url}  "
                  "(loopback only; Ctrl-C stops it and deletes the users)\n")
            print(f"  {'user':<12} {'password':<18} role")
            for person in room.people:
                role = "instructor (Formgrader)" if person is room.instructor else "learner"
                print(f"  {person.name:<12} {person.password:<18} {role}")
            print(f"\n  the instructor's course: {room.course}\n  nbgrader's exchange:     {room.exchange}\n"
                  f"  the hub's config and log: {room.run}/jupyterhub_config.py, {room.log.name}\n"
                  f"  this clone ({REPO}) is closed to other users until the hub stops.\n"
                  "  docs/classroom.md walks through one assignment, start to finish.\n", flush=True)
            while not stop:
                time.sleep(0.2)
            print("\nstopping the hub, ending the users' servers, deleting the users ...", flush=True)
        print("stopped; nothing of the demo is left.")
        return 0
    except HubError as err:
        print(f"classroom_hub: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
