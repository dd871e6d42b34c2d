"""The authors' tools: `nox -s mutants` (cosmic-ray over a copy of a solution) and `nox -s fuzz`
(schemathesis against a served solution). Their full runs take minutes and are not run here;
bad input, the bookkeeping of survivors and one small mutation session are."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from conftest import ROOT, copy_tree, snapshot

from grader.dev.fuzz import (
    Before,
    Setup,
    coverage,
    read_setup,
    send_before,
    serve,
    server_errors,
    temporary_world,
)
from grader.dev.mutants import Mutant, operator_nodes, passes, scope_of, skip_reason
from grader.dev.selection import Chosen, UsageError, choose
from grader.dev.survivors import Change, parse_explanations, sort_survivors
from grader.manifest import load_track

DIFF = """--- mutation diff ---
--- a/limiter.py
+++ b/limiter.py
@@ -40,3 +40,3 @@
     hits = self.hits[client]
-    if len(hits)  >= limit:
+    if len(hits) > limit:
         return False"""


def _tool(
    module: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"grader.dev.{module}", *args],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in done.stdout + done.stderr
    for word in words:
        assert word in lines[0]


# Bad input: one line on stderr, exit status 2.


@pytest.mark.parametrize("module", ["mutants", "fuzz"])
def test_unknown_exercise(module: str) -> None:
    _one_line_error(_tool(module, "99"), "'99'")


@pytest.mark.parametrize("module", ["mutants", "fuzz"])
def test_missing_exercise_folder(module: str, tmp_path: Path) -> None:
    _one_line_error(_tool(module, "01", "--target", str(tmp_path)), "no folder 01_first_routes")


@pytest.mark.parametrize("module", ["mutants", "fuzz"])
def test_no_exercise_named(module: str) -> None:
    _one_line_error(_tool(module), "required")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--file", "nope.py"], ["no file nope.py", "main.py"]),
        (["--operator", "("], ["--operator"]),
        (["--lines", "9-3"], ["--lines"]),
        (["--jobs", "0"], ["--jobs"]),
    ],
)
def test_bad_mutants_options(args: list[str], words: list[str]) -> None:
    _one_line_error(_tool("mutants", "01", *args), *words)


@pytest.mark.parametrize(
    ("args", "words"), [(["--duration", "0"], ["--duration"]), (["--env", "X"], ["--env"])]
)
def test_bad_fuzz_options(args: list[str], words: list[str]) -> None:
    _one_line_error(_tool("fuzz", "01", *args), *words)


def test_choose_takes_numbers_and_slugs() -> None:
    assert choose("7").folder == ROOT / "solutions" / "07_jwt_auth"
    assert choose("crud").specs == ROOT / "grader" / "specs" / "05_crud"
    with pytest.raises(UsageError, match="no exercise"):
        choose("nope")


def test_fuzz_setup_comes_from_fuzz_toml(tmp_path: Path) -> None:
    chosen = Chosen(choose("10").exercise, tmp_path, tmp_path)
    assert read_setup(chosen) == Setup()
    fuzz_toml = tmp_path / "fuzz.toml"
    fuzz_toml.write_text(
        '[env]\nRATE_LIMIT = "50"\n[[before]]\nmethod = "POST"\npath = "/token"\n'
        'form = { username = "u" }\nbearer = "access_token"\n'
    )
    setup = read_setup(chosen)
    assert setup.env == {"RATE_LIMIT": "50"}
    assert setup.before == [
        Before(method="POST", path="/token", form={"username": "u"}, bearer="access_token")
    ]
    for text, words in [
        ("[env]\nRATE_LIMIT = 50\n", "env.RATE_LIMIT"),
        ('[[before]]\nmethod = "POST"\npath = "token"\n', "before.0.path"),
        ('[[before]]\nmethod = "GET"\npath = "/"\nheaders = {}\n', "before.0.headers"),
        ("[env\n", "cannot be read"),
        ('websocket_spec = "test_1.py"\n', "websocket_spec"),
        ('websocket_spec = "test_1_ws.py::test_absent"\n', "no spec test_1_ws.py::test_absent"),
        ('websocket_spec = "test_2_none.py::test_frames"\n', "no spec test_2_none.py"),
    ]:
        fuzz_toml.write_text(text)
        with pytest.raises(UsageError, match=words):
            read_setup(chosen)
    (tmp_path / "test_1_ws.py").write_text("async def test_frames() -> None:\n    pass\n")
    fuzz_toml.write_text('websocket_spec = "test_1_ws.py::test_frames"\n')
    assert read_setup(chosen).websocket_spec == "test_1_ws.py::test_frames"


def test_every_fuzz_toml_of_the_track_is_valid() -> None:
    for exercise in load_track().exercises:
        read_setup(choose(exercise.name))


def test_fuzzing_says_what_it_cannot_reach_and_what_stands_in() -> None:
    """WebSocket routes are not in OpenAPI: one line names them, and the spec fuzz.toml names."""
    assert coverage("01_x", 7, [], None) == ""
    assert coverage("01_x", 0, [], None) == (
        "fuzz 01_x: nothing fuzzed (/openapi.json lists no HTTP operation)"
    )
    assert coverage("02_x", 3, ["/ws/a", "/ws/b"], "test_2_ws.py::test_frames") == (
        "fuzz 02_x: fuzzing the 3 HTTP operations of /openapi.json; not the WebSocket routes "
        "/ws/a, /ws/b, which OpenAPI does not describe and schemathesis cannot reach; "
        "grader/specs/02_x/test_2_ws.py::test_frames stands in for them"
    )
    assert coverage("03_x", 1, ["/ws"], None).endswith(
        "1 HTTP operation of /openapi.json; not the WebSocket route /ws, which OpenAPI does not "
        "describe and schemathesis cannot reach; no spec stands in for it (name one as "
        "websocket_spec in fuzz.toml)"
    )


def test_an_app_of_websockets_only_is_not_fuzzed_and_says_so() -> None:
    """13 under uvicorn: no HTTP operation to fuzz (schemathesis not even needed), one line."""
    chosen = choose("13")
    before = snapshot(chosen.folder)
    done = _tool("fuzz", "13")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "fuzz 13_websockets: nothing fuzzed (/openapi.json lists no HTTP operation); not the "
        "WebSocket route /ws/rooms/{room}, which OpenAPI does not describe and schemathesis "
        "cannot reach; grader/specs/13_websockets/test_3_bad_frames.py"
        "::test_hostile_frames_never_crash_the_connection stands in for it"
    ], done.stdout
    assert snapshot(chosen.folder) == before


def test_the_served_app_gets_its_setup_and_leaves_nothing_behind() -> None:
    """07 under uvicorn with its fuzz.toml: the user signed in first has a working token."""
    chosen = choose("07")
    setup = read_setup(chosen)
    before = snapshot(chosen.folder)
    with temporary_world() as world:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **setup.env}
        env["DATABASE_URL"] = f"sqlite:///{(world / 'app.db').as_posix()}"
        with serve(chosen, world, env, world / "server.log") as url:
            assert url is not None, (world / "server.log").read_text()
            options = send_before(url, setup.before)
            assert options[0] == "--header" and options[1].startswith("Authorization: Bearer ")
            name, _, value = options[1].partition(": ")
            me = httpx.get(f"{url}/users/me", headers={name: value}, trust_env=False)
            assert me.status_code == 200, me.text
            assert me.json()["username"] == "fuzzer"
        log = (world / "server.log").read_text()
        assert "Application shutdown complete" in log, log
    assert not world.exists()
    assert snapshot(chosen.folder) == before


def test_server_errors_name_each_exception_and_its_frame_in_the_app(tmp_path: Path) -> None:
    app = tmp_path / "app"
    log = f"""INFO:     Started server process [1]
ERROR:    Exception in ASGI application
Traceback (most recent call last):
  File "/venv/uvicorn/protocols/http/httptools_impl.py", line 416, in run_asgi
    result = await app(scope, receive, send)
  File "{app}/main.py", line 33, in get_product
    product = session.get(Product, product_id)
  File "/venv/sqlalchemy/engine/default.py", line 1192, in do_execute
    cursor.execute(statement, parameters)
OverflowError: Python int too large to convert to SQLite INTEGER
ERROR:    Exception in ASGI application
  + Exception Group Traceback (most recent call last):
  |   File "/venv/starlette/_utils.py", line 79, in collapse_excgroups
  | ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "{app}/routers/files.py", line 7, in upload
    |     raise ValueError("boom")
    | ValueError: boom
    +------------------------------------
INFO:     Shutting down
"""
    assert server_errors(log + log, app) == {
        "OverflowError: Python int too large to convert to SQLite INTEGER"
        " at main.py:33 in get_product": 2,
        "ValueError: boom at routers/files.py:7 in upload": 2,
    }
    assert server_errors("INFO:     Started server process [1]\n", app) == {}


# Survivors and MUTANTS.md.


def test_a_change_is_its_first_removed_and_added_lines_whitespace_collapsed() -> None:
    change = Change.from_diff("limiter.py", "Limiter.hit", DIFF)
    assert change == Change(
        "limiter.py", "Limiter.hit", "if len(hits) >= limit:", "if len(hits) > limit:"
    )
    assert change.entry() == (
        "- `limiter.py` in `Limiter.hit`: `if len(hits) >= limit:` → `if len(hits) > limit:`"
    )


def test_a_removed_decorator_is_its_line_not_the_comment_above_it() -> None:
    diff = "--- a/s.py\n+++ b/s.py\n@@ -1,3 +1,1 @@\n-# Cached: one hasher.\n-@lru_cache\n def f():"
    assert Change.from_diff("s.py", "f", diff) == Change("s.py", "f", "@lru_cache", "")


def test_printed_entries_read_back_with_their_reason() -> None:
    changes = [
        Change.from_diff("limiter.py", "Limiter.hit", DIFF),
        Change.of("main.py", "", "@lru_cache", ""),
        Change.of("main.py", "", "x = `a`", "x = `b`"),
    ]
    text = "# Survivors\n\nProse that is not an entry.\n\n" + "\n".join(
        f"{change.entry()} — reason {number}" for number, change in enumerate(changes)
    )
    entries = parse_explanations(text)
    assert [entry.change for entry in entries] == changes
    assert [entry.why for entry in entries] == ["reason 0", "reason 1", "reason 2"]
    assert entries[0].line == 5
    assert "→ removed" in changes[1].entry()


def test_survivors_are_sorted_into_explained_unexplained_and_stale_entries() -> None:
    kept, new, gone = (Change.of("a.py", "f", f"x = {n}", f"x = {n + 1}") for n in range(3))
    text = "\n".join(
        [
            f"{kept.entry()} — equivalent: x is only compared with 0",
            f"{gone.entry()} — the code changed since",
            f"{new.entry()}",
        ]
    )
    result = sort_survivors([kept, new, kept], parse_explanations(text))
    assert [change for change, _ in result.explained] == [kept, kept]
    assert result.unexplained == [new]
    assert [entry.change for entry in result.unreasoned] == [new]
    assert [entry.change for entry in result.stale] == [gone]


def test_a_mutant_is_placed_in_its_function_or_class_decorators_included() -> None:
    tree = ast.parse("class A:\n    @dec\n    def m(self):\n        return 1\n\nx = 2\n")
    assert [scope_of(tree, line) for line in (1, 2, 4, 6)] == ["A", "A.m", "A.m", ""]


def test_stars_that_are_not_arithmetic_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f(a, *, b):\n    return a * g(**b) | 1\n")
    where = {"keyword-only": (1, 9), "times": (2, 13), "unpack": (2, 17), "or": (2, 23)}
    mutants = [
        Mutant(
            name,
            "m.py",
            line,
            "ReplaceBinaryOperator_Mul_Div",
            SimpleNamespace(start_pos=(line, column)),
        )
        for name, (line, column) in where.items()
    ]
    kinds = operator_nodes(tmp_path, mutants)
    reasons = {mutant.job_id: skip_reason(mutant, kinds, {}, [], None) for mutant in mutants}
    assert reasons == {
        "keyword-only": "`*` or `**` that is not arithmetic",
        "times": None,
        "unpack": "`*` or `**` that is not arithmetic",
        "or": None,
    }


@pytest.mark.parametrize(
    ("killed", "unexplained", "expected"),
    [(90.0, 0, True), (100.0, 0, True), (89.9, 0, False), (95.0, 1, False)],
)
def test_a_score_passes_at_90_percent_killed_with_every_survivor_explained(
    killed: float, unexplained: int, expected: bool
) -> None:
    assert passes(killed, unexplained) is expected


# One small mutation session, end to end.


def test_mutation_session_grades_a_copy_and_reports_survivors(tmp_path: Path) -> None:
    """`==` → `is` on main.py: an enum compared by identity survives (enum members are
    singletons), a string compared by identity is killed; the solution is never written."""
    target = copy_tree(ROOT / "solutions" / "01_first_routes", tmp_path / "t" / "01_first_routes")
    before = snapshot(target.parent)
    line = next(
        line
        for line in (target / "main.py").read_text(encoding="utf-8").splitlines()
        if ".genre == genre" in line
    )
    survivor = Change.of(
        "main.py", "list_books_in_genre", line, line.replace(".genre == genre", ".genre is genre")
    )
    explained = tmp_path / "MUTANTS.md"
    explained.write_text(
        f"{survivor.entry()} — equivalent: enum members are singletons\n"
        "- `main.py`: `gone = 1` → `gone = 2` — the code changed since\n",
        encoding="utf-8",
    )
    temp = tmp_path / "tmp"
    temp.mkdir()
    args = ["01", "--target", str(target.parent), "--file", "main.py", "--operator", "Eq_Is$"]
    done = _tool("mutants", *args, "--explained", str(explained), env={"TMPDIR": str(temp)})
    out = done.stdout
    # Every survivor is explained, but half the mutants is far from 90% killed.
    assert done.returncode == 1, out + done.stderr
    assert "killed       1" in out and "survived     1" in out, out
    assert "50.0% killed; 100.0% with explained survivors set aside" in out, out
    assert f"Explained survivors:\n  {survivor.entry()} — equivalent" in out, out
    assert "Survivors to kill" not in out, out
    assert "MUTANTS.md:2: no surviving mutant is `main.py`: `gone = 1`" in out, out
    assert snapshot(target.parent) == before
    assert list(temp.iterdir()) == []
