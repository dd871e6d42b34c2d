"""The learner's commands: list, hint, compare and reset, each on temporary copies."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree

from grader.cli import main
from grader.commands.reset import differences
from grader.manifest import load_track
from grader.progress import Store
from grader.results import ExerciseResult, RunResult, SpecResult, SpecStatus
from grader.snapshots import read_files
from grader.stubs import make_record, read_record, write_record

EXERCISE = "01_first_routes"
TASKS = load_track().get(EXERCISE).tasks


@pytest.fixture
def kata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A target holding a copy of exercise 01's stub, with progress kept beside it."""
    monkeypatch.setenv("KATA_HOME", str(tmp_path / "kata"))
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    target = tmp_path / "exercises"
    copy_tree(ROOT / "exercises" / EXERCISE, target / EXERCISE)
    past = time.time() - 3600  # saved before any grading the tests record
    for path in (target / EXERCISE).iterdir():
        os.utime(path, (past, past))
    return target


def graded(target: Path, passed_tasks: int) -> None:
    """Record a grading of 01 in which the first `passed_tasks` tasks passed."""
    specs = [
        SpecResult(
            id=f"{EXERCISE}/test_{task.number}.py::test",
            name="test",
            description=f"task {task.number}",
            task=task.number,
            status=SpecStatus.PASSED if task.number <= passed_tasks else SpecStatus.FAILED,
        )
        for task in TASKS
    ]
    exercise = ExerciseResult(
        number=1, slug="first_routes", title="First routes", max_score=10.0, specs=specs
    )
    Store().record(RunResult(target="exercises", exercises=[exercise], started_at=""), target)


def grader(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


# --- list ---------------------------------------------------------------------------------------
def test_list_before_any_grading(kata: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = grader(capsys, "list", "--target", str(kata))
    assert code == 0
    assert "→  01  First routes" in out and "not graded yet" in out
    assert "0 of 7 exercises done" in out and "0/135 points (0%)" in out
    assert "Next up: 01 First routes" in out


def test_list_shows_best_scores_and_the_next_exercise(
    kata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graded(kata, passed_tasks=len(TASKS))
    graded(kata, passed_tasks=2)
    code, out = grader(capsys, "list", "--target", str(kata))
    row = next(line for line in out.splitlines() if "First routes" in line)
    assert "in progress" in row and "10/10" in row and "→" not in row
    assert "→  05  CRUD" in out
    assert "1 of 7 exercises done" in out and "10/135 points (7%)" in out


# --- hint ---------------------------------------------------------------------------------------
def test_hints_go_from_a_nudge_to_specific(kata: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graded(kata, passed_tasks=1)
    task = TASKS[1]
    _, first = grader(capsys, "hint", "01", "--target", str(kata))
    assert f"Task 2: {task.title}" in first and "(hint 1 of 3)" in first
    assert task.hints[0][:40] in first and task.hints[1][:40] not in first
    _, second = grader(capsys, "hint", "01", "--target", str(kata))
    assert "(hint 2 of 3)" in second and task.hints[1][:40] in second
    _, third = grader(capsys, "hint", "first_routes", "--target", str(kata))
    _, fourth = grader(capsys, "hint", "01", "--target", str(kata))
    assert "(hint 3 of 3)" in third and "(hint 3 of 3)" in fourth
    assert "every hint for this task" in fourth


def test_more_skips_ahead_and_a_new_task_starts_over(
    kata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graded(kata, passed_tasks=0)
    _, out = grader(capsys, "hint", "01", "--more", "--target", str(kata))
    assert "Task 1:" in out and "(hint 2 of 3)" in out
    graded(kata, passed_tasks=3)
    _, out = grader(capsys, "hint", "01", "--target", str(kata))
    assert "Task 4:" in out and "(hint 1 of 3)" in out


def test_no_hint_once_it_passes(kata: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graded(kata, passed_tasks=len(TASKS))
    code, out = grader(capsys, "hint", "01", "--target", str(kata))
    assert code == 0 and "no hint needed" in out and "nox -s compare -- 01" in out


def test_hint_grades_first_when_the_files_changed(kata: Path) -> None:
    shutil.copy(ROOT / "solutions" / EXERCISE / "main.py", kata / EXERCISE / "main.py")
    done = subprocess.run(
        [sys.executable, "-m", "grader", "hint", "01", "--target", str(kata)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "grading 01_first_routes" in done.stderr and "no hint needed" in done.stdout


# --- compare ------------------------------------------------------------------------------------
def test_compare_waits_until_the_exercise_passes(
    kata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = grader(capsys, "compare", "01", "--target", str(kata))
    assert code == 1 and "has not passed yet" in out and "--force" in out
    assert "ISBN_PATTERN" not in out


@pytest.mark.parametrize("view", ["unified", "side"])
def test_compare_with_force(kata: Path, capsys: pytest.CaptureFixture[str], view: str) -> None:
    code, out = grader(capsys, "compare", "01", "--force", "--view", view, "--target", str(kata))
    assert code == 0
    assert "main.py" in out and r"^97[89]\d{10}$" in out
    if view == "unified":
        assert "--- yours/main.py" in out and "+++ reference/main.py" in out
    else:
        assert "yours" in out and "reference" in out and "--- yours" not in out


def test_compare_once_passed(kata: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "solutions" / EXERCISE / "main.py", kata / EXERCISE / "main.py")
    graded(kata, passed_tasks=len(TASKS))
    code, out = grader(capsys, "compare", "01", "--target", str(kata))
    assert code == 0 and "the same as the reference" in out


# --- reset --------------------------------------------------------------------------------------
def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=kata", "-c", "user.email=kata@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def authors_commit(repo: Path, message: str) -> None:
    """Commit as the kata's authors do: with the record of the stubs brought up to date."""
    write_record(repo, make_record(repo / "exercises"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of a kata whose history has a commit where exercise 01's README changed alone,
    then the learner's commit of an attempt."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.setenv("KATA_HOME", str(tmp_path / "kata"))
    monkeypatch.setenv("COLUMNS", "200")
    repo = tmp_path / "repo"
    for folder in ("exercises", "solutions", "grader/specs"):
        copy_tree(ROOT / folder / EXERCISE, repo / folder / EXERCISE)
    git(repo, "init", "-q")
    authors_commit(repo, "kata: exercise 01")
    readme = repo / "exercises" / EXERCISE / "README.md"
    readme.write_text(readme.read_text() + "\nA sentence the authors added later.\n")
    authors_commit(repo, "kata: 01's README, alone")
    (repo / "exercises" / EXERCISE / "main.py").write_text("attempt = 1\n")
    git(repo, "commit", "-qam", "learner: my attempt")
    return repo


def the_stub(repo: Path) -> dict[str, bytes]:
    """Exercise 01 as the authors last committed it in `repo`: README from the second commit,
    main.py from the first."""
    return {
        "README.md": subprocess.run(
            ["git", "show", f"HEAD~1:exercises/{EXERCISE}/README.md"],
            cwd=repo,
            capture_output=True,
            check=True,
        ).stdout,
        "main.py": (ROOT / "exercises" / EXERCISE / "main.py").read_bytes(),
    }


def test_reset_gives_back_the_current_readme_and_stub(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = repo / "exercises" / EXERCISE
    # The learner annotated the README too, and committed it: their commits never count.
    (folder / "README.md").write_text("my notes\n")
    git(repo, "commit", "-qam", "learner: notes")
    attempt = read_files(folder)
    code, out = grader(capsys, "reset", "01", "--yes", "--target", str(repo / "exercises"))
    assert code == 0, out
    assert read_files(folder) == the_stub(repo)
    assert b"A sentence the authors added later." in (folder / "README.md").read_bytes()
    (backup,) = (Path(os.environ["KATA_HOME"]) / "backups" / EXERCISE).iterdir()
    assert read_files(backup) == attempt and "--restore" in out


def test_reset_asks_and_says_which_files_change(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = repo / "exercises"
    (target / EXERCISE / "notes.py").write_text("mine\n")
    attempt = read_files(target / EXERCISE)
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    code, out = grader(capsys, "reset", "01", "--target", str(target))
    assert code == 1 and "Nothing changed" in out
    assert "Main.py goes back to the stub; notes.py goes away." in out
    assert "README.md" not in out  # the learner did not change it
    assert read_files(target / EXERCISE) == attempt
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    readme = target / EXERCISE / "README.md"
    before = readme.stat().st_mtime_ns
    code, out = grader(capsys, "reset", "01", "--target", str(target))
    assert code == 0 and read_files(target / EXERCISE) == the_stub(repo)
    assert readme.stat().st_mtime_ns == before, "a file the learner did not change was written"
    code, out = grader(capsys, "reset", "01", "--restore", "--yes", "--target", str(target))
    assert code == 0 and read_files(target / EXERCISE) == attempt


def test_nothing_to_reset_touches_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "reset", "-q", "--hard", "HEAD~1")  # before the learner's attempt
    folder = repo / "exercises" / EXERCISE
    times = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    code, out = grader(capsys, "reset", "01", "--yes", "--target", str(repo / "exercises"))
    assert code == 0 and "nothing to reset" in out and "backed up" not in out
    assert "Your attempt" not in out
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == times
    assert not (Path(os.environ["KATA_HOME"]) / "backups").exists()


def test_nothing_to_reset_in_the_kata_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the kata's git history")
    monkeypatch.setenv("COLUMNS", "300")
    target = tmp_path / "exercises"
    for name in ("01_first_routes", "05_crud"):
        copy_tree(ROOT / "exercises" / name, target / name)
        code, out = grader(capsys, "reset", name[:2], "--yes", "--target", str(target))
        assert code == 0 and "nothing to reset" in out, out


def test_line_endings_alone_are_no_change() -> None:
    stub = {"main.py": b"a\nb\n", "README.md": b"x\n"}
    assert differences({"main.py": b"a\r\nb\r\n", "README.md": b"x\n"}, stub) == []
    assert differences({"main.py": b"a\nc\n", "extra.py": b""}, stub) == [
        "README.md",
        "extra.py",
        "main.py",
    ]


def test_no_sequence_of_resets_loses_an_attempt(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = repo / "exercises" / EXERCISE
    attempts = []
    for step, command in enumerate(["reset", "edit", "restore", "edit", "reset", "restore"] * 2):
        if command == "edit":
            (folder / "main.py").write_text(f"attempt = {step}\n")
        else:
            extra = ["--restore"] if command == "restore" else []
            code, out = grader(
                capsys, "reset", "01", "--yes", "--target", str(folder.parent), *extra
            )
            assert code == 0, out
        attempts.append(read_files(folder))
    backups = Path(os.environ["KATA_HOME"]) / "backups" / EXERCISE
    kept = [read_files(backup) for backup in backups.iterdir()] + [read_files(folder)]
    assert all(files in kept or files == the_stub(repo) for files in attempts)


@pytest.fixture
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A download of the kata without git: exercise 01 and the record of the stubs."""
    monkeypatch.setenv("KATA_HOME", str(tmp_path / "kata"))
    monkeypatch.setenv("COLUMNS", "300")
    kata = tmp_path / "fastapi-kata-main"
    copy_tree(ROOT / "exercises" / EXERCISE, kata / "exercises" / EXERCISE)
    write_record(kata, make_record(kata / "exercises"))
    return kata / "exercises"


def test_without_git_reset_uses_the_stub_seen_untouched(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = grader(capsys, "list", "--target", str(archive))  # the learner's first command
    assert code == 0
    stub = read_files(archive / EXERCISE)
    (archive / EXERCISE / "main.py").write_text("attempt = 1\n")
    code, out = grader(capsys, "reset", "01", "--yes", "--target", str(archive))
    assert code == 0, out
    assert read_files(archive / EXERCISE) == stub


def test_without_git_or_an_untouched_stub_reset_says_how_to_get_one(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (archive / EXERCISE / "main.py").write_text("attempt = 1\n")
    code, out = grader(capsys, "reset", "01", "--yes", "--target", str(archive))
    assert code == 2 and len(out.strip().splitlines()) == 1
    assert "not a git clone" in out and "clone the kata with git" in out


def test_the_record_of_the_stubs_is_up_to_date() -> None:
    assert read_record(ROOT) == make_record(ROOT / "exercises"), (
        "grader/stubs.lock is out of date: run `python -m grader.stubs` after changing a stub"
    )
