"""What the scorecard shows under a failing spec: the reason, what the app printed, the hint;
and a guard spec's failed control request read as such."""

from __future__ import annotations

import io

from rich.console import Console

from grader.manifest import load_track
from grader.messages import visible
from grader.reporter import explain_control
from grader.results import ExerciseResult, RunResult, SpecResult, SpecStatus
from grader.scorecard import render


def scorecard(*specs: SpecResult) -> str:
    exercise = ExerciseResult(
        number=1, slug="first_routes", title="First routes", max_score=10.0, specs=list(specs)
    )
    run = RunResult(target="exercises", exercises=[exercise], started_at="")
    out = io.StringIO()
    render(Console(file=out, width=100, color_system=None), run, load_track(), detail=True)
    return out.getvalue()


def test_the_apps_output_is_shown_under_its_failing_spec() -> None:
    failing = SpecResult(
        id="a",
        name="test_users_me",
        description="GET /users/me answers 200 with the signed-in user.",
        task=5,
        status=SpecStatus.FAILED,
        message="GET /users/me → expected 200, got 500",
        output=visible("debug: looking up user 2\nKeyError: 99\x1b[2J\n"),
    )
    passing = SpecResult(
        id="b", name="t", description="GET /users/1 answers 200.", task=5, output="noise\n"
    )
    passing.status = SpecStatus.PASSED
    lines = scorecard(failing, passing).splitlines()
    at = next(i for i, line in enumerate(lines) if "expected 200, got 500" in line)
    assert "the app printed:" in lines[at + 1]
    assert "debug: looking up user 2" in lines[at + 2] and "KeyError: 99^[[2J" in lines[at + 3]
    assert "noise" not in "\n".join(lines), "a passing spec's output is not shown"


def test_a_failed_control_request_says_so() -> None:
    guard = 'GET /books/{book_id} answers 404 with a JSON "detail" for an id that does not exist.'
    failed = 'GET /books/12 → expected 200, got 404: {"detail":"Not Found"}'
    explained = explain_control(guard, failed)
    assert explained.startswith("control request failed: GET /books/12 → expected 200")
    assert "checks the 404 only once" in explained
    # The spec's own check, and specs about a success, keep their message as it is.
    own = "GET /books/13 → expected 404, got 200: {...}"
    assert explain_control(guard, own) == own
    about_success = "After a 409 on POST /products, the next requests succeed."
    assert explain_control(about_success, failed) == failed
    both = "GET /books/{book_id} accepts id 1 (200) and rejects 0 and -1 (422)."
    assert explain_control(both, failed) == failed
