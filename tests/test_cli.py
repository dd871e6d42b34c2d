"""The grader's command line: bad input gets one clear line, results and exit statuses are as
documented, and both ways of starting grading processes grade alike."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cases import build, read_case
from conftest import ROOT, Graded, copy_tree, run_grader

from grader.launcher import shell
from grader.manifest import SelectionError, load_track
from grader.results import JSON_VERSION


def _one_line_error(graded: Graded, *words: str) -> None:
    assert graded.code == 2, graded.stdout + graded.stderr
    lines = graded.stderr.strip().splitlines()
    assert len(lines) == 1, graded.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in graded.stderr + graded.stdout
    for word in words:
        assert word in lines[0]


def test_unknown_exercise() -> None:
    _one_line_error(run_grader("grade", "99"), "'99'", "-s list")


def test_misspelt_exercise_gets_a_suggestion() -> None:
    _one_line_error(run_grader("grade", "first-routs"), "did you mean 'first_routes'")


def test_missing_target(tmp_path: Path) -> None:
    _one_line_error(run_grader("grade", "--target", str(tmp_path / "nope")), "does not exist")


def test_target_that_is_a_file(tmp_path: Path) -> None:
    file = tmp_path / "file.txt"
    file.write_text("x")
    _one_line_error(run_grader("grade", "--target", str(file)), "is a file")


def test_target_without_exercise_folders(tmp_path: Path) -> None:
    _one_line_error(run_grader("grade", "--target", str(tmp_path)), "holds no exercise folders")


def test_selected_exercise_missing_from_target(tmp_path: Path) -> None:
    copy_tree(ROOT / "exercises" / "01_first_routes", tmp_path / "01_first_routes")
    _one_line_error(run_grader("grade", "05", "--target", str(tmp_path)), "05_crud missing")


def test_json_into_a_missing_folder(tmp_path: Path) -> None:
    graded = run_grader("grade", "01", "--json", str(tmp_path / "no" / "r.json"))
    _one_line_error(graded, "--json")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("format_version = 1\n[[exercises]]\nnumber = 'x'\n", ["exercises[0].number"]),
        ("format_version = 7\n", ["format_version is 7"]),
        ("this is = = not toml", ["not valid TOML"]),
    ],
)
def test_broken_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, words: list[str]
) -> None:
    manifest = tmp_path / "track.toml"
    manifest.write_text(content)
    monkeypatch.setenv("KATA_MANIFEST", str(manifest))
    _one_line_error(run_grader("grade", "01"), *words)


def test_json_results_and_exit_status(tmp_path: Path) -> None:
    graded = run_grader("grade", "01", "--target", "solutions", json_out=tmp_path / "r.json")
    assert graded.code == 0, graded.stderr
    results = graded.results
    assert results is not None
    assert results["version"] == JSON_VERSION
    (exercise,) = results["exercises"]
    assert exercise["number"] == 1 and exercise["slug"] == "first_routes"
    assert exercise["status"] == "passed"
    assert exercise["passed"] == exercise["total"] > 0
    assert exercise["score"] == exercise["max_score"]
    for key in ("duration", "specs", "message", "output"):
        assert key in exercise
    spec = exercise["specs"][0]
    assert set(spec) >= {"id", "name", "description", "task", "status", "message", "output"}
    assert set(spec) >= {"score", "max_score", "duration"}


def test_fail_under(tmp_path: Path) -> None:
    stub = run_grader("grade", "01", "--fail-under", "0", "-q")
    assert stub.code == 0, stub.stderr
    stub = run_grader("grade", "01", "--fail-under", "50", "-q")
    assert stub.code == 1, stub.stderr


def test_scorecard_without_a_terminal_has_no_colour_and_no_paths(tmp_path: Path) -> None:
    graded = run_grader("grade", "01")
    assert graded.code == 1
    assert "\x1b[" not in graded.stdout
    assert str(ROOT) not in graded.stdout
    assert "Task 1" in graded.stdout and "hint:" in graded.stdout
    assert "Next up: 01" in graded.stdout


def test_spawned_grading_processes_grade_like_forked_ones(tmp_path: Path) -> None:
    forked = run_grader("grade", "01", "--target", "solutions", json_out=tmp_path / "f.json")
    spawned = run_grader(
        "grade", "01", "--target", "solutions", "--isolation", "spawn", json_out=tmp_path / "s.json"
    )
    assert spawned.code == 0, spawned.stderr + spawned.stdout
    assert forked.results and spawned.results
    statuses = [
        [(s["name"], s["status"]) for s in run.exercise("01_first_routes")["specs"]]
        for run in (forked, spawned)
    ]
    assert statuses[0] == statuses[1]


def test_results_json_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run_grader("grade", "01", "--target", "solutions", json_out=out)
    assert json.loads(out.read_text())["exercises"]
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_one_exercise_shared_between_processes_grades_like_one_process(tmp_path: Path) -> None:
    broken = copy_tree(ROOT / "solutions" / "01_first_routes", tmp_path / "t" / "01_first_routes")
    main = broken / "main.py"
    main.write_text(
        main.read_text(encoding="utf-8").replace("return USERS[CURRENT_USER_ID]", "1/0")
    )
    runs = [
        run_grader("grade", "01", "--target", str(tmp_path / "t"), "--jobs", jobs,
                   json_out=tmp_path / f"{jobs}.json")
        for jobs in ("1", "2")
    ]  # fmt: skip
    one, shared = (
        [(s["name"], s["status"], s["message"]) for s in run.exercise("01_first_routes")["specs"]]
        for run in runs
    )
    assert one == shared
    assert any(status == "failed" for _, status, _ in one)


@pytest.mark.parametrize(
    "args",
    [["hint"], ["grade", "--jobs", "many"], ["grade", "--fail-under", "150"], ["grade", "--nope"]],
)
def test_bad_arguments_get_one_line(args: list[str]) -> None:
    _one_line_error(run_grader(*args), "--help")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--memory", "-1"),
        ("--memory", "lots"),
        ("--spec-timeout", "nan"),
        ("--spec-timeout", "inf"),
        ("--spec-timeout", "0"),
        ("--spec-timeout", "-2"),
        ("--timeout", "nan"),
        ("--timeout", "-inf"),
        ("--timeout", "0"),
        ("--jobs", "0"),
    ],
)
def test_limits_that_are_no_limits_are_refused_up_front(option: str, value: str) -> None:
    graded = run_grader("grade", "01", f"{option}={value}")
    _one_line_error(graded, option)
    assert "Total:" not in graded.stdout  # refused before any grading


def test_json_naming_a_folder_is_refused_before_grading(tmp_path: Path) -> None:
    graded = run_grader("grade", "01", "--json", str(tmp_path))
    _one_line_error(graded, "--json", "is a folder")
    assert "Total:" not in graded.stdout


def test_an_unlockable_kata_folder_is_one_warning(tmp_path: Path) -> None:
    home = tmp_path / "kata"
    (home / "lock").mkdir(parents=True)  # a lock that cannot be taken, even by root
    listed = run_grader("list", env={"KATA_HOME": str(home)})
    assert listed.code == 0, listed.stderr
    assert "Next up" in listed.stdout
    assert len(listed.stderr.strip().splitlines()) == 1 and "warning" in listed.stderr
    graded = run_grader("grade", "01", "-q", env={"KATA_HOME": str(home)})
    assert graded.code == 1 and "Total:" in graded.stdout
    assert len(graded.stderr.strip().splitlines()) == 1 and "warning" in graded.stderr


def test_help_without_the_dependencies_says_how_to_run_it() -> None:
    # -S: no site-packages, so none of the kata's dependencies, as in a bare Python.
    done = subprocess.run(
        [sys.executable, "-S", "-m", "grader", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "noxfile.py -s grade" in line


@pytest.mark.parametrize("command", ["grade", "hint", "compare", "reset", "watch", "serve"])
def test_every_command_names_exercises_the_same_way(command: str) -> None:
    _one_line_error(run_grader(command, "f"), "could be any of 01_first_routes, 09_file_upload")
    _one_line_error(run_grader(command, "first-routs"), "did you mean 'first_routes'")


@pytest.mark.parametrize(
    ("name", "number"),
    [("jwt", 7), ("upload", 9), ("rate", 10), ("author", 8), ("crud", 5), ("6", 6), ("07", 7)],
)
def test_an_exercise_by_a_prefix_or_a_word_of_its_slug(name: str, number: int) -> None:
    assert load_track().find(name).number == number


def test_a_name_two_exercises_answer_to_is_refused() -> None:
    """`auth` begins a word of 07_jwt_auth and of 08_authorization: the grader asks for one."""
    with pytest.raises(SelectionError, match="07_jwt_auth, 08_authorization"):
        load_track().find("auth")


def test_printed_commands_work_as_typed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KATA_LAUNCHER", "python3 noxfile.py")
    assert shell("hint", "01", "--more") == "python3 noxfile.py -s hint -- 01 --more"
    monkeypatch.delenv("KATA_LAUNCHER")
    monkeypatch.setenv("PATH", str(tmp_path))  # no nox, as right after the quick start
    assert shell("list").endswith("noxfile.py -s list")
    graded = run_grader("grade", "01", env={"KATA_LAUNCHER": "py noxfile.py"})
    assert "(py noxfile.py -s grade -- 01)" in graded.stdout
    # Nowhere else does the grader spell a command out.
    for path in (ROOT / "grader").rglob("*.py"):
        if "specs" not in path.parts and path.name not in ("launcher.py", "__main__.py"):
            assert "nox -s" not in path.read_text(encoding="utf-8"), path


def test_learner_commands_share_one_environment_and_become_the_grader() -> None:
    import nox.registry

    import noxfile  # noqa: F401 - registers the sessions

    sessions = nox.registry.get()
    for name in ("grade", "solutions", "list", "hint", "watch", "reset", "compare", "serve"):
        func = sessions[name]
        assert func.venv_backend == "none", name
        assert "learner(session" in inspect.getsource(func), name


@pytest.mark.parametrize("shown", [[], ["-q"]], ids=["detail", "quiet"])
def test_escape_sequences_from_the_app_never_reach_the_terminal(
    tmp_path: Path, shown: list[str]
) -> None:
    case = read_case(ROOT / "tests" / "golden" / "terminal_escapes" / "case.toml")
    build(case["base"], "01_first_routes", case["replace"], tmp_path)
    graded = run_grader("grade", "01", "--target", str(tmp_path), *shown)
    assert graded.code == 1
    assert "^[" in graded.stdout, "the app's escape sequences should be shown, made visible"
    for control in ("\x1b", "\x07", "\x9b", "\r", "\u202e"):
        assert control not in graded.stdout + graded.stderr, repr(control)
