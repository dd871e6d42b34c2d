"""`python noxfile.py -s fuzz -- NN`: schemathesis against an exercise's solution served by
uvicorn, for 5xx.

The app runs as it would for a user: uvicorn on a free local port, in a temporary working
directory, with a fresh SQLite `DATABASE_URL`. The exercise's optional
`grader/specs/NN_slug/fuzz.toml` adds an `[env]` table (relative paths land in the temporary
directory) and `[[before]]` requests, sent once the app is up: to register and sign in, say,
where `bearer = "access_token"` sends that field of the answer as a bearer token with every
fuzzed request, so that the fuzzer gets past authentication. schemathesis then reads
`/openapi.json` and sends generated requests, valid and invalid, for `--duration` seconds with
the `not_a_server_error` check. The server is stopped and the temporary directory removed
afterwards; the app is imported without writing bytecode, so its folder is left as it was.

WebSocket routes are not in OpenAPI, so schemathesis cannot reach them: the run says so in one
line, naming the routes it left out and the spec that stands in for them (`websocket_spec` in
`fuzz.toml`, which sends them hostile frames). An app whose routes are all WebSocket ones is
not fuzzed at all, and passes only if such a spec is named.

Arguments this module does not know go to `st run` (`--seed 1`, `--phases fuzzing`, ...).
Exit status: 0 when no request got a 5xx, 1 when some did (the failing requests and the app's
log are shown), when the app did not start, or when it has nothing to fuzz and no spec stands in
(above); 2 for bad input.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.dev.selection import Chosen, Parser, UsageError, choose, fail
from grader.launcher import shell

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: The file beside an exercise's specs with the environment its app is fuzzed in.
FILE_NAME = "fuzz.toml"
#: Where specs are, as the coverage line names them.
SPECS_FOLDER = "grader/specs"
#: How long the app may take to answer `/openapi.json` after uvicorn starts.
STARTUP_SECONDS = 30.0
#: The lines of the app's log shown when something failed.
LOG_LINES = 80


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=f"{shell('fuzz')} --",
        description="Fuzz an exercise's app under uvicorn with schemathesis; fail on any 5xx.",
        allow_abbrev=False,
        epilog="Other arguments go to `st run`, e.g. --seed 1 or --phases fuzzing.",
    )
    parser.add_argument("exercise", metavar="EXERCISE", help="number (05) or slug (crud)")
    parser.add_argument(
        "--target", metavar="DIR", help="folder laid out like solutions/ (default: solutions)"
    )
    parser.add_argument(
        "--duration", type=_seconds, default=60, metavar="SECONDS",
        help="time budget of the whole schemathesis run (default: 60)",
    )  # fmt: skip
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", type=_assignment,
        help="an environment variable for the app, over fuzz.toml's (repeatable)",
    )  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args, st_args = build_parser().parse_known_args(list(sys.argv[1:] if argv is None else argv))
    try:
        chosen = choose(args.exercise, args.target)
        setup = read_setup(chosen)
    except UsageError as error:
        fail(str(error))
    # Looked for now, needed only once the app turns out to have HTTP operations to fuzz.
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    try:
        setup = setup.model_copy(update={"env": {**setup.env, **dict(args.env)}})
        return _fuzz(chosen, setup, args.duration, st, st_args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def _fuzz(chosen: Chosen, setup: Setup, duration: int, st: str | None, st_args: list[str]) -> int:
    name = chosen.exercise.name
    with temporary_world() as world:
        env = {
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": "1",
            "DATABASE_URL": f"sqlite:///{(world / 'app.db').as_posix()}",
            **setup.env,
        }
        log = world / "server.log"
        with serve(chosen, world, env, log) as url:
            if url is None:
                print(f"fuzz {name}: the app did not start; its log:", file=sys.stderr)
                _show(log)
                return 1
            try:
                headers = send_before(url, setup.before)
            except SetupError as error:
                print(f"fuzz {name}: {error}; the app's log:", file=sys.stderr)
                _show(log)
                return 1
            operations = http_operations(url)
            left_out = coverage(
                name, operations, websocket_routes(chosen, world, env), setup.websocket_spec
            )
            if left_out:
                print(left_out, flush=True)
            if not operations:
                return 0 if setup.websocket_spec else 1
            if st is None:
                fail(f"schemathesis is not installed: run this through `{shell('fuzz', 'NN')}`")
            print(f"fuzz {name}: {url}/openapi.json for {duration} s (schemathesis)", flush=True)
            command = [
                st, "run", *st_args, f"{url}/openapi.json", "--checks", "not_a_server_error",
                "--max-time", str(duration), *headers,
            ]  # fmt: skip
            code = subprocess.call(command, cwd=world, env={**os.environ, "NO_COLOR": "1"})
        if code == 0:
            print(f"fuzz {name}: no server error")
            return 0
        errors = server_errors(log.read_text(encoding="utf-8", errors="replace"), chosen.folder)
        if errors:
            print(f"\nfuzz {name}: schemathesis failed; the app raised:")
            for raised, count in errors.items():
                print(f"  {raised}" + (f" ({count} times)" if count > 1 else ""))
        else:
            print(f"\nfuzz {name}: schemathesis failed (exit status {code}); the app's log:")
            _show(log)
        return 1


#: The methods of an OpenAPI path item that are operations.
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def http_operations(url: str) -> int:
    """How many operations (a method on a path) the served app's `/openapi.json` describes."""
    schema = httpx.get(f"{url}/openapi.json", timeout=30, trust_env=False).json()
    paths = schema.get("paths") if isinstance(schema, dict) else None
    if not isinstance(paths, dict):
        return 0
    return sum(
        1
        for item in paths.values()
        if isinstance(item, dict)
        for method in item
        if method in _METHODS
    )


#: Prints the paths of the WebSocket routes of the app `sys.argv[1]` (`module:attribute`).
_LIST_WEBSOCKETS = """\
import importlib, sys
from starlette.routing import WebSocketRoute
module, _, attribute = sys.argv[1].partition(":")
app = getattr(importlib.import_module(module), attribute)
print("\\n".join(r.path for r in getattr(app, "routes", []) if isinstance(r, WebSocketRoute)))
"""


def websocket_routes(chosen: Chosen, world: Path, env: dict[str, str]) -> list[str]:
    """The paths of the app's WebSocket routes (which OpenAPI does not describe), read from the
    app imported as uvicorn imports it; none if it cannot be imported that way."""
    path = os.pathsep.join(filter(None, [str(chosen.folder), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-c", _LIST_WEBSOCKETS, chosen.exercise.app],
            cwd=world, env={**env, "PYTHONPATH": path}, capture_output=True, text=True,
            timeout=STARTUP_SECONDS, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return []
    return done.stdout.split() if done.returncode == 0 else []


def coverage(name: str, operations: int, websockets: list[str], stand_in: str | None) -> str:
    """One line on what schemathesis cannot fuzz (WebSocket routes) and what stands in for it;
    empty when it can fuzz everything."""
    if operations and not websockets:
        return ""
    fuzzed = (
        f"fuzzing the {operations} HTTP operation{'s' if operations > 1 else ''} of /openapi.json"
        if operations
        else "nothing fuzzed (/openapi.json lists no HTTP operation)"
    )
    if not websockets:
        return f"fuzz {name}: {fuzzed}"
    it = "it" if len(websockets) == 1 else "them"
    routes = f"route{'s' if len(websockets) > 1 else ''} {', '.join(websockets)}"
    instead = (
        f"{SPECS_FOLDER}/{name}/{stand_in} stands in for {it}"
        if stand_in
        else f"no spec stands in for {it} (name one as websocket_spec in {FILE_NAME})"
    )
    return (
        f"fuzz {name}: {fuzzed}; not the WebSocket {routes}, which OpenAPI does not describe "
        f"and schemathesis cannot reach; {instead}"
    )


@contextmanager
def temporary_world() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="kata-fuzz-"))
    try:
        world = root / "world"
        world.mkdir()
        yield world
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def serve(chosen: Chosen, world: Path, env: dict[str, str], log: Path) -> Iterator[str | None]:
    """uvicorn serving the app on a free port: its base URL once it answers, else None."""
    port = _free_port()
    command = [
        sys.executable, "-m", "uvicorn", chosen.exercise.app, "--app-dir", str(chosen.folder),
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as output:
        # A session of its own, so that stopping it stops whatever the app started too.
        server = subprocess.Popen(
            command, cwd=world, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=os.name != "nt",
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            yield url if _ready(server, f"{url}/openapi.json") else None
        finally:
            _stop(server)


def _ready(server: subprocess.Popen[bytes], schema: str) -> bool:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(schema, timeout=2, trust_env=False).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM first, so uvicorn runs the app's shutdown; SIGKILL if it lingers."""
    if server.poll() is None:
        _signal(server, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal(server, signal.SIGKILL if os.name != "nt" else signal.SIGTERM)
            server.wait()


def _signal(server: subprocess.Popen[bytes], number: int) -> None:
    if os.name == "nt":
        server.terminate()
        return
    try:
        os.killpg(server.pid, number)
    except ProcessLookupError:
        pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Before(_Frozen):
    """A request sent once the app is up, before the fuzzer starts."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: Annotated[str, Field(pattern=r"^/")]
    #: A JSON body.
    body: Annotated[Any, Field(alias="json")] = None
    #: A form body (`application/x-www-form-urlencoded`), as OAuth2's password flow takes.
    form: dict[str, str] | None = None
    #: The field of the JSON answer to send as `Authorization: Bearer ...` while fuzzing.
    bearer: str | None = None


class Setup(_Frozen):
    """`fuzz.toml`: the app's environment, requests to send before fuzzing, and the spec that
    stands in for fuzzing the WebSocket routes (`test_N_topic.py::test_name`)."""

    websocket_spec: Annotated[str | None, Field(pattern=r"^test_\w+\.py::test_\w+$")] = None
    env: dict[str, str] = {}
    before: list[Before] = []


class SetupError(Exception):
    """A `[[before]]` request did not get the answer it needs."""


def read_setup(chosen: Chosen) -> Setup:
    """The exercise's `fuzz.toml`, checked; nothing more than `DATABASE_URL` without one."""
    path = chosen.specs / FILE_NAME
    if not path.is_file():
        return Setup()
    shown = f"{chosen.exercise.name}/{FILE_NAME}"
    try:
        setup = Setup.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"{shown} cannot be read: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise UsageError(f"{shown}: {where}: {first['msg']}") from None
    if setup.websocket_spec and not _defines(chosen.specs, setup.websocket_spec):
        raise UsageError(f"{shown}: websocket_spec: no spec {setup.websocket_spec}")
    return setup


def _defines(specs: Path, spec: str) -> bool:
    """Whether `file.py::name` names a test function of that file of the specs."""
    file, _, name = spec.partition("::")
    try:
        tree = ast.parse((specs / file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError):
        return False
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    return any(isinstance(node, functions) and node.name == name for node in tree.body)


def send_before(url: str, requests: list[Before]) -> list[str]:
    """Send the `[[before]]` requests; the `st run` options for the bearer tokens they got."""
    headers: list[str] = []
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        for number, before in enumerate(requests, start=1):
            done = client.request(before.method, before.path, json=before.body, data=before.form)
            what = f"[[before]] request {number}, {before.method} {before.path}"
            if done.is_error:
                raise SetupError(f"{what} answered {done.status_code}: {done.text[:200]}")
            if before.bearer:
                try:
                    token = done.json()[before.bearer]
                except (ValueError, KeyError, TypeError):
                    raise SetupError(f"{what}: no {before.bearer!r} in {done.text[:200]}") from None
                headers += ["--header", f"Authorization: Bearer {token}"]
    return headers


def server_errors(log: str, folder: Path) -> dict[str, int]:
    """The exceptions in an app's log, each with its innermost frame in the app's own code."""
    errors: dict[str, int] = {}
    frame = None
    inside = False
    for raw in log.splitlines():
        line = _GROUP_MARGIN.sub("", raw)
        if line.startswith("Traceback (most recent call last):"):
            inside, frame = True, None
        elif not inside:
            continue
        elif match := _FRAME.match(line):
            path = Path(match["path"])
            if path.is_relative_to(folder):
                where = path.relative_to(folder).as_posix()
                frame = f"{where}:{match['line']} in {match['function']}"
        elif line and not line[0].isspace() and not line.startswith(_TRACEBACK_PROSE):
            error = line.strip() + (f" at {frame}" if frame else "")
            errors[error] = errors.get(error, 0) + 1
            inside = False
    return errors


_GROUP_MARGIN = re.compile(r"^(?:\s*[|+](?:-+[^-]*-+)?)+\s?")
_FRAME = re.compile(r'^\s+File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<function>.+)$')
_TRACEBACK_PROSE = ("During handling", "The above exception", "Exception Group Traceback")


def _show(log: Path) -> None:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    if len(lines) > LOG_LINES:
        print(f"  … {len(lines) - LOG_LINES} earlier lines left out")
    for line in lines[-LOG_LINES:]:
        print(f"  {line}")


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("give whole seconds, e.g. 60") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("give NAME=VALUE")
    return key, value


if __name__ == "__main__":
    sys.exit(main())
