"""Links in an exercise folder are the learner's links: kept as links by reset and restore, and
never followed out of the folder (or round a loop) by the file watcher."""

from __future__ import annotations

import io
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, copy_tree
from test_learner_commands import git

from grader.cli import main
from grader.snapshots import Backups, Link, read_files, replace_files

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symbolic links as on POSIX")

EXERCISE = "01_first_routes"


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A copy of exercise 01 with a link to a file outside it, one to a folder outside it, and a
    link that loops back to the folder itself."""
    folder = copy_tree(ROOT / "exercises" / EXERCISE, tmp_path / "exercises" / EXERCISE)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not the learner's\n")
    (folder / "secret.txt").symlink_to(outside / "secret.txt")
    (folder / "elsewhere").symlink_to(outside)
    (folder / "loop").symlink_to("..")
    return folder


def test_links_are_read_and_written_as_links(linked: Path, tmp_path: Path) -> None:
    files = read_files(linked)
    assert files["secret.txt"] == Link(os.fsencode(tmp_path / "outside" / "secret.txt"))
    assert files["loop"] == Link(b"..") and files["loop"] != b".."
    assert not any(name.startswith(("elsewhere/", "loop/")) for name in files)
    backup = Backups(tmp_path / "kata", EXERCISE).save(files)
    assert (backup / "secret.txt").is_symlink() and read_files(backup) == files
    copy = tmp_path / "copy"
    replace_files(copy, files)
    assert (copy / "secret.txt").is_symlink() and read_files(copy) == files


def test_reset_backs_up_links_as_links_and_restore_brings_them_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    for part in ("exercises", "solutions", "grader/specs"):
        copy_tree(ROOT / part / EXERCISE, repo / part / EXERCISE)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "kata: exercise 01")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the exercise\n")
    folder = repo / "exercises" / EXERCISE
    (folder / "notes.txt").symlink_to(secret)
    monkeypatch.setenv("KATA_HOME", str(tmp_path / "kata"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["reset", "01", "--yes", "--target", str(folder.parent)]) == 0
    (backup,) = (tmp_path / "kata" / "backups" / EXERCISE).iterdir()
    assert (backup / "notes.txt").is_symlink(), "the backup copied what the link points to"
    assert not (folder / "notes.txt").exists()
    assert main(["reset", "01", "--restore", "--yes", "--target", str(folder.parent)]) == 0
    assert (folder / "notes.txt").is_symlink(), "restore turned the link into a file"
    assert os.readlink(folder / "notes.txt") == str(secret)
    assert "Traceback" not in capsys.readouterr().err


class Watcher:
    """`python -m grader.watcher FOLDER [--poll]`, and the lines it says."""

    def __init__(self, folder: Path, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.watcher", str(folder), *options],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.next_line(60) == "ready"

    def next_line(self, timeout: float) -> str | None:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        return self.process.stdout.readline().decode().strip() if ready else None

    def close(self) -> str:
        self.process.terminate()
        _, err = self.process.communicate(timeout=30)
        return err.decode()


@pytest.mark.parametrize("options", [[], ["--poll"]], ids=["events", "poll"])
def test_the_watcher_never_follows_a_link(linked: Path, tmp_path: Path, options: list[str]) -> None:
    watcher = Watcher(linked, *options)
    try:
        time.sleep(0.3)
        (tmp_path / "outside" / "secret.txt").write_text("changed outside\n")
        (tmp_path / "outside" / "new.py").write_text("x = 1\n")
        time.sleep(0.6)
        (linked / "main.py").write_text((linked / "main.py").read_text() + "\n# saved\n")
        line = watcher.next_line(30)
        assert line is not None, "the save was not noticed"
        assert json.loads(line) == ["main.py"]
    finally:
        err = watcher.close()
    assert "Traceback" not in err, err
