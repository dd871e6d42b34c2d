"""Golden cases: broken apps, each with the results it must get.

Each case in `tests/golden/NAME/` is a `case.toml` that says how to break exercise 01 (which
folder to start from, `base`, and `[[replace]]` edits of its `main.py`, by exact text `old` or
regex `pattern`), extra grader `args` and the platforms it runs `only_on`; and `expected.json`.
After a spec or exercise changes, regenerate with
`KATA_UPDATE_GOLDEN=1 nox -s tests -- tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from cases import build, read_case
from conftest import ROOT, TAG, Graded, copy_tree, run_grader, snapshot, tagged

from grader.manifest import load_track

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(case for case in GOLDEN.iterdir() if case.is_dir())
EXERCISE = "01_first_routes"


def normalise(graded: Graded) -> dict[str, Any]:
    """What must not change: statuses, counts and messages, not timings."""
    assert graded.results is not None, graded.stderr
    return {
        "exit": graded.code,
        "exercises": [
            {
                "name": exercise["name"],
                "status": exercise["status"],
                "message": exercise["message"],
                "passed": exercise["passed"],
                "total": exercise["total"],
                "output cut": "(cut:" in exercise["output"],
                "specs": {
                    spec["name"]: spec["status"]
                    if spec["status"] == "passed"
                    else f"{spec['status']}: {spec['message']}"
                    for spec in exercise["specs"]
                },
            }
            for exercise in graded.results["exercises"]
        ],
    }


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_golden(case: Path, tmp_path: Path) -> None:
    spec = read_case(case / "case.toml")
    platforms = spec.get("only_on")
    if platforms and not sys.platform.startswith(tuple(platforms)):
        pytest.skip(f"runs only on {', '.join(platforms)}")
    target = tmp_path / "target"
    build(spec["base"], EXERCISE, spec.get("replace", []), target)
    before = snapshot(target)
    args = spec.get("args", [])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    tag = uuid.uuid4().hex
    graded = run_grader(
        "grade", "--target", str(target), *args, json_out=tmp_path / "r.json",
        env={"TMPDIR": str(scratch), "TEMP": str(scratch), "TMP": str(scratch), TAG: tag},
    )  # fmt: skip
    actual = normalise(graded)
    expected_file = case / "expected.json"
    if os.environ.get("KATA_UPDATE_GOLDEN"):
        expected_file.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(expected_file.read_text(encoding="utf-8"))
    assert snapshot(target) == before, "grading wrote into the target"
    assert not list(scratch.iterdir()), "grading left temporary files behind"
    if Path("/proc/self/environ").exists():
        assert tagged(tag) == [], "grading left processes running"
    # Colour is off (NO_COLOR): any escape byte would be the app's, acting on the terminal.
    assert "\x1b" not in graded.stdout + graded.stderr, "the app's escape sequences got through"


def test_one_exercise_hanging_and_another_exiting_leave_the_rest_graded(tmp_path: Path) -> None:
    """The issue's acceptance case, on a copy of solutions/: 01 hangs at import, 05 exits."""
    target = copy_tree(ROOT / "solutions", tmp_path / "target")
    main = target / "01_first_routes" / "main.py"
    main.write_text("while True:\n    pass\n" + main.read_text(encoding="utf-8"))
    crud = target / "05_crud" / "main.py"
    crud.write_text(
        crud.read_text(encoding="utf-8")
        + "\n\n@app.middleware('http')\nasync def _exit_on_delete(request, call_next):\n"
        + "    if request.method == 'DELETE':\n        import os\n        os._exit(3)\n"
        + "    return await call_next(request)\n"
    )
    # The default limits: every spec of the other exercises must pass within them, whatever the
    # machine's load. How long the whole grading takes is not the point, and not asserted: the
    # hang is stopped by the grader's own limit, and the results say so.
    graded = run_grader("grade", "--target", str(target), json_out=tmp_path / "r.json")
    assert graded.results is not None, graded.stderr
    assert graded.code == 1, graded.stderr
    assert [e["name"] for e in graded.results["exercises"]] == [
        e.name for e in load_track().exercises
    ]
    hang = graded.exercise("01_first_routes")
    assert hang["status"] == "timeout", hang["message"]
    assert hang["message"].startswith(
        "importing the app did not finish within 10 s (stuck at main.py"
    )
    first, *rest = hang["specs"]
    assert first["status"] == "timeout" and {spec["status"] for spec in rest} == {"not_run"}
    exiting = graded.exercise("05_crud")
    assert exiting["status"] == "in_progress"
    failed = [spec for spec in exiting["specs"] if spec["status"] != "passed"]
    assert failed and all("os._exit(3)" in spec["message"] for spec in failed)
    for exercise in graded.results["exercises"]:
        if exercise["name"] not in ("01_first_routes", "05_crud"):
            assert exercise["status"] == "passed", (exercise["name"], exercise["message"])
